"""The content as a full load last gave it, so that an edit of a few papers reads a few files.

:func:`~.records.load_content_cached` looks up every paper file's record in the records store
and assembles the content again (sorting, checking ids): work in proportion to the archive, in
every build. :class:`ContentSnapshot` keeps what it gave (the papers and issues, validated and
assembled, and the hash of each file's bytes) in one file, beside the stats of the content
folders as columns of numbers. The next build compares the stats it took anyway
(:func:`~.inputs.survey_inputs`) with those columns as a whole. When only some paper files
changed, and each still holds a paper with the same id, date and draft flag, and no problem, the
snapshot's content with those papers replaced is what a full load would give: nothing else that
a load reads or checks (which files there are, the ids, the issues, which papers are drafts or
in draft issues) changed. The snapshot keeps the site model of that content too: when the
changed papers also keep their tags and categories, the model is the same but for those papers,
and is taken as kept (:meth:`ContentSnapshot.model`) rather than built again, with its
structure (which the page keys compare) and its pages (the renderer's jobs), kept with it.

Papers are replaced in place: the kept record object takes the new record's class and fields
(:func:`_become`), so that the content and the kept model, which share it, both show the new one
without a walk over every issue and term.

The snapshot is written after a full load only. Until many files changed since (then a full
load writes it again), the records of the changed files are read from the files, and kept in a
small patch beside the snapshot for the builds after, while the files' stats vouch for them.
"""

from __future__ import annotations

import os
import pickle
from contextlib import suppress
from array import array
from bisect import bisect_left
from dataclasses import dataclass, replace
from itertools import compress, count
from operator import attrgetter, ne
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import SiteConfig
from ..content.model import Site
from ..content.records import Paper
from .records import Entry, Loaded, _stat_key, file_digest, parse_paper
from .inputs import InputSurvey, Listing
from .keptmaps import decode_maps, encode_maps
from .storage import (ShardedStore, encoded_parts, read_mapped, read_pickle, reducers,
                      settled, write_atomic, write_pickle)

if TYPE_CHECKING:
    from ..pages.jobs import JobList

#: Paper files changed since the snapshot was written, at most; with more, a full load (which
#: costs about as much as replacing a few hundred papers) writes it anew.
REWRITE_AFTER = 64

_ID = attrgetter("id")


@dataclass(frozen=True)
class Snapshot:
    """What a full load found and gave."""

    drafts: bool  # whether drafts were loaded
    papers: tuple[list[str], tuple[array, ...]]  # content/papers: names and stat columns
    issues: tuple[list[str], tuple[array, ...]]  # content/issues: names and stat columns
    prefix: str  # the papers folder, as paper files are named (ids) with it
    untrusted: frozenset[int]  # indices of files whose stat did not vouch for their bytes
    issues_settled: bool  # whether the issue files' stats vouched for their bytes
    loaded: Loaded  # without its ids: those are in ``ids``
    ids: pickle.PickleBuffer  # loaded.ids, by keptmaps.encode_maps: read as lookups need it
    site: Site  # the site model of loaded.content, without its configuration
    structure: str  # of that model (keys.structure): the same while the model is kept
    jobs: tuple[list, ...]  # its pages, as render.Renderer.jobs lists them (_columns)
    pages: str  # keys.pages_digest of those pages
    token: str  # names this snapshot, for the patch that goes with it (ContentSnapshot.patch)


