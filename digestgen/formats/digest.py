"""Reading format A: a digest issue (a 摘要 table whose rows point to 详细 footnote sections).

The document is parsed into markdown-it tokens. The table gives the order and, per row, a
footnote label, the linked title and the summary; each footnote definition is a detail section,
whose indented continuation markdown-it reads as the footnote's own paragraphs:

    [^1]: title in the page language
        title in the other language, old-style arXiv header appended
        [link](link)
        one-line summary (page language), then the other language's (often empty)
        abstract (page language), then the other language's, current-style arXiv header first

Which paragraph is which is decided by the link (the paragraphs before it are titles), by
script (Chinese or not), by the table's summary cell (the page language's summary), and by order
(summaries before abstracts), never by blank lines or indentation widths. One layout stays
ambiguous: a second-language summary with no abstract after it reads as that abstract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from markdown_it.token import Token

from ..errors import SiteError
from ..arxiv.ids import ArxivIdError, parse_arxiv_id
from ..content.records import is_arxiv_id
from .markdown import children_text, is_chinese, parser, plain_text, slugify
from .model import DIGEST, Document, ImportedPaper, Problems

#: The source these digests come from cut English abstracts at this many characters (header
#: included); an abstract of exactly this length was cut off there.
SOURCE_ABSTRACT_LIMIT = 1000
#: What :mod:`digestgen.formats.digest_writer` appends to an abstract that was cut off.
TRUNCATION_MARK = " […]"

OLD_HEADER = re.compile(
    r"^(?P<title>.*?)\s*\(arXiv:(?P<id>[^\s()]+?)v(?P<version>\d+)\s+\[(?P<category>[^\]\s]+)\]"
    r"(?:\s+(?P<flag>UPDATED|CROSS LISTED))?\)\s*$", re.S)
FEED_HEADER = re.compile(
    r"^arXiv:(?P<id>\S+?)v(?P<version>\d+)\s+Announce Type:\s*"
    r"(?P<type>new|cross|replace|replace-cross)\s+Abstract:[ \t]*", re.S)
OLD_FLAGS = {None: "new", "UPDATED": "replace", "CROSS LISTED": "cross"}
HEADER_CELLS = ("ref", "title", "summary")
UNDEFINED_REF = re.compile(r"\[\^([^\]\s]+)\]")


@dataclass
class _Para:
    line: int  # 1-based
    content: str  # Markdown source, as markdown-it gives it (indentation removed)
    text: str  # what a reader sees
    raw: str  # the source lines with indentation removed, trailing spaces kept
    inline: Token

    @property
    def zh(self) -> bool:
        return is_chinese(self.text)


@dataclass
class _Row:
    line: int
    label: str
    title: str
    href: str
    summary: _Para | None


def looks_like_digest(tokens: list[Token]) -> bool:
    """A table whose header is Ref | Title | Summary, or whose rows start with ``[^n]``."""
    for index, token in enumerate(tokens):
        if token.type != "table_open":
            continue
        cells = _table_cells(tokens, index)
        if cells and [plain_text(c).strip().lower() for c in cells[0][1]] == list(HEADER_CELLS):
            return True
        if any(row and _footnote_label(row[0]) for _, row in cells[1:]):
            return True
    return False


def read_digest(path: Path, text: str) -> Document:
    """Read one format A document; raise :class:`SiteError` naming every problem's line."""
    env: dict = {}
    tokens = parser().parse(text, env)
    lines = text.splitlines()
    problems = Problems(path)
    rows, intro = _read_table(tokens, lines, problems)
    sections = _read_sections(tokens, lines, problems)
    document = Document(path, DIGEST, intro=intro)
    page = _page_language(sections, rows, tokens)
    used = set()
    for row in rows:
        if row.label in used:
            problems.add(row.line, f"footnote [^{row.label}] is listed twice in the table")
            continue
        used.add(row.label)
        if row.label not in sections:
            problems.add(row.line, f"no detail section [^{row.label}]: for this row")
            continue
        line, paras = sections[row.label]
        paper = _read_section(row, line, paras, page, problems)
        if paper:
            document.papers.append(paper)
    # markdown-it drops definitions nothing refers to; its reference table still lists them.
    defined = [key[1:] for key in env.get("footnotes", {}).get("refs", {})]
    for label in defined:
        if label not in used:
            problems.add(_definition_line(lines, label),
                         f"detail section [^{label}] is not in the summary table")
    if problems:
        raise SiteError(problems.items)
    return document


