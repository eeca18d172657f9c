"""The build pipeline: files -> records -> site model -> pages -> disk.

Each stage is a module of its own (:mod:`load`, :mod:`model`, :mod:`render`, :mod:`output`);
this one runs them in order. Everything is read and validated before anything is written, and
the output changes only when the whole site rendered.

Builds are incremental (:mod:`incremental`): with nothing changed a build does nothing; otherwise
it renders only the pages whose inputs changed, on every core (:mod:`parallel`), and writes only
the files whose bytes changed. The result is byte for byte what a build from scratch writes.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import sys
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import (
    SegmentedStore, ShardedStore, code_version, digest_text, gc_paused, gc_running,
    prune_namespaces,
)
from .config import SiteConfig
from .errors import Problem, SiteError
from .incremental import (
    BuildState, InputSurvey, StateFiles, cache_namespace, manifest_identity, survey_inputs,
    theme_key,
)
from .output import Staging, check_output_dir, output_lock, survey_live
from .parallel import Forked, fork_map, split, worker_count

if TYPE_CHECKING:
    from .model import Site
    from .pagekeys import PageKeys, RowDigests
    from .search import SearchIndex

#: Below this much work (about a page of a paper per unit), one process renders everything.
PARALLEL_MIN_WEIGHT = 400


@dataclass(frozen=True)
class BuildResult:
    output: Path
    files: int
    seconds: float
    papers: int
    issues: int
    written: int = 0  # files whose bytes this build wrote
    rendered: int = 0  # pages rendered (the others were unchanged)
    loader: object = dataclasses.field(default=None, repr=False, compare=False)

    @cached_property
    def site(self) -> Site:
        """The site model (read again when the build had nothing to do)."""
        return self.loader()


def configure(config: SiteConfig, output: Path | None = None,
              base_url: str | None = None) -> SiteConfig:
    """``config`` with the command line's ``--output`` and ``--base-url`` applied."""
    changes = {}
    if output is not None:
        changes["output_dir"] = output.resolve()
        # Problems with the output are then the option's, not the file's output_dir line.
        changes["key_lines"] = tuple(kl for kl in config.key_lines if kl[0] != "output_dir")
    if base_url is not None:
        from urllib.parse import urlsplit
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SiteError([Problem(Path("--base-url"), None,
                                     f"must be an http(s) URL, not {base_url!r}")])
        changes["base_url"] = base_url if base_url.endswith("/") else base_url + "/"
    return dataclasses.replace(config, **changes) if changes else config


def load_site(config: SiteConfig, drafts: bool = False) -> Site:
    """Read and validate the whole site: every content problem raises together. Records that
    the last build cached are read from the cache (which is left as it is)."""
    from .fastload import load_content_cached
    from .model import build_model
    store = ShardedStore(config.cache_dir, f"records-{cache_namespace(config)}")
    store.load()
    return build_model(config, load_content_cached(config, drafts, store).content)


def build(config: SiteConfig, drafts: bool = False) -> BuildResult:
    """Build ``config.output_dir``; raise :class:`SiteError` and leave it untouched on failure."""
    started = time.perf_counter()
    output = config.output_dir.resolve()
    check_output_dir(config, output)
    state_files = StateFiles(config, output)
    options = f"drafts={drafts}"
    try:
        # The collector is paused for the whole build but rendering (render_into): the rest
        # makes long-lived objects by the hundred thousand (stats, records, the model, keys,
        # manifests), and every collection their making starts walks all of them again, to
        # find no garbage. At 100,000 papers that was 1.5-2 s of a 16 s edit.
        with gc_paused():
            inputs = survey_inputs(config, options)
            last = state_files.read_summary()
            if inputs.fingerprint is not None and last.fingerprint == inputs.fingerprint \
                    and last.manifest == manifest_identity(output):
                return BuildResult(output, last.files, time.perf_counter() - started,
                                   last.papers, last.issues,
                                   loader=lambda: load_site(config, drafts))
            return _build(config, drafts, output, state_files, inputs, started)
    finally:
        if threading.active_count() > 1:  # the process goes on (a server): collect as usual
            gc.unfreeze()


