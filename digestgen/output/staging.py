"""Writing a build to disk atomically, touching only the files whose bytes changed.

A build is written into a staging folder beside the output (``.site.staging``); only when every
file is in place does the staging folder take the output's place, in one atomic exchange where
the system has one (Linux ``renameat2``). A build that fails or is killed leaves the previous site
as it was.

The folders are double-buffered: after the exchange the previous site stays as the next staging
folder, so the next build writes into it only the files whose bytes differ from what it holds,
copies over the few that changed in between, and deletes what is gone. Each tree's manifest
(``.digestgen-manifest.json``) records every file digestgen wrote with a hash of its bytes, the
files it carried over, and the mtime of every folder; a tree without a manifest (a killed build
was writing into it) is emptied and written afresh. A build from scratch leaves a spare tree
too, linked file by file as it writes (:mod:`twin`).

Files in the output that digestgen did not write (listed in no manifest) are carried over, never
deleted; a folder whose mtime changed since the last build is where such a file may have
appeared. One build at a time may write an output: a lock file says so.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from contextlib import suppress
from pathlib import Path

from ..errors import Problem, SiteError
from .folders import folder_mtimes, folders_of, remove_empty, with_folders_above
from .guard import check_output_dir, output_lock
from .treefiles import (
    exchange, fsync_dir, open_dir, outlast, remove_entry, safe_path, safe_relpath, write_new_file,
)
from .twin import Twin, remove_twin
from .manifest import (
    MANIFEST, TreeRecord, TreeRecords, beside, content_hash, differences, read_manifest,
    remove_ours, stamp, write_manifest,
)
from .survey import FolderSurvey, OutputState, survey_output

__all__ = ["MANIFEST", "Staging", "check_output_dir", "output_lock", "safe_relpath",
           "staging_dir"]


def staging_dir(output: Path) -> Path:
    return beside(output, "staging")


class Staging:
    """The next tree of an output: the previous site's spare tree, brought up to date by
    :meth:`write` and :meth:`keep`, made the output by :meth:`commit`."""

    def __init__(self, output: Path, folders: FolderSurvey | None = None):
        """``folders``: what :func:`~.survey.survey_live_folders` found, when it was called
        already (under the same lock)."""
        self.output = output.resolve()
        self.dir = staging_dir(self.output)
        # Where each file goes, as a string: for the thousands of pages a build keeps, making a
        # Path of each cost twice what linking it does.
        self._staged, self._live = f"{self.dir}/", f"{self.output}/"
        self.records = TreeRecords(self.output)
        self.live: OutputState | None = survey_output(self.output, self.records, folders)
        self._fresh = False  # the spare tree is empty: nothing of an old tree is in the way
        # The paths where the spare tree's files are not the live manifest's (as its record
        # says; None: not known), with its hash there (None: it has no such file).
        self._unlike_live: dict[str, str | None] | None = None
        self.base_files, self.base = self._claim_spare()
        self._claimed = len(self.base_files)  # (settle_pages removes some)
        # The spare tree's files this build did not list when its pages were settled, but
        # its HTML pages (those are removed then); None before (see _unlisted).
        self._not_listed: list[str] | None = None
        self.twin = Twin(self.output) if self._fresh and self.live is None else None
        if self.twin is None:
            remove_twin(self.output)
        self.linked = self.twin is not None or self.base.linked \
            or bool(self.live and self.live.linked)
        self.files: dict[str, str] = {}  # this build's files: path -> hash
        self.written: set[str] = set()  # the files whose bytes were written this build
        self.given: set[str] = set()  # the files given to write (the others are the live ones)
        self.touched: set[str] = set()  # folders in which entries were added or removed
        self._made: set[str] = {""}  # folders made or found ("": the root)
        self._unlinked: set[str] = set()  # folders of the old tree found to be no links

    def _claim_spare(self) -> tuple[dict[str, str], TreeRecord]:
        """The spare tree's files and record; its manifest is removed while it is being
        changed. A spare tree that is not known (a killed build was writing into it) is
        emptied."""
        record = self.records.get(self.dir) if not self.dir.is_symlink() else None
        files = None
        if record is not None:
            files = record.files(self.live.listing() if self.live else None)
            if files:
                self._unlike_live = record.differs[1]
            else:
                files = read_manifest(self.dir)
        if files is None or record is None:
            remove_ours(self.dir)  # ours by name
            self.dir.mkdir(parents=True)
            self._fresh = True
            return {}, TreeRecord()
        os.unlink(self.dir / MANIFEST)
        return files, record

    # -- files -----------------------------------------------------------------------------

    def write(self, rel: str, data: bytes) -> None:
        """Put ``data`` at ``rel`` (unless the tree holds those bytes there already)."""
        digest = content_hash(data)
        path = safe_path(rel)
        self.files[path] = digest
        self.given.add(path)
        if self.base_files.get(path) == digest:
            return
        if self._live_has(path, digest):
            self.keep(path, digest)
            return
        self._put(path, lambda target: write_new_file(target, data))
        self.written.add(path)

    def _live_has(self, rel: str, digest: str) -> bool:
        live = self.live
        return live is not None and live.files.get(rel) == digest and rel not in live.missing

    def keep(self, rel: str, digest: str) -> None:
        """The file at ``rel`` is the live site's, unchanged: link to it if the tree holds
        other bytes there (a hard link costs no copy; both trees then share the file, so a
        later write into it replaces it rather than writing into it)."""
        self.files[rel] = digest
        if self.base_files.get(rel) != digest:
            self.linked = True
            live = self._live + rel
            self._put(rel, lambda target: os.link(live, target, follow_symlinks=False),
                      replace=True)

    def keep_all(self, digests: dict[str, str]) -> None:
        """:meth:`keep` each file of ``digests`` (path -> hash of the live site's file). Most
        are in the spare tree already as they are: only the others are looked at one by one
        (a site keeps thousands of pages in every build)."""
        self.files.update(digests)
        if self._fresh and digests:
            self._link_all(digests)
            return
        base, unlike = self.base_files, self._unlike_live
        if unlike is None:
            others = digests.items() - base.items()
        else:  # (the spare tree holds the live files but these: no pass over all of them)
            others = [(rel, digests[rel]) for rel in unlike
                      if rel in digests and base.get(rel) != digests[rel]]
        for rel, digest in others:
            self.keep(rel, digest)

    def _link_all(self, digests: dict[str, str]) -> None:
        """:meth:`keep` each file of ``digests`` in a tree made afresh (the first edit after a
        cold build keeps every page this way): nothing of an old tree can be in the way, so
        each folder is made once and each file linked, named from the open folders of both
        trees (not by a path from the root). A file that cannot be linked so is kept one by
        one."""
        self.linked = True
        made, others = self._made, []
        with open_dir(self.output) as live, open_dir(self.dir) as staged:
            # (Sorted, each folder comes after the one it is in; none was recorded, so which
            # were touched does not matter: every folder's mtime is read.)
            for folder in sorted({rel.rpartition("/")[0] for rel in digests} - made):
                above = folder.rpartition("/")[0]
                if above not in made:  # a folder that holds only folders
                    self._make_dirs(above)
                try:
                    os.mkdir(folder, dir_fd=staged)
                except FileExistsError:
                    pass
                made.add(folder)
            for rel in digests:
                try:
                    os.link(rel, rel, src_dir_fd=live, dst_dir_fd=staged, follow_symlinks=False)
                except OSError:  # written already in this build, or a folder was in the way
                    others.append(rel)
        for rel in others:
            self.keep(rel, digests[rel])

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

    def _put(self, rel: str, make, replace: bool = False) -> None:
        """Make the file ``rel`` with ``make(path)``, replacing what the tree holds there."""
        parent = rel.rpartition("/")[0]
        if parent not in self._made:
            self._make_dirs(parent)
        target = self._staged + rel
        exists = rel in self.base_files or rel in self.base.foreign
        if exists and (replace or self.linked):
            try:
                shared = replace or os.lstat(target).st_nlink > 1
            except FileNotFoundError:
                shared = exists = False
            if shared:
                remove_entry(target)  # never write into a file the live site may share
                exists = False
        if not exists:
            self.touched.add(parent)
        try:
            make(target)
        except OSError as exc:
            if not isinstance(exc, (IsADirectoryError, FileExistsError)) \
                    and exc.errno != errno.ELOOP:
                raise
            remove_entry(target)  # what the old tree left in the way (a folder, a file, a link)
            self.touched.add(parent)
            make(target)
        if self.twin is not None:
            self.twin.link(target, rel)

    def _make_dirs(self, rel: str) -> None:
        """Make the folder ``rel`` and those above it, unless this build made them already."""
        if not rel or rel in self._made:
            return
        parent = rel.rpartition("/")[0]
        self._make_dirs(parent)
        path = self._staged + rel
        if rel not in self.base.dirs:
            if not self._fresh:
                with suppress(FileNotFoundError):
                    if not stat.S_ISDIR(os.lstat(path).st_mode):
                        os.unlink(path)  # a file (or link) of the old tree where a folder goes
            with suppress(FileExistsError):
                os.mkdir(path)
            if self.twin is not None:
                self.twin.mkdir(rel)
            self.touched.add(parent)
            self.touched.add(rel)
        elif not self._fresh and os.path.islink(path):  # put there since the tree was built
            raise _link_in_staging(Path(path))
        self._made.add(rel)

    def _check_no_link_above(self, rel: str) -> None:
        """Refuse to remove ``rel`` through a link put in the old tree since it was built."""
        parts = rel.split("/")[:-1]
        for n in range(1, len(parts) + 1):
            sub = "/".join(parts[:n])
            if sub not in self._made and sub not in self._unlinked:
                if (self.dir / sub).is_symlink():
                    raise _link_in_staging(self.dir / sub)
                self._unlinked.add(sub)

    # -- work done elsewhere -----------------------------------------------------------------

    def changes(self) -> tuple:
        """What this object did, for a worker to send to the build's own :class:`Staging`."""
        return self.files, self.written, self.given, self.touched, self._made, self.linked

    def absorb(self, changes: tuple) -> None:
        files, written, given, touched, made, linked = changes
        self.files.update(files)
        self.written |= written
        self.given |= given
        self.touched |= touched
        self._made |= made
        self.linked = self.linked or linked

    # -- finishing ---------------------------------------------------------------------------

    def settle_pages(self) -> None:
        """Remove the previous build's HTML pages that this build does not have, so that what
        reads the staged site before :meth:`commit` (the search indexer) sees only this build's
        pages."""
        unlisted = self._unlisted()
        for rel in [r for r in unlisted if r.endswith(".html")]:
            self._remove(rel)
            del self.base_files[rel]
        self._not_listed = [r for r in unlisted if not r.endswith(".html")]

    def _unlisted(self) -> list[str]:
        """The spare tree's files that this build does not list (now). Looked for among every
        file once: :attr:`files` is only added to, so those :meth:`settle_pages` found are
        the only ones :meth:`commit` needs to look at again."""
        if self._not_listed is None:
            return list(self.base_files.keys() - self.files.keys())
        return [rel for rel in self._not_listed if rel not in self.files]

    def commit(self) -> None:
        """Carry over foreign files, remove stale ones, write the manifest, and put the staging
        folder in place of the output (which becomes the next spare tree)."""
        foreign = self._carry_foreign_files()
        unlisted = self._unlisted()
        for rel in [*unlisted, *self.base.foreign]:
            if rel not in self.files and rel not in foreign:
                self._remove(rel)
        needed, pruned = self._prune_empty_dirs(foreign, bool(unlisted))
        dirs = folder_mtimes(self.dir, self.base.dirs, needed, pruned, self.touched)
        live = self.live
        differ = differences(self.files, live.files, self.given) if live is not None else None
        write_manifest(self.dir, self.files, live.listing() if live else None, differ)
        fsync_dir(self.dir)
        self.records.put(self.dir, TreeRecord(foreign, dirs, self.linked))
        twins = self._finish_twin(dirs)
        if live is not None:  # the live tree, as surveyed, is the next spare tree
            if live.missing:
                spare = {rel: digest for rel, digest in live.files.items()
                         if rel not in live.missing}
                write_manifest(self.output, spare)
                differ = differences(self.files, spare)
            # (Where most pages changed, the record would cost more than the manifest read.)
            ours = (stamp(os.stat(self.dir / MANIFEST)), differ) \
                if len(differ) <= max(1000, len(self.files) // 4) else None
            self.records.put(self.output, TreeRecord(live.foreign, live.dirs, self.linked, ours))
        self.records.save(keep=(self.dir, self.output, *(twin.dir for twin in twins)))
        if self.output.exists():
            exchange(self.dir, self.output)
            fsync_dir(self.output.parent)
        else:
            os.rename(self.dir, self.output)
        for twin in twins:  # the next spare tree
            try:
                os.rename(twin.dir, self.dir)
            except OSError:
                twin.discard()
        # What a person puts in the output from now on must show in the folders' mtimes.
        outlast(max(dirs.values(), default=0), beside(self.output, "lock"))

    def discard(self) -> None:
        remove_ours(self.dir)
        if self.twin is not None:
            self.twin.discard()

    def _finish_twin(self, dirs: dict[str, int]) -> tuple[Twin, ...]:
        """Record the twin of a build from scratch, once this tree's manifest is written: it
        lists what this tree's manifest lists, as the next build's spare tree."""
        mtimes = self.twin.finish(self.dir / MANIFEST, dirs) if self.twin is not None else None
        if mtimes is None:
            return ()
        like = (stamp(os.stat(self.dir / MANIFEST)), {})
        self.records.put(self.twin.dir, TreeRecord({}, mtimes, True, like))
        return (self.twin,)

    def _carry_foreign_files(self) -> dict[str, list[int]]:
        if self.live is None:
            return {}
        carried = {}
        for rel, info in self.live.foreign.items():
            if rel in self.files:
                continue  # this build writes a file there now
            carried[rel] = info
            if self.base.foreign.get(rel) != info:
                self._put(rel, lambda target, rel=rel: shutil.copy2(
                    self.output / rel, target, follow_symlinks=False), replace=True)
        return carried

    def _remove(self, rel: str) -> None:
        """Remove a file of the old tree (where a folder stands now, this build made it)."""
        if not self._fresh:
            self._check_no_link_above(rel)
        try:
            os.unlink(self.dir / rel)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return
        self.touched.add(rel.rpartition("/")[0])

    def _prune_empty_dirs(self, foreign: dict, unlisted: bool) -> tuple[set[str] | None, set[str]]:
        """Remove the old tree's folders that hold nothing now (deepest first); return the
        folders the new tree needs (None: the spare tree's recorded ones, with those made in
        this build, in :attr:`touched`) and those of the recorded ones removed here.
        ``unlisted``: whether some file of the spare tree is not this build's."""
        if not foreign and not self.base.foreign and len(self.base_files) == self._claimed \
                and not unlisted and len(self.files) == len(self.base_files):
            return None, set()  # the spare tree's files, none removed: its folders, none emptied
        recorded = self.base.dirs
        if self._fresh or not recorded:
            needed = folders_of((*self.files, *foreign))
            remove_empty(self.dir, (d for d in recorded if d not in needed), self.touched)
            return needed, set()
        # Only a folder where an entry was removed, or one above it, can hold nothing now:
        # no pass over every file (at 100,000 papers 1.1 s of an edit whose search index
        # changed its files' names).
        candidates = with_folders_above(self.touched) & recorded.keys()
        return None, remove_empty(self.dir, candidates, self.touched)


def _link_in_staging(path: Path) -> SiteError:
    return SiteError([Problem(path, None, "is a symbolic link: digestgen never writes through "
                              "a link it did not make; the staging folder is removed, build "
                              "again")])
