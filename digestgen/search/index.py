"""The whole index: the archive's papers in segments, written whole or changed in small units.

Files, below the output root::

    search/index.json                 the segments, in the archive's order (oldest first)
    search/<segment>/<bucket>.bin     terms with the numbers of their papers (hexadecimal name)
    search/<segment>/titles-<n>.json  the pages and titles of papers 64n to 64n + 63

A segment is named after its first paper (stable as the archive grows). A paper's title terms
are also indexed marked (:func:`~.terms.title_terms`), in the bucket of the same term unmarked:
the search box ranks by them, and reads the titles of the few papers it shows. The next build
reads the live index back (:class:`LiveIndex`) and changes only the segments whose papers
changed:

- the same papers, some edited: the buckets of the terms they gained or lost, and the title
  files of the edited papers;
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
VERSION = 2
#: Papers per title file: about 16 KB, as a bucket; a search reads the files of the papers
#: it shows, not every title of a segment.
TITLES_PER_FILE = 64
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


def titles_path(segment: str, number: int) -> str:
    return f"{FOLDER}/{segment}/titles-{number:x}.json"


def title_files(papers: int) -> int:
    """How many title files a segment of ``papers`` papers has."""
    return -(-papers // TITLES_PER_FILE)


def segment_paths(name: str, entry: Mapping) -> list[str]:
    """Every file of the segment ``name`` that ``entry`` (of index.json) lists."""
    return [*(bucket_path(name, n) for n in range(entry["buckets"])),
            *(titles_path(name, n) for n in range(title_files(entry["papers"])))]


def _json(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            + "\n").encode()


def titles_json(entries: list[tuple[str, Mapping[str, str]]]) -> bytes:
    """A title file: each paper's page and titles, by number."""
    return _json([[page, dict(titles)] for page, titles in entries])


def listing_json(entries: list[dict]) -> bytes:
    return _json({"version": VERSION, "titles": TITLES_PER_FILE, "segments": entries})


class LiveIndex:
    """The index a build finds in the live site: ``read(path)`` gives a file's bytes (None
    when it is not there), ``present(path)`` whether it is there, unread."""

    def __init__(self, read: Callable[[str], bytes | None], present: Callable[[str], bool]):
        self.read, self.present = read, present
        self.segments: dict[str, dict] = {}
        self._titles: dict[tuple[str, int], list | None] = {}  # each title file, read once
        listing = read(LISTING)
        try:
            found = json.loads(listing) if listing else {}
            if found.get("version") == VERSION and found.get("titles") == TITLES_PER_FILE:
                self.segments = {entry["name"]: entry for entry in found["segments"]
                                 if isinstance(entry["papers"], int)
                                 and isinstance(entry["buckets"], int)}
        except (ValueError, KeyError, TypeError, AttributeError):
            self.segments = {}

    def whole(self, name: str) -> bool:
        """Whether every file of the live segment ``name`` is there."""
        return all(map(self.present, segment_paths(name, self.segments[name])))

    def titles(self, name: str, number: int) -> list[tuple[str, dict[str, str]]] | None:
        """The papers of the live segment ``name``'s title file ``number`` as (page, titles),
        by number (None: not there, or it cannot be read)."""
        if (name, number) not in self._titles:
            data = self.read(titles_path(name, number))
            try:
                self._titles[name, number] = [(str(page), dict(titles))
                                              for page, titles in json.loads(data)] \
                    if data else None
            except (ValueError, TypeError):
                self._titles[name, number] = None
        return self._titles[name, number]

    def entries(self, name: str) -> list[tuple[str, dict[str, str]]] | None:
        """The papers of the live segment ``name`` as (page, titles), by number (None: no
        such segment, or one that cannot be read whole)."""
        if name not in self.segments:
            return None
        found = []
        for number in range(title_files(self.segments[name]["papers"])):
            part = self.titles(name, number)
            if part is None:
                return None
            found += part
        return found if len(found) == self.segments[name]["papers"] else None

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
        pages, buckets = self.pages(name), self.buckets(name)
        if pages is None or buckets is None:
            return {}
        found: dict[str, set[str]] = {page: set() for page in pages}
        try:
            for term, numbers in segment_postings(buckets).items():
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
                and not changed.intersection(segment.pages) and live.whole(segment.name):
            # The same papers, none changed: every file as it is.
            files.update(dict.fromkeys(segment_paths(segment.name, kept)))
            listing.append(kept)
            continue
        made = _patched_segment(segment, read, live, changed, before)
        if made is None:
            if facts_of is not None:
                found.update(facts_of([page for page in segment.pages
                                       if known.terms(page, segment.name) is None]))
            made = _whole_segment(segment, read, known)
        buckets, total, titles = made
        for number, data in enumerate(buckets):
            files[bucket_path(segment.name, number)] = data
        for number, data in enumerate(titles):
            files[titles_path(segment.name, number)] = data
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
                     ) -> tuple[list[bytes | None], int, list[bytes | None]] | None:
    """A live segment of the same papers, or of its first papers, changed in place: its
    buckets, the numbers it holds, and its title files (None: a file as it is); None when it
    cannot be."""
    if live is None or before is None or segment.name not in live.segments:
        return None
    pages = segment.pages
    entry = live.segments[segment.name]
    was = pages[:entry["papers"]]
    if len(was) != entry["papers"] or pages_digest(was) != entry.get("digest"):
        return None  # (the digest of its pages tells them: its title files need not be read)
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
    buckets = [new.get(number) for number in range(entry["buckets"])]
    # A file kept that was removed by hand, or one needed that is spoilt: made whole.
    if not _kept_there(live, buckets, functools.partial(bucket_path, segment.name)):
        return None
    titles = _patched_titles(segment, read, live, {*edited, *added})
    if titles is None \
            or not _kept_there(live, titles, functools.partial(titles_path, segment.name)):
        return None
    return buckets, total, titles


