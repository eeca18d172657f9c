"""What a built tree holds, and what the machine keeps about it beside the output.

Each tree digestgen builds holds ``.digestgen-manifest.json``: every file digestgen wrote with a
hash of its bytes (the same for the same input, like every other file). Beside the output,
``.site.trees.pickle`` keeps what only the machine knows about each of the two trees (the live one
and the spare one): the files carried over from the previous site (with size and mtime), the
mtime of every folder when the tree was finished, whether some files are hard links shared
by both, and how the spare tree's manifest differs from the live one's. The next build compares
the live output with that (:mod:`~digestgen.output.survey`), and takes the spare tree's files
from the live manifest it reads anyway. Either record missing or not matching its tree only
makes a build do more work.

A new manifest is the live one's text with the lines that changed (another hash, a path added
or gone), when few did: the same bytes as written in full, without sorting and encoding every
entry again.
"""

from __future__ import annotations

import hashlib
import json
from json.decoder import scanstring
import operator
import os
import shutil
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from ..errors import naming
from ..incremental.storage import read_pickle, write_pickle

MANIFEST = ".digestgen-manifest.json"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


#: A manifest is made from the last one's bytes when at most this many of its paths differ.
PATCHED_MOST = 10_000

# As json.dumps(..., indent=0, sort_keys=True) writes a manifest: one file a line, between these.
_HEAD, _TAIL = b'{\n"files": {\n', b'\n},\n"generator": "digestgen"\n}\n'
_EMPTY = b'{\n"files": {},\n"generator": "digestgen"\n}\n'  # (and a manifest of no file)
_BETWEEN = b",\n"  # between two lines


@dataclass(frozen=True)
class Listing:
    """A manifest as read: its bytes, the files it lists, and the file's :func:`stamp`."""

    data: bytes
    files: dict[str, str]
    stamp: list[int]


def read_listing(tree: Path) -> Listing | None:
    """A tree's manifest, or None without a readable one."""
    try:
        with open(tree / MANIFEST, "rb") as handle:
            info = os.fstat(handle.fileno())
            data = handle.read()
        files = json.loads(data)["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(files, dict):
        return None
    return Listing(data, files, stamp(info))


def stamp(info: os.stat_result) -> list[int]:
    """A manifest file as the file system knows it: another manifest (or this one changed)
    has another stamp."""
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns]


def read_manifest(tree: Path) -> dict[str, str] | None:
    """The files a tree's manifest lists (path -> hash), or None without a readable one."""
    listing = read_listing(tree)
    return listing.files if listing is not None else None


def differences(files: dict[str, str], other: dict[str, str],
                among: set[str] | None = None) -> dict[str, str | None]:
    """The paths ``other`` lists otherwise than ``files``, with its hash (None: not listed);
    ``among``: the only paths of ``files`` that may be listed otherwise (the others were
    taken from ``other``), looked at instead of every one."""
    if among is None:
        differ = {rel: other.get(rel) for rel, digest in files.items() if other.get(rel) != digest}
    else:
        differ = {rel: other.get(rel) for rel in among if other.get(rel) != files[rel]}
    if len(other) != len(files) - sum(digest is None for digest in differ.values()):
        differ.update((rel, other[rel]) for rel in other.keys() - files.keys())
    return differ


def manifest_parts(files: dict[str, str], like: Listing | None = None,
                   differ: dict[str, str | None] | None = None) -> list[bytes | memoryview]:
    """The bytes of the manifest listing ``files``, in parts to write one after another:
    made from ``like`` (another tree's) when only some hashes differ (``differ``:
    :func:`differences` from it), which costs a look-up per changed file instead of sorting
    and encoding them all."""
    if like is not None and (parts := _patched(like, files, differ)) is not None:
        return parts
    if not files:
        return [_EMPTY]
    # With the C encoder (the indenting one is pure Python, and slow for 80,000 entries).
    listed = json.dumps(dict(sorted(files.items())), separators=(",\n", ": "))
    return [_HEAD, listed[1:-1].encode("ascii"), _TAIL]


def manifest_bytes(files: dict[str, str], like: Listing | None = None,
                   differ: dict[str, str | None] | None = None) -> bytes:
    """The manifest listing ``files`` (see :func:`manifest_parts`)."""
    return b"".join(manifest_parts(files, like, differ))


