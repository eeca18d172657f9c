"""What the index reads of a paper's page: the text a reader sees there, less its links and
facts.

The theme marks the part of a paper's page that the index reads (``data-search-body``: the
paper's article) and, inside it, the parts it skips (``data-search-ignore``: the date and
issue line, the links, the citation box, the machine-written badges); the pager between papers
is skipped too. What is left, without its tags and with its entities read, is the text
(:func:`page_text`). The page gives the paper's title in each language in ``<meta>`` tags marked
``data-search-title`` (:func:`page_titles`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from .terms import terms, title_terms

BODY = "data-search-body"
IGNORED = "data-search-ignore"
#: A tag that gives the paper's title in one language.
_TITLE_META = re.compile(r"""<meta\b[^>]*\bdata-search-title="([\w-]+)"[^>]*>""")
_BODY = re.compile(rf"<([a-zA-Z][\w-]*)\b[^>]*?\s{BODY}\b[^>]*>")
_WHOLE_BODY = re.compile(r"<body\b[^>]*>(.*)</body>", re.S)
_CONTENT = re.compile(r'\bcontent="([^"]*)"')
#: Elements whose text is not the paper's (the pager between papers, scripts, forms).
SKIPPED = ("nav", "script", "style", "template", "form", "noscript", "svg")
_SKIP = re.compile(rf"<({'|'.join(SKIPPED)})\b[^>]*>|<([a-zA-Z][\w-]*)\b[^>]*\s{IGNORED}\b[^>]*>")
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def without_ignored(body: str) -> str:
    """``body`` without the elements marked :data:`IGNORED` and those of :data:`SKIPPED`
    (each to its own closing tag, with what it holds)."""
    parts, at = [], 0
    for tag in _SKIP.finditer(body):
        if tag.start() < at:  # inside an element skipped already
            continue
        parts.append(body[at:tag.start()])
        at = _element_end(body, tag[1] or tag[2], tag.end())
    parts.append(body[at:])
    return "".join(parts)


def _element_end(body: str, name: str, at: int) -> int:
    """Where the element ``name`` whose opening tag ends at ``at`` ends (after its closing tag,
    nested elements of the same name counted); the end of ``body`` if it is never closed."""
    opening = re.compile(rf"<{name}\b[^>]*>|</{name}\s*>", re.I)
    depth = 1
    for tag in opening.finditer(body, at):
        depth += -1 if tag[0].startswith("</") else 1
        if depth == 0:
            return tag.end()
    return len(body)


def searched_body(page: str) -> str:
    """The inside of a page's element marked :data:`BODY` (to the last closing tag of that
    name: a paper's page has one such element), else of its ``<body>``."""
    marked = page.find(BODY)
    while marked >= 0:  # found by the attribute's name: quicker than a pattern tried at every <
        start = _BODY.match(page, max(0, page.rfind("<", 0, marked)))
        if start is not None and start.end() > marked:
            end = page.rfind(f"</{start[1]}>")
            return page[start.end():end] if end > start.end() else page[start.end():]
        marked = page.find(BODY, marked + 1)
    whole = _WHOLE_BODY.search(page)
    return whole[1] if whole else page


def page_text(page: str) -> str:
    """The text of a paper's page that the index reads, its whitespace made single spaces."""
    body = without_ignored(searched_body(page))
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", body))).strip()


def page_terms(page: str, titles: Mapping[str, str] | None = None) -> set[str]:
    """The terms a paper's page is indexed under: its text's, and its titles' marked
    (``titles``: :func:`page_titles` of it, when known)."""
    titles = page_titles(page) if titles is None else titles
    return terms(page_text(page)) | title_terms(titles.values())


def page_titles(page: str) -> dict[str, str]:
    """The paper's titles that its page gives the index, by language."""
    titles = {}
    for tag in _TITLE_META.finditer(page):
        content = _CONTENT.search(tag[0])
        if content is not None:
            titles.setdefault(tag[1], html.unescape(content[1]))
    return titles