def _kept_there(live: LiveIndex, files: list[bytes | None], path: Callable[[int], str]) -> bool:
    """Whether the live index has each of ``files`` kept as it is (None), at ``path(n)``."""
    return all(live.present(path(number)) for number, data in enumerate(files) if data is None)


def _patched_titles(segment: Segment, read, live: LiveIndex, changed: set[int]
                    ) -> list[bytes | None] | None:
    """The title files of a live segment changed in place where ``changed`` (numbers of
    papers edited or added) are; None when a live one that is needed cannot be read."""
    files: list[bytes | None] = []
    for number in range(title_files(len(segment.pages))):
        first = number * TITLES_PER_FILE
        numbers = range(first, min(first + TITLES_PER_FILE, len(segment.pages)))
        if changed.isdisjoint(numbers):
            files.append(None)
            continue
        live_papers = live.segments[segment.name]["papers"]
        was = live.titles(segment.name, number) if first < live_papers else []
        if was is None:
            return None
        entries = [(segment.pages[n], read(segment.pages[n]).titles
                    if n in changed or n - first >= len(was) else was[n - first][1])
                   for n in numbers]
        files.append(None if entries == was else titles_json(entries))
    return files


def _live_bucket(live: LiveIndex, name: str, number: int) -> bytes:
    data = live.read(bucket_path(name, number))
    if data is None:
        raise FileNotFoundError(bucket_path(name, number))
    return data


def _whole_segment(segment: Segment, read, known: _Known
                   ) -> tuple[list[bytes], int, list[bytes]]:
    """A segment made whole: each paper's terms and titles read back from the live segment
    that held it, unless its page changed (or it was in none), then from its page."""
    papers = []
    for page in segment.pages:
        terms = known.terms(page, segment.name)
        papers.append(terms if terms is not None else read(page).terms)
    entries = [(page, known.titles(page, segment.name) or read(page).titles)
               for page in segment.pages]
    titles = [titles_json(entries[first:first + TITLES_PER_FILE])
              for first in range(0, len(entries), TITLES_PER_FILE)]
    return segment_buckets(postings_of_papers(papers)), sum(map(len, papers)), titles
