"""The build cache in ``.digestgen-cache/``: what a build may reuse from the previous one.

Everything here is a copy of something the build can compute again, so a missing, stale or
broken cache file costs time, never correctness: it is read as empty, and one that cannot be
written is not written. Files are written whole under a temporary name and renamed into place,
so a killed build leaves no torn file behind.
"""

from __future__ import annotations

import copyreg
import functools
import gc
import hashlib
import importlib.util
import io
import mmap
import os
import pickle
import struct
import sys
import time
import zlib
from contextlib import contextmanager, suppress
from pathlib import Path
from collections.abc import Callable, Sequence
from typing import Any

#: Bumped when the layout of cached values changes.
FORMAT = 3
#: The first bytes of a file written by :func:`encode_pickle`.
MAPPED_MAGIC = b"DGP1"
#: Modules whose code decides what a build writes: a new version of any invalidates the cache.
LIBRARIES = ("jinja2", "markupsafe", "markdown_it", "mdit_py_plugins", "latex2mathml", "nh3",
             "yaml")

#: A file changed less than this many seconds ago may change again within the resolution of its
#: mtime: a stat taken now does not vouch for its bytes.
RACY_SECONDS = 2.0


def settled(*times_ns: int) -> bool:
    """Whether every one of these mtimes and ctimes is old enough for an equal stat later to
    mean equal bytes."""
    return max(times_ns) < (time.time() - RACY_SECONDS) * 1e9


@functools.cache
def code_version() -> str:
    """Identifies the code that builds: digestgen's own files and the libraries it renders
    with (by file size and mtime, which any install or edit changes)."""
    package = Path(__file__).resolve().parent.parent  # digestgen/, not this subpackage
    parts = [f"{FORMAT} {sys.version}"]
    for path in sorted(package.rglob("*.py")):
        info = path.stat()
        parts.append(f"{path.relative_to(package)} {info.st_size} {info.st_mtime_ns}")
    for name in LIBRARIES:
        spec = importlib.util.find_spec(name)  # found, not imported: a no-op build needs none
        origin = spec.origin if spec is not None else None
        if origin and os.path.isfile(origin):
            info = os.stat(origin)
            parts.append(f"{name} {origin} {info.st_size} {info.st_mtime_ns}")
    return digest_text("\n".join(parts))


def digest_text(text: str) -> str:
    return digest_bytes(text.encode("utf-8", "surrogatepass"))


