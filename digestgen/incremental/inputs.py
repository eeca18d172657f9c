"""What a build's inputs are before any is read: every file's name and stat, and a fingerprint.

A build that finds the fingerprint the last one left has nothing to do, so this is all a no-op
build does: list and stat every content, layout and static file. At 100,000 papers that is
100,000 ``stat`` calls, and most of a no-op build's time. A folder of many files is stat-ed in
parts, one per core, each part in a forked process but the last (:func:`_stat_parts`). What
comes back is columns of numbers (size, mtime, ...), which is also how they are compared and
hashed: no stat object is kept per file. The names of a large folder are kept between builds
(:class:`FolderNames`) and listed again only when the folder changed.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
from array import array
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import compress
from operator import attrgetter
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import NamedTuple

from ..config import SiteConfig
from ..pages.themefiles import builtin_layouts
from .storage import code_version, digest_bytes, digest_text, read_pickle, settled, write_pickle

#: A folder with more entries than this is stat-ed in parts, in forked processes.
PART_MIN = 8_192
#: The names of a folder of at least this many entries are kept between builds.
NAMES_KEPT_MIN = 4_096


class FileStat(NamedTuple):
    """The fields of a file's stat that a build reads."""

    st_mode: int
    st_size: int
    st_mtime_ns: int
    st_ctime_ns: int
    st_ino: int


_FIELDS = tuple(map(attrgetter, FileStat._fields))
#: The columns a listing's stats are compared and hashed by (its mode is only for folders).
COLUMNS = ("st_size", "st_mtime_ns", "st_ctime_ns", "st_ino")


@dataclass
class Listing:
    """Every entry below a folder, folders included, in the order found: its path relative to
    the folder, and its stat as columns (one array per :class:`FileStat` field, in the order of
    the names). An entry that is there but cannot be stat-ed (a folder that may be listed but
    not searched) is in ``unreadable`` (by index; its numbers are 0). An entry gone since its
    folder was listed is left out."""

    names: list[str] = field(default_factory=list)
    columns: dict[str, array] = field(
        default_factory=lambda: {name: array("q") for name in FileStat._fields})
    unreadable: set[int] = field(default_factory=set)

    def stat(self, index: int) -> FileStat | None:
        """The stat of entry ``index``, None when it could not be had."""
        if index in self.unreadable:
            return None
        return FileStat(*(self.columns[name][index] for name in FileStat._fields))

    def stat_columns(self) -> tuple[array, ...]:
        """The columns of :data:`COLUMNS`."""
        return tuple(self.columns[name] for name in COLUMNS)

    def _add(self, prefix: str, names: list[str], columns: tuple[array, ...],
             unreadable: list[int]) -> None:
        at = len(self.names)
        self.names.extend(map(prefix.__add__, names) if prefix else names)
        for name, numbers in zip(FileStat._fields, columns):
            self.columns[name].extend(numbers)
        self.unreadable.update(at + index for index in unreadable)


@dataclass(frozen=True)
class InputSurvey:
    """What a build found of its inputs before reading them."""

    fingerprint: str | None  # None when an input changed too recently to be sure of it
    papers: Listing  # what content/papers holds
    issues: Listing  # what content/issues holds
    # Per folder of the two above: its stats as columns (size, mtime, ctime, inode), each an
    # array in the order of the listing; None when some entry could not be stat-ed.
    columns: dict[str, tuple[array, ...] | None] = field(default_factory=dict)

    @property
    def paper_files(self) -> list[tuple[str, FileStat | None]]:
        """The names and stats of the entries directly in content/papers, sorted by name; a
        stat is None for a file that cannot be stat-ed (loading it then says why)."""
        listing = self.papers
        return sorted((rel, listing.stat(index)) for index, rel in enumerate(listing.names)
                      if "/" not in rel)


