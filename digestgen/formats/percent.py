"""Percent-encoding of URL components, as :func:`urllib.parse.quote` and
:func:`~urllib.parse.quote_plus` do it with nothing extra kept safe, in one ``str.translate``.

urllib looks up each byte of the text in Python; a COinS span and the author links of every
paper encode a few hundred bytes each, on every page that lists the paper.
"""

from __future__ import annotations

#: What urllib never encodes (RFC 3986's unreserved characters).
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
#: Each byte (as the code point of its Latin-1 reading) to its text in a URL.
_BYTE_TEXT = {byte: chr(byte) if byte in _UNRESERVED else f"%{byte:02X}" for byte in range(256)}
_BYTE_TEXT_PLUS = {**_BYTE_TEXT, ord(" "): "+"}


def quote(text: str) -> str:
    """``urllib.parse.quote(text, safe="")``: UTF-8 bytes, all but the unreserved encoded."""
    return text.encode("utf-8").decode("latin-1").translate(_BYTE_TEXT)


def quote_plus(text: str) -> str:
    """``urllib.parse.quote_plus(text)`` (nothing extra safe): a space is ``+``."""
    return text.encode("utf-8").decode("latin-1").translate(_BYTE_TEXT_PLUS)


def urlencode(pairs: list[tuple[str, str]]) -> str:
    """``urllib.parse.urlencode(pairs, quote_via=quote)`` of text keys and values."""
    return "&".join(f"{quote(key)}={quote(value)}" for key, value in pairs)