def sorted_paths(files: dict[str, str]) -> list[str] | None:
    """The paths of a manifest's ``files`` in its order, when that is sorted (as
    :func:`manifest_parts` writes them); None otherwise."""
    paths = list(files)
    return paths if all(map(operator.lt, paths, islice(paths, 1, None))) else None


def _patched(like: Listing, files: dict[str, str], differ) -> list[bytes | memoryview] | None:
    """``like``'s bytes with the lines of ``files`` that differ from it (another hash, a path
    added or gone), in parts; None when it differs in more than :data:`PATCHED_MOST` paths,
    or is not as :func:`manifest_parts` writes it. A day's new papers and an edit change a
    few paths (pages, search index files), and writing every line again took 0.54 s at
    100,000 papers. Each changed line is found by bisecting the bytes (the lines are sorted
    by path), and the rest is written from them as they are: splitting them into lines, or
    copying them into a new string, took a tenth of that."""
    data = like.data
    if differ is None:
        differ = differences(files, like.files)
    if len(differ) > PATCHED_MOST or not data.startswith(_HEAD) or not data.endswith(_TAIL) \
            or not like.files:
        return None
    if not differ:
        return [data]
    whole = memoryview(data)
    start, end = len(_HEAD), len(data) - len(_TAIL)  # the lines, between their head and tail
    # Runs of lines kept (without the separator after the last) and lines made, in order.
    lines: list[bytes | memoryview] = []
    done = start  # the lines are looked at up to here
    for rel in sorted(differ):
        at = _line_from(data, rel, done, end)
        if at is None:
            return None
        listed = at < end and _path_at(data, at) == rel
        if listed != (rel in like.files):
            return None  # the lines are not sorted, or not the files read
        if at > done:
            lines.append(whole[done:at - len(_BETWEEN) if at < end else end])
        if rel in files:
            lines.append(f"{json.dumps(rel)}: {json.dumps(files[rel])}".encode("ascii"))
        done = _line_end(data, at, end) + len(_BETWEEN) if listed else at
    if done < end:
        lines.append(whole[done:end])
    if not lines:
        return [_EMPTY]
    parts: list[bytes | memoryview] = [_HEAD]
    for line in lines:
        parts += (line, _BETWEEN)
    parts[-1] = _TAIL
    return parts


def _line_from(data: bytes, rel: str, low: int, end: int) -> int | None:
    """Where the first line whose path is not before ``rel`` starts, looking from offset
    ``low`` (at the start of a line) to ``end`` (the end of the lines, where there is
    none); None when a line is not as written."""
    high = end
    while low < high:
        middle = (low + high) // 2
        begin = data.rfind(b"\n", low, middle) + 1 or low
        path = _path_at(data, begin)
        if path is None:
            return None
        if path < rel:
            low = _line_end(data, begin, end) + len(_BETWEEN)
        else:
            high = begin
    return min(low, end)


def _line_end(data: bytes, start: int, end: int) -> int:
    """Where the line at ``start`` ends (before the separator, if another line follows)."""
    found = data.find(_BETWEEN, start, end)
    return end if found < 0 else found


def _path_at(data: bytes, start: int) -> str | None:
    """The path of the line at ``start`` (lines are ASCII: JSON escapes the rest)."""
    close = data.find(b'": ', start)
    if data[start:start + 1] != b'"' or close < 0:
        return None
    try:
        return scanstring(data[start + 1:close + 1].decode("ascii"), 0)[0]
    except ValueError:
        return None


def write_manifest(tree: Path, files: dict[str, str], like: Listing | None = None,
                   differ: dict[str, str | None] | None = None) -> None:
    """Write ``tree``'s manifest, listing ``files`` (see :func:`manifest_parts`)."""
    temporary = tree / (MANIFEST + ".tmp")
    try:
        with open(temporary, "wb") as handle:
            for part in manifest_parts(files, like, differ):
                handle.write(part)
    except OSError as exc:  # a full disk names no file: name it
        raise naming(temporary, exc) from None
    os.replace(temporary, tree / MANIFEST)


