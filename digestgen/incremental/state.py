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
build) is not kept, so a change made in the same instant as a build is never missed. The
inputs are listed and the fingerprint made by :mod:`.inputs`.
"""

from __future__ import annotations

import json
import mmap
import os
import pickle
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import compress, filterfalse, repeat
from operator import ne
from pathlib import Path
from collections.abc import Mapping

from .keptmaps import KeptMap, Overlay, decode_maps, encode_maps, size, whole_dict
from .storage import (
    code_version, digest_bytes, digest_text, read_pickle, write_atomic, write_pickle,
)
from ..config import SiteConfig
from ..output.manifest import MANIFEST

@dataclass
class BuildState:
    """What the last build of one output left for the next."""

    fingerprint: str | None = None
    manifest: list[int] | None = None  # (inode, size, mtime_ns) of the output's manifest
    papers: int = 0
    issues: int = 0
    files: int = 0
    keys: dict[str, str] = field(default_factory=dict)  # page path -> key
    rows: dict = field(default_factory=dict)  # row digests (rowdigests.RowDigests.current)
    base: str | None = None  # what the keys were made with (pagekeys.PageKeys.base)
    structure: str | None = None  # of the site model, as keys read it (PageKeys.structure)
    digests: dict[str, str] = field(default_factory=dict)  # content file -> hash of its bytes
    paper_keys: dict[str, str] = field(default_factory=dict)  # paper id -> PageKeys.paper
    pages: str | None = None  # the paths of the pages keyed (pages_digest)


class StateFiles:
    """Where the state of builds into ``output`` is kept.

    The page keys, row digests and file hashes (:class:`BuildState` beside its summary) are
    hundreds of thousands of entries on a large site, of which an edit looks up a few hundred
    and changes a few dozen. So they are kept as a full file, in shards read as lookups need
    them (:mod:`.keptmaps`), and a patch beside it: what changed since the full file, written by
    every other build (and read whole). The patch names the full file it patches (``token``),
    so a patch of another never applies. The mappings of a state read are overlays of the full
    file's (:class:`~.keptmaps.Overlay`); a build that changes them through copies
    (:func:`~.keptmaps.overlay`) hands back changes that are the next patch, found without
    reading the rest."""

    #: Entries in a patch, at most, per entry of the full file, and in all; with more the full
    #: one is written again (and the patch dropped).
    PATCH_SHARE = 1 / 8
    PATCH_MOST = 20_000

    def __init__(self, config: SiteConfig, output: Path):
        name = digest_text(str(output.resolve()))[:16]
        self.summary = config.cache_dir / f"build-{name}.json"
        self.keys = config.cache_dir / f"pages-{name}.maps"
        self.patch = config.cache_dir / f"pages-{name}.patch.pickle"
        self.former = config.cache_dir / f"pages-{name}.pickle"  # the full file, pickled whole
        # What read() found: the full file's token and maps, the patch it applied, and the
        # state it gave (which write() patches; nothing changes a BuildState read).
        self._token: str | None = None
        self._maps: dict[str, Mapping] = {}
        self._patched: dict[str, tuple[dict, set]] = {}
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
        found = _read_maps(self.keys)
        if found is None:
            return state
        (token, state.base, rows, state.structure, state.pages), maps = found
        patch = read_pickle(self.patch, None)
        patched = patch[1] if isinstance(patch, tuple) and len(patch) == 2 \
            and patch[0] == token and _fits(patch[1], maps) else {}
        parts = {name: Overlay(kept, *patched.get(name, ({}, set())))
                 for name, kept in maps.items()}
        state.keys, state.paper_keys = parts["keys"], parts["paper_keys"]
        state.digests = parts["digests"].to_dict()
        state.rows = {**rows, "keys": parts["row_keys"],
                      "digests": {lang: parts[f"rows {lang}"] for lang in rows["languages"]}}
        self._token, self._maps, self._patched, self._last = token, maps, patched, state
        return state

    def write(self, state: BuildState) -> None:
        """Keep ``state``: as a patch of the full file that :meth:`read` read, when little
        changed since, else as a full file."""
        summary = {"fingerprint": state.fingerprint, "manifest": state.manifest,
                   "papers": state.papers, "issues": state.issues, "files": state.files}
        patch = None if self._last is None else self._patch(state)
        if patch is not None and sum(len(changes) + len(removed)
                                     for changes, removed in patch.values()) \
                <= min(self.PATCH_MOST,
                       self.PATCH_SHARE * (size(state.keys) + size(state.digests))):
            kept = write_pickle(self.patch, (self._token, patch))
            self._patched = patch
        else:
            parts = _parts(state)
            self._token, self._maps, self._patched = os.urandom(8).hex(), {}, {}
            for path in (self.patch, self.former):
                with suppress(OSError):
                    path.unlink()
            kept = parts is not None and write_atomic(self.keys, encode_maps(
                (self._token, state.base, _rows_meta(state), state.structure, state.pages),
                parts, whole=("digests",)))
        # The summary vouches for the keys: without this build's keys it must not stay.
        if not (kept and write_atomic(self.summary, json.dumps(summary).encode("utf-8"))):
            self.forget()
        self._last = state  # (a later write patches this state; nothing changes it either)

    def _patch(self, state: BuildState) -> dict[str, tuple[dict, set]] | None:
        """What changed from the full file to ``state``: per mapping, the entries set and
        removed since. None when something else changed (the base, the structure, the pages,
        the row languages), or entries are gone from a mapping that is no overlay of the
        full file's."""
        last = self._last
        before, now = _parts(last), _parts(state)
        if before is None or now is None or before.keys() != now.keys() \
                or before.keys() != self._maps.keys() \
                or (last.base, last.structure, last.pages, _rows_meta(last)) \
                != (state.base, state.structure, state.pages, _rows_meta(state)):
            return None
        patch = {}
        for name, entries in now.items():
            if isinstance(entries, Overlay) and entries.base is self._maps[name]:
                patch[name] = (entries.changes, entries.removed)
                continue
            changed = _changed(entries, whole_dict(before[name]))
            if changed is None:
                return None
            changes, removed = self._patched.get(name, ({}, set()))
            patch[name] = ({**changes, **changed}, removed - changed.keys())
        return patch

    def forget(self) -> None:
        """No state is kept: the next build renders every page."""
        for path in (self.summary, self.keys, self.patch, self.former):
            with suppress(OSError):
                path.unlink()


