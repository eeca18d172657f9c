"""A segment of the index: a run of the archive's papers, its terms spread over bucket files.

The archive's papers, oldest first, are cut into segments of about :data:`SEGMENT_PAPERS`
(where a segment ends depends on its own papers: see :func:`cut`), so that a day's new papers
change the last segment and an edit the segment of its paper. Within a segment each paper is
numbered by its place, and each term goes to the bucket its hash names (:func:`bucket_of`); a
segment has a power of two of buckets, as many as keep each about :data:`BUCKET_POSTINGS`
numbers (:func:`bucket_count`). A query fetches, in each segment, the bucket of each of its
terms: one file a term and segment, whatever the size of the archive.

Everything here depends only on the papers' terms, so a segment changed in place
(:func:`changed_buckets`) is the same bytes as the segment made whole (:func:`segment_buckets`).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence

from .postings import bucket_bytes, patched, postings_of
from .terms import unmarked

#: About how many papers a segment holds.
SEGMENT_PAPERS = 4096
#: About how many paper numbers a bucket holds (a number takes a byte or two): about 16 KB.
BUCKET_POSTINGS = 12_000

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193


def cut(items: list[str], target: int, most: int | None = None) -> list[list[str]]:
    """``items`` cut into runs of about ``target``: a run ends at an item whose name hashes to
    0 modulo a third of it, once it holds two thirds of it, and at ``most`` (twice that unless
    given) in any case.

    Where a run ends depends on its own items, not on a count from the start: items added at
    the end change only the last run, and one added or removed in the middle changes its run
    and rarely the next."""
    least, spread = max(1, target * 2 // 3), max(1, target // 3)
    most = most or 2 * target
    runs: list[list[str]] = []
    start = 0
    while start < len(items):
        # The first two thirds of a run never end it: only the names after them are hashed.
        end = min(start + most, len(items))
        for at in range(start + least - 1, end):
            if zlib.crc32(items[at].encode()) % spread == 0:
                end = at + 1
                break
        runs.append(items[start:end])
        start = end
    return runs


def term_hash(term: str) -> int:
    """FNV-1a (32 bits) of the term's UTF-8 bytes (the search box computes the same)."""
    value = _FNV_OFFSET
    for byte in term.encode():
        value = ((value ^ byte) * _FNV_PRIME) & 0xFFFFFFFF
    return value


def bucket_of(term: str, buckets: int) -> int:
    """The bucket of ``term``: a title's term goes where the same term unmarked goes (one
    file a term gives the search box both)."""
    return term_hash(unmarked(term)) & (buckets - 1)


def bucket_count(postings: int) -> int:
    """The buckets of a segment whose papers have ``postings`` terms in all: a power of two."""
    count = 1
    while postings > count * BUCKET_POSTINGS:
        count *= 2
    return count


def postings_of_papers(papers: Sequence[Iterable[str]]) -> dict[str, list[int]]:
    """Each term of ``papers`` (each a paper's terms, in the segment's order) with the numbers
    of the papers that have it."""
    postings: dict[str, list[int]] = {}
    for number, terms in enumerate(papers):
        for term in terms:
            postings.setdefault(term, []).append(number)
    return postings


def segment_buckets(postings: Mapping[str, list[int]]) -> list[bytes]:
    """The bucket files of a segment whose terms are ``postings``, by bucket number."""
    count = bucket_count(sum(map(len, postings.values())))
    split: list[dict[str, list[int]]] = [{} for _ in range(count)]
    for term, numbers in postings.items():
        split[bucket_of(term, count)][term] = numbers
    return [bucket_bytes(part) for part in split]


def segment_postings(buckets: Sequence[bytes]) -> dict[str, list[int]]:
    """What a segment's bucket files hold, read back."""
    postings: dict[str, list[int]] = {}
    for data in buckets:
        postings.update(postings_of(data))
    return postings


def changed_buckets(bucket: Callable[[int], bytes], count: int, total: int,
                    before: Mapping[int, set[str]], after: Mapping[int, set[str]]
                    ) -> tuple[dict[int, bytes], int] | None:
    """The buckets of a segment of ``count`` buckets (``bucket(n)`` gives one's bytes;
    ``total``: the numbers they hold in all) that change when the papers numbered as the keys
    of ``before`` (their terms then) have the terms of ``after`` instead, each keeping its
    number: bucket number -> its new bytes, and the new total. Only those buckets are read.
    None when the segment then needs another number of buckets: it is made whole again."""
    changes: dict[str, tuple[set[int], set[int]]] = {}
    for number in before.keys() | after.keys():
        old, new = before.get(number, set()), after.get(number, set())
        for term in new - old:
            changes.setdefault(term, (set(), set()))[0].add(number)
        for term in old - new:
            changes.setdefault(term, (set(), set()))[1].add(number)
        total += len(new) - len(old)
    if bucket_count(total) != count:
        return None
    by_bucket: dict[int, dict[str, tuple[set[int], set[int]]]] = {}
    for term, change in changes.items():
        by_bucket.setdefault(bucket_of(term, count), {})[term] = change
    return {number: patched(bucket(number), part)
            for number, part in sorted(by_bucket.items())}, total