# --- table ---------------------------------------------------------------------------------

def _table_cells(tokens: list[Token], start: int) -> list[tuple[int, list[Token]]]:
    """(line, inline tokens of the cells) for each row of the table opening at ``start``."""
    rows, cells, line = [], [], 0
    for token in tokens[start:]:
        if token.type == "tr_open":
            cells, line = [], token.map[0] + 1 if token.map else 0
        elif token.type == "inline":
            cells.append(token)
        elif token.type == "tr_close":
            rows.append((line, cells))
        elif token.type == "table_close":
            break
    return rows


def _footnote_label(cell: Token) -> str | None:
    children = [c for c in cell.children or [] if not (c.type == "text" and not c.content.strip())]
    if len(children) == 1 and children[0].type == "footnote_ref":
        return children[0].meta["label"]
    return None


def _read_table(tokens: list[Token], lines: list[str],
                problems: Problems) -> tuple[list[_Row], str | None]:
    top = _top_level(tokens)
    tables = [i for i in top if tokens[i].type == "table_open"]
    if len(tables) != 1:
        problems.add(tokens[tables[1]].map[0] + 1 if len(tables) > 1 else 1,
                     "a digest has exactly one summary table")
        return [], None
    table = tables[0]
    intro = _intro(tokens, [i for i in top if i < table], lines)
    for index in top:
        token = tokens[index]
        if index > table and token.type not in ("heading_open", "hr") and token.map:
            problems.add(token.map[0] + 1, "text outside the table and the detail sections "
                                           "(is a detail line not indented?)")
    rows = []
    for line, cells in _table_cells(tokens, table)[1:]:
        label = _footnote_label(cells[0]) if cells else None
        undefined = UNDEFINED_REF.fullmatch(plain_text(cells[0]).strip()) if cells else None
        if label is None and undefined:  # markdown-it keeps a [^n] with no definition as text
            problems.add(line, f"no detail section [^{undefined[1]}]: for this row")
            continue
        if label is None or len(cells) != 3:
            problems.add(line, "a table row must be | [^n] | [title](link) | summary |")
            continue
        link = _only_link(cells[1])
        if link is None:
            problems.add(line, "the title cell must be one link: [title](link)")
            continue
        summary = cells[2]
        para = _Para(line, summary.content.strip(), plain_text(summary).strip(), "", summary)
        rows.append(_Row(line, label, link[0], link[1], para if para.text else None))
    return rows, intro


def _top_level(tokens: list[Token]) -> list[int]:
    """Indexes of the block tokens at the document's top level, footnotes excluded."""
    out, depth = [], 0
    for index, token in enumerate(tokens):
        if token.type == "footnote_block_open":
            break
        if depth == 0 and token.nesting >= 0 and token.type != "inline":
            out.append(index)
        depth += token.nesting
    return out


def _intro(tokens: list[Token], before: list[int], lines: list[str]) -> str | None:
    """The editor's note: the blocks between the first heading and the table, as written."""
    blocks = [tokens[i] for i in before if tokens[i].map and tokens[i].type != "heading_open"]
    if not blocks:
        return None
    text = "\n".join(lines[blocks[0].map[0]:blocks[-1].map[1]]).strip()
    return text or None


def _only_link(inline: Token) -> tuple[str, str] | None:
    """(plain text, href) when ``inline`` holds a single link and nothing else."""
    children = inline.children or []
    if (len(children) < 2 or children[0].type != "link_open"
            or children[-1].type != "link_close"
            or any(c.type == "link_open" for c in children[1:])):
        return None
    return children_text(children[1:-1]).strip(), children[0].attrGet("href") or ""