def _read_maps(path: Path) -> tuple[tuple, dict[str, KeptMap]] | None:
    """The meta data and maps of a full state file; None when there is none fit to read."""
    try:
        with open(path, "rb") as handle:
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        meta, maps = decode_maps(data)
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, TypeError):
        return None
    if not (isinstance(meta, tuple) and len(meta) == 5 and isinstance(meta[0], str)
            and isinstance(meta[2], dict) and isinstance(meta[2].get("languages"), tuple)
            and maps.keys() == set(_names(meta[2]["languages"]))):
        return None
    return meta, maps


def _names(languages: tuple[str, ...]) -> list[str]:
    """The mappings of a state whose rows are in ``languages``, by name."""
    return ["keys", "digests", "paper_keys", "row_keys", *(f"rows {lang}" for lang in languages)]


def _rows_meta(state: BuildState) -> dict:
    """What the row digests of ``state`` hold besides their mappings."""
    return {k: v for k, v in state.rows.items() if k not in ("keys", "digests")}


def _fits(patch: object, maps: dict) -> bool:
    """Whether a patch read from disk is one of the mappings ``maps``."""
    return isinstance(patch, dict) and patch.keys() <= maps.keys() and all(
        isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], dict)
        and isinstance(entry[1], set) for entry in patch.values())


def _parts(state: BuildState) -> dict[str, Mapping] | None:
    """The mappings of ``state`` that a patch changes, by name; None when its rows are not as
    :class:`~.rowdigests.RowDigests` keeps them."""
    rows = state.rows
    if not (isinstance(rows.get("keys"), Mapping) and isinstance(rows.get("digests"), dict)
            and isinstance(rows.get("languages"), tuple)
            and list(rows["digests"]) == list(rows["languages"])):
        return None
    return {"keys": state.keys, "digests": state.digests, "paper_keys": state.paper_keys,
            "row_keys": rows["keys"],
            **{f"rows {lang}": digests for lang, digests in rows["digests"].items()}}


def _changed(now: Mapping, before: dict) -> dict | None:
    """The entries of ``now`` new or changed since ``before``; None when some are gone. Found
    by maps over both in C: a loop in Python over 65,000 page keys, or sets of their items,
    cost more than pickling the few that differ."""
    keys = list(compress(before, map(ne, map(now.get, before, repeat(_GONE)), before.values())))
    if not all(key in now for key in keys):
        return None
    if len(now) != len(before):
        keys += filterfalse(before.__contains__, now)
    return {key: now[key] for key in keys}


_GONE = object()


def manifest_identity(output: Path) -> list[int] | None:
    try:
        info = os.stat(output / MANIFEST)
    except OSError:
        return None
    return [info.st_ino, info.st_size, info.st_mtime_ns]


def cache_namespace(config: SiteConfig) -> str:
    """Cached records and Markdown are valid for one configuration file and one version of
    the code."""
    try:
        config_bytes = config.path.read_bytes()
    except OSError:
        config_bytes = b""
    return digest_text(code_version() + digest_bytes(config_bytes))[:12]
