"""Rendering a build's pages into the staging tree, on every core.

A large change is rendered in forked workers (:mod:`parallel`), each taking whole languages
(evened out by whole issues: :func:`even_out`), so that each worker makes a paper's view once
and, after :func:`render_markdown`, no Markdown twice; a small one in this process. A first
build begins its Markdown and compiles its templates early (:class:`EarlyMarkdown`).
"""

from __future__ import annotations

import mmap
import os
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

from .incremental.builds import IncrementalBuild, Plan
from .output.staging import Staging
from .parallel import Forked, can_fork, fork_map, split, worker_count
from .pages.pagination import TERM_PAGE_PAPERS
from .pages.reads import PageKind


#: Below this much work (about a page of a paper per unit), one process renders everything.
PARALLEL_MIN_WEIGHT = 400
#: Below this many papers, a first build does not start its Markdown early (EarlyMarkdown).
EARLY_MIN_PAPERS = 200
#: ... nor above this many, where it is not shown to help: at 100,000 papers (output on disk)
#: a first build took 204 s with it and 176 s and 197 s without it (one run each on an idle
#: machine; such builds vary by some 20 s there); at 5,000 papers it saved about 5%.
EARLY_MAX_PAPERS = 20_000


@dataclass
class Work:
    """What a build renders with: the pages to render, and how."""

    plan: Plan
    renderer: object  # render.Renderer
    markdown: object  # plaintext.FastMarkdown
    builds: IncrementalBuild
    early: EarlyMarkdown | None = None  # the Markdown of papers begun before rendering


def render_into(work: Work, jobs: list, staging: Staging, parts: list[list] | None = None
                ) -> tuple[dict[bytes, str], set[bytes]]:
    """Render ``jobs`` and write them into ``staging``: in one worker per core when there is
    enough to do, each taking whole languages (so each paper's view is made once per worker,
    and its Markdown once over all workers). ``parts``: ``shares(jobs)`` when already made.
    What each learned of rows goes to the plan. Returns what markdown-it rendered that no
    earlier build had, and which earlier renderings were used."""
    renderer, markdown, builds = work.renderer, work.markdown, work.builds
    parts = shares(jobs) if parts is None else parts
    done = work.early.finish(markdown) if work.early is not None else set()
    work.early = None
    if len(parts) > 1:
        papers = [paper for paper in papers_shown(jobs) if paper.id not in done]
        if papers:
            render_markdown(renderer, markdown, papers, len(parts))
    learned: dict[bytes, str] = dict(markdown.learned)
    before = set(learned)

    def render_share(share: list) -> tuple:
        due = rows_listed(share)
        for job in share:
            page = renderer.render(job)
            staging.write(page.path, page.data)
            if job.kind is PageKind.ISSUE and due:
                make_rows_of_issue(renderer, job, due)
        found = {key: html for key, html in markdown.learned.items() if key not in before}
        return staging.changes(), found, markdown.recalled, builds.rendered()

    recalled: set[bytes] = set()
    for changes, found, used, rows in fork_map(render_share, parts):
        staging.absorb(changes)
        learned.update(found)
        recalled |= used
        builds.learn(work.plan, rows)
    return learned, recalled


def rows_listed(jobs: list) -> set[tuple[str, str]]:
    """The rows that the tag and category pages of ``jobs`` show: (language, paper id)."""
    rows = set()
    for job in jobs:
        if job.kind is PageKind.TERM:
            page = job.subject
            rows.update((job.lang, paper.id)
                        for paper in page.part(page.subject.papers, TERM_PAGE_PAPERS))
    return rows


def make_rows_of_issue(renderer, job, due: set[tuple[str, str]]) -> None:
    """Right after an issue page, the rows of its papers that lists to come will show (taken
    out of ``due``): made now from the views the page made, which are kept only for a while
    (:data:`~.pages.views.VIEWS_KEPT`). Lists come after every page of papers, and a row made
    there without its paper's view makes again what it reads of it (about half the cost of
    the row). The same rows are made either way, only sooner."""
    for entry in job.subject.entries:
        if (job.lang, entry.paper.id) in due:
            due.discard((job.lang, entry.paper.id))
            renderer.rows[job.lang].row(entry.paper)


def papers_shown(jobs: list) -> list:
    """The papers whose texts the pages of ``jobs`` show in full: on paper and issue pages."""
    papers = {}
    for job in jobs:
        if job.kind is PageKind.PAPER:
            papers[job.subject.id] = job.subject
        elif job.kind is PageKind.ISSUE:
            papers.update((entry.paper.id, entry.paper) for entry in job.subject.entries)
    return list(papers.values())


def render_markdown(renderer, markdown, papers: list, workers: int) -> None:
    """Render the Markdown of ``papers`` in ``workers`` processes, each taking some papers.
    Pages are rendered one language per worker, and a page in any language shows a paper's
    texts in every language: without this, each worker would render all of them."""

    def work(part: list) -> dict[bytes, str]:
        for paper in part:
            renderer.render_markdown(paper)
        return markdown.learned

    for learned in fork_map(work, [papers[k::workers] for k in range(workers)]):
        markdown.adopt(learned)


