"""The preview's site kept in memory between rebuilds: records, model, theme, Markdown and rows.

``serve`` builds its output once (:func:`digestgen.build.build`, which renders only what changed
since its last run), then loads what that build left: every record (from the records cache),
the page keys and row digests. After an edit of content files, :meth:`MemorySite.update` parses
only the files that changed, makes the model again and renders only the pages whose key changed,
the same keys a build compares (:mod:`digestgen.incremental.keys`): so the pages are byte for
byte those a build from scratch writes.

An update comes in two steps, so that the page being edited shows first: :meth:`Update.first`
renders the paper pages of the papers whose files changed (they must be rendered whatever the
keys say), before the keys of the other pages are even computed; :meth:`Update.rest` renders the
other pages whose key changed and says which pages are gone. Only after both is the new state
kept (:meth:`Update.commit`); a failure leaves the site as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import SiteConfig
from ..content.load import assemble_content, is_record_name, load_issue_files, record_files
from ..content.model import Site, build_model
from ..content.records import IssueFile, Paper
from ..errors import Problem
from ..incremental.builds import Plan, page_keys_base
from ..incremental.keys import PageKeys
from ..incremental.records import file_digest, file_stat, parse_paper
from ..incremental.rows import RowCache
from ..incremental.state import BuildState, StateFiles, cache_namespace
from ..incremental.storage import ShardedStore, digest_text
from ..incremental.textstore import TextStore
from ..pages.plaintext import FastMarkdown
from ..pages.jobs import Job
from ..pages.render import Renderer
from ..pages.theme import Theme, load_theme
from ..pages.links import Links
from ..pages.reads import PageKind
from .patch import patched_model

#: A paper file as last read: its record (None when it has problems), its problems, and the
#: hash of its bytes.
Parsed = tuple[Paper | None, list[Problem], str]


class NeedsBuild(Exception):
    """A change the memory cannot follow (configuration, theme, static files, folders): the
    preview is built again on disk."""


@dataclass
class MemorySite:
    """The preview's site as the last update left it; ``state`` holds its page keys."""

    config: SiteConfig
    drafts: bool
    files: dict[str, Parsed]  # paper file (as text) -> as last read
    theme: Theme
    markdown: FastMarkdown
    base: str  # what every page key rests on (theme, configuration, code)
    state: BuildState
    row_stores: dict[str, ShardedStore] = field(default_factory=dict)
    #: Every issue file, as :meth:`issue_files` read them last (None: to read).
    issues: tuple[list[IssueFile], list[Problem], dict[str, str]] | None = None
    site: Site | None = None  # the model of the last update that finished (or of the build)
    site_papers: dict[str, Paper] = field(default_factory=dict)  # its papers by file

    @classmethod
    def load(cls, config: SiteConfig, drafts: bool, output: Path) -> MemorySite:
        """The site as the build of ``output`` just left it (its records, keys and rows from
        the caches that build wrote)."""
        records = ShardedStore(config.cache_dir, f"records-{cache_namespace(config)}")
        records.load()
        files: dict[str, Parsed] = {}
        for path in record_files(config.content_dir / "papers"):
            entry = records.get(str(path))
            try:
                same = entry is not None and entry.trusted and file_stat(path) == entry.stat
            except OSError:
                same = False
            files[str(path)] = (entry.paper, [], entry.digest) if same else _parse(path, config)
        markdown = FastMarkdown(config.markdown.html, TextStore(
            config.cache_dir, f"markdown-{cache_namespace(config)}").everything())
        base = page_keys_base(config, drafts)
        site = cls(config, drafts, files, load_theme(config), markdown, base,
                   StateFiles(config, output).read())
        site.row_stores = _kept_rows(config, base)
        papers, problems, _ = site.content()
        site.keep_site(build_model(config, assemble_content(
            config, papers, site.issue_files()[0], problems, drafts)))
        return site

    def update(self, changed: tuple[Path, ...]) -> Update | None:
        """The pages to render after ``changed`` (files or folders); None when no build reads
        them (an editor's backup files, say). Raises :class:`NeedsBuild` for changes other than
        of paper and issue files, and SiteError for bad content. The files are read here
        whatever follows: what is kept of them is what the disk holds."""
        papers_dir = self.config.content_dir / "papers"
        issues_dir = self.config.content_dir / "issues"
        records = [path for path in changed if path.parent in (papers_dir, issues_dir)
                   and is_record_name(path)]
        if any(path.parent not in (papers_dir, issues_dir) for path in changed):
            raise NeedsBuild(str(changed[0]))
        if not records:
            return None  # names that record_files passes over
        for path in records:
            if path.parent == issues_dir:
                self.issues = None
            elif path.is_file():
                self.files[str(path)] = _parse(path, self.config)
            else:
                self.files.pop(str(path), None)
        self.files = dict(sorted(self.files.items()))
        return Update(self)

    def content(self) -> tuple[list[Paper], list[Problem], dict[str, str]]:
        """Every paper record, every problem of every file, and the hash of every file's
        bytes (as :func:`~digestgen.incremental.records.load_content_cached` gives them)."""
        problems: list[Problem] = []
        papers: list[Paper] = []
        digests: dict[str, str] = {}
        for paper, found, digest in self.files.values():
            problems.extend(found)
            if paper is not None:
                papers.append(paper)
                digests[paper.source_name()] = digest
        _, issue_problems, issue_digests = self.issue_files()
        problems.extend(issue_problems)
        digests.update(issue_digests)
        return papers, problems, digests

    def placed_as_before(self, digests: dict[str, str]) -> Site | None:
        """The model of the site with files of ``digests``, from the last one (see
        :mod:`.patch`) when only paper files changed since and each paper is placed as it
        was; None otherwise."""
        last = self.state.digests
        if self.site is None or digests.keys() != last.keys():
            return None
        edited = {}
        for path, digest in digests.items():
            if last[path] != digest:
                old = self.site_papers.get(path)
                new = self.files.get(path, (None,))[0]
                if old is None or new is None:
                    return None  # an issue file, a draft
                edited[new.id] = (old, new)
        return patched_model(self.site, edited) if edited else self.site

    def keep_site(self, site: Site) -> None:
        self.site = site
        self.site_papers = {paper.source_name(): paper for paper in site.papers}

    def issue_files(self) -> tuple[list[IssueFile], list[Problem], dict[str, str]]:
        """Every issue file, its problems and the hashes of its bytes: read again only after
        one changed."""
        if self.issues is None:
            problems: list[Problem] = []
            issues = load_issue_files(self.config, problems)
            self.issues = issues, problems, {str(issue.source): file_digest(issue.source)
                                             for issue in issues}
        return self.issues

    def row_stores_for(self, rows: RowCache) -> dict[str, ShardedStore]:
        """The stores of rows (in memory, kept between updates) for every kind ``rows`` makes."""
        for name in rows.languages:
            if name not in self.row_stores:
                self.row_stores[name] = ShardedStore(None, f"rows-{name}")
        return self.row_stores