def digest_bytes(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def write_atomic(path: Path, data: bytes | bytearray | memoryview
                 | Sequence[bytes | memoryview]) -> bool:
    """Write ``path`` whole or not at all (``data``: its bytes, or its parts one after
    another); False when it cannot be written (a cache folder that cannot be made, a full
    disk): the next build then does more work, nothing else."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # (Parts are written through a buffer of 1 MB: a snapshot has a part for each paper.)
        with open(temporary, "wb", buffering=1 << 20) as handle:
            if isinstance(data, (bytes, bytearray, memoryview)):
                handle.write(data)
            else:
                handle.writelines(data)
        os.replace(temporary, path)
        return True
    except OSError:
        with suppress(OSError):
            os.unlink(temporary)
        return False


def read_pickle(path: Path, default: Any = None) -> Any:
    try:
        data = path.read_bytes()
    except OSError:
        return default
    with gc_paused():
        try:
            return pickle.loads(data)
        except Exception:  # a torn or foreign file: only a cache
            return default


#: How the cache pickles the types it stores in a form of its own (:func:`register_reducer`),
#: and everything else as :mod:`copyreg` says.
_DISPATCH: dict[type, Callable] = dict(copyreg.dispatch_table)


def register_reducer(cls: type, reducer: Callable[[Any], tuple]) -> None:
    """Pickle instances of exactly ``cls`` with ``reducer`` (as :func:`copyreg.pickle` would),
    in what the cache writes only; ``reducer`` may return out-of-band buffers."""
    _DISPATCH[cls] = reducer


def dumps(value: Any, buffer_callback: Callable | None = None,
          dispatch: dict[type, Callable] | None = None) -> bytes:
    """``value`` pickled as the cache keeps it (protocol 5, the cache's reducers, or those of
    ``dispatch``: :func:`reducers` changed)."""
    stream = io.BytesIO()
    pickler = pickle.Pickler(stream, protocol=5, buffer_callback=buffer_callback)
    pickler.dispatch_table = _DISPATCH if dispatch is None else dispatch
    pickler.dump(value)
    return stream.getvalue()


def write_pickle(path: Path, value: Any) -> bool:
    return write_atomic(path, dumps(value))


def reducers() -> dict[type, Callable]:
    """A copy of the reducers the cache pickles with."""
    return dict(_DISPATCH)


def encode_pickle(value: Any, dispatch: dict[type, Callable] | None = None) -> bytes:
    """``value`` pickled with its out-of-band buffers (a paper's texts) after the pickle, so
    that :func:`read_mapped` can leave them on disk until they are used."""
    return b"".join(encoded_parts(value, dispatch))


def encoded_parts(value: Any, dispatch: dict[type, Callable] | None = None
                  ) -> list[bytes | memoryview]:
    """The bytes of :func:`encode_pickle` in parts, the buffers as views of the values' own
    bytes: a large value is written from them without a copy of the whole (at 100,000
    papers the content snapshot is 600 MB)."""
    buffers: list[pickle.PickleBuffer] = []
    main = dumps(value, buffer_callback=buffers.append, dispatch=dispatch)
    parts = [memoryview(main), *(buffer.raw() for buffer in buffers)]
    header = struct.pack(f"<4sI{len(parts)}Q", MAPPED_MAGIC, len(parts),
                         *(part.nbytes for part in parts))
    return [header, *parts]


def decode_pickle(data) -> Any:
    """What :func:`encode_pickle` encoded; its buffers are views into ``data``."""
    view = memoryview(data)
    magic, count = struct.unpack_from("<4sI", view)
    if magic != MAPPED_MAGIC:
        raise ValueError("not an encoded pickle")
    offset = struct.calcsize(f"<4sI{count}Q")
    parts = []
    for size in struct.unpack_from(f"<{count}Q", view, 8):
        parts.append(view[offset:offset + size])
        offset += size
    if offset != view.nbytes:  # cut short (or longer): its buffers cannot be trusted
        raise ValueError("an encoded pickle of the wrong length")
    return pickle.loads(parts[0], buffers=parts[1:])


def read_mapped(path: Path, default: Any = None) -> Any:
    """What :func:`encode_pickle` wrote to ``path``, the file mapped into memory: its
    buffers are read from disk when first used (files are replaced, never changed in place)."""
    try:
        with open(path, "rb") as handle:
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # missing, unreadable, or empty
        return default
    with gc_paused():
        try:
            return decode_pickle(data)
        except Exception:  # a torn or foreign file: only a cache
            return default


@contextmanager
def gc_paused():
    """No cyclic garbage collection while many long-lived objects are made (each collection
    would walk all of them again, for nothing), and none of them walked afterwards: they are
    moved out of the collector's view (``gc.freeze``)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@contextmanager
def gc_running():
    """Cyclic garbage collection on within the block (inside :func:`gc_paused`), as it was
    after it. What was made before lives on: it is moved out of the collector's view first."""
    enabled = gc.isenabled()
    gc.freeze()
    gc.enable()
    try:
        yield
    finally:
        if not enabled:
            gc.disable()


class ShardedStore:
    """A mapping of string keys to small values, kept in a few files by hash of the key, so
    that changing a few entries rewrites only the files that hold them."""

    SHARDS = 32

    def __init__(self, folder: Path | None, name: str):
        self.folder, self.name = folder, name  # folder None: kept in memory only
        self.shards: list[dict[str, Any]] = [{} for _ in range(self.SHARDS)]
        self.dirty: set[int] = set()
        self.unread: set[int] = set()  # shards to read when first used (load(lazily=True))

    @classmethod
    def shard_of(cls, key: str) -> int:
        return zlib.crc32(key.encode("utf-8", "surrogatepass")) % cls.SHARDS

    def path(self, shard: int) -> Path:
        return self.folder / f"{self.name}-{shard:02d}.pickle"

    def write_shard(self, shard: int, blob: bytes) -> None:
        """Write one shard pickled elsewhere (by a worker); it is no longer dirty."""
        if self.folder is not None:
            write_atomic(self.path(shard), blob)

    def load(self, lazily: bool = False) -> None:
        """Read every shard now, or (``lazily``) each when :meth:`get` or :meth:`put` first
        needs it: a build that looks up a few keys reads a few shards."""
        if self.folder is None:
            return
        self.unread = set(range(self.SHARDS))
        if not lazily:
            self.read_all()

    def read_all(self) -> None:
        """Read every shard not read yet (before what looks at all of them)."""
        for shard in sorted(self.unread):
            self._read(shard)

    def _read(self, shard: int) -> dict[str, Any]:
        if shard in self.unread:
            self.unread.discard(shard)
            value = read_mapped(self.path(shard), {})
            self.shards[shard] = value if isinstance(value, dict) else {}
        return self.shards[shard]

    def get(self, key: str) -> Any:
        shard = self.shard_of(key)
        entries = self._read(shard) if self.unread else self.shards[shard]
        return entries.get(key)

    def put(self, key: str, value: Any) -> None:
        shard = self.shard_of(key)
        self._read(shard)[key] = value
        self.dirty.add(shard)

    def drop_except(self, keys: set[str]) -> None:
        """Forget every entry whose key is not in ``keys`` (files that are gone)."""
        self.read_all()
        for shard, entries in enumerate(self.shards):
            stale = [key for key in entries if key not in keys]
            for key in stale:
                del entries[key]
            if stale:
                self.dirty.add(shard)

    def shard_blob(self, shard: int) -> bytes:
        return encode_pickle(self._read(shard))

    def save(self, blobs: dict[int, bytes] | None = None) -> None:
        """Write the changed shards (``blobs``: shards already pickled elsewhere)."""
        if self.folder is None:
            return
        for shard in sorted(self.dirty):
            data = (blobs or {}).get(shard) or self.shard_blob(shard)
            write_atomic(self.path(shard), data)
        self.dirty.clear()


def prune_namespaces(folder: Path, current: dict[str, str]) -> None:
    """Remove cache files of other namespaces: ``current`` maps a prefix (``records``) to the
    namespace in use; files named ``prefix-OTHER...`` are stale."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        prefix, _, rest = name.partition("-")
        namespace = current.get(prefix)
        if namespace is not None and not rest.startswith(namespace):
            try:
                os.unlink(folder / name)
            except OSError:
                pass