class EarlyMarkdown:
    """The Markdown of a first build's papers, begun in a forked worker as soon as the site
    model is made: this process then lists and keys the pages alone (at 100,000 papers some
    ten seconds) while the other core would idle. When rendering starts, the worker is told
    to stop after its current paper; :func:`render_into` renders the Markdown of the papers
    it did not reach, as it always did. The texts are the same whichever process renders
    them. Before the Markdown, the worker compiles the templates (:func:`compile_templates`)."""

    def __init__(self, renderer, markdown, papers: list):
        self._stop = mmap.mmap(-1, 1)  # shared with the worker: set to 1 to stop it
        stop = self._stop

        def work() -> tuple[list[str], dict[bytes, str]]:
            compile_templates(renderer.theme.env)
            done = []
            for paper in papers:
                if stop[0]:
                    break
                renderer.render_markdown(paper)
                done.append(paper.id)
            return done, markdown.learned

        self._worker = Forked(work)
        # A build that fails before rendering stops the worker when it lets go of this.
        weakref.finalize(self, self._worker.cancel)

    def finish(self, markdown) -> set[str]:
        """Stop the worker, take what it rendered into ``markdown``; the ids of the papers
        whose Markdown it rendered."""
        self._stop[0] = 1
        done, learned = self._worker.result()
        markdown.adopt(learned)
        return set(done)


def compile_templates(env) -> None:
    """Compile the page templates of ``env`` into its cache of compiled templates: the workers
    that render then read them from there, instead of each compiling them (0.15 s in each, a
    tenth of a first build of 1,000 papers). A template that does not compile is left for
    the page that uses it to report."""
    for name in env.list_templates(filter_func=_is_page_template):
        try:
            env.get_template(name)
        except Exception:  # noqa: BLE001 (reported by the render that uses it, if any)
            continue


def _is_page_template(name: str) -> bool:
    return "/" not in name and name.endswith((".html", ".xml", ".txt", ".css"))


def start_early_markdown(renderer, markdown, site, output: Path) -> EarlyMarkdown | None:
    """An :class:`EarlyMarkdown` of ``site``'s papers when this build renders every page of a
    site of :data:`EARLY_MIN_PAPERS` to :data:`EARLY_MAX_PAPERS` papers with nothing rendered
    before (no output, no Markdown kept: a first build, in which every paper is shown), on
    more than one core; else None."""
    if worker_count() == 1 or not can_fork() or threading.active_count() > 1 \
            or not EARLY_MIN_PAPERS <= len(site.papers) <= EARLY_MAX_PAPERS \
            or len(markdown.known) > 0:
        return None
    try:
        with os.scandir(output) as entries:
            if any(entries):
                return None
    except FileNotFoundError:
        pass
    except OSError:
        return None
    return EarlyMarkdown(renderer, markdown, list(site.papers))


def issue_blocks(jobs: list) -> list[tuple[int, int]]:
    """Where in ``jobs`` each issue page and the paper pages after it are: (start, end). Such
    a block is best rendered in one process: the paper pages use the views its issue page
    made."""
    blocks = []
    start = None
    for index, job in enumerate(jobs):
        if start is not None and not (job.kind is PageKind.PAPER and job.lang == jobs[start].lang):
            blocks.append((start, index))
            start = None
        if job.kind is PageKind.ISSUE:
            start = index
    if start is not None:
        blocks.append((start, len(jobs)))
    return blocks


def even_out(parts: list[list], loads: list[int]) -> bool:
    """Move issue blocks (:func:`issue_blocks`), last first, from the heaviest part to the
    lightest while that narrows the gap between them; whether any moved. (Languages are
    rendered one per worker, and the default language's pages, the full records, weigh
    more than the others: its worker would finish last.)"""
    heavy, light = loads.index(max(loads)), loads.index(min(loads))
    jobs, gap = parts[heavy], loads[heavy] - loads[light]
    moved: list[tuple[int, int]] = []
    for start, end in reversed(issue_blocks(jobs)):
        weight = sum(job.weight for job in jobs[start:end])
        if weight >= gap:
            break
        moved.append((start, end))
        gap -= 2 * weight
    if not moved:
        return False
    moved.reverse()
    taken = [job for start, end in moved for job in jobs[start:end]]
    kept, last = [], 0
    for start, end in moved:
        kept += jobs[last:start]
        last = end
    kept += jobs[last:]
    weight = sum(job.weight for job in taken)
    parts[heavy], loads[heavy] = kept, loads[heavy] - weight
    parts[light].extend(taken)
    loads[light] += weight
    return True


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
    # Each part's load is kept as jobs join it: summing the parts for every one of the
    # language-less jobs (a BibTeX file a paper) made this quadratic, 50 s at 20,000 papers.
    loads = [sum(job.weight for job in part) for part in parts]
    for _ in parts:
        if not even_out(parts, loads):
            break
    for job in common:
        lightest = loads.index(min(loads))
        parts[lightest].append(job)
        loads[lightest] += job.weight
    return parts
