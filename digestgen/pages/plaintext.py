"""A fast path for Markdown that is plain prose: most abstracts, summaries and review items.

markdown-it parses every text token by token in Python, which costs more than the rest of a page.
A text with no character that Markdown gives a meaning to (no emphasis, links, code, math, HTML,
entities or escapes) and no line that could open a block (lists, headings, quotes, breaks,
indented code) renders to its paragraphs with ``"`` escaped, and nothing else. Such texts are
rendered here directly; every other text goes to markdown-it. The output is byte-identical either
way (``tests/test_plaintext.py`` checks it against markdown-it on generated texts).
"""

from __future__ import annotations

import hashlib
import re

from .markup import Markdown

#: Characters markdown-it may treat as markup anywhere in a line (or that need escaping besides
#: ``"``), control characters, and the Unicode spaces other than space and newline (those for
#: which ``str.isspace`` is true: markdown-it trims or splits on them). ``-`` ``+`` ``=``
#: digits and spaces matter only at the edges of a line (lists, setext headings, breaks,
#: indented code): see ``_LINE_EDGE``.
_NOT_LITERAL = re.compile("[\\\\`*_\\[\\]<>&!#~|$\x00-\x09\x0b-\x1f\x7f\x85\xa0\u1680\u2000-\u200a"
                          "\u2028\u2029\u202f\u205f\u3000]")
_LINE_EDGE = re.compile(r"\n[-+=0-9 ]| \n")
_EDGE_START = frozenset("-+=0123456789 ")


def _is_literal(text: str) -> bool:
    """True when no character of ``text`` is inline markup to markdown-it."""
    return _NOT_LITERAL.search(text) is None


def _is_plain(text: str) -> bool:
    """True when markdown-it would read ``text`` (not empty) as paragraphs of literal text."""
    return text[0] not in _EDGE_START and text[-1] != " " and _LINE_EDGE.search(text) is None \
        and _is_literal(text)


def _escape(text: str) -> str:
    return text.replace('"', "&quot;")


class FastMarkdown(Markdown):
    """:class:`Markdown` that renders plain prose without markdown-it; identical output.

    What markdown-it does render is looked up in ``known`` first (results of earlier builds,
    by a hash of the text) and collected in ``learned``, so a build can keep it for the next.
    So are the formulas in it: an edited text whose formulas an earlier build rendered needs
    markdown-it but not latex2mathml (whose import costs more than the rest of a small edit).
    A build of every page keeps only the formulas it rendered or looked up: after one that
    found every text known, an edit's formulas are rendered again, once.
    """

    def __init__(self, allow_html: bool = False, known: dict[bytes, str] | None = None):
        super().__init__(allow_html)
        self.known = known if known is not None else {}
        self.learned: dict[bytes, str] = {}
        self.recalled: set[bytes] = set()

    def _recall(self, kind: str, text: str, doc_id: str, render) -> str:
        key = hashlib.sha1(f"{kind}\0{doc_id}\0{text}".encode("utf-8", "surrogatepass")).digest()
        html = self.known.get(key)
        if html is None:
            html = self.learned[key] = render()
        else:
            self.recalled.add(key)
        return html

    def adopt(self, rendered: dict[bytes, str]) -> None:
        """Take what markdown-it rendered in another process as if it had rendered it here."""
        self.known.update(rendered)
        self.learned.update(rendered)

    def _block(self, text: str, doc_id: str = "") -> str:
        stripped = text.strip("\n")
        if not stripped or not _is_plain(stripped):
            return self._recall("block", text, doc_id, lambda: super(FastMarkdown, self)._block(
                text, doc_id))
        paragraphs = [p for p in stripped.split("\n\n") if p]
        if any(p.startswith("\n") for p in paragraphs):  # three or more newlines in a row
            paragraphs = [p.strip("\n") for p in paragraphs]
        return self._clean("".join(f"<p>{_escape(p)}</p>\n" for p in paragraphs))

    def formula(self, source: str, display: bool) -> str:
        return self._recall("math", source, "display" if display else "",
                            lambda: super(FastMarkdown, self).formula(source, display))

    def _inline(self, text: str) -> str:
        stripped = text.strip()
        if not stripped or "\n" in stripped or not _is_literal(stripped):
            return self._recall("inline", text, "", lambda: super(FastMarkdown, self)._inline(
                text))
        return self._clean(_escape(stripped))
