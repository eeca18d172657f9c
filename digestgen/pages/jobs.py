"""The site's pages as work to do: :class:`Job`, what rendering one gives (:class:`Page`),
and every page of a site in a fixed order (:func:`site_jobs`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import eq
from typing import TYPE_CHECKING, NamedTuple

from ..content.model import Site
from ..content.records import Paper
from . import more_pages, sitemaps
from .links import Links
from .pagination import TERM_PAGE_PAPERS
from .reads import PageKind

if TYPE_CHECKING:
    from .render import Renderer

READING_LIST = "reading-list/"  # a page per language that the browser fills from its storage
SHOW_STYLE = "assets/show.css"  # the language display control's rules, linked from every page
UI_STRINGS = "assets/ui-{lang}.js"  # the page script's UI strings, one script a language


@dataclass(frozen=True)
class Page:
    path: str  # relative to the output root, "/"-separated
    data: bytes


class Job(NamedTuple):
    """A page to render: its kind, its language, what it is about (an issue, a paper, a term,
    a sitemap's URLs), where it goes, and about how much work it is. (A named tuple: a site
    of 100,000 papers makes 200,000 jobs, in a third of the time of frozen dataclasses.)"""

    kind: PageKind
    lang: str | None
    subject: object
    path: str
    weight: int = 1


class JobList(Sequence):
    """Jobs kept as columns, a list for each field of :class:`Job`. A build reads some fields
    of every page (their paths, kinds, subjects) by maps over the columns, in C, and makes a
    :class:`Job` only of the pages it looks at one by one: at 20,000 papers, making 65,000
    jobs from the snapshot and reading fields out of each took 30 ms of a 0.5 s edit."""

    __slots__ = ("kinds", "langs", "subjects", "paths", "weights")

    def __init__(self, kinds: list, langs: list, subjects: list, paths: list[str],
                 weights: list[int]):
        self.kinds, self.langs, self.subjects, self.paths, self.weights = \
            kinds, langs, subjects, paths, weights

    @classmethod
    def of(cls, jobs: Iterable[Job]) -> JobList:
        """``jobs`` as columns (as they are when they are a JobList already)."""
        if isinstance(jobs, JobList):
            return jobs
        columns = tuple(map(list, zip(*jobs)))
        return cls(*columns) if columns else cls([], [], [], [], [])

    def columns(self) -> tuple[list, ...]:
        """The columns, in the order of :class:`Job`'s fields."""
        return self.kinds, self.langs, self.subjects, self.paths, self.weights

    def __len__(self) -> int:
        return len(self.paths)

    def __iter__(self) -> Iterator[Job]:
        return map(tuple.__new__, repeat(Job), zip(*self.columns()))

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return Job(*(column[index] for column in self.columns()))

    def picked(self, mask: Iterable[bool]) -> list[Job]:
        """The jobs where ``mask`` (a truth for each job, in order) is true."""
        return [self[index] for index in compress(range(len(self)), mask)]

    def paths_of(self, kind: PageKind, lang: str | None) -> list[str]:
        """The paths of the pages of ``kind`` in ``lang``."""
        return list(compress(self.paths, map(eq, zip(self.kinds, self.langs),
                                             repeat((kind, lang)))))


def site_jobs(renderer: Renderer) -> list[Job]:
    """Every page of the site ``renderer`` shows, in a fixed order."""
    site, config, path = renderer.site, renderer.config, renderer.links.path
    jobs = []
    for lang in config.languages:
        jobs.append(Job(PageKind.HOME, lang, None, path(lang, "") + "index.html", 10))
        jobs += [Job(PageKind.ARCHIVE, lang, page, path(lang, page.page_rel) + "index.html", 2)
                 for page in renderer.archive_pages]
        jobs.append(Job(PageKind.READING_LIST, lang, None,
                        path(lang, READING_LIST) + "index.html"))
        jobs.append(Job(PageKind.UI_STRINGS, lang, None, UI_STRINGS.format(lang=lang)))
        jobs += _issue_and_paper_jobs(renderer, lang)
        jobs += [Job(PageKind.TERM, lang, page, path(lang, page.page_rel) + "index.html",
                     1 + len(page.part(page.subject.papers, TERM_PAGE_PAPERS)) // 2)
                 for page in renderer.term_pages]
        jobs.append(Job(PageKind.FEED, lang, None, path(lang, "feed.xml"), 20))
        jobs += more_pages.language_jobs(site, lang, path(lang, ""))
    jobs += more_pages.common_jobs(site, renderer.paper_rels)
    jobs.append(Job(PageKind.NOT_FOUND, None, None, "404.html"))
    jobs += [Job(kind, None, (name, group), name, 1 + len(group) // 100)
             for kind, name, group in sitemaps.sitemap_files(renderer)]
    jobs.append(Job(PageKind.ROBOTS, None, None, "robots.txt"))
    jobs.append(Job(PageKind.NOJEKYLL, None, None, ".nojekyll"))
    if len(config.languages) > 1:
        jobs.append(Job(PageKind.SHOW_STYLE, None, None, SHOW_STYLE))
    return jobs


def _issue_and_paper_jobs(renderer: Renderer, lang: str) -> list[Job]:
    """The issue pages and paper pages of ``lang``: each issue, then the papers whose own
    issue it is, then any paper of no issue. A paper's view is made for its issue page and
    used again by its own page right after, so views need not be kept for the whole build
    (see :data:`~.views.VIEWS_KEPT`): memory stays flat as the archive grows."""
    site = renderer.site
    root, rels, own = renderer.links.path(lang, ""), renderer.paper_rels, _own_papers(site)
    paper = PageKind.PAPER
    # The full record (in the default language) takes some 0.34 ms to render, a brief
    # page 0.2 ms: weighed alike, the worker rendering the default language finished last.
    weight = 3 if lang == renderer.config.default_language else 2
    jobs = []
    for issue in site.issues:
        jobs.append(Job(PageKind.ISSUE, lang, issue,
                        f"{root}{Links.issue(issue)}index.html", 1 + len(issue.entries)))
        jobs += [Job(paper, lang, p, f"{root}{rels[p.id]}index.html", weight)
                 for p in own.get(issue.id, ())]
    return jobs + [Job(paper, lang, p, f"{root}{rels[p.id]}index.html", weight)
                   for p in own.get(None, ())]


def _own_papers(site: Site) -> dict[str | None, list[Paper]]:
    """The papers whose own issue each issue is (by issue id; under None, those of no
    issue), in the site's order."""
    issue_of = site.issue_of
    own: dict[str | None, list[Paper]] = {}
    for paper in site.papers:
        issue = issue_of.get(paper.id)
        own.setdefault(None if issue is None else issue.id, []).append(paper)
    return own
