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
import json
import os
import pickle
from contextlib import suppress
from dataclasses import dataclass, field
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
    """Where the state of builds into ``output`` is kept."""

    def __init__(self, config: SiteConfig, output: Path):
        name = digest_text(str(output.resolve()))[:16]
        self.summary = config.cache_dir / f"build-{name}.json"
        self.keys = config.cache_dir / f"pages-{name}.pickle"

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
        if isinstance(kept, tuple) and len(kept) == 6 and isinstance(kept[0], str) \
                and all(isinstance(part, dict) for part in (kept[1], kept[2], *kept[4:])):
            (state.base, state.keys, state.rows, state.structure, state.digests,
             state.paper_keys) = kept
        return state

    def write(self, state: BuildState) -> None:
        summary = {"fingerprint": state.fingerprint, "manifest": state.manifest,
                   "papers": state.papers, "issues": state.issues, "files": state.files}
        # The summary vouches for the keys: without this build's keys it must not stay.
        kept = (state.base, state.keys, state.rows, state.structure, state.digests,
                state.paper_keys)
        if not (write_pickle(self.keys, kept)
                and write_atomic(self.summary, json.dumps(summary).encode("utf-8"))):
            self.forget()

    def forget(self) -> None:
        """No state is kept: the next build renders every page."""
        for path in (self.summary, self.keys):
            with suppress(OSError):
                path.unlink()


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
    # What content/papers holds, by name; a stat is None for a file that cannot be stat-ed
    # (loading it then says why).
    paper_files: list[tuple[str, os.stat_result | None]]


def survey_inputs(config: SiteConfig, options: str) -> InputSurvey:
    """A hash of the names, sizes and mtimes of every input, and the stats of the paper files
    (so that loading them need not stat them again)."""
    papers = config.content_dir / "papers"
    folders = [papers, config.content_dir / "issues", config.layouts_dir,
               builtin_layouts(), config.static_dir]
    found = {"": [(str(config.path), os.stat(config.path))]}
    found.update((str(folder), _walk_stats(folder)) for folder in folders)
    # A tuple per file, hashed in one pickle: a no-op build of a large site spends its time
    # here, and formatting a line per file cost more than the stat calls.
    facts: list = []
    for folder, entries in found.items():
        facts.append(folder)  # the files after it are named relative to it
        facts.extend((rel, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
                     for rel, info in entries if info is not None)
    fingerprint = digest_bytes(pickle.dumps((options, repr(config), code_version(), facts), 4))
    unknown = any(info is None for entries in found.values() for _, info in entries)
    if unknown or not settled(max(max(fact[2], fact[3]) for fact in facts
                                  if isinstance(fact, tuple))):
        fingerprint = None
    paper_files = [(rel, info) for rel, info in found[str(papers)] if "/" not in rel]
    return InputSurvey(fingerprint, paper_files)


def _walk_stats(folder: Path) -> list[tuple[str, os.stat_result | None]]:
    """(relative path, stat) of every entry below ``folder``, folders included, sorted. An entry
    gone since the listing is left out; one that is there but cannot be stat-ed (a folder
    that may be listed but not searched) has None."""
    found: list[tuple[str, os.stat_result | None]] = []
    _walk_into(str(folder), "", found)
    return found


def _walk_into(top: str, rel: str, found: list[tuple[str, os.stat_result | None]]) -> None:
    folder = f"{top}/{rel}" if rel else top
    try:
        names = sorted(os.listdir(folder))
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    prefix = f"{rel}/" if rel else ""
    try:
        # Stat-ing by name within the open folder: the kernel looks up one name, not a path.
        try:
            stats = list(map(functools.partial(os.stat, dir_fd=handle), names))
        except OSError:  # a name gone or unreadable since the listing: find which
            stats = [_stat_in(handle, name) for name in names]
    finally:
        os.close(handle)
    for name, info in zip(names, stats):
        if info is _GONE:
            continue
        found.append((prefix + name, info))
        if info is not None and S_ISDIR(info.st_mode):
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