# --- detail sections -----------------------------------------------------------------------

def _read_sections(tokens: list[Token], lines: list[str],
                   problems: Problems) -> dict[str, tuple[int, list[_Para]]]:
    """Each footnote definition's paragraphs, by label; anything else in one is a problem."""
    sections: dict[str, tuple[int, list[_Para]]] = {}
    label, paras, depth = None, [], 0
    for index, token in enumerate(tokens):
        if token.type == "footnote_open":
            label, paras, depth = token.meta["label"], [], 0
            continue
        if token.type == "footnote_close":
            sections[label] = (paras[0].line if paras else _definition_line(lines, label), paras)
            label = None
        elif label is None or token.type in ("inline", "footnote_anchor"):
            continue
        elif depth == 0 and token.type == "paragraph_open":
            first, last = token.map
            raw = "\n".join(line.lstrip() for line in lines[first:last])
            inline = tokens[index + 1]
            paras.append(_Para(first + 1, inline.content, plain_text(inline).strip(), raw,
                               inline))
        elif depth == 0 and token.type != "paragraph_close" and token.nesting >= 0:
            problems.add(token.map[0] + 1 if token.map else _definition_line(lines, label),
                         f"a detail section holds paragraphs only, not {token.type}")
        if label is not None and token.type not in ("paragraph_open", "paragraph_close"):
            depth += token.nesting
    return sections


def _definition_line(lines: list[str], label: str | None) -> int:
    marker = f"[^{label}]:"
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith(marker):
            return number
    return 1


def _page_language(sections: dict[str, tuple[int, list[_Para]]], rows: list[_Row],
                   tokens: list[Token]) -> str:
    """The language a document leads with: ``zh`` in the seeds, ``en`` in an English export.

    Votes come from what only the leading language fills: the table's summary cells and the
    first of two titles; with no votes, the first heading's script decides.
    """
    votes = [row.summary.zh for row in rows if row.summary is not None]
    for _, paras in sections.values():
        titles = next((paras[:i] for i, p in enumerate(paras) if _only_link(p.inline)), [])
        if len(titles) == 2 and titles[0].zh != titles[1].zh:
            votes.append(titles[0].zh)
    if votes and sum(votes) * 2 != len(votes):
        return "zh" if sum(votes) * 2 > len(votes) else "en"
    heading = next((tokens[i + 1] for i, t in enumerate(tokens) if t.type == "heading_open"),
                   None)
    return "en" if heading is not None and not is_chinese(heading.content) else "zh"


def _read_section(row: _Row, line: int, paras: list[_Para], page: str,
                  problems: Problems) -> ImportedPaper | None:
    links = [i for i, p in enumerate(paras) if _only_link(p.inline)]
    if not links:
        problems.add(line, f"detail section [^{row.label}] has no link paragraph")
        return None
    at = links[0]
    titles, rest = paras[:at], paras[at + 1:]
    if not 1 <= len(titles) <= 2:
        problems.add(line, f"detail section [^{row.label}] must start with one or two titles "
                           f"before its link, not {len(titles)}")
        return None
    href = _only_link(paras[at].inline)[1]
    if href != row.href:
        problems.add(paras[at].line, f"link {href} differs from the table's {row.href}")
    record: dict = {"title": {}, "tldr": {}, "abstract": {}}
    arxiv: dict = {}
    for lang, para in _title_languages(titles, page):
        title = para.text
        if lang == "en":
            match = OLD_HEADER.match(title)
            if match:
                title = match["title"]
                arxiv = {"id": match["id"], "version": int(match["version"]),
                         "announce_type": OLD_FLAGS[match["flag"]],
                         "primary_category": match["category"]}
        record["title"][lang] = title
    if row.title not in record["title"].values():
        problems.add(row.line, f"the table's title {row.title!r} is not a title of detail "
                               f"section [^{row.label}]")
    truncated = _read_texts(rest, row, page, record, arxiv)
    return _finish(record, arxiv, href, truncated, line, problems)


