"""The build pipeline: files -> records -> site model -> pages -> disk.

Each stage is a subpackage of its own (``content``: load, validate, model; ``pages``: views,
render, theme; ``output``: staging, manifest, search); this module runs them in order.
Everything is read and validated before anything is written, and the output changes only when
the whole site rendered.

Builds are incremental (:mod:`incremental`, through its one door ``IncrementalBuild``): with
nothing changed a build does nothing; otherwise it renders only the pages whose inputs changed,
on every core (:mod:`rendering`), and writes only the files whose bytes changed. The result is
byte for byte what a build from scratch writes.
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

from .config import SiteConfig, http_url_problem
from .errors import Problem, SiteError
from .incremental.builds import IncrementalBuild
from .incremental.storage import gc_paused, gc_running
from .output.staging import Staging, check_output_dir, output_lock
from .output.survey import survey_live_folders
from .parallel import Forked

if TYPE_CHECKING:
    from .content.model import Site
    from .pages.jobs import JobList
    from .rendering import Work

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
        why = http_url_problem(base_url)
        if why is not None:
            raise SiteError([Problem(Path("--base-url"), None, why)])
        changes["base_url"] = base_url if base_url.endswith("/") else base_url + "/"
    return dataclasses.replace(config, **changes) if changes else config


def load_site(config: SiteConfig, drafts: bool = False) -> Site:
    """Read and validate the whole site: every content problem raises together. Records that
    the last build cached are read from the cache (which is left as it is)."""
    from .incremental.builds import load_site_content
    from .content.model import build_model
    return build_model(config, load_site_content(config, drafts))


def build(config: SiteConfig, drafts: bool = False) -> BuildResult:
    """Build ``config.output_dir``; raise :class:`SiteError` and leave it untouched on failure."""
    started = time.perf_counter()
    output = config.output_dir.resolve()
    check_output_dir(config, output)
    builds = IncrementalBuild(config, output, drafts)
    try:
        # The collector is paused for the whole build but rendering (render_into): the rest
        # makes long-lived objects by the hundred thousand (stats, records, the model, keys,
        # manifests), and every collection their making starts walks all of them again, to
        # find no garbage. At 100,000 papers that was 1.5-2 s of a 16 s edit.
        with gc_paused():
            last = builds.unchanged()
            if last is not None:
                return BuildResult(output, last.files, time.perf_counter() - started,
                                   last.papers, last.issues,
                                   loader=lambda: load_site(config, drafts))
            return _build(config, builds, started)
    finally:
        if threading.active_count() > 1:  # the process goes on (a server): collect as usual
            gc.unfreeze()


def _build(config: SiteConfig, builds: IncrementalBuild, started: float) -> BuildResult:
    clock = Clock(started)
    output = builds.output
    with output_lock(output):
        # The live site's folders are looked at in a forked process while this one loads
        # (a stat a folder: at 100,000 papers 220,000 of them); what it finds is small.
        surveying = Forked(lambda: survey_live_folders(output))
        try:
            work = _prepare(config, builds, clock)
            folders = surveying.result()
        finally:
            surveying.cancel()
        staging = Staging(output, folders)
        clock.lap("survey output")
        todo = _write_site(config, work, staging, clock)
        builds.commit(work.plan, len(staging.files))
        clock.lap("commit")
    clock.report()
    site = work.plan.site
    return BuildResult(output, len(staging.files), time.perf_counter() - started,
                       len(site.papers), len(site.issues), len(staging.written), len(todo),
                       loader=lambda: site)


def _prepare(config: SiteConfig, builds: IncrementalBuild, clock: Clock) -> Work:
    """Load, model, theme and renderer, and which pages to render: everything is read and
    validated before the output is touched."""
    # Imported here: a build with nothing to do never needs them.
    from .pages.plaintext import FastMarkdown
    from .pages.render import Renderer
    from .rendering import Work, start_early_markdown
    from .pages.theme import load_theme

    clock.lap("fingerprint inputs")
    content = builds.load_content()
    clock.lap("load content")
    site = builds.site_model(content)
    markdown = FastMarkdown(config.markdown.html, builds.markdown_known())
    renderer = Renderer(site, load_theme(config), markdown, rows=builds.rows)
    early = start_early_markdown(renderer, markdown, site, builds.output)
    jobs = builds.jobs(renderer)
    clock.lap("model, theme, jobs")
    plan = builds.plan(site, jobs)
    clock.lap(f"page keys ({plan.page_keys.papers_keyed} of {len(site.papers)} papers keyed)")
    return Work(plan, renderer, markdown, builds, early)


def _write_site(config: SiteConfig, work: Work, staging: Staging, clock: Clock) -> list:
    """Render the pages whose key changed into ``staging``, keep the others, add the search
    index, and make it the output; returns the jobs rendered."""
    from .rendering import render_into

    live, plan = staging.live, work.plan
    jobs: JobList = plan.jobs  # (a build's, not the preview's list)
    todo = plan.todo(live, staging.output)
    live_files = live.files if live is not None else {}
    search = None
    if config.search:  # imported only then: a site without search never needs the indexer
        from .search.site import SiteIndex
        search = SiteIndex(staging, indexed_pages(config, jobs))
    try:
        for folder in (*work.renderer.theme.static_dirs, config.static_dir):
            if folder.is_dir():
                staging.copy_tree(folder)
        with gc_running():  # pages make garbage; the workers forked to render inherit this
            markdown_done = render_into(work, todo, staging)
        clock.lap(f"render {len(todo)} pages")
        # Every page not rendered is live (else it was due): taken by maps over the whole
        # list, in C (a dictionary made job by job took 40-60 ms at 20,000 papers).
        paths = jobs.paths
        kept = dict(zip(paths, map(live_files.get, paths)))
        for job in todo:
            del kept[job.path]
        staging.keep_all(kept)
        staging.settle_pages()
        clock.lap("keep unchanged pages")
        if search is not None:
            search.finish()
            clock.lap("search index")
        staging.commit()
    except BaseException:
        staging.discard()
        raise
    work.builds.keep_markdown(plan, work.markdown.known, *markdown_done,
                              full=len(todo) == len(jobs))
    return todo


def indexed_pages(config: SiteConfig, jobs: JobList) -> list[str]:
    """The pages the search index reads: the default language's paper pages."""
    from .pages.reads import PageKind
    return jobs.paths_of(PageKind.PAPER, config.default_language)


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


