"""What changed since the last build of an output, and so what this build must do.

After each build, ``.digestgen-cache/`` keeps, per output folder: a fingerprint of every input
(file names, sizes and mtimes of content, layouts, static files, the configuration, and the
code), the identity of the manifest the build left in the output, and the key of every page
(:mod:`.keys`). The next build

- does nothing when the fingerprint and the output are as left: a no-op costs a few ``stat``
  calls and no parsing;
- otherwise renders only the pages whose key changed (or whose file someone removed), and takes
  every other page from the live site as it is.

A fingerprint taken while an input was being changed (an mtime within a second or two of the
build) is not kept, so a change made in the same instant as a build is never missed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
from contextlib import suppress
from array import array
from dataclasses import dataclass, field
from itertools import compress, filterfalse, repeat
from operator import attrgetter, itemgetter, ne
from pathlib import Path
from stat import S_ISDIR

from .storage import (
    code_version, digest_bytes, digest_text, read_pickle, settled, write_atomic, write_pickle,
)
from ..config import SiteConfig
from ..output.manifest import MANIFEST
from ..pages.themefiles import builtin_layouts

@dataclass
class BuildState:
    """What the last build of one output left for the next."""

    fingerprint: str | None = None
    manifest: list[int] | None = None  # (inode, size, mtime_ns) of the output's manifest
    papers: int = 0
    issues: int = 0
    files: int = 0
    keys: dict[str, str] = field(default_factory=dict)  # page path -> key
    rows: dict = field(default_factory=dict)  # row digests (pagekeys.RowDigests.current)
    base: str | None = None  # what the keys were made with (pagekeys.PageKeys.base)
    structure: str | None = None  # of the site model, as keys read it (PageKeys.structure)
    digests: dict[str, str] = field(default_factory=dict)  # content file -> hash of its bytes
    paper_keys: dict[str, str] = field(default_factory=dict)  # paper id -> PageKeys.paper


class StateFiles:
    """Where the state of builds into ``output`` is kept.

    The page keys, row digests and file hashes (:class:`BuildState` beside its summary) are
    hundreds of thousands of entries on a large site, of which an edit changes a few dozen:
    pickling them whole cost a tenth of a second of every edit at 20,000 papers. So they are
    kept as a full file, written when much changed, and a patch beside it: what changed since
    the full file, written by every other build (and read as a whole with it). The patch names
    the full file it patches (``token``), so a patch of another never applies."""

    #: Entries in a patch, at most, per entry of the full file; with more the full one is
    #: written again (and the patch dropped).
    PATCH_SHARE = 1 / 8

    def __init__(self, config: SiteConfig, output: Path):
        name = digest_text(str(output.resolve()))[:16]
        self.summary = config.cache_dir / f"build-{name}.json"
        self.keys = config.cache_dir / f"pages-{name}.pickle"
        self.patch = config.cache_dir / f"pages-{name}.patch.pickle"
        # What read() found: the full file's token, the patch it applied, and the state it
        # gave (which write() patches; nothing changes a BuildState read, it is copied).
        self._token: str | None = None
        self._patched: dict[str, dict] = {}
        self._last: BuildState | None = None

    def read_summary(self) -> BuildState:
        try:
            data = json.loads(self.summary.read_text(encoding="utf-8"))
            return BuildState(data["fingerprint"], data["manifest"], data["papers"],
                              data["issues"], data["files"])
        except (OSError, ValueError, KeyError, TypeError):
            return BuildState()

    def read(self) -> BuildState:
        state = self.read_summary()
        kept = read_pickle(self.keys, None)
        if isinstance(kept, tuple) and len(kept) == 7 and isinstance(kept[0], str) \
                and isinstance(kept[1], str) \
                and all(isinstance(part, dict) for part in (kept[2], kept[3], *kept[5:])):
            (self._token, state.base, state.keys, state.rows, state.structure, state.digests,
             state.paper_keys) = kept
            patch = read_pickle(self.patch, None)
            if isinstance(patch, tuple) and len(patch) == 2 and patch[0] == self._token \
                    and isinstance(patch[1], dict) and _apply(state, patch[1]):
                self._patched = patch[1]
            self._last = state
        return state

    def write(self, state: BuildState) -> None:
        """Keep ``state``: as a patch of the full file that :meth:`read` read, when little
        changed since, else as a full file."""
        summary = {"fingerprint": state.fingerprint, "manifest": state.manifest,
                   "papers": state.papers, "issues": state.issues, "files": state.files}
        patch = None if self._last is None else _patch(self._last, state, self._patched)
        if patch is not None and sum(map(len, patch.values())) \
                <= self.PATCH_SHARE * (len(state.keys) + len(state.digests)):
            kept = write_pickle(self.patch, (self._token, patch))
            self._patched = patch
        else:
            self._token, self._patched = os.urandom(8).hex(), {}
            with suppress(OSError):
                self.patch.unlink()
            kept = write_pickle(self.keys, (self._token, state.base, state.keys, state.rows,
                                            state.structure, state.digests, state.paper_keys))
        # The summary vouches for the keys: without this build's keys it must not stay.
        if not (kept and write_atomic(self.summary, json.dumps(summary).encode("utf-8"))):
            self.forget()
        self._last = state  # (a later write patches this state; nothing changes it either)

    def forget(self) -> None:
        """No state is kept: the next build renders every page."""
        for path in (self.summary, self.keys, self.patch):
            with suppress(OSError):
                path.unlink()


def _parts(state: BuildState) -> dict[str, dict] | None:
    """The mappings of ``state`` that a patch changes, by name; None when its rows are not as
    :class:`~.keys.RowDigests` keeps them."""
    rows = state.rows
    if not (isinstance(rows.get("keys"), dict) and isinstance(rows.get("digests"), dict)):
        return None
    return {"keys": state.keys, "digests": state.digests, "paper_keys": state.paper_keys,
            "row_keys": rows["keys"],
            **{f"rows {lang}": digests for lang, digests in rows["digests"].items()}}


def _patch(last: BuildState, state: BuildState, patched: dict[str, dict]) -> dict | None:
    """What changed from the full file to ``state``, given ``last`` (that file with the patch
    ``patched`` applied): each mapping's entries new or changed since. None when something
    else changed (the base, the structure, the row languages), or entries are gone."""
    before, now = _parts(last), _parts(state)
    if before is None or now is None or before.keys() != now.keys() \
            or (last.base, last.structure) != (state.base, state.structure) \
            or {k: v for k, v in last.rows.items() if k not in ("keys", "digests")} \
            != {k: v for k, v in state.rows.items() if k not in ("keys", "digests")}:
        return None
    patch = {}
    for name, entries in now.items():
        changed = _changed(entries, before[name])
        if changed is None:
            return None
        patch[name] = {**patched.get(name, {}), **changed}
    return patch


def _changed(now: dict, before: dict) -> dict | None:
    """The entries of ``now`` new or changed since ``before``; None when some are gone. Found
    by maps over both in C: a loop in Python over 65,000 page keys, or sets of their items,
    cost more than pickling the few that differ."""
    keys = list(compress(before, map(ne, map(now.get, before, repeat(_GONE)), before.values())))
    if not all(key in now for key in keys):
        return None
    if len(now) != len(before):
        keys += filterfalse(before.__contains__, now)
    return {key: now[key] for key in keys}


def _apply(state: BuildState, patch: dict) -> bool:
    """Apply a patch read from disk to ``state`` (the full file's); False, and ``state`` as
    it was, when it does not fit."""
    parts = _parts(state)
    if parts is None or parts.keys() != patch.keys() \
            or not all(isinstance(entries, dict) for entries in patch.values()):
        return False
    for name, entries in patch.items():
        parts[name].update(entries)
    return True


def manifest_identity(output: Path) -> list[int] | None:
    try:
        info = os.stat(output / MANIFEST)
    except OSError:
        return None
    return [info.st_ino, info.st_size, info.st_mtime_ns]


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
    def paper_files(self) -> list[tuple[str, os.stat_result | None]]:
        """The names and stats of the entries directly in content/papers, sorted by name; a
        stat is None for a file that cannot be stat-ed (loading it then says why)."""
        return sorted(((rel, info) for rel, info in zip(self.papers.names, self.papers.stats)
                       if "/" not in rel), key=itemgetter(0))


@dataclass
class Listing:
    """Every entry below a folder, folders included, in the order found: its path relative to
    the folder and its stat (None when it is there but cannot be stat-ed: a folder that may
    be listed but not searched). An entry gone since its folder was listed is left out."""

    names: list[str] = field(default_factory=list)
    stats: list[os.stat_result | None] = field(default_factory=list)


def survey_inputs(config: SiteConfig, options: str) -> InputSurvey:
    """A hash of the names, sizes, mtimes, ctimes and inodes of every input, and what the
    papers folder holds (so that loading it need not list and stat it again)."""
    papers, issues = config.content_dir / "papers", config.content_dir / "issues"
    folders = [papers, issues, config.layouts_dir,
               builtin_layouts(), config.static_dir]
    found = {"": Listing([str(config.path)], [os.stat(config.path)])}
    found.update((str(folder), _walk(folder)) for folder in folders)
    # A no-op build of a large site spends its time here: the stats are hashed as columns of
    # numbers, each made by one map over every file, rather than formatted file by file.
    digest = hashlib.sha1(pickle.dumps((options, repr(config), code_version()), 4))
    unknown = False
    newest = 0
    columns: dict[str, tuple[array, ...] | None] = {}
    for folder, listing in found.items():
        digest.update(("\0".join([folder, *listing.names]) + "\0\0").encode(
            "utf-8", "surrogatepass"))
        if None in listing.stats:
            unknown = True
            columns[folder] = None
            continue
        columns[folder] = tuple(array("q", map(column, listing.stats)) for column in _COLUMNS)
        for column, numbers in zip(_COLUMNS, columns[folder]):
            digest.update(numbers)
            if column is _MTIME or column is _CTIME:
                newest = max(newest, max(numbers, default=0))
    fingerprint = None if unknown or not settled(newest) else digest.hexdigest()
    return InputSurvey(fingerprint, found[str(papers)], found[str(issues)],
                       {"papers": columns[str(papers)], "issues": columns[str(issues)]})


_MTIME, _CTIME = attrgetter("st_mtime_ns"), attrgetter("st_ctime_ns")
_COLUMNS = (attrgetter("st_size"), _MTIME, _CTIME, attrgetter("st_ino"))


def _walk(folder: Path) -> Listing:
    found = Listing()
    _walk_into(str(folder), "", found)
    return found


def _walk_stats(folder: Path) -> list[tuple[str, os.stat_result | None]]:
    """(relative path, stat) of every entry below ``folder``, folders included, sorted."""
    listing = _walk(folder)
    return sorted(zip(listing.names, listing.stats), key=itemgetter(0))


def _walk_into(top: str, rel: str, found: Listing) -> None:
    folder = f"{top}/{rel}" if rel else top
    try:
        names = os.listdir(folder)
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        # Stat-ing by name within the open folder: the kernel looks up one name, not a path.
        try:
            stats = list(map(functools.partial(os.stat, dir_fd=handle), names))
        except OSError:  # a name gone or unreadable since the listing: find which
            stats = [_stat_in(handle, name) for name in names]
            names = [name for name, info in zip(names, stats) if info is not _GONE]
            stats = [info for info in stats if info is not _GONE]
    finally:
        os.close(handle)
    prefix = f"{rel}/" if rel else ""
    found.names.extend(map(prefix.__add__, names) if prefix else names)
    found.stats.extend(stats)
    folders = [name for name, info in zip(names, stats)
               if info is not None and S_ISDIR(info.st_mode)]
    for name in sorted(folders):
        _walk_into(top, prefix + name, found)


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


def theme_key(config: SiteConfig) -> str:
    """A hash of every template and strings file the theme may read (static files are
    compared byte by byte anyway)."""
    parts = []
    for folder in (config.layouts_dir, builtin_layouts()):
        for rel, info in _walk_stats(folder):
            if rel.split("/")[0] == "static" or not os.path.isfile(folder / rel):
                continue
            parts.append(f"{folder}/{rel} {digest_bytes((folder / rel).read_bytes())}")
    return digest_text("\n".join(parts))


def cache_namespace(config: SiteConfig) -> str:
    """Cached records and Markdown are valid for one configuration file and one version of
    the code."""
    try:
        config_bytes = config.path.read_bytes()
    except OSError:
        config_bytes = b""
    return digest_text(code_version() + digest_bytes(config_bytes))[:12]
