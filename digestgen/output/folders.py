"""The folders of a staging tree once its files are in place: which of the old tree's folders
hold nothing now, and the mtime of every folder (what the tree's record keeps, so that the next
build knows where a file it did not write may have appeared).

A build notes the folders where it added or removed entries (``touched``, relative to the
tree's root, ``""`` being the root); only those, and the folders above them, can have become
empty or have a new mtime. A tree whose folders were not recorded is looked at whole.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .treefiles import open_dir


def folders_of(paths: Iterable[str]) -> set[str]:
    """Every folder that holds one of ``paths`` (files, relative), with those above it and the
    root (``""``)."""
    needed = {""}
    for parent in {rel.rpartition("/")[0] for rel in paths}:
        while parent not in needed:
            needed.add(parent)
            parent = parent.rpartition("/")[0]
    return needed


def with_folders_above(folders: Iterable[str]) -> set[str]:
    """``folders`` and every folder above one of them (not the root)."""
    found: set[str] = set()
    for folder in folders:
        while folder and folder not in found:
            found.add(folder)
            folder = folder.rpartition("/")[0]
    return found


def remove_empty(root: Path, folders: Iterable[str], touched: set[str]) -> set[str]:
    """Remove those of ``folders`` (under ``root``) that are empty, deepest first, and note
    their parents in ``touched``; returns those gone now."""
    gone = set()
    for rel in sorted(folders, key=lambda d: -d.count("/")):
        try:
            os.rmdir(root / rel)
        except FileNotFoundError:
            pass
        except OSError:
            continue  # holds something: files of the new tree, or unknown ones
        gone.add(rel)
        touched.add(rel.rpartition("/")[0])
    return gone


def folder_mtimes(root: Path, recorded: dict[str, int], needed: set[str] | None,
                  pruned: set[str], touched: set[str]) -> dict[str, int]:
    """Every folder's mtime under ``root``: read where entries were added or removed
    (``touched``) or where none is ``recorded``, as recorded elsewhere (each read once, and
    named from the open root: a tree made afresh reads them all). ``needed``: the folders the
    tree holds, or None when they are the recorded ones but those ``pruned``."""
    if needed is None:
        dirs = dict(recorded)
        for rel in pruned:
            del dirs[rel]
        stale = touched - pruned - {""}
    else:
        needed.discard("")
        dirs = {rel: recorded.get(rel) for rel in needed}
        stale = {rel for rel, mtime in dirs.items() if mtime is None} | (touched & needed)
    with open_dir(root) as tree:
        for rel in stale:
            try:
                dirs[rel] = os.stat(rel, dir_fd=tree, follow_symlinks=False).st_mtime_ns
            except FileNotFoundError:  # a folder an entry was removed from, gone since
                dirs.pop(rel, None)
    return dirs
