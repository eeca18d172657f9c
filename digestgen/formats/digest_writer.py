"""Writing format A: an issue's papers as a 摘要 table and 详细 footnote sections.

The layout is the one the digests in the wild use (see :mod:`digestgen.formats.digest`), so that
an exported issue reads like the documents it was imported from, and importing it gives back the
same records. A paper's arXiv facts go where those documents put them: the old title style
``(arXiv:2310.02664v1 [cs.LG])`` when the record knows the category and the announcement was new
or a replacement, else the current feed style before the English abstract.
"""

from __future__ import annotations

from ..recordio.recordfile import is_arxiv_id
from .digest import TRUNCATION_MARK
from .markdown import escape_text

HEADINGS = {"zh": ("摘要", "详细"), "en": ("Summary", "Details")}
OLD_FLAGS = {"new": "", "replace": " UPDATED", "cross": " CROSS LISTED"}
INDENT = "    "


class ExportError(ValueError):
    """A record that format A cannot show (no link, no title)."""


def texts(value, source_language: str = "en") -> dict[str, object]:
    """A text as ``{lang: value}``: a plain value belongs to the source language."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if v not in (None, "", [])}
    return {source_language: value} if value not in ("", []) else {}


def paper_link(record: dict, site_url: str | None = None) -> str:
    """``url``, else the arXiv page, else the paper's page on the site at ``site_url``."""
    url = record.get("url")
    if url:
        return url
    paper_id = str(record.get("id", ""))
    if is_arxiv_id(paper_id):
        return f"https://arxiv.org/abs/{paper_id}"
    if site_url:
        return f"{site_url.rstrip('/')}/papers/{paper_id.replace('/', '-')}/"
    raise ExportError(f"paper {paper_id!r} has no url and no arXiv id to link to")


def write_digest(papers: list[dict], lang: str = "zh", intro: str | None = None,
                 source_language: str = "en", site_url: str | None = None) -> str:
    """The format A document for ``papers`` in table order, ``lang`` first (``zh`` or ``en``).

    A paper with neither a ``url`` nor an arXiv id links to its page under ``site_url``.
    """
    if lang not in HEADINGS:
        raise ExportError(f"format A pairs Chinese and English; --lang must be zh or en, "
                          f"not {lang!r}")
    other = "en" if lang == "zh" else "zh"
    summary_heading, details_heading = HEADINGS[lang]
    out = [f"# {summary_heading}", ""]
    if intro and intro.strip():
        out += [intro.strip(), ""]
    out += ["| Ref | Title | Summary |", "| --- | --- | --- |"]
    details = []
    for number, record in enumerate(papers, 1):
        titles = texts(record.get("title"), source_language)
        if not titles:
            raise ExportError(f"paper {record.get('id')!r} has no title")
        link = paper_link(record, site_url)
        table_title = titles.get("en") or titles.get(lang) or next(iter(titles.values()))
        summary = texts(record.get("tldr"), source_language).get(lang, "")
        out.append(f"| [^{number}] | [{_cell(escape_text(table_title))}]({_url(link)}) | "
                   f"{_cell(' '.join(summary.split()))} |")
        details += _section(number, record, titles, link, lang, other, source_language)
    out += ["", f"# {details_heading}", ""]
    if details:
        details.append("")  # the documents in the wild end with an empty line
    return "\n".join(out + details) + "\n"


def _section(number: int, record: dict, titles: dict, link: str, lang: str, other: str,
             source_language: str) -> list[str]:
    arxiv = record.get("arxiv") or {}
    old_style = bool(arxiv.get("primary_category") and arxiv.get("version")
                     and arxiv.get("announce_type") in OLD_FLAGS and is_arxiv_id(record["id"]))
    feed_style = bool(not old_style and arxiv.get("version") and arxiv.get("announce_type")
                      and is_arxiv_id(record["id"]))
    shown = {code: escape_text(title) for code, title in titles.items()}
    if old_style and "en" in shown:
        shown["en"] += (f" (arXiv:{record['id']}v{arxiv['version']} "
                        f"[{arxiv['primary_category']}]{OLD_FLAGS[arxiv['announce_type']]})")
    tldr = texts(record.get("tldr"), source_language)
    abstract = texts(record.get("abstract"), source_language)
    english = abstract.get("en")
    if english and record.get("abstract_truncated"):
        english = english.rstrip() + TRUNCATION_MARK
    if feed_style:
        english = (f"arXiv:{record['id']}v{arxiv['version']} Announce Type: "
                   f"{arxiv['announce_type']}  Abstract: {english or ''}")
    if english:
        abstract["en"] = english
    first = shown.pop(lang, None) or shown.pop(other)
    blocks = [shown.get(other), f"[{_url(link)}]({_url(link)})", tldr.get(lang),
              tldr.get(other), abstract.get(lang), abstract.get(other)]
    lines = [f"[^{number}]: {first}", ""]
    for block in blocks:
        if block is None or not str(block).strip():
            lines += [INDENT, ""]  # an empty paragraph, as the documents in the wild have
            continue
        lines += [(INDENT + line) if line.strip() else "" for line in str(block).split("\n")]
        lines.append("")
    lines[-1] = INDENT
    return lines


def _cell(text: str) -> str:
    """Text for a table cell: one line, every ``|`` escaped (math included)."""
    text = " ".join(text.split())
    out, escaped = [], False
    for char in text:
        if char == "|" and not escaped:
            out.append("\\|")
        else:
            out.append(char)
        escaped = char == "\\" and not escaped
    return "".join(out)


def _url(url: str) -> str:
    """A link destination markdown-it reads back unchanged."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