class Update:
    """One update of a :class:`MemorySite` (see the module's description)."""

    def __init__(self, memory: MemorySite):
        self.memory = memory
        papers, problems, self.digests = memory.content()
        self.site: Site = memory.placed_as_before(self.digests) if not problems else None
        if self.site is None:
            issues = memory.issue_files()[0]
            self.site = build_model(memory.config, assemble_content(
                memory.config, papers, issues, problems, memory.drafts))
        self.rows = RowCache()
        self.renderer = Renderer(self.site, memory.theme, memory.markdown, rows=self.rows)
        last = memory.state.digests
        edited = [memory.files.get(path, (None,))[0] for path, digest in self.digests.items()
                  if last.get(path) != digest]
        # The papers whose files changed, as the site shows them (not drafts).
        self.changed = [paper for paper in edited
                        if paper is not None and paper.id in self.site.issue_of]
        self.done: set[str] = set()
        self.plan: Plan | None = None

    def first(self) -> dict[str, bytes]:
        """The pages of the papers whose files changed: rendered before anything else."""
        pages = {}
        links = self.renderer.links
        for paper in self.changed:
            for lang in self.memory.config.languages:
                path = links.path(lang, Links.paper(paper)) + "index.html"
                pages[path] = self.renderer.render(Job(PageKind.PAPER, lang, paper, path)).data
        self.done = set(pages)
        return pages

    def rest(self, stop: Callable[[], bool] = lambda: False) -> dict[str, bytes | None] | None:
        """Every other page whose key changed, and None for each page that is gone; None when
        ``stop()`` said so (checked between pages)."""
        memory, site, rows = self.memory, self.site, self.rows
        last = memory.state
        jobs = self.renderer.jobs()
        keys = PageKeys(site, self.digests, memory.base, last.rows)
        structure, page_keys = keys.keyed(jobs, last, rows.row)
        rows.keep_in(memory.row_stores_for(rows), keys.paper, {paper.id for paper in site.papers})
        pages: dict[str, bytes | None] = {}
        for job in jobs:
            key = page_keys[job.path]
            if job.path not in self.done and (key is None or last.keys.get(job.path) != key):
                if stop():
                    return None
                page = self.renderer.render(job)
                pages[page.path] = page.data
        for lang, made in rows.digests(tuple(keys.rows.languages)).items():
            for paper_id, (key, digest) in made.items():
                keys.rows.learn(lang, paper_id, key, digest)
        now = {job.path for job in jobs}
        pages.update((path, None) for path in last.keys if path not in now)
        self.plan = Plan(site, jobs, page_keys, keys, last, structure, "")
        return pages

    def commit(self) -> None:
        """Keep this update's state: the next one compares its keys with these."""
        keys, rows = self.plan.final_keys()
        page_keys = self.plan.page_keys
        self.memory.keep_site(self.site)
        self.memory.state = BuildState(papers=len(self.site.papers), issues=len(self.site.issues),
                                  keys=keys, rows=rows, base=page_keys.base,
                                  structure=self.plan.structure, digests=page_keys.digests)


def _kept_rows(config: SiteConfig, base: str) -> dict[str, ShardedStore]:
    """The rows the last build kept on disk, read into stores kept in memory."""
    namespace = digest_text(base)[:12]
    stores = {}
    prefix = f"rows-{namespace}-"
    try:
        names = {path.name[len(prefix):].rsplit("-", 1)[0]
                 for path in config.cache_dir.glob(prefix + "*.pickle")}
    except OSError:
        names = set()
    for name in names:
        store = ShardedStore(config.cache_dir, prefix + name)
        store.load()
        store.folder = None  # from now on in memory only: the builds on disk keep their own
        stores[name] = store
    return stores


def _parse(path: Path, config: SiteConfig) -> Parsed:
    paper, problems, entry = parse_paper(path, config)
    return paper, problems, entry.digest if entry is not None else file_digest(path)