class ContentSnapshot:
    """The snapshot of one configuration's content (``name``: its cache namespace) in
    ``folder``."""

    def __init__(self, folder: Path, name: str, drafts: bool):
        kind = "drafts" if drafts else "published"
        self.path = folder / f"content-{name}-{kind}.pickle"
        # The records of the paper files changed since the snapshot was written, as a build
        # last read them: the next build reads these again only if they changed again (and
        # no build looks them up in the records store, whose shard of 6,000 records at
        # 100,000 papers costs 0.1 s to read and as much to write).
        self.patch = folder / f"content-{name}-{kind}.patch.pickle"
        self.drafts = drafts
        self.kept_site: Site | None = None  # see model()
        self.kept_structure: str | None = None  # of kept_site
        self.kept_jobs: JobList | None = None  # the pages of kept_site
        self.kept_pages: str | None = None  # their keys.pages_digest

    def take(self, config: SiteConfig, survey: InputSurvey) -> Loaded | None:
        """The content as a full load would give it now, from the snapshot and the files
        changed since (their records from the patch while their stats vouch for them, else
        read, and kept in the patch); None when the snapshot cannot say (then load in full,
        and :meth:`keep`)."""
        snapshot = read_mapped(self.path)
        if not isinstance(snapshot, Snapshot) or snapshot.drafts != self.drafts \
                or not snapshot.issues_settled:
            return None
        papers, issues = _folder(survey.papers, survey.columns.get("papers")), \
            _folder(survey.issues, survey.columns.get("issues"))
        if papers is None or issues is None or issues != snapshot.issues \
                or papers[0] != snapshot.papers[0] or snapshot.prefix != _prefix(config):
            return None  # files added or removed, an issue file changed, the site moved
        changed = _differing(snapshot.papers[1], papers[1]) | snapshot.untrusted
        if len(changed) > REWRITE_AFTER:
            return None
        shown = snapshot.loaded.content.papers
        ids = decode_maps(snapshot.ids)[1]["ids"]
        replaced: list[tuple[Paper, Paper]] = []  # (kept record, the file's record now)
        digests: dict[str, str] = {}
        patched = self._read_patch(snapshot.token)
        entries: dict[str, Entry] = {}  # the next patch
        for index in sorted(changed):
            key = snapshot.prefix + papers[0][index]
            paper_id = ids.get(key)
            if paper_id is None:
                return None  # a folder, or a file that is no record
            paper, digest, entry = _current(config, key, survey.papers.stat(index), patched)
            at = bisect_left(shown, paper_id, key=_ID)
            if paper is None or at == len(shown) or shown[at].id != paper_id \
                    or not _same_place(shown[at], paper):
                return None
            replaced.append((shown[at], paper))
            digests[paper.source_name()] = digest
            if entry is not None:
                entries[key] = entry
        if entries != patched:
            self._write_patch(snapshot.token, entries)
        same_model = all(kept.tags == paper.tags and kept.categories == paper.categories
                         for kept, paper in replaced)
        for kept, paper in replaced:
            _become(kept, paper)
        if same_model:
            self.kept_site, self.kept_structure, self.kept_jobs, self.kept_pages = \
                snapshot.site, snapshot.structure, _jobs(snapshot.jobs), snapshot.pages
        loaded = snapshot.loaded
        return Loaded(loaded.content, {**loaded.digests, **digests}, ids)

    def model(self, config: SiteConfig) -> Site | None:
        """After :meth:`take`, the site model of the content it gave, when the snapshot's is
        that model (no changed paper moved to other terms); else None."""
        return None if self.kept_site is None else replace(self.kept_site, config=config)

    def _read_patch(self, token: str) -> dict[str, Entry]:
        """The entries of the patch of the snapshot named ``token`` (none of another)."""
        patch = read_pickle(self.patch)
        if not (isinstance(patch, tuple) and len(patch) == 2 and patch[0] == token
                and isinstance(patch[1], dict)
                and all(isinstance(entry, Entry) for entry in patch[1].values())):
            return {}
        return patch[1]

    def _write_patch(self, token: str, entries: dict[str, Entry]) -> None:
        if not write_pickle(self.patch, (token, entries)):
            with suppress(OSError):  # (one that cannot be replaced must not stay, stale)
                self.patch.unlink()

    def keep(self, config: SiteConfig, survey: InputSurvey, store: ShardedStore,
             loaded: Loaded, site: Site, jobs: list, pages: str) -> None:
        """Write the snapshot of ``loaded``, which a full load just gave from the files
        ``survey`` found (the store holding their records), of its model ``site`` and of the
        model's pages ``jobs`` (which hold the model's papers, issues and terms: pickled with
        it, they hold the same objects when read), whose paths have the digest ``pages``."""
        papers, issues = _folder(survey.papers, survey.columns.get("papers")), \
            _folder(survey.issues, survey.columns.get("issues"))
        if papers is None or issues is None:
            self.forget()
            return
        untrusted = set()
        prefix = _prefix(config)
        columns = survey.papers.columns
        # Each file's stat as the store keeps it (records._stat_key), from the columns.
        stat_keys = zip(columns["st_size"], columns["st_mtime_ns"], columns["st_ino"],
                        columns["st_ctime_ns"])
        for index, (name, stat_key) in enumerate(zip(survey.papers.names, stat_keys)):
            key = prefix + name
            if key not in loaded.ids:
                continue  # not a record file
            entry = store.get(key)
            if entry is None or not entry.trusted or entry.stat != stat_key:
                untrusted.add(index)
        # An issue file changed within the resolution of its mtime may change again unseen:
        # issue files are read again until their stats vouch for them.
        settled_issues = settled(max(issues[1][1], default=0), max(issues[1][2], default=0))
        # Its structure, which the page keys compare, is kept with it: while the model is
        # kept, so is the structure (making it again read every issue's and term's papers).
        from .keys import structure
        ids = pickle.PickleBuffer(encode_maps(None, {"ids": loaded.ids}))
        snapshot = Snapshot(self.drafts, papers, issues, prefix, frozenset(untrusted),
                            settled_issues, replace(loaded, ids={}), ids,
                            replace(site, config=None), structure(site), _columns(jobs), pages,
                            os.urandom(8).hex())
        if not write_atomic(self.path, encoded_parts(snapshot, _sharing_heads())):
            self.forget()
        with suppress(OSError):  # (the last snapshot's: another token)
            self.patch.unlink()

    def forget(self) -> None:
        """No snapshot: the next build loads in full (one that cannot be written must not stay
        behind, stale)."""
        for path in (self.path, self.patch):
            with suppress(OSError):
                path.unlink()