def _title_languages(titles: list[_Para], page: str) -> list[tuple[str, _Para]]:
    other = "en" if page == "zh" else "zh"
    langs = ["zh" if p.zh else "en" for p in titles]
    if len(set(langs)) != len(langs):  # one script for both: trust the order
        langs = [page, other][:len(titles)]
    return list(zip(langs, titles))


def _read_texts(rest: list[_Para], row: _Row, page: str, record: dict, arxiv: dict) -> bool:
    """Assign the paragraphs after the link to summaries and abstracts; True if cut off."""
    other = "en" if page == "zh" else "zh"
    last = rest[-1] if rest else None  # the abstracts come last; a summary never does
    rest = list(rest)
    truncated = False
    for para in rest:
        match = FEED_HEADER.match(para.content)
        if match:
            arxiv.update(id=match["id"], version=int(match["version"]),
                         announce_type=match["type"])
            record["abstract"]["en"] = para.content[match.end():]
            truncated = len(para.raw) == SOURCE_ABSTRACT_LIMIT
            rest.remove(para)
            break
    if row.summary is not None:
        if rest and _same_text(rest[0].text, row.summary.text):
            record["tldr"][page] = rest.pop(0).content
        else:
            record["tldr"][page] = row.summary.content
    for lang in (page, other):
        paras = [p for p in rest if (p.zh if lang == "zh" else not p.zh)]
        if not paras:
            continue
        texts = [p.content for p in paras]
        if lang in record["abstract"] or (lang not in record["tldr"] and len(paras) == 1
                                          and lang == other and paras[0] is not last):
            record["tldr"].setdefault(lang, "\n\n".join(texts))
            continue
        if lang in record["tldr"] or len(paras) == 1:
            record["abstract"][lang] = "\n\n".join(texts)
        else:
            record["tldr"][lang], record["abstract"][lang] = texts[0], "\n\n".join(texts[1:])
        if lang == "en":
            truncated = len(paras[-1].raw) == SOURCE_ABSTRACT_LIMIT
    english = record["abstract"].get("en", "")
    if english.endswith(TRUNCATION_MARK.strip()):
        record["abstract"]["en"] = english[:-len(TRUNCATION_MARK.strip())].rstrip()
        truncated = True
    return truncated


def _arxiv_link(href: str):
    """The arXiv id (and version) an abstract or PDF link names, else None."""
    if "arxiv.org/" not in href:
        return None
    try:
        return parse_arxiv_id(href)
    except ArxivIdError:
        return None


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _finish(record: dict, arxiv: dict, href: str, truncated: bool, line: int,
            problems: Problems) -> ImportedPaper | None:
    link = _arxiv_link(href)
    paper_id = arxiv.pop("id", None)
    if link:
        if paper_id and paper_id != link.id:
            problems.add(line, f"arXiv id {paper_id} differs from the link's {link.id}")
            return None
        paper_id = link.id
        if link.version and "version" not in arxiv:
            arxiv["version"] = link.version
    elif paper_id and not is_arxiv_id(paper_id):
        problems.add(line, f"{paper_id!r} is not an arXiv id")
        return None
    if not paper_id:
        paper_id = slugify(record["title"].get("en", ""))
        if not paper_id:
            problems.add(line, "no arXiv id and no English title to make an id from")
            return None
    out = {"id": paper_id, "title": record["title"]}
    if href != f"https://arxiv.org/abs/{paper_id}":
        out["url"] = href
    if arxiv:
        out["arxiv"] = arxiv
    for key in ("tldr", "abstract"):
        texts = {lang: text for lang, text in record[key].items() if text.strip()}
        if texts:
            out[key] = texts
    if truncated and "abstract" in out:
        out["abstract_truncated"] = True
    return ImportedPaper(out, line)