@dataclass
class TreeRecord:
    """What the machine knows of one tree: carried-over files (path -> [size, mtime_ns]),
    folder mtimes (path -> ns; the root is not listed), shared hard links, and how its files
    differ from the other tree's: the :func:`stamp` of that tree's manifest, and the paths
    listed otherwise (path -> hash; None: not listed here). With that, the spare tree's files
    come from the live tree's manifest, read anyway, instead of its own."""

    foreign: dict[str, list[int]] = field(default_factory=dict)
    dirs: dict[str, int] = field(default_factory=dict)
    linked: bool = False
    differs: tuple[list[int], dict[str, str | None]] | None = None

    def files(self, other: Listing | None) -> dict[str, str] | None:
        """The files this tree's manifest lists, from ``other`` (the other tree's manifest);
        None unless this record says how they differ from it."""
        try:
            if other is None or self.differs is None or self.differs[0] != other.stamp:
                return None
            files = dict(other.files)
            for rel, digest in self.differs[1].items():
                if digest is None:
                    files.pop(rel, None)
                else:
                    files[rel] = digest
        except (AttributeError, TypeError, ValueError, IndexError):  # not as written
            return None
        return files


def tree_identity(tree: Path) -> list[int] | None:
    """The tree's folder and manifest as the file system knows them (a new manifest, or
    another folder at this path, gives another identity)."""
    try:
        root, manifest = os.stat(tree), os.stat(tree / MANIFEST)
    except OSError:
        return None
    return [root.st_dev, root.st_ino, manifest.st_ino, manifest.st_size, manifest.st_mtime_ns]


def beside(output: Path, name: str) -> Path:
    """What digestgen keeps beside ``output`` under ``name``: ``.site.<name>`` for ``site``
    (the staging folder, the lock, the trees' record)."""
    return output.parent / f".{output.name}.{name}"


def remove_ours(path: Path) -> None:
    """Remove what digestgen keeps at ``path`` beside the output (a staging or work folder):
    a link someone put there is removed itself, never followed."""
    if path.is_symlink() or path.is_file():
        with suppress(FileNotFoundError):
            path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


def trees_record_path(output: Path) -> Path:
    """The file beside ``output`` that keeps the records of its trees."""
    # Pickled, not JSON: it lists every folder of both trees, and is read and written by every
    # build, where JSON took twice as long.
    return beside(output, "trees.pickle")


class TreeRecords:
    """The records of an output's trees, in a file beside the output."""

    def __init__(self, output: Path):
        self.path = trees_record_path(output)
        self.former = beside(output, "trees.json")  # as digestgen wrote it once
        data = read_pickle(self.path, None)
        trees = data.get("trees") if isinstance(data, dict) else None
        self.entries = [e for e in trees if isinstance(e, dict)] if isinstance(trees, list) else []

    def get(self, tree: Path) -> TreeRecord | None:
        identity = tree_identity(tree)
        for entry in self.entries:
            if identity is not None and entry.get("identity") == identity:
                try:
                    return TreeRecord(dict(entry["foreign"]), dict(entry["dirs"]),
                                      bool(entry["linked"]), entry.get("differs"))
                except (KeyError, TypeError, ValueError):
                    return None
        return None

    def put(self, tree: Path, record: TreeRecord) -> None:
        """Record ``tree`` as it is now (after its manifest was written)."""
        identity = tree_identity(tree)
        if identity is None:
            return
        self.entries = [e for e in self.entries if e.get("identity", [None, None])[:2]
                        != identity[:2]]
        self.entries.append({"identity": identity, "foreign": record.foreign,
                             "dirs": record.dirs, "linked": record.linked,
                             "differs": record.differs})

    def save(self, keep: tuple[Path, ...]) -> None:
        """Write the records of the trees in ``keep`` (the others are gone)."""
        roots = []
        for tree in keep:
            try:
                info = os.stat(tree)
                roots.append([info.st_dev, info.st_ino])
            except OSError:
                pass
        entries = [e for e in self.entries if e.get("identity", [None, None])[:2] in roots]
        if not write_pickle(self.path, {"trees": entries}):
            with suppress(OSError):  # a stale record would be wrong; none only costs work
                self.path.unlink()
        with suppress(OSError):
            self.former.unlink(missing_ok=True)

