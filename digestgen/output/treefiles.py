"""The file-system steps of writing a tree: a new file never written through a link, an entry
removed whatever it is, folders opened and synced, and two folders exchanged atomically."""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from ..errors import naming


def write_new_file(target: str, data: bytes) -> None:
    """Write a new file ``target``; a link found there is never followed (OSError ELOOP)."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o666)
        with open(fd, "wb") as handle:
            handle.write(data)
    except OSError as exc:  # a full disk names no file: name it
        raise naming(target, exc) from None


def remove_entry(path: Path | str) -> None:
    """Remove what is at ``path`` (a file, a link, a folder with what it holds), if anything."""
    try:
        os.unlink(path)
    except (FileNotFoundError, NotADirectoryError):  # gone, or its folder is a file now
        pass
    except IsADirectoryError:
        shutil.rmtree(path)


@contextmanager
def open_dir(folder: Path):
    """An open folder (never through a link), for naming what is in it."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        yield fd
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(a: Path, b: Path) -> None:
    """Swap two folders atomically (Linux); elsewhere rename one aside first."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        renameat2 = None
    if renameat2 is not None:
        result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b),
                           _RENAME_EXCHANGE)
        if result == 0:
            return
        if ctypes.get_errno() not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(b))
    aside = b.with_name(b.name + ".old")
    shutil.rmtree(aside, ignore_errors=True)
    os.rename(b, aside)
    os.rename(a, b)
    os.rename(aside, a)