def _build(config: SiteConfig, drafts: bool, output: Path, state_files: StateFiles,
           inputs: InputSurvey, started: float) -> BuildResult:
    clock = Clock(started)
    with output_lock(output):
        # What the live site holds is surveyed in a forked process while this one loads.
        surveying = Forked(lambda: survey_live(output))
        try:
            plan = _plan(config, drafts, inputs, state_files, clock)
            live = surveying.result()
        finally:
            surveying.cancel()
        staging = Staging(output, live=live)
        clock.lap("survey output")
        todo = _write_site(config, plan, staging, clock)
        keys, rows = plan.final_keys()
        state_files.write(BuildState(inputs.fingerprint, manifest_identity(output),
                                     len(plan.site.papers), len(plan.site.issues),
                                     len(staging.files), keys, rows, plan.page_keys.base,
                                     plan.structure, plan.page_keys.digests))
        clock.lap("commit")
    clock.report()
    site = plan.site
    return BuildResult(output, len(staging.files), time.perf_counter() - started,
                       len(site.papers), len(site.issues), len(staging.written), len(todo),
                       loader=lambda: site)


@dataclass
class Plan:
    """Everything a build renders from, read and validated before the output is touched."""

    site: Site
    renderer: object  # render.Renderer
    jobs: list  # every page, as render.Job
    keys: dict[str, str | None]  # page path -> key (pagekeys), None where not known yet
    page_keys: PageKeys
    last: BuildState  # what the previous build of this output left
    namespace: str  # of the records and Markdown caches
    rows_namespace: str  # of the paper rows cache
    markdown_cache: SegmentedStore
    structure: str  # of the site model (pagekeys.PageKeys.structure)

    def final_keys(self) -> tuple[dict[str, str], dict]:
        """The keys to keep for the next build, once every page rendered: those not known
        before (lists of rows new to this build) are known now. And the row digests."""
        for job in self.jobs:
            if self.keys[job.path] is None:
                self.keys[job.path] = self.page_keys.of(job.kind, job.lang, job.path, job.subject)
        keys = {path: key for path, key in self.keys.items() if key is not None}
        return keys, self.page_keys.rows.current()


def listed(site: Site) -> list:
    """The papers on some tag or category page."""
    return list({paper.id: paper for term in site.terms for paper in term.papers}.values())


def _plan(config: SiteConfig, drafts: bool, inputs: InputSurvey, state_files: StateFiles,
          clock: Clock) -> Plan:
    # Imported here: a build with nothing to do never needs them.
    from .fastload import load_content_cached
    from .model import build_model
    from .more_pages import TOPIC_FEED_PAPERS
    from .pagekeys import PageKeys
    from .plaintext import FastMarkdown
    from .render import FEED_ISSUES, HOME_ISSUES, Renderer
    from .theme import load_theme

    namespace = cache_namespace(config)
    store = ShardedStore(config.cache_dir, f"records-{namespace}")
    store.load()
    clock.lap("fingerprint inputs, read cached records")
    loaded = load_content_cached(config, drafts, store, inputs.paper_files)
    store.save()
    clock.lap("load content")
    site = build_model(config, loaded.content)
    markdown_cache = SegmentedStore(config.cache_dir, f"markdown-{namespace}")
    markdown = FastMarkdown(config.markdown.html, markdown_cache.load())
    renderer = Renderer(site, load_theme(config), markdown)
    jobs = renderer.jobs()
    clock.lap("model, theme, jobs")
    base = theme_key(config) + repr(config) + f"drafts={drafts}" + code_version()
    last = state_files.read()
    keys = PageKeys(site, loaded.digests, base, HOME_ISSUES, FEED_ISSUES, last.rows,
                    TOPIC_FEED_PAPERS)
    structure = keys.structure()

    def row_of(lang: str, paper) -> str:
        return renderer.rows[lang].row(paper)

    # After an edit of a few papers the last build's keys hold for most pages: only those
    # that show the papers are keyed again (at 100,000 papers this step takes about 1 s
    # instead of 3).
    page_keys = keys.patched(jobs, structure, last, row_of)
    if page_keys is None:
        # Rows new since the last build are made now, when few, so that lists are compared
        # by key.
        keys.rows.fill(listed(site), keys.paper, row_of)
        page_keys = {job.path: keys.of(job.kind, job.lang, job.path, job.subject)
                     for job in jobs}
    clock.lap("page keys")
    return Plan(site, renderer, jobs, page_keys, keys, last, namespace,
                digest_text(base)[:12], markdown_cache, structure)


