"""The bytes of a bucket file: terms, each with the numbers of the papers that have it.

A bucket holds its terms in the order of their UTF-8 bytes, each as::

    varint(length of the term in UTF-8)  term  varint(count)  varint(first)  varint(gap - 1)...

where the numbers are the papers' places in their segment, ascending, each after the first
written as its distance from the one before, less one (numbers of papers near each other in
the archive are near each other, so most take one byte). The search box reads the same
(``layouts/static/assets/digest.js``).

A bucket is changed in place (:func:`patched`): the entries of the terms that changed are
written again and the others copied as they are, so an edit of one paper costs the terms it
changed, not the bucket; the result is the same bytes as a bucket written whole
(:func:`bucket_bytes`), as a build from scratch writes it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping


def _varint(number: int, out: bytearray) -> None:
    while number >= 0x80:
        out.append((number & 0x7F) | 0x80)
        number >>= 7
    out.append(number)


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    """The varint at ``at`` and where the next thing starts."""
    number = shift = 0
    while True:
        byte = data[at]
        at += 1
        number |= (byte & 0x7F) << shift
        if byte < 0x80:
            return number, at
        shift += 7


def entry_bytes(term: str, numbers: list[int]) -> bytes:
    """One term's entry: ``numbers`` ascending, each once."""
    out = bytearray()
    name = term.encode()
    _varint(len(name), out)
    out += name
    _varint(len(numbers), out)
    last = -1
    for number in numbers:
        _varint(number - last - 1, out)
        last = number
    return bytes(out)


def bucket_bytes(postings: Mapping[str, list[int]]) -> bytes:
    """A bucket holding ``postings`` (term -> the ascending numbers of its papers)."""
    return b"".join(entry_bytes(term, postings[term])
                    for term in sorted(postings, key=str.encode) if postings[term])


def entries(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """Each entry of a bucket as (term in UTF-8, start, end), in order, without reading its
    numbers."""
    at = 0
    while at < len(data):
        start = at
        length, at = _read_varint(data, at)
        name = data[at:at + length]
        at += length
        count, at = _read_varint(data, at)
        for _ in range(count):
            while data[at] >= 0x80:
                at += 1
            at += 1
        yield name, start, at


def numbers_of(data: bytes, start: int) -> list[int]:
    """The numbers of the entry at ``start``."""
    length, at = _read_varint(data, start)
    count, at = _read_varint(data, at + length)
    numbers, last = [], -1
    for _ in range(count):
        gap, at = _read_varint(data, at)
        last += gap + 1
        numbers.append(last)
    return numbers


def postings_of(data: bytes) -> dict[str, list[int]]:
    """Every term of a bucket with its numbers."""
    return {name.decode(): numbers_of(data, start) for name, start, _ in entries(data)}


def patched(data: bytes, changes: Mapping[str, tuple[set[int], set[int]]]) -> bytes:
    """The bucket ``data`` with, for each term of ``changes``, the numbers of the first set
    added and of the second taken away (a term left with none is dropped)."""
    todo = {term.encode(): change for term, change in changes.items()}
    parts: list[bytes] = []

    def changed(name: bytes, numbers: list[int]) -> None:
        added, removed = todo.pop(name)
        kept = sorted((set(numbers) - removed) | added)
        if kept:
            parts.append(entry_bytes(name.decode(), kept))

    waiting = sorted(todo)  # the changed terms not yet placed, in the bucket's order
    for name, start, end in entries(data):
        while waiting and waiting[0] < name:
            changed(waiting.pop(0), [])
        if waiting and waiting[0] == name:
            changed(waiting.pop(0), numbers_of(data, start))
        else:
            parts.append(data[start:end])
    for name in waiting:
        changed(name, [])
    return b"".join(parts)
