"""The whole index: the archive's papers in segments, written whole or changed in small units.

Files, below the output root::

    search/index.json                 the segments, in the archive's order (oldest first)
    search/<segment>/papers.json      each paper's page and titles, by its number
    search/<segment>/<bucket>.bin     terms with the numbers of their papers (hexadecimal name)

A segment is named after its first paper (stable as the archive grows). The next build reads
the live index back (:class:`LiveIndex`) and changes only the segments whose papers changed:

- the same papers, some edited: the buckets of the terms they gained or lost;
- papers added at its end (a day's new papers): the same, the new papers' terms added;
- anything else (a paper inserted, removed or moved): the segment made whole again, each paper's
  terms read back from the live index unless its page changed.

Whichever way, the files are the same bytes as a build from scratch writes.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .segments import (
    SEGMENT_PAPERS, changed_buckets, cut, postings_of_papers, segment_buckets,
    segment_postings,
)

FOLDER = "search"
LISTING = f"{FOLDER}/index.json"
#: The version of the index's files; the search box reads this one.
VERSION = 1
#: What reading a live bucket that is not as this module writes it raises.
UNREADABLE = (IndexError, UnicodeDecodeError)


@dataclass(frozen=True)
class PageFacts:
    """What the index takes of a paper's page: its titles by language, and its terms."""

    titles: Mapping[str, str]
    terms: set[str]


@dataclass(frozen=True)
class Segment:
    name: str
    pages: list[str]


