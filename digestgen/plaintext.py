"""A fast path for Markdown that is plain prose: most abstracts, summaries and review items.

markdown-it parses every text token by token in Python, which costs more than the rest of a page.
A text with no character that Markdown gives a meaning to (no emphasis, links, code, math, HTML,
entities or escapes) and no line that could open a block (lists, headings, quotes, breaks,
indented code) renders to its paragraphs with ``"`` escaped, and nothing else. Such texts are
rendered here directly; every other text goes to markdown-it. The output is byte-identical either
way (``tests/test_plaintext.py`` checks it against markdown-it on generated texts).
"""

from __future__ import annotations

import re

from .markup import Markdown

#: Characters markdown-it may treat as markup anywhere in a line (or that need escaping besides
#: ``"``), and Unicode spaces other than space and newline (U+3000, U+2028, ...), which it trims or
#: splits on. ``-`` ``+`` ``=`` digits and spaces matter only at the edges of a line (lists,
#: setext headings, breaks, indented code): see ``_LINE_EDGE``.
_NOT_LITERAL = re.compile(r"[\\`*_\[\]<>&!#~|$\x00-\x1f\x7f]|[^\S \n]")
_LINE_EDGE = re.compile(r"^[-+=0-9 ]|(?<=\n)[-+=0-9 ]| \n| $")


def _is_literal(text: str) -> bool:
    """True when no character of ``text`` is inline markup to markdown-it."""
    return _NOT_LITERAL.search(text.replace("\n", " ")) is None


def _is_plain(text: str) -> bool:
    """True when markdown-it would read ``text`` as paragraphs of literal text."""
    return _LINE_EDGE.search(text) is None and _is_literal(text)


def _escape(text: str) -> str:
    return text.replace('"', "&quot;")


class FastMarkdown(Markdown):
    """:class:`Markdown` that renders plain prose without markdown-it; identical output."""

    def _block(self, text: str, doc_id: str = "") -> str:
        stripped = text.strip("\n")
        if not stripped or not _is_plain(stripped):
            return super()._block(text, doc_id)
        paragraphs = [p for p in stripped.split("\n\n") if p]
        if any(p.startswith("\n") for p in paragraphs):  # three or more newlines in a row
            paragraphs = [p.strip("\n") for p in paragraphs]
        return self._clean("".join(f"<p>{_escape(p)}</p>\n" for p in paragraphs))

    def _inline(self, text: str) -> str:
        stripped = text.strip()
        if not stripped or "\n" in stripped or not _is_literal(stripped):
            return super()._inline(text)
        return self._clean(_escape(stripped))
