"""Texts kept by key in a file that a build looks into without reading it whole.

What markdown-it rendered in earlier builds is kept by a hash of its source
(:class:`~digestgen.pages.plaintext.FastMarkdown`): thousands of texts on a large site, of which
an edit shows a few. Unpickling all of them cost 30 ms at 5,000 papers, in proportion to the
archive. :class:`TextStore` keeps them in one file of sorted keys, their offsets and the UTF-8
texts, mapped into memory: a lookup is a binary search over the keys that decodes one text.
New texts go to small files beside it (read whole: they are few and small) until there are
:attr:`TextStore.MERGE_AFTER`, then everything is written again as one file.

Like every cache, a file that is missing, torn or foreign is read as holding nothing.
"""

from __future__ import annotations

import mmap
import os
import struct
import time
from bisect import bisect_left
from pathlib import Path

from .storage import read_pickle, write_atomic, write_pickle

MAGIC = b"DGT1"
KEY_SIZE = 20  # a SHA-1 digest
_HEADER = struct.Struct("<4sI")  # magic, number of texts
_OFFSET = struct.Struct("<Q")


class TextStore:
    """Texts (``str``) by 20-byte key, in ``folder`` under ``name``: a mapping for lookups
    (:meth:`get`, :meth:`update` in memory) and what to keep (:meth:`add`, :meth:`replace`)."""

    MERGE_AFTER = 16

    def __init__(self, folder: Path, name: str):
        self.folder, self.name = folder, name
        self.main = _TextFile(folder / f"{name}.texts")
        self.added: dict[bytes, str] = {}  # the small files', and what update() gave
        for path in self.segments():
            value = read_pickle(path, {})
            if isinstance(value, dict):
                self.added.update(value)

    def segments(self) -> list[Path]:
        return sorted(self.folder.glob(f"{self.name}+*.pickle"))

    # -- as a mapping ------------------------------------------------------------------------

    def get(self, key: bytes, default: str | None = None) -> str | None:
        text = self.added.get(key)
        if text is None:
            text = self.main.get(key)
        return default if text is None else text

    def __getitem__(self, key: bytes) -> str:
        text = self.get(key)
        if text is None:
            raise KeyError(key)
        return text

    def __len__(self) -> int:
        """How many texts it holds (a key both in the file and added since counts twice)."""
        return len(self.main) + len(self.added)

    def update(self, entries: dict[bytes, str]) -> None:
        """Hold ``entries`` too, in memory only (see :meth:`add`)."""
        self.added.update(entries)

    def everything(self) -> dict[bytes, str]:
        """Every text, decoded (to merge the files, or for a process that keeps them all)."""
        return {**self.main.items(), **self.added}

    # -- what to keep -------------------------------------------------------------------------

    def add(self, entries: dict[bytes, str]) -> None:
        """Keep ``entries`` (new texts) for later builds: in a small file of their own, or, once
        there are many such files, with everything in one file again."""
        if len(self.segments()) >= self.MERGE_AFTER:
            self.replace({**self.everything(), **entries})
        else:
            write_pickle(self.folder / f"{self.name}+{time.time_ns()}-{os.getpid()}.pickle",
                         entries)

    def replace(self, entries: dict[bytes, str]) -> None:
        """Keep ``entries`` and nothing else."""
        write_texts(self.folder / f"{self.name}.texts", entries)
        for path in self.segments():
            path.unlink(missing_ok=True)


def write_texts(path: Path, entries: dict[bytes, str]) -> bool:
    """Write ``entries`` as :class:`_TextFile` reads them (keys of another size are left out)."""
    keys = sorted(key for key in entries if isinstance(key, bytes) and len(key) == KEY_SIZE)
    texts = [entries[key].encode("utf-8", "surrogatepass") for key in keys]
    offsets, at = [], 0
    for text in texts:
        offsets.append(at)
        at += len(text)
    offsets.append(at)
    return write_atomic(path, b"".join([_HEADER.pack(MAGIC, len(keys)), *keys,
                                        struct.pack(f"<{len(offsets)}Q", *offsets), *texts]))


class _TextFile:
    """A file of texts mapped into memory: a header, the sorted keys, the offset of each text
    (and of the end), then the texts."""

    def __init__(self, path: Path):
        self.count, self.data = 0, b""
        try:
            with open(path, "rb") as handle:
                data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # missing, unreadable, or empty
            return
        magic, count = _HEADER.unpack_from(data) if len(data) >= _HEADER.size else (b"", 0)
        self._offsets = _HEADER.size + KEY_SIZE * count
        self._texts = self._offsets + _OFFSET.size * (count + 1)
        if magic != MAGIC or len(data) < self._texts \
                or len(data) != self._texts + _OFFSET.unpack_from(data, self._texts - 8)[0]:
            data.close()  # torn or foreign: nothing kept
            return
        self.count, self.data = count, data

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> bytes:
        """The key at ``index`` (so that :func:`bisect_left` searches the keys)."""
        start = _HEADER.size + KEY_SIZE * index
        return self.data[start:start + KEY_SIZE]

    def get(self, key: bytes) -> str | None:
        index = bisect_left(self, key, 0, self.count)
        if index == self.count or self[index] != key:
            return None
        return self._text(index)

    def _text(self, index: int) -> str:
        start, end = struct.unpack_from("<2Q", self.data, self._offsets + _OFFSET.size * index)
        return self.data[self._texts + start:self._texts + end].decode("utf-8", "surrogatepass")

    def items(self) -> dict[bytes, str]:
        return {self[index]: self._text(index) for index in range(self.count)}
