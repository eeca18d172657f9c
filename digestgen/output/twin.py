"""The spare tree a build from scratch leaves beside the site it writes.

Every build but the first writes into the spare tree, which holds the previous site already: a
page that did not change is left there as it is. A build from scratch leaves no spare tree of
its own, and the next build would link every page of the site into a new one (at 100,000 papers
330,000 links: 11 s on disk). So a build from scratch links each file it writes into a second
tree (``.site.twin``) as soon as it has written it, in the workers that render; once the site is
in place, the twin takes the spare tree's name with a manifest and a record of its own.

A twin that was not finished (the build was killed, or a link failed) has no record: the next
build does not trust it, as any spare tree it does not know.
"""

from __future__ import annotations

import mmap
import os
import shutil
from pathlib import Path

from .manifest import MANIFEST, beside, remove_ours
from .treefiles import open_dir


class Twin:
    """The second tree of a build from scratch, linked file by file as the build writes."""

    def __init__(self, output: Path):
        self.dir = twin_dir(output)
        remove_ours(self.dir)
        self.dir.mkdir(parents=True)
        self._prefix = f"{self.dir}/"
        # Shared with the workers forked to render: a link that failed in any of them is seen here.
        self._failed = mmap.mmap(-1, 1)

    def mkdir(self, rel: str) -> None:
        try:
            os.mkdir(self._prefix + rel)
        except FileExistsError:
            pass
        except OSError:
            self._failed[0] = 1

    def link(self, source: str, rel: str) -> None:
        """Link the file just written at ``source`` as ``rel`` (a file written twice in a build
        is linked again: its last version is the one the site has)."""
        if self._failed[0]:
            return
        target = self._prefix + rel
        try:
            try:
                os.link(source, target, follow_symlinks=False)
            except FileExistsError:
                os.unlink(target)
                os.link(source, target, follow_symlinks=False)
        except OSError:
            self._failed[0] = 1

    def finish(self, manifest: Path, dirs: dict[str, int]) -> dict[str, int] | None:
        """Give the twin a copy of the site's ``manifest``; return the mtime of each of its
        folders (``dirs``: the site's), or None when it does not hold the site (it is removed)."""
        if not self._failed[0]:
            try:
                shutil.copyfile(manifest, self.dir / MANIFEST)
                with open_dir(self.dir) as tree:
                    return {rel: os.stat(rel, dir_fd=tree, follow_symlinks=False).st_mtime_ns
                            for rel in dirs}
            except OSError:
                pass
        self.discard()
        return None

    def discard(self) -> None:
        remove_ours(self.dir)


def twin_dir(output: Path) -> Path:
    return beside(output, "twin")


def remove_twin(output: Path) -> None:
    """Remove a twin an unfinished build left (a build that makes none looks only for it)."""
    twin = twin_dir(output)
    if os.path.lexists(twin):
        remove_ours(twin)
