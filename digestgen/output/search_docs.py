"""The documents the search index is made of: each a run of papers, read from their pages.

Pagefind writes a file (a fragment: the text it shows and excerpts from) for every document it
indexes, so an index of one document a paper would add a file a paper to the site, and it
spends about as long on each document's setup as on its words. So the index holds documents of
about :data:`DOCUMENT_PAPERS` papers each. A document holds, for each of its papers, what
Pagefind reads of the paper's page (the body it marks with ``data-pagefind-body``, still
honouring ``data-pagefind-ignore``) in an element whose ``id`` is the paper page's path (its
*anchor*: Pagefind records where in the document's words each anchor starts), and the page's
``data-pagefind-meta`` fields, each named after the paper (``papers/x/title_zh``). The theme's
script cuts a document found into its papers by these anchors, keeps the papers that have every
word of the query, and links each to its page.

Every other ``id`` of a page is left out (Pagefind would record it as an anchor too), and each
run of Han or kana is written as its pairs (:func:`~digestgen.output.search.index_html`).
"""

from __future__ import annotations

import html
import re
import zlib

#: About how many papers a document holds: a reader's query downloads the documents it finds
#: whole (about 2 KB a paper, compressed), and each document costs Pagefind a file and time.
DOCUMENT_PAPERS = 16

_BODY = re.compile(r"<([a-zA-Z][\w-]*)\b[^>]*?\sdata-pagefind-body\b[^>]*>")
_WHOLE_BODY = re.compile(r"<body\b[^>]*>(.*)</body>", re.S)
_ID = re.compile(r"""\sid=(?:"[^"]*"|'[^']*'|[^\s>]+)""")
_META = re.compile(r"""<[^>]*\sdata-pagefind-meta=(["'])(.*?)\1[^>]*>""")
_META_KEY = re.compile(r"^\s*([^\[:]+)")


def cut(items: list[str], target: int, most: int | None = None) -> list[list[str]]:
    """``items`` cut into runs of about ``target``: a run ends at an item whose name hashes to
    0 modulo a third of it, once it holds two thirds of it, and at ``most`` (twice that unless
    given) in any case.

    Where a run ends depends on its own items, not on a count from the start: items added at
    the end change only the last run, and one added or removed in the middle changes its run
    and rarely the next."""
    least, spread = max(1, target * 2 // 3), max(1, target // 3)
    most = most or 2 * target
    runs: list[list[str]] = [[]]
    for name in items:
        runs[-1].append(name)
        size = len(runs[-1])
        if size >= most or (size >= least and zlib.crc32(name.encode()) % spread == 0):
            runs.append([])
    return [run for run in runs if run]


def anchor(rel: str) -> str:
    """A paper page's anchor in its document: the page's folder (``papers/x/``), which the
    script turns into the page's address."""
    return rel[:-len("index.html")] if rel.endswith("/index.html") else rel


def paper_part(rel: str, page: str) -> str:
    """What a document holds of the paper page ``rel`` whose HTML is ``page``: its searched
    body, without ids, in an element anchored at the page, and its meta fields renamed after
    it."""
    name = anchor(rel)
    fields = "".join(_renamed_meta(tag, name) for tag in _meta_tags(page))
    return (f'<section id="{html.escape(name)}">{fields}{_ID.sub("", searched_body(page))}'
            "</section>\n")


def searched_body(page: str) -> str:
    """What Pagefind indexes of a page: the inside of its element marked ``data-pagefind-body``
    (to the last closing tag of that name: a paper's page has one such element), else of its
    ``<body>``."""
    marked = page.find("data-pagefind-body")
    while marked >= 0:  # found by the attribute's name: quicker than a pattern tried at every <
        start = _BODY.match(page, max(0, page.rfind("<", 0, marked)))
        if start is not None and start.end() > marked:
            end = page.rfind(f"</{start[1]}>")
            return page[start.end():end] if end > start.end() else page[start.end():]
        marked = page.find("data-pagefind-body", marked + 1)
    whole = _WHOLE_BODY.search(page)
    return whole[1] if whole else page


def _meta_tags(page: str):
    """The tags of a page that carry ``data-pagefind-meta`` (found by the attribute's name:
    a pattern tried at every ``<`` of the page took longer than the rest of a document)."""
    at = page.find("data-pagefind-meta=")
    while at >= 0:
        end = page.find(">", at)
        tag = _META.fullmatch(page, page.rfind("<", 0, at), end + 1)
        if tag is not None:
            yield tag
        at = page.find("data-pagefind-meta=", end)


def _renamed_meta(tag: re.Match, name: str) -> str:
    """A ``data-pagefind-meta`` tag of a page with its field named after the page, moved into
    the document (``title_zh[content]`` becomes ``papers/x/title_zh[content]``)."""
    value = html.unescape(tag[2])
    renamed = _META_KEY.sub(lambda key: name + key[1].strip(), value, count=1)
    text = tag[0]
    start, end = tag.start(2) - tag.start(), tag.end(2) - tag.start()
    return text[:start] + html.escape(renamed) + text[end:]


def document(parts: list[str]) -> str:
    """The document of the papers whose parts (:func:`paper_part`) are ``parts``."""
    return "<!DOCTYPE html><html><head></head><body>\n" + "".join(parts) + "</body></html>\n"
