"""Mappings of a build's state read from disk a shard at a time, as lookups need them.

The page keys and row digests of a large site are hundreds of thousands of entries, of which an
edit of one paper looks up a few hundred and changes a few dozen: unpickling them whole cost
most of such an edit's planning (0.3 s at 100,000 papers). So each mapping is written in shards
by hash of the key (:func:`encode_maps`), read back as a :class:`KeptMap` that unpickles the
shard of a key when first asked for it, and changed through an :class:`Overlay`, whose changes
are what the next build keeps as a patch (see :class:`~.state.StateFiles`).
"""

from __future__ import annotations

import pickle
import struct
import zlib
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

#: The first bytes of a file of :func:`encode_maps`.
MAGIC = b"DGM1"
#: Entries per shard, about: a lookup unpickles one shard of this many.
SHARD_ENTRIES = 128

_ABSENT = object()


def _shard_of(key: str, shards: int) -> int:
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % shards


class KeptMap(Mapping):
    """A mapping of string keys as :func:`encode_maps` wrote it, each shard unpickled when a
    lookup first needs it (``data`` is not changed while it is read: files are replaced)."""

    def __init__(self, data: memoryview, offsets: tuple[int, ...], length: int):
        self._data, self._offsets, self._length = data, offsets, length
        self._shards: list[dict | None] = [None] * (len(offsets) - 1)

    def _shard(self, key: str) -> dict:
        return self._load(_shard_of(key, len(self._shards)))

    def _load(self, at: int) -> dict:
        """Shard ``at``, unpickled when first asked for."""
        shard = self._shards[at]
        if shard is None:
            shard = self._shards[at] = pickle.loads(
                self._data[self._offsets[at]:self._offsets[at + 1]])
        return shard

    def get(self, key: str, default: Any = None) -> Any:
        return self._shard(key).get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self._shard(key)[key]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._shard(key)

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def to_dict(self) -> dict:
        """Every entry (every shard read)."""
        whole: dict = {}
        for at in range(len(self._shards)):
            whole.update(self._load(at))
        return whole


class Overlay(MutableMapping):
    """``base`` with entries set (``changes``) or removed (``removed``) since: a copy of a
    large mapping whose cost is in proportion to what changes in it."""

    def __init__(self, base: Mapping, changes: dict | None = None,
                 removed: set | None = None):
        self.base = base
        self.changes = dict(changes or {})
        self.removed = set(removed or ())

    def get(self, key: str, default: Any = None) -> Any:
        value = self.changes.get(key, _ABSENT)
        if value is not _ABSENT:
            return value
        if key in self.removed:
            return default
        return self.base.get(key, default)

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, _ABSENT)
        if value is _ABSENT:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return self.get(key, _ABSENT) is not _ABSENT

    def __setitem__(self, key: str, value: Any) -> None:
        self.changes[key] = value
        self.removed.discard(key)

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self.changes.pop(key, None)
        self.removed.add(key)

    def __len__(self) -> int:
        base = self.base
        return len(base) + sum(key not in base for key in self.changes) \
            - sum(key in base for key in self.removed)

    def __bool__(self) -> bool:
        """Whether any entry is there, as far as it can be told without reading the base: a
        few removed entries may be taken for more (never so for an empty overlay)."""
        return bool(self.changes) or len(self.base) > len(self.removed)

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def to_dict(self) -> dict:
        whole = whole_dict(self.base)
        for key in self.removed:
            whole.pop(key, None)
        whole.update(self.changes)
        return whole

    def copy(self) -> Overlay:
        return Overlay(self.base, self.changes, self.removed)


def overlay(mapping: Mapping) -> Overlay:
    """A copy of ``mapping`` to change: an overlay of what it overlays, if it is one."""
    if isinstance(mapping, Overlay):
        return mapping.copy()
    return Overlay(mapping)


def size(mapping: Mapping) -> int:
    """The entries of ``mapping``, about: of an overlay, those of its base."""
    return len(mapping.base) if isinstance(mapping, Overlay) else len(mapping)


def whole_dict(mapping: Mapping) -> dict:
    """``mapping`` as a new dictionary."""
    if isinstance(mapping, (KeptMap, Overlay)):
        return mapping.to_dict()
    return dict(mapping)


def encode_maps(meta: object, maps: dict[str, Mapping], whole: tuple[str, ...] = ()) -> bytes:
    """``meta`` (pickled whole) and ``maps`` (each in shards of string keys) as one file; the
    maps named in ``whole`` in one shard (those read whole: one unpickling is cheaper)."""
    blobs: list[bytes] = []
    layout = {}
    end = 0  # of the blobs so far
    for name, mapping in maps.items():
        entries = whole_dict(mapping)
        count = 1 if name in whole else max(1, -(-len(entries) // SHARD_ENTRIES))
        shards: list[dict] = [{} for _ in range(count)]
        for key, value in entries.items():
            shards[_shard_of(key, count)][key] = value
        offsets = [end]
        for shard in shards:
            blobs.append(pickle.dumps(shard, protocol=5))
            end += len(blobs[-1])
            offsets.append(end)
        layout[name] = (len(entries), tuple(offsets))
    head = pickle.dumps((meta, layout), protocol=5)
    return b"".join([struct.pack("<4sQ", MAGIC, len(head)), head, *blobs])


def decode_maps(data) -> tuple[object, dict[str, KeptMap]]:
    """What :func:`encode_maps` encoded, its maps read from ``data`` as lookups need them."""
    view = memoryview(data)
    magic, size = struct.unpack_from("<4sQ", view)
    if magic != MAGIC:
        raise ValueError("not a file of kept maps")
    start = struct.calcsize("<4sQ")
    meta, layout = pickle.loads(view[start:start + size])
    body = view[start + size:]
    maps = {}
    for name, (length, offsets) in layout.items():
        if offsets[-1] > body.nbytes:
            raise ValueError("a file of kept maps cut short")
        maps[name] = KeptMap(body, offsets, length)
    return meta, maps
