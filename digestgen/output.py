"""Writing a build to disk atomically.

Pages go into a staging folder beside the output (``.site.staging``); only when every page is
written does the staging folder take the output's place, in one atomic exchange where the system
has one (Linux ``renameat2``). A build that fails or is killed leaves the previous site as it was.
Files in the output that digestgen did not write (listed in no manifest) are carried over, never
deleted. One build at a time may write an output: a lock file says so.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from .config import SiteConfig
from .errors import Problem, SiteError

MANIFEST = ".digestgen-manifest.json"


def check_output_dir(config: SiteConfig, output: Path) -> None:
    """Refuse an output that holds the site itself or something digestgen did not write."""
    output = output.resolve()
    for inner, what in ((config.root, "the site root"), (config.content_dir, "content/"),
                        (config.layouts_dir, "layouts/"), (config.static_dir, "static/")):
        if inner == output or output in inner.parents:
            raise SiteError([Problem(config.path, None, f"output directory {output} holds "
                                     f"{what}; building there would overwrite it")])
        if inner.is_dir() and inner in output.parents and what != "the site root":
            raise SiteError([Problem(config.path, None, f"output directory {output} is inside "
                                     f"{what}")])
    if output.exists() and not output.is_dir():
        raise SiteError([Problem(output, None, "output path exists and is not a directory")])
    if output.is_dir() and any(output.iterdir()) and not (output / MANIFEST).is_file():
        raise SiteError([Problem(output, None, "output directory is not empty and was not "
                                 "written by digestgen; move it away or choose another output")])


def safe_relpath(rel: str) -> PurePosixPath:
    """``rel`` as a path inside the output, or ValueError when it could reach outside."""
    path = PurePosixPath(rel)
    if path.is_absolute() or not path.parts or any(p in ("..", ".", "") for p in path.parts) \
            or "\\" in rel or "\x00" in rel:
        raise ValueError(f"unsafe output path {rel!r}")
    return path


@contextmanager
def output_lock(output: Path):
    """Hold the output's lock for a build; a second build at the same time is an error."""
    output.parent.mkdir(parents=True, exist_ok=True)
    lock_path = output.parent / f".{output.name}.lock"
    with open(lock_path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SiteError([Problem(output, None, "another build is writing this output right "
                                     "now; wait for it to finish")]) from None
        yield


class Staging:
    """A fresh folder that becomes the output when :meth:`commit` is called."""

    def __init__(self, output: Path):
        self.output = output.resolve()
        self.dir = self.output.parent / f".{self.output.name}.staging"
        shutil.rmtree(self.dir, ignore_errors=True)  # left by a killed build: ours by name
        self.dir.mkdir(parents=True)
        self.files: dict[str, str] = {}
        self._made: set[PurePosixPath] = set()

    def write(self, rel: str, data: bytes) -> None:
        path = safe_relpath(rel)
        parent = path.parent
        if parent not in self._made:
            (self.dir / parent).mkdir(parents=True, exist_ok=True)
            self._made.add(parent)
        with open(self.dir / path, "wb") as handle:
            handle.write(data)
        self.files[str(path)] = hashlib.sha256(data).hexdigest()[:32]

    def copy_tree(self, source: Path) -> None:
        """Copy a folder's files (a theme's or the site's ``static/``) into the output root."""
        source = source.resolve()
        for folder, dirs, names in os.walk(source):
            dirs.sort()
            for name in sorted(names):
                path = Path(folder, name)
                real = path.resolve()
                if source not in real.parents:
                    raise SiteError([Problem(path, None, "links to a file outside "
                                             f"{source.name}/; not copied")])
                self.write(path.relative_to(source).as_posix(), real.read_bytes())

    def commit(self) -> None:
        """Write the manifest, carry over foreign files, and put the staging folder in place."""
        self._carry_foreign_files()
        manifest = json.dumps({"generator": "digestgen", "files": dict(sorted(self.files.items()))},
                              indent=0, sort_keys=True)
        (self.dir / MANIFEST).write_text(manifest + "\n", encoding="utf-8")
        _fsync_tree_root(self.dir)
        if self.output.exists():
            _exchange(self.dir, self.output)
            shutil.rmtree(self.dir)  # now the previous build
        else:
            os.rename(self.dir, self.output)

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def _carry_foreign_files(self) -> None:
        manifest_path = self.output / MANIFEST
        if not manifest_path.is_file():
            return
        ours = set(json.loads(manifest_path.read_text(encoding="utf-8")).get("files", {}))
        for folder, dirs, names in os.walk(self.output):
            for name in names:
                path = Path(folder, name)
                rel = path.relative_to(self.output).as_posix()
                if rel in ours or rel == MANIFEST or rel in self.files:
                    continue
                target = self.dir / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target, follow_symlinks=False)


def write_pages(staging: Staging, pages: Iterable) -> None:
    for page in pages:
        staging.write(page.path, page.data)


def _fsync_tree_root(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> None:
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
