"""The file-system steps of writing a tree: a new file never written through a link, an entry
removed whatever it is, folders opened and synced, two folders exchanged atomically, and the
file system's clock outlasted; paths in a tree made safe."""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

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


def outlast(mtime_ns: int, probe: Path, longest: float = 3.0) -> None:
    """Return once the file system's clock is past ``mtime_ns``, as the mtime of ``probe``
    (a file of ours on the same file system, touched; when there is none, at once); give up
    after ``longest`` seconds.

    A folder's mtime has the resolution of that clock: a few milliseconds, seconds on some file
    systems. A file put in a folder within the tick in which a build last changed it (a deploy
    script writing a CNAME right after the build) would leave its mtime as the build recorded
    it, and the next build would not look for the file, nor carry it over."""
    deadline = time.monotonic() + longest
    try:
        while True:
            os.utime(probe, follow_symlinks=False)
            if os.stat(probe, follow_symlinks=False).st_mtime_ns > mtime_ns \
                    or time.monotonic() > deadline:
                return
            time.sleep(0.001)
    except OSError:
        return  # no clock to read there: the build is done all the same


def safe_path(rel: str) -> str:
    """``rel`` as :func:`safe_relpath` makes it, as a string: looked at without making a path
    when it is written as it would be (a PurePosixPath cost 4 us a page, 1.4 s at 100,000
    papers)."""
    wrapped = f"/{rel}/"
    if "//" in wrapped or "/./" in wrapped or "/../" in wrapped or "\\" in rel \
            or "\x00" in rel:
        return str(safe_relpath(rel))
    return rel


def safe_relpath(rel: str) -> PurePosixPath:
    """``rel`` as a path inside the output, or ValueError when it could reach outside."""
    path = PurePosixPath(rel)
    if path.is_absolute() or not path.parts or any(p in ("..", ".", "") for p in path.parts) \
            or "\\" in rel or "\x00" in rel:
        raise ValueError(f"unsafe output path {rel!r}")
    return path