def _sharing_heads() -> dict:
    """The cache's reducers, but that equal dates, tags and categories of papers are pickled
    as one object (read back, each is one object, not one per paper: 100,000 papers share a
    few thousand dates and names)."""
    dispatch = reducers()
    shared: dict = {}

    def share(value):
        if isinstance(value, tuple):
            value = tuple(shared.setdefault(item, item) for item in value)
        return shared.setdefault(value, value)

    def reduce(paper: Paper) -> tuple:
        call, args, state = dispatch[type(paper)](paper)
        for name in ("date", "tags", "_categories", "categories"):
            if name in state:
                state[name] = share(state[name])
        return call, args, state

    return {**dispatch, **{kind: reduce for kind in dispatch if issubclass(kind, Paper)}}


def _columns(jobs: list) -> tuple[list, ...]:
    """``jobs`` (:class:`~digestgen.pages.jobs.Job` tuples) as a list per field
    (:class:`~digestgen.pages.jobs.JobList`): each pickled named tuple would be made by a call
    in Python when read back (at 65,000 jobs that cost about as much as listing them again)."""
    from ..pages.jobs import JobList
    return JobList.of(jobs).columns()


def _jobs(columns: tuple[list, ...]) -> JobList:
    """The jobs of :func:`_columns`, as a :class:`~digestgen.pages.jobs.JobList`."""
    from ..pages.jobs import JobList
    return JobList(*columns)


def _prefix(config: SiteConfig) -> str:
    """The papers folder as the loader names paper files with it."""
    return os.path.join(config.content_dir / "papers", "")


def _folder(listing: Listing, columns: tuple[array, ...] | None) \
        -> tuple[list[str], tuple[array, ...]] | None:
    """A folder's names and stat columns, or None when some entry could not be stat-ed."""
    return None if columns is None else (listing.names, columns)


def _differing(before: tuple[array, ...], now: tuple[array, ...]) -> set[int]:
    """The indices at which some column differs (columns of the same length)."""
    changed: set[int] = set()
    for old, new in zip(before, now):
        if old != new:  # compared whole first: most columns are equal
            changed.update(compress(count(), map(ne, old, new)))
    return changed


def _current(config: SiteConfig, key: str, info, patched: dict[str, Entry]) \
        -> tuple[Paper | None, str, Entry | None]:
    """The record of the paper file ``key`` (stat ``info`` when listed), the hash of its
    bytes, and the entry to keep of it in the patch (None: none that vouches for it): from
    ``patched`` while its stat vouches for it, else parsed; no record when it has problems
    (a full load reports them)."""
    entry = patched.get(key)
    if entry is not None and info is not None and _stat_key(info) == entry.stat:
        return entry.paper, entry.digest, entry
    paper, problems, entry = parse_paper(Path(key), config)
    if paper is None or problems:
        return None, "", None
    if entry is None:
        return paper, file_digest(Path(key)), None
    return paper, entry.digest, entry if entry.trusted else None


def _become(kept: Paper, paper: Paper) -> None:
    """Make the record object ``kept`` the record ``paper`` (its class and fields: records are
    plain objects whose fields are their ``__dict__``), wherever the content and model hold it."""
    kept.__class__ = type(paper)
    fields = vars(kept)
    fields.clear()
    fields.update(vars(paper))


def _same_place(before: Paper, now: Paper) -> bool:
    """Whether ``now`` goes where ``before`` went: the same id (so the same slug, and no id
    shared with another file), date (so the same issue) and draft flag."""
    return now.id == before.id and now.date == before.date and now.draft == before.draft
