"""What the document readers and writers share: one Markdown parser, plain text, escapes."""

from __future__ import annotations

import functools
import re
import unicodedata

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


@functools.lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """CommonMark with tables, footnotes (the detail sections) and ``$`` math kept verbatim."""
    return (MarkdownIt("commonmark", {"html": False}).enable("table")
            .use(footnote_plugin).use(dollarmath_plugin))


def plain_text(inline: Token) -> str:
    """The text a reader sees in an inline token, with math written back as ``$...$``."""
    return children_text(inline.children or [])


def children_text(children: list[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "html_inline"):
            parts.append(child.content)
        elif child.type == "math_inline":
            parts.append(f"${child.content}$")
        elif child.type == "math_inline_double":
            parts.append(f"$${child.content}$$")
        elif child.type == "code_inline":
            parts.append(f"{child.markup}{child.content}{child.markup}")
        elif child.type == "softbreak":
            parts.append("\n")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
        elif child.type in ("em_open", "em_close", "strong_open", "strong_close"):
            parts.append(child.markup)
        elif child.type == "footnote_ref":
            parts.append(f"[^{child.meta.get('label', '')}]")
    return "".join(parts)


def is_chinese(text: str) -> bool:
    """True when ``text`` is written mainly in CJK script (a Chinese title, summary, abstract).

    Chinese prose quotes many English terms and an English abstract may name a Chinese author,
    so the test is the share of CJK characters among letters, not the presence of one.
    """
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    return cjk >= 1 and cjk >= 0.15 * (cjk + latin / 4)


def slugify(title: str, limit: int = 80) -> str:
    """A record id made from an English title: ``When Does X Help?`` -> ``when-does-x-help``."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    return slug


# Characters that could start Markdown syntax inside running text.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>!|&~$])")
_BLOCK_START = re.compile(r"^(\s*)(\d*)([#>+=*.)-])")


def escape_text(text: str, keep_math: bool = True) -> str:
    """Markdown that displays as the plain ``text``; ``$...$`` math is left as written.

    The result is checked by parsing it back; when math spans would not survive, every special
    character (``$`` included) is escaped instead.
    """
    if keep_math:
        escaped = _escape_keeping_math(text)
        if _reads_back(escaped, text):
            return escaped
    return _escape_line_starts(_INLINE_SPECIAL.sub(r"\\\1", text))


def _escape_keeping_math(text: str) -> str:
    out, position = [], 0
    for match in re.finditer(r"\$[^\s$](?:[^$\n]*?[^\s$\\])?\$(?!\d)", text):
        out.append(_INLINE_SPECIAL.sub(r"\\\1", text[position:match.start()]))
        out.append(match.group(0))
        position = match.end()
    out.append(_INLINE_SPECIAL.sub(r"\\\1", text[position:]))
    return _escape_line_starts("".join(out))


def _escape_line_starts(text: str) -> str:
    """Escape what would start a heading, quote, list or rule (``1.`` becomes ``1\\.``)."""
    return "\n".join(_BLOCK_START.sub(lambda m: f"{m[1]}{m[2]}\\{m[3]}", line, count=1)
                      if line.strip() else line for line in text.split("\n"))


def _reads_back(markdown: str, text: str) -> bool:
    tokens = parser().parse(markdown)
    inlines = [t for t in tokens if t.type == "inline"]
    kinds = [t.type for t in tokens if t.type not in ("inline",)]
    if kinds != ["paragraph_open", "paragraph_close"] or len(inlines) != 1:
        return not text.strip() and not tokens
    return plain_text(inlines[0]) == text