def survey_inputs(config: SiteConfig, options: str) -> InputSurvey:
    """A hash of the names, sizes, mtimes, ctimes and inodes of every input, and what the
    papers folder holds (so that loading it need not list and stat it again)."""
    papers, issues = config.content_dir / "papers", config.content_dir / "issues"
    folders = [papers, issues, config.layouts_dir, builtin_layouts(), config.static_dir]
    found = {"": Listing()}
    found[""]._add("", [str(config.path)], _columns([os.stat(config.path)]), [])
    folder_names = FolderNames(config.cache_dir / "folders.pickle")
    found.update((str(folder), _walk(folder, folder_names)) for folder in folders)
    folder_names.save()
    # The stats are hashed as columns of numbers, each array whole, rather than formatted file
    # by file.
    digest = hashlib.sha1(pickle.dumps((options, repr(config), code_version()), 4))
    unknown = False
    newest = 0
    columns: dict[str, tuple[array, ...] | None] = {}
    for folder, listing in found.items():
        digest.update(("\0".join([folder, *listing.names]) + "\0\0").encode(
            "utf-8", "surrogatepass"))
        if listing.unreadable:
            unknown = True
            columns[folder] = None
            continue
        columns[folder] = listing.stat_columns()
        for name, numbers in zip(COLUMNS, columns[folder]):
            digest.update(numbers)
            if name in ("st_mtime_ns", "st_ctime_ns"):
                newest = max(newest, max(numbers, default=0))
    fingerprint = None if unknown or not settled(newest) else digest.hexdigest()
    return InputSurvey(fingerprint, found[str(papers)], found[str(issues)],
                       {"papers": columns[str(papers)], "issues": columns[str(issues)]})


def theme_key(config: SiteConfig) -> str:
    """A hash of every template and strings file the theme may read (static files are
    compared byte by byte anyway)."""
    parts = []
    for folder in (config.layouts_dir, builtin_layouts()):
        listing = _walk(folder)
        for rel in sorted(rel for index, rel in enumerate(listing.names)
                          if rel.split("/")[0] != "static"
                          and S_ISREG(listing.columns["st_mode"][index])
                          and index not in listing.unreadable):
            parts.append(f"{folder}/{rel} {digest_bytes((folder / rel).read_bytes())}")
    return digest_text("\n".join(parts))


class FolderNames:
    """The names of the large folders of inputs as last listed, each with the folder's stat
    then, in a file of the cache. A folder is not listed again while its inode, mtime and
    ctime are as recorded: adding, removing or renaming a file in it changes its mtime. (Its
    files are still stat-ed one by one: a file changed in place leaves its folder as it was.)
    Names are recorded only when the folder's times are settled, so that a change within the
    same tick of the clock is not missed. At 100,000 papers listing content/papers took 36 ms
    of a no-op build, reading its names back 7 ms."""

    def __init__(self, path: Path):
        self.path = path
        kept = read_pickle(path, {})
        self.kept: dict[str, tuple] = kept if isinstance(kept, dict) else {}
        self.now: dict[str, tuple] = {}  # what to keep for the next build

    def listed(self, folder: str, handle: int) -> list[str]:
        """The names in ``folder`` (open as ``handle``)."""
        info = os.fstat(handle)  # before listing: a change after it shows next time
        stamp = (info.st_ino, info.st_mtime_ns, info.st_ctime_ns)
        entry = self.kept.get(folder)
        if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == stamp \
                and isinstance(entry[1], list):
            self.now[folder] = entry
            return entry[1]
        names = os.listdir(handle)
        if len(names) >= NAMES_KEPT_MIN and settled(info.st_mtime_ns, info.st_ctime_ns):
            self.now[folder] = (stamp, names)
        return names

    def save(self) -> None:
        """Keep the names found (in a file only when some folder's changed)."""
        if self.now.keys() == self.kept.keys() \
                and all(self.now[folder] is self.kept[folder] for folder in self.now):
            return
        if not (self.now and write_pickle(self.path, self.now)):
            with suppress(OSError):  # none to keep, or stale: gone
                self.path.unlink()