def _write_site(config: SiteConfig, plan: Plan, staging: Staging, clock: Clock) -> list:
    """Render the pages whose key changed into ``staging``, keep the others, add the search
    index, and make it the output; returns the jobs rendered."""
    from . import more_pages
    from .search import SearchIndex

    live, renderer, jobs = staging.live, plan.renderer, plan.jobs
    valid = live is not None and plan.last.manifest == manifest_identity(staging.output) \
        and plan.last.base == plan.page_keys.base
    old_keys = plan.last.keys if valid else {}
    live_files = live.files if live is not None else {}
    missing = live.missing if live is not None else frozenset()
    keys = plan.keys
    todo = [job for job in jobs
            if keys[job.path] is None or old_keys.get(job.path) != keys[job.path]
            or job.path not in live_files or job.path in missing]
    renderer.keep_rows({lang: ShardedStore(config.cache_dir, f"rows-{plan.rows_namespace}-{lang}")
                        for lang in config.languages}, plan.page_keys.paper)
    more_pages.facts(renderer).keep_in(config.cache_dir, plan.rows_namespace, plan.page_keys.paper,
                                       {paper.id for paper in plan.site.papers})
    search = SearchIndex(config, staging, indexed_pages(config, jobs)) if config.search else None
    try:
        for folder in (*renderer.theme.static_dirs, config.static_dir):
            if folder.is_dir():
                staging.copy_tree(folder)
        with gc_running():  # pages make garbage; the workers forked to render inherit this
            markdown_done = _render_and_index(renderer, todo, staging, plan.page_keys.rows,
                                              search)
        clock.lap(f"render {len(todo)} pages")
        rendered = {job.path for job in todo}
        for job in jobs:
            if job.path not in rendered:
                staging.keep(job.path, live_files[job.path])
        staging.settle_pages()
        clock.lap("keep unchanged pages")
        if search is not None:
            search.finish()
            clock.lap("search index")
        staging.commit()
    except BaseException:
        staging.discard()
        raise
    finally:
        if search is not None:
            search.close()
    _keep_markdown(plan.markdown_cache, renderer.markdown.known, *markdown_done,
                   full=len(todo) == len(jobs))
    prune_namespaces(config.cache_dir, {"records": plan.namespace, "markdown": plan.namespace,
                                        "rows": plan.rows_namespace})
    return todo


def indexed_pages(config: SiteConfig, jobs: list) -> list[str]:
    """The pages the search index reads: the default language's paper pages."""
    return [job.path for job in jobs if job.kind == "paper" and job.lang == config.default_language]


def _render_and_index(renderer, todo: list, staging: Staging, rows: RowDigests,
                      search: SearchIndex | None) -> tuple[dict[bytes, str], set[bytes]]:
    """Render ``todo`` into ``staging`` and start indexing it. When this process renders
    everything (a small change), the pages that the index reads are rendered first and indexed
    while the others render; a large change is rendered in forked workers in one pass (two
    passes would split the languages unevenly between them), then indexed."""
    if search is None:
        return render_into(renderer, todo, staging, rows)
    if len(shares(todo)) > 1:
        done = render_into(renderer, todo, staging, rows)
        search.start()
        return done
    indexed = set(search.pages)
    learned, recalled = render_into(renderer, [job for job in todo if job.path in indexed],
                                    staging, rows)
    search.start()
    more, used = render_into(renderer, [job for job in todo if job.path not in indexed],
                             staging, rows)
    return {**learned, **more}, recalled | used


