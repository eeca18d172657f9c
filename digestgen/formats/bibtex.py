"""BibTeX entries of paper records (SPEC 4.1): ``cite.bib``, an issue's and the archive's
``papers.bib``.

An entry is ``@misc`` (``@article`` when the paper has a journal reference). Text is escaped for
LaTeX, except ``$...$`` math, which stays math; the title's words with capitals are braced so
that a bibliography style keeps them. A file's keys are ``<last name><year><first word>`` in
lower-case ASCII, made unique within the file with ``a``, ``b``, ... suffixes given oldest paper
first, so that a new paper never changes the key of one already cited.

An entry is made of its key and its *body* (every line after the key): bodies depend on the
record alone, so a file of many entries joins bodies made once per paper (:class:`Bodies`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from ..content.records import Paper, Text, is_arxiv_id

#: LaTeX's special characters, as text.
_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "%": r"\%",
    "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_SPECIAL = re.compile(r"[\\{}$&%#_~^]")
#: Inline math whose braces balance is kept as math; anything else is text.
_MATH = re.compile(r"\$[^$\n]+\$")
_WORD = re.compile(r"\S+")
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le",
              "dos", "das", "ter", "ten", "zu", "af", "bin", "ibn", "al"}


def escape(text: str) -> str:
    """``text`` for a BibTeX field: LaTeX specials escaped, balanced ``$...$`` math kept."""
    out, last = [], 0
    for math in _MATH.finditer(text):
        if not _balanced(math.group()):
            continue
        out.append(_escape_plain(text[last:math.start()]))
        out.append(math.group())
        last = math.end()
    out.append(_escape_plain(text[last:]))
    return "".join(out)


def _escape_plain(text: str) -> str:
    return _SPECIAL.sub(lambda m: _SPECIALS[m.group()], " ".join(text.split()) if "\n" in text
                        else text)


def _balanced(text: str) -> bool:
    depth = 0
    for char in text.replace("\\{", "").replace("\\}", ""):
        depth += (char == "{") - (char == "}")
        if depth < 0:
            return False
    return depth == 0


def protect_capitals(escaped: str) -> str:
    """Each word of an escaped title that holds a capital letter, in braces (``{BERT}``), so
    that a style that lower-cases titles keeps it; math is left alone."""
    parts, last = [], 0
    for math in _MATH.finditer(escaped):
        if _balanced(math.group()):
            parts.append(_brace_words(escaped[last:math.start()]))
            parts.append(math.group())
            last = math.end()
    parts.append(_brace_words(escaped[last:]))
    return "".join(parts)


def _brace_words(text: str) -> str:
    def brace(word: re.Match) -> str:
        w = word.group()
        # A word ending in an escaped special's command stays as it is: braces would split it.
        if any(c.isupper() for c in w) and _balanced(w) and not w.endswith("\\"):
            return "{" + w + "}"
        return w
    return _WORD.sub(brace, text)


def split_name(name: str) -> tuple[str, str]:
    """(last, first) of an author's name: ``Last, First`` as written, else the last word with
    the lower-case particles before it (``van der Waals``) is the last name."""
    name = " ".join(name.split())
    if "," in name:
        last, _, first = name.partition(",")
        return last.strip(), first.strip()
    words = name.split(" ")
    if len(words) == 1:
        return name, ""
    cut = len(words) - 1
    while cut > 1 and words[cut - 1] in _PARTICLES:
        cut -= 1
    return " ".join(words[cut:]), " ".join(words[:cut])


def author_field(authors: Iterable[str]) -> str:
    names = []
    for author in authors:
        last, first = split_name(author)
        names.append(f"{escape(last)}, {escape(first)}" if first else "{" + escape(last) + "}")
    return " and ".join(names)


def original(text: Text, source_language: str) -> str:
    """The text as the paper was written: in ``source_language``, else its first language."""
    return text[source_language] if source_language in text else text[text.languages()[0]]


def year_of(paper: Paper) -> int:
    return (paper.arxiv.published or paper.date).year


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def base_key(paper: Paper, source_language: str) -> str:
    """``<first author's last name><year><first word of the title>``, lower-case ASCII."""
    last = _ascii(split_name(paper.authors[0])[0]) if paper.authors else ""
    title = re.sub(r"\$[^$]*\$", " ", original(paper.title, source_language))
    word = next((w for w in map(_ascii, title.split()) if w), "")
    return f"{last or 'anon'}{year_of(paper)}{word}"


def body(paper: Paper, source_language: str) -> str:
    """Every line of the paper's entry after its key: ``type\\n  field = {...},\\n ... }``."""
    fields = [("title", protect_capitals(escape(original(paper.title, source_language))))]
    if paper.authors:
        fields.append(("author", author_field(paper.authors)))
    fields.append(("year", str(year_of(paper))))
    info = paper.arxiv
    if info.journal_ref:
        fields.append(("journal", escape(info.journal_ref)))
    if is_arxiv_id(paper.id):
        fields += [("eprint", paper.id), ("archivePrefix", "arXiv")]
        if info.primary_category:
            fields.append(("primaryClass", escape(info.primary_category)))
    if paper.link:
        fields.append(("url", _url(paper.link)))
    if info.doi:
        fields.append(("doi", _url(info.doi)))
    kind = "article" if info.journal_ref else "misc"
    lines = "".join(f"  {name} = {{{value}}},\n" for name, value in fields)
    return f"{kind}\n{lines}}}\n"


def _url(url: str) -> str:
    """A URL or DOI as it is (styles typeset both verbatim, and it must stay one to be
    followed), but for what would end or break the field."""
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def entry(key: str, body_text: str) -> str:
    kind, _, rest = body_text.partition("\n")
    return f"@{kind}{{{key},\n{rest}"


def unique_keys(papers: list[Paper], source_language: str,
                key_of: Callable[[Paper], str] | None = None) -> dict[str, str]:
    """Paper id -> its key in a file holding ``papers``: a clash gets ``a``, ``b``, ... in the
    order the papers appeared (oldest first), the first of them keeping the plain key.
    ``key_of`` gives each :func:`base_key` (cached)."""
    key_of = key_of or (lambda paper: base_key(paper, source_language))
    used: set[str] = set()
    keys: dict[str, str] = {}
    for paper in sorted(papers, key=lambda p: (p.date, p.id)):
        base = key = key_of(paper)
        n = 0
        while key in used:
            n += 1
            key = base + _letters(n)
        used.add(key)
        keys[paper.id] = key
    return keys


def _letters(n: int) -> str:
    """1 -> a, 26 -> z, 27 -> aa, ..."""
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def bib_file(papers: list[Paper], source_language: str,
             body_of: Callable[[Paper], str] | None = None,
             key_of: Callable[[Paper], str] | None = None) -> str:
    """A ``.bib`` file of ``papers`` in their order; ``body_of`` gives each body and ``key_of``
    each :func:`base_key` (both cached: neither then reads a paper's texts)."""
    body_of = body_of or (lambda paper: body(paper, source_language))
    keys = unique_keys(papers, source_language, key_of)
    return "\n".join(entry(keys[paper.id], body_of(paper)) for paper in papers)


def single(paper: Paper, source_language: str) -> str:
    """The paper's own entry (its ``cite.bib``, the Cite box)."""
    return entry(base_key(paper, source_language), body(paper, source_language))