def _walk(folder: Path, folder_names: FolderNames | None = None) -> Listing:
    found = Listing()
    _walk_into(str(folder), "", found, folder_names)
    return found


def _walk_into(top: str, rel: str, found: Listing, folder_names: FolderNames | None) -> None:
    folder = f"{top}/{rel}" if rel else top
    try:
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        names = folder_names.listed(folder, handle) if folder_names is not None \
            else os.listdir(handle)
        names, columns, unreadable = _stat_parts(handle, names)
    except OSError:
        return
    finally:
        os.close(handle)
    prefix = f"{rel}/" if rel else ""
    found._add(prefix, names, columns, unreadable)
    # (By maps in C: a loop over 100,000 names took 15 ms. An entry that could not be stat-ed
    # has the mode 0 of no folder.)
    for name in sorted(compress(names, map(S_ISDIR, columns[0]))):
        _walk_into(top, prefix + name, found, folder_names)


def _stat_parts(handle: int, names: list[str]) -> tuple[list[str], tuple[array, ...], list[int]]:
    """:func:`_stat_names` of ``names`` in the open folder ``handle``, in a part per core
    when they are many (a stat is a system call, and making its result an object costs as
    much again: at 100,000 papers, 0.36 s in one process, 0.19 s in two)."""
    if len(names) < 2 * PART_MIN:  # (and a no-op build of a small site imports nothing)
        return _stat_names(handle, names)
    import threading
    from ..parallel import can_fork, fork_map, worker_count
    parts = min(worker_count(), len(names) // PART_MIN)
    if parts <= 1 or not can_fork() or threading.active_count() > 1:
        return _stat_names(handle, names)
    size = -(-len(names) // parts)
    shares = [names[start:start + size] for start in range(0, len(names), size)]
    kept: list[str] = []
    columns = tuple(array("q") for _ in FileStat._fields)
    unreadable: list[int] = []
    for share, (share_kept, share_columns, share_unreadable) in zip(
            shares, fork_map(functools.partial(_stat_names, handle, sending=True), shares)):
        unreadable += (len(kept) + index for index in share_unreadable)
        kept += share if share_kept is None else share_kept
        for numbers, more in zip(columns, share_columns):
            numbers.extend(more)
    return kept, columns, unreadable


def _stat_names(handle: int, names: list[str], sending: bool = False) \
        -> tuple[list[str] | None, tuple[array, ...], list[int]]:
    """The names still there, their stats as columns, and the indices of those that could not
    be stat-ed. ``sending``: the names still there are None when they are all of ``names``
    (a worker does not send back what it was given)."""
    # Stat-ing by name within the open folder: the kernel looks up one name, not a path.
    try:
        stats = list(map(functools.partial(os.stat, dir_fd=handle), names))
        kept = None if sending else names
    except OSError:  # a name gone or unreadable since the listing: find which
        stats = [_stat_in(handle, name) for name in names]
        kept = [name for name, info in zip(names, stats) if info is not _GONE]
        stats = [info for info in stats if info is not _GONE]
    unreadable = [index for index, info in enumerate(stats) if info is None] \
        if None in stats else []
    return kept, _columns(stats), unreadable


def _columns(stats: list) -> tuple[array, ...]:
    """``stats`` as a column per :class:`FileStat` field (zeros for a missing stat)."""
    if None in stats:
        stats = [info if info is not None else _NO_STAT for info in stats]
    return tuple(array("q", map(read, stats)) for read in _FIELDS)


_NO_STAT = FileStat(0, 0, 0, 0, 0)
_GONE = object()


def _stat_in(folder: int, name: str):
    """The stat of ``name`` in ``folder``; None when it cannot be had, :data:`_GONE` when the
    name is no longer there (or is a dangling link, which listing the folder skips too)."""
    try:
        return os.stat(name, dir_fd=folder)
    except FileNotFoundError:
        return _GONE
    except OSError:
        return None
