"""TeX accent commands in arXiv metadata (``R\\'emy``, ``Pawe{\\l}``) turned into Unicode.

arXiv stores metadata as ASCII, so names, titles and abstracts write accented letters as TeX.
Only accents and the few special letters of names are decoded; any other command, and everything
inside math (``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]``), is left for the math renderer.
"""

from __future__ import annotations

import re
import unicodedata

# Accent command -> combining character; NFC then composes the letter where Unicode has one.
_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}
_LETTERS = {
    "l": "ł", "L": "Ł", "o": "ø", "O": "Ø", "i": "ı", "j": "ȷ", "ss": "ß", "aa": "å", "AA": "Å",
    "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "dh": "ð", "DH": "Ð", "th": "þ", "TH": "Þ",
    "ng": "ŋ", "NG": "Ŋ",
}

_SYMBOL_ACCENT = r"""['`^"~=.]"""
_LETTER_ACCENT = "[uvHckrdb]"
_LETTER_NAMES = "|".join(sorted(_LETTERS, key=len, reverse=True))
# The accented base: one letter, a dotless \i or \j, or any of those in braces.
_BASE = r"(?:\{\s*(?:\\[ij](?![A-Za-z])|[A-Za-z])?\s*\}|\\[ij](?![A-Za-z])|[A-Za-z])"
_COMMAND = re.compile(
    r"(?P<open>\{)?"
    r"(?:\\(?P<symbol>" + _SYMBOL_ACCENT + r")\s*(?P<sbase>" + _BASE + r")"
    r"|\\(?P<letteracc>" + _LETTER_ACCENT + r")(?:\s*(?P<lbase>\{[^{}]*\})|\s+(?P<lbase2>[A-Za-z]))"
    r"|\\(?P<letter>" + _LETTER_NAMES + r")(?![A-Za-z])(?:\{\})?\s?"
    r")"
    r"(?P<close>\})?"
)
_MATH = re.compile(r"\$\$.*?\$\$|\$.*?\$|\\\(.*?\\\)|\\\[.*?\\\]", re.DOTALL)


def _base_letter(base: str) -> str:
    base = base.strip("{} ")
    return {"\\i": "i", "\\j": "j"}.get(base, base)


def _replace(match: re.Match) -> str:
    if match["letter"]:
        decoded = _LETTERS[match["letter"]]
    else:
        accent = match["symbol"] or match["letteracc"]
        base = match["sbase"] or match["lbase"] or match["lbase2"]
        decoded = unicodedata.normalize("NFC", _base_letter(base) + _ACCENTS[accent])
    # ``{\l}`` and ``{\"o}`` group only the command: drop the pair; a lone brace stays.
    if match["open"] and match["close"]:
        return decoded
    return (match["open"] or "") + decoded + (match["close"] or "")


def decode_accents(text: str) -> str:
    """``text`` with TeX accents outside math replaced by Unicode letters."""
    if "\\" not in text:
        return text
    pieces, last = [], 0
    for math in _MATH.finditer(text):
        pieces.append(_COMMAND.sub(_replace, text[last:math.start()]))
        pieces.append(math.group())
        last = math.end()
    pieces.append(_COMMAND.sub(_replace, text[last:]))
    return "".join(pieces)


def decode_name(name: str) -> str:
    """An author name with accents decoded and TeX grouping braces removed."""
    return " ".join(decode_accents(name).replace("{", "").replace("}", "").split())
