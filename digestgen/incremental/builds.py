"""The one door through which a build uses what earlier builds left: :class:`IncrementalBuild`.

A build (:mod:`digestgen.build`) asks it, in order: whether anything changed at all
(:meth:`~IncrementalBuild.unchanged`); for the content (:meth:`~IncrementalBuild.load_content`,
records of unchanged files from the cache) and its model (:meth:`~IncrementalBuild.site_model`);
for what markdown-it rendered before
(:meth:`~IncrementalBuild.markdown_known`) and for the paper rows (:attr:`~IncrementalBuild.rows`)
to hand to the renderer; which pages to render (:meth:`~IncrementalBuild.plan`, then
:meth:`Plan.todo` once the live output is surveyed); and at the end to keep what this build
learned (:meth:`~IncrementalBuild.commit`). Nothing else of the pipeline knows of caches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import SiteConfig
from .inputs import InputSurvey, survey_inputs, theme_key
from .state import BuildState, StateFiles, cache_namespace, manifest_identity
from .storage import ShardedStore, code_version, digest_text, prune_namespaces
from .textstore import TextStore

_ID = attrgetter("id")

if TYPE_CHECKING:
    from ..content.load import Content
    from ..content.model import Site
    from ..output.survey import OutputState
    from ..pages.jobs import JobList
    from ..pages.render import Renderer
    from .keys import PageKeys
    from .rows import RowCache


class IncrementalBuild:
    """One build of ``config`` into ``output``, as far as it rests on the last one."""

    def __init__(self, config: SiteConfig, output: Path, drafts: bool):
        self.config, self.output, self.drafts = config, output, drafts
        self.state_files = StateFiles(config, output)
        self.inputs: InputSurvey | None = None
        self.digests: dict[str, str] = {}  # content file -> hash of its bytes
        self._structure: str | None = None  # of the site model, when known (site_model)
        self._unkept: Site | None = None  # a model built, to keep in a snapshot (jobs)
        self._pages: str | None = None  # keys.pages_digest of the jobs (jobs)

    # -- before reading anything ------------------------------------------------------------

    def unchanged(self) -> BuildState | None:
        """What the last build left, when no input changed since and the output is as it left
        it (this build has nothing to do); None otherwise."""
        self.inputs = survey_inputs(self.config, f"drafts={self.drafts}")
        last = self.state_files.read_summary()
        if self.inputs.fingerprint is not None and last.fingerprint == self.inputs.fingerprint \
                and last.manifest == manifest_identity(self.output):
            return last
        return None

    @cached_property
    def namespace(self) -> str:
        """Of the records and Markdown caches (see :func:`~.state.cache_namespace`)."""
        return cache_namespace(self.config)

    # -- what the renderer is handed ----------------------------------------------------------

    def load_content(self) -> Content:
        """Every paper and issue of the site, validated (:func:`digestgen.content.load.load_content`'s
        records and problems); records of files unchanged since the last build are cached."""
        from .records import load_content_cached
        from .snapshot import ContentSnapshot
        store = self._records = ShardedStore(self.config.cache_dir, f"records-{self.namespace}")
        store.load(lazily=True)
        snapshot = self._snapshot = ContentSnapshot(self.config.cache_dir, self.namespace,
                                                    self.drafts)
        # After an edit of a few papers, the last full load's content with those replaced:
        # no lookup per paper file (at 20,000 papers a full load takes 0.6 s).
        loaded = snapshot.take(self.config, self.inputs) if self.inputs else None
        if loaded is None:
            listing = self.inputs.paper_files if self.inputs is not None else None
            loaded = load_content_cached(self.config, self.drafts, store, listing)
        store.save()
        self.digests, self._loaded = loaded.digests, loaded
        return loaded.content

    def site_model(self, content: Content) -> Site:
        """The site model of ``content`` (after :meth:`load_content`): the snapshot's when the
        edit since changed no paper's place in it; else built, and kept in a new snapshot with
        the content and its pages (by :meth:`jobs`; after an edit that moved a paper too: else
        every later build would build the model again)."""
        from ..content.model import build_model
        site = self._snapshot.model(self.config)
        # A model kept from the snapshot has the structure kept with it (for plan()).
        self._structure = self._snapshot.kept_structure if site is not None else None
        if site is None:
            site = build_model(self.config, content)
            self._unkept = site
        return site

    def jobs(self, renderer: Renderer) -> JobList:
        """Every page of the site, as ``renderer.jobs()`` lists them (after :meth:`site_model`,
        whose model ``renderer`` shows): the snapshot's with its model, else listed, and kept
        with a model just built. (Listing 65,000 pages of 20,000 papers cost a tenth of a
        second; reading them with the model, a third of that.)"""
        from ..pages.jobs import JobList
        from .keys import pages_digest
        jobs, self._pages = self._snapshot.kept_jobs, self._snapshot.kept_pages
        if jobs is None:
            jobs = JobList.of(renderer.jobs())
            self._pages = pages_digest(jobs)
        if self._unkept is not None and self.inputs is not None:
            self._snapshot.keep(self.config, self.inputs, self._records, self._loaded,
                                self._unkept, jobs, self._pages)
        return jobs

    def markdown_known(self) -> TextStore:
        """What markdown-it rendered in earlier builds (for :class:`~digestgen.pages.plaintext.
        FastMarkdown`): looked up text by text, never read whole."""
        return self._markdown_store

    @cached_property
    def rows(self) -> RowCache:
        """The paper rows, for ``Renderer(..., rows=...)``: kept between builds once planned."""
        from .rows import RowCache
        return RowCache()

    @cached_property
    def _markdown_store(self) -> TextStore:
        return TextStore(self.config.cache_dir, f"markdown-{self.namespace}")

    # -- which pages to render --------------------------------------------------------------

    def plan(self, site: Site, jobs: JobList) -> Plan:
        """The key of each of ``jobs`` (the site's pages), from the last build's where they
        cannot have changed; the rows of the renderer are kept under their papers' keys."""
        from .keys import PageKeys
        base = page_keys_base(self.config, self.drafts)
        last = self.state_files.read()
        keys = PageKeys(site, self.digests, base, last.rows, self._loaded.ids)
        # After an edit of a few papers the last build's keys hold for most pages: only those
        # that show the papers are keyed again (at 100,000 papers this step takes about 1 s
        # instead of 3).
        structure, page_keys = keys.keyed(jobs, last, self.rows.row, self._structure,
                                          self._pages)
        rows_namespace = digest_text(base)[:12]
        # One store per language, and per kind of text kept like rows (a paper's BibTeX body,
        # pages.more_pages.PaperFacts).
        self.rows.keep_in({name: ShardedStore(self.config.cache_dir,
                                              f"rows-{rows_namespace}-{name}")
                           for name in self.rows.languages},
                          keys.paper, set(map(_ID, site.papers)))
        return Plan(site, jobs, page_keys, keys, last, structure, rows_namespace, self._pages)

    # -- while rendering (in each worker) ---------------------------------------------------

    def rendered(self) -> dict:
        """What a worker that rendered pages learned of rows and facts (to :meth:`learn` in the
        build)."""
        from ..pages.more_pages import PaperFacts
        self.rows.save()
        return self.rows.digests(self.config.languages + PaperFacts.NAMES)

    def learn(self, plan: Plan, digests: dict) -> None:
        languages = plan.page_keys.rows.languages  # (pages are keyed by these; not by the rest)
        for lang, made in digests.items():
            if lang not in languages:
                continue
            for paper_id, (key, digest) in made.items():
                plan.page_keys.rows.learn(lang, paper_id, key, digest)

    # -- after ------------------------------------------------------------------------------

    def commit(self, plan: Plan, files: int) -> None:
        """Keep this build's state for the next (the output now holds ``files`` files)."""
        keys, rows = plan.final_keys()
        site = plan.site
        self.state_files.write(BuildState(
            fingerprint=self.inputs.fingerprint, manifest=manifest_identity(self.output),
            papers=len(site.papers), issues=len(site.issues), files=files, keys=keys, rows=rows,
            base=plan.page_keys.base, structure=plan.structure, digests=plan.page_keys.digests,
            paper_keys=plan.page_keys.paper_keys(), pages=plan.pages))

    def keep_markdown(self, plan: Plan, known: TextStore, learned: dict, recalled: set,
                      full: bool) -> None:
        """Keep what markdown-it rendered for the next build (``known`` before it, ``learned``
        in it; ``recalled``: what it used of ``known``); after a build of every page, only what
        that build used. Then remove the caches of other configurations and versions."""
        store = self._markdown_store
        if full and (learned or len(recalled) < len(known)):
            store.replace({**{key: known[key] for key in recalled}, **learned})
        elif learned:
            store.add(learned)
        prune_namespaces(self.config.cache_dir, {"records": self.namespace,
                                                 "content": self.namespace,
                                                 "markdown": self.namespace,
                                                 "rows": plan.rows_namespace})


@dataclass
class Plan:
    """The pages of a build and their keys, made before the output is touched."""

    site: Site
    jobs: Sequence  # every page, as Jobs (a JobList in a build)
    keys: Mapping[str, str | None]  # page path -> key, None where not known yet
    page_keys: PageKeys
    last: BuildState  # what the previous build of this output left
    structure: str  # of the site model (PageKeys.structure)
    rows_namespace: str  # of the paper rows cache
    pages: str | None = None  # keys.pages_digest of jobs; None once some page has no key

    def todo(self, live: OutputState | None, output: Path) -> list:
        """The pages to render: those whose key changed since the last build of ``output``,
        and those missing from the ``live`` output."""
        from ..pages.jobs import JobList
        valid = live is not None and self.last.manifest == manifest_identity(output) \
            and self.last.base == self.page_keys.base
        old_keys = self.last.keys if valid else {}
        live_files = live.files if live is not None else {}
        missing = live.missing if live is not None else frozenset()
        keys = self.keys

        def rekeyed_since(job) -> bool:
            return keys[job.path] is None or old_keys.get(job.path) != keys[job.path]

        rekeyed = self.page_keys.rekeyed
        if valid and rekeyed is not None and not missing and (
                self.last.pages is not None
                or all(map(live_files.__contains__, JobList.of(self.jobs).paths))):
            # After a patch every other key is the last build's, and every page is live: only
            # the jobs keyed again can be due (a walk over every job cost 0.08 s at 20,000
            # papers). A patch of keys of these very pages (``last.pages``, which the patch
            # compared) says they are live: the output is as the build that wrote them left
            # it, and nothing of it is missing (looking up 300,000 paths took 0.14 s).
            return list(filter(rekeyed_since, rekeyed))
        return [job for job in self.jobs
                if rekeyed_since(job) or job.path not in live_files or job.path in missing]

    def final_keys(self) -> tuple[Mapping[str, str], dict]:
        """The keys to keep for the next build, once every page rendered: those not known
        before (lists of rows new to this build) are known now. And the row digests."""
        # After a patch only the jobs keyed again can lack a key (see PageKeys.rekeyed).
        rekeyed = self.page_keys.rekeyed
        unknown = [job for job in (self.jobs if rekeyed is None else rekeyed)
                   if self.keys[job.path] is None]
        for job in unknown:
            self.keys[job.path] = self.page_keys.of(job.kind, job.lang, job.path, job.subject)
        keys = self.keys
        if any(keys[job.path] is None for job in unknown):
            keys = {path: key for path, key in keys.items() if key is not None}
            self.pages = None  # (the next build cannot take these for every page's keys)
        return keys, self.page_keys.rows.current()


def page_keys_base(config: SiteConfig, drafts: bool) -> str:
    """What every page key of a build of ``config`` rests on: the theme, the configuration,
    the options and the code (``PageKeys(..., base)``)."""
    return theme_key(config) + repr(config) + f"drafts={drafts}" + code_version()


def load_site_content(config: SiteConfig, drafts: bool) -> Content:
    """The content as :meth:`IncrementalBuild.load_content` reads it, the cache left as it is
    (for a build that had nothing to do, asked for its site afterwards)."""
    from .records import load_content_cached
    store = ShardedStore(config.cache_dir, f"records-{cache_namespace(config)}")
    store.load()
    return load_content_cached(config, drafts, store).content