def plan_segments(pages: Sequence[str]) -> list[Segment]:
    """``pages`` (the papers', oldest first) cut into segments, each named after its first."""
    segments, names = [], set()
    for number, run in enumerate(cut(list(pages), SEGMENT_PAPERS, most=SEGMENT_PAPERS * 3 // 2)):
        name = hashlib.sha256(run[0].encode()).hexdigest()[:10]
        name = name if name not in names else f"{name}-{number}"
        names.add(name)
        segments.append(Segment(name, run))
    return segments


def pages_digest(pages: Sequence[str]) -> str:
    """What tells a segment's papers, in their order, from others (listed with it)."""
    return hashlib.sha256("\n".join(pages).encode()).hexdigest()[:16]


def bucket_path(segment: str, bucket: int) -> str:
    return f"{FOLDER}/{segment}/{bucket:x}.bin"


def papers_path(segment: str) -> str:
    return f"{FOLDER}/{segment}/papers.json"


def _json(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            + "\n").encode()


def papers_json(entries: list[tuple[str, Mapping[str, str]]]) -> bytes:
    """A segment's ``papers.json``: each paper's page and titles, by number."""
    return _json([[page, dict(titles)] for page, titles in entries])


def listing_json(entries: list[dict]) -> bytes:
    return _json({"version": VERSION, "segments": entries})


class LiveIndex:
    """The index a build finds in the live site: ``read(path)`` gives a file's bytes (None
    when it is not there)."""

    def __init__(self, read: Callable[[str], bytes | None]):
        self.read = read
        self.segments: dict[str, dict] = {}
        self._entries: dict[str, list | None] = {}  # each segment's papers.json, read once
        listing = read(LISTING)
        try:
            found = json.loads(listing) if listing else {}
            if found.get("version") == VERSION:
                self.segments = {entry["name"]: entry for entry in found["segments"]}
        except (ValueError, KeyError, TypeError, AttributeError):
            self.segments = {}

    def entries(self, name: str) -> list[tuple[str, dict[str, str]]] | None:
        """The papers of the live segment ``name`` as (page, titles), by number (None: no
        such segment, or one that cannot be read)."""
        if name not in self.segments:
            return None
        if name not in self._entries:
            data = self.read(papers_path(name))
            try:
                self._entries[name] = [(str(page), dict(titles))
                                       for page, titles in json.loads(data)] if data else None
            except (ValueError, TypeError):
                self._entries[name] = None
        return self._entries[name]

    def pages(self, name: str) -> list[str] | None:
        entries = self.entries(name)
        return None if entries is None else [page for page, _ in entries]

    def buckets(self, name: str) -> list[bytes] | None:
        """Every bucket of the live segment ``name`` (None: one is missing)."""
        found = [self.read(bucket_path(name, number))
                 for number in range(self.segments[name]["buckets"])]
        return None if any(data is None for data in found) else found

    def terms_by_page(self, name: str) -> dict[str, set[str]]:
        """Each page of the live segment ``name`` with its terms, read back from its buckets
        (none when they cannot be read: its pages are then read instead)."""
        pages = self.pages(name) or []
        found: dict[str, set[str]] = {page: set() for page in pages}
        try:
            for term, numbers in segment_postings(self.buckets(name) or []).items():
                for number in numbers:
                    found[pages[number]].add(term)
        except UNREADABLE:
            return {}
        return found


#: A segment with more papers changed or added than this is made whole, not changed in
#: place: reading each such page's live version for the terms it had would cost more (a
#: theme's change makes every page's bytes change).
PATCHED_MOST = 256


def index_files(pages: Sequence[str], facts: Callable[[str], PageFacts],
                live: LiveIndex | None = None, changed: frozenset[str] = frozenset(),
                before: Callable[[str], set[str] | None] | None = None,
                facts_of: Callable[[list[str]], dict[str, PageFacts]] | None = None
                ) -> dict[str, bytes | None]:
    """The index of the papers whose pages are ``pages`` (oldest first), whose titles and
    terms ``facts(page)`` gives: every file of it, by path below the output root, as bytes, or
    None for a live file that stays as it is. ``live``: the index the last build left;
    ``changed``: the pages whose text changed since, whose terms then were ``before(page)``
    (None: not known, and the segment is made whole). ``facts`` is asked only about pages
    that changed or that the live index lacks; ``facts_of(pages)``, when given, about all the
    pages a segment made whole needs at once (in worker processes), a segment at a time. A
    live file not named is no longer part of the index."""
    known = _Known(live, changed)
    found: dict[str, PageFacts] = {}

    def read(page: str) -> PageFacts:
        if page not in found:
            found[page] = facts(page)
        return found[page]

    files: dict[str, bytes | None] = {}
    listing = []
    for segment in plan_segments(pages):
        kept = live.segments.get(segment.name) if live is not None else None
        digest = pages_digest(segment.pages)
        if kept is not None and kept.get("digest") == digest \
                and not changed.intersection(segment.pages):
            # The same papers, none changed: every file as it is.
            files.update(dict.fromkeys(
                [*(bucket_path(segment.name, n) for n in range(kept["buckets"])),
                 papers_path(segment.name)]))
            listing.append(kept)
            continue
        made = _patched_segment(segment, read, live, changed, before)
        if made is None:
            if facts_of is not None:
                found.update(facts_of([page for page in segment.pages
                                       if known.terms(page, segment.name) is None]))
            made = _whole_segment(segment, read, known)
        buckets, total = made
        for number, data in enumerate(buckets):
            files[bucket_path(segment.name, number)] = data
        files[papers_path(segment.name)] = papers_json(
            [(page, known.titles(page, segment.name) or read(page).titles)
             for page in segment.pages])
        found.clear()  # a segment's facts are not needed by the next
        listing.append({"name": segment.name, "papers": len(segment.pages), "digest": digest,
                        "numbers": total, "buckets": len(buckets)})
    files[LISTING] = listing_json(listing)
    return files


class _Known:
    """What the live index holds of the papers whose pages did not change: titles and terms,
    read segment by segment as they are asked for (first from the live segment of the same
    name, where a paper usually still is; all of them only when it is not there)."""

    def __init__(self, live: LiveIndex | None, changed: frozenset[str]):
        self.live, self.changed = live, changed
        self._where: dict[str, str] = {}  # page -> live segment, of the segments loaded
        self._titles: dict[str, dict[str, str]] = {}
        self._terms: dict[str, set[str]] = {}
        self._loaded: set[str] = set()
        self._termed: set[str] = set()

    def _load(self, name: str) -> None:
        if name not in self._loaded:
            self._loaded.add(name)
            for page, titles in self.live.entries(name) or []:
                self._where[page] = name
                self._titles[page] = titles

    def _segment_of(self, page: str, near: str) -> str | None:
        if self.live is None or page in self.changed:
            return None
        if near in self.live.segments:
            self._load(near)
        if page not in self._where:
            for name in self.live.segments:
                self._load(name)
        return self._where.get(page)

    def titles(self, page: str, near: str) -> dict[str, str] | None:
        """The titles of ``page`` in the live index (None: changed, or not there); ``near``:
        the segment it is now in."""
        return self._titles[page] if self._segment_of(page, near) is not None else None

    def terms(self, page: str, near: str) -> set[str] | None:
        name = self._segment_of(page, near)
        if name is None:
            return None
        if name not in self._termed:
            self._termed.add(name)
            self._terms.update(self.live.terms_by_page(name))
        return self._terms.get(page)


def _patched_segment(segment: Segment, read, live, changed, before
                     ) -> tuple[list[bytes | None], int] | None:
    """A live segment of the same papers, or of its first papers, changed in place: its
    buckets (None: as they are) and the numbers it holds; None when it cannot be."""
    if live is None or before is None:
        return None
    pages = segment.pages
    was = live.pages(segment.name)
    if was is None or pages[:len(was)] != was:
        return None
    entry = live.segments[segment.name]
    edited = [number for number, page in enumerate(was) if page in changed]
    added = range(len(was), len(pages))
    if len(edited) + len(added) > PATCHED_MOST:
        return None
    then = {number: before(pages[number]) for number in edited}
    if any(terms is None for terms in then.values()):  # a live page someone removed
        return None
    try:
        result = changed_buckets(
            functools.partial(_live_bucket, live, segment.name), entry["buckets"],
            entry["numbers"], then,
            {number: read(pages[number]).terms for number in (*edited, *added)})
    except (FileNotFoundError, *UNREADABLE):  # a bucket removed or spoilt: made whole
        return None
    if result is None:
        return None
    new, total = result
    return [new.get(number) for number in range(entry["buckets"])], total


def _live_bucket(live: LiveIndex, name: str, number: int) -> bytes:
    data = live.read(bucket_path(name, number))
    if data is None:
        raise FileNotFoundError(bucket_path(name, number))
    return data


def _whole_segment(segment: Segment, read, known: _Known) -> tuple[list[bytes], int]:
    """A segment made whole: each paper's terms read back from the live segment that held it,
    unless its page changed (or it was in none), then from its page."""
    papers = []
    for page in segment.pages:
        terms = known.terms(page, segment.name)
        papers.append(terms if terms is not None else read(page).terms)
    return segment_buckets(postings_of_papers(papers)), sum(map(len, papers))