class Clock:
    """Where a build's time goes, printed to stderr when DIGESTGEN_TIMINGS is set."""

    def __init__(self, started: float):
        self.last, self.laps = started, []

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps.append((name, now - self.last))
        self.last = now

    def report(self) -> None:
        if os.environ.get("DIGESTGEN_TIMINGS"):
            for name, seconds in self.laps:
                print(f"{seconds:8.3f} s  {name}", file=sys.stderr)


def render_into(renderer, jobs: list, staging: Staging,
                rows: RowDigests) -> tuple[dict[bytes, str], set[bytes]]:
    """Render ``jobs`` and write them into ``staging``: in one worker per core when there is
    enough to do, each taking whole languages (so each paper's view is made once per worker,
    and its Markdown once over all workers). The digests of the rows made go to ``rows``.
    Returns what markdown-it rendered that no earlier build had, and which earlier renderings
    were used."""
    parts = shares(jobs)
    if len(parts) > 1:
        render_markdown(renderer, papers_shown(jobs), len(parts))
    learned: dict[bytes, str] = dict(renderer.markdown.learned)
    before = set(learned)

    def work(share: list) -> tuple:
        for job in share:
            page = renderer.render(job)
            staging.write(page.path, page.data)
        renderer.save_rows()
        found = {key: html for key, html in renderer.markdown.learned.items()
                 if key not in before}
        return staging.changes(), found, renderer.markdown.recalled, renderer.row_digests()

    recalled: set[bytes] = set()
    for changes, found, used, digests in fork_map(work, parts):
        staging.absorb(changes)
        learned.update(found)
        recalled |= used
        for lang, made in digests.items():
            for paper_id, (key, digest) in made.items():
                rows.learn(lang, paper_id, key, digest)
    return learned, recalled


def papers_shown(jobs: list) -> list:
    """The papers whose texts the pages of ``jobs`` show in full: on paper and issue pages."""
    papers = {}
    for job in jobs:
        if job.kind == "paper":
            papers[job.subject.id] = job.subject
        elif job.kind == "issue":
            papers.update((entry.paper.id, entry.paper) for entry in job.subject.entries)
    return list(papers.values())


def render_markdown(renderer, papers: list, workers: int) -> None:
    """Render the Markdown of ``papers`` in ``workers`` processes, each taking some papers.
    Pages are rendered one language per worker, and a page in any language shows a paper's
    texts in every language: without this, each worker would render all of them."""
    views = renderer.views[renderer.config.default_language]

    def work(part: list) -> dict[bytes, str]:
        for paper in part:
            views.render_markdown(paper)
        return renderer.markdown.learned

    for learned in fork_map(work, [papers[k::workers] for k in range(workers)]):
        renderer.markdown.adopt(learned)


def _keep_markdown(store: SegmentedStore, known: dict, learned: dict, recalled: set,
                   full: bool) -> None:
    """Keep what markdown-it rendered for the next build; after a build of every page, only
    what that build used."""
    if full and (learned or len(recalled) < len(known)):
        store.replace({**{key: known[key] for key in recalled}, **learned})
    elif learned:
        store.add(learned, {**known, **learned})


def shares(jobs: list) -> list[list]:
    """``jobs`` split among the workers: by language when there are as many languages as
    workers, by weight otherwise; one share when there is little to do or when other threads
    run (a fork would copy only this one)."""
    workers = worker_count()
    total = sum(job.weight for job in jobs)
    if workers == 1 or total < PARALLEL_MIN_WEIGHT or threading.active_count() > 1:
        return [jobs]
    by_lang: dict[str | None, list] = {}
    for job in jobs:
        by_lang.setdefault(job.lang, []).append(job)
    common = by_lang.pop(None, [])
    if len(by_lang) < workers:
        return split(jobs, [job.weight for job in jobs], workers)
    groups = split(list(by_lang.values()), [sum(j.weight for j in g) for g in by_lang.values()],
                   workers)
    parts = [[job for group in part for job in group] for part in groups]
    for job in common:
        lightest = min(parts, key=lambda part: sum(j.weight for j in part))
        lightest.append(job)
    return parts
