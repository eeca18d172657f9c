"""The pages of SPEC 4.1 beside the HTML of issues and papers: BibTeX files (a paper's
``cite.bib``, an issue's and the archive's ``papers.bib``), a feed per tag and category, and the
statistics page. :func:`language_jobs` and :func:`common_jobs` list them for
:meth:`render.Renderer.jobs`; :func:`render` makes one.

The archive-wide files read something of every paper: ``papers.bib`` each paper's BibTeX key
and body, the statistics which languages each text is in. All are made once per paper
(:class:`PaperFacts`) by the renderer's maker of rows, which a build keeps between builds under
each paper's key, so these files are a join of kept strings: no other record's texts are read.
And they are keyed by those strings, not by the papers' records: an edit that changes no
BibTeX entry and no statistic (an abstract's wording) renders none of them again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..content.model import Site
from ..content.records import Paper
from ..formats import bibtex
from .stats import archive_stats, bar_chart, coverage_signature, line_chart
from .links import Links
from .reads import (
    TOPIC_FEED_PAPERS, PageKind, archive_bib_reads, issue_bib_reads, topic_feed_reads,
)

if TYPE_CHECKING:
    from .jobs import Job, Page
    from .render import Renderer

KINDS = frozenset({PageKind.CITE, PageKind.ISSUE_BIB, PageKind.ARCHIVE_BIB,
                   PageKind.TOPIC_FEED, PageKind.STATS})


def language_jobs(site: Site, lang: str, root: str) -> list[Job]:
    """The pages of one language tree (``root`` is its folder: "" or "en/")."""
    from .jobs import Job
    jobs = [Job(PageKind.ISSUE_BIB, lang, issue, f"{root}{Links.issue(issue)}papers.bib",
                1 + len(issue.entries) // 10) for issue in site.issues]
    jobs += [Job(PageKind.TOPIC_FEED, lang, term, f"{root}{Links.term(term)}feed.xml",
                 1 + min(len(term.papers), TOPIC_FEED_PAPERS) // 4) for term in site.terms]
    jobs.append(Job(PageKind.ARCHIVE_BIB, lang, None, f"{root}papers.bib", 1 + len(site.papers) // 50))
    jobs.append(Job(PageKind.STATS, lang, None, f"{root}stats/index.html", 1 + len(site.papers) // 200))
    return jobs


def common_jobs(site: Site, rels: dict[str, str]) -> list[Job]:
    """The pages of no language: each paper's ``cite.bib``, at the root only (SPEC 4.1 allows
    one URL per paper). ``rels``: each paper's folder by id (``Renderer.paper_rels``)."""
    from .jobs import Job
    cite = PageKind.CITE
    return [Job(cite, None, paper, f"{rels[paper.id]}cite.bib") for paper in site.papers]


class PaperFacts:
    """What the archive-wide files read of each paper, made once per paper: through ``rows``
    (the renderer's maker of paper rows), so that a build keeps them between builds as it keeps
    rows, and keys the files that show them by their digests, as it keys lists by their rows
    (:mod:`digestgen.incremental.keys`)."""

    #: The names of the facts, as rows: ``bib``, all that the BibTeX files read of a paper
    #: (its date, which orders clashing keys, its key and its entry's body); ``coverage``, all
    #: that the statistics read of it (:func:`~.stats.coverage_signature`).
    NAMES = ("bib", "coverage")

    def __init__(self, source_language: str, rows: Callable[[str, Callable], object]):
        self.entries = rows("bib", lambda paper: bib_fact(paper, source_language))
        self.coverage = rows("coverage", coverage_signature)

    def body(self, paper: Paper) -> str:
        return str(self.entries.row(paper)).partition("\n")[2]

    def bib_key(self, paper: Paper) -> str:
        head = str(self.entries.row(paper)).partition("\n")[0]
        return head.partition(" ")[2]

    def signature(self, paper: Paper) -> str:
        return str(self.coverage.row(paper))


def bib_fact(paper: Paper, source_language: str) -> str:
    """``<date> <base key>\n<body>``: what every BibTeX file reads of ``paper`` (keys have no
    space or line break)."""
    return (f"{paper.date.isoformat()} {bibtex.base_key(paper, source_language)}\n"
            f"{bibtex.body(paper, source_language)}")


def render(renderer: Renderer, job: Job) -> Page:
    from .jobs import Page
    kind, lang, subject = job.kind, job.lang, job.subject
    source = renderer.config.source_language
    bodies, keys = renderer.facts.body, renderer.facts.bib_key
    if kind is PageKind.CITE:
        return Page(job.path, bibtex.entry(keys(subject), bodies(subject)).encode("utf-8"))
    if kind is PageKind.ISSUE_BIB:
        return Page(job.path, bibtex.bib_file(list(issue_bib_reads(subject).papers), source,
                                              bodies, keys)
                    .encode("utf-8"))
    if kind is PageKind.ARCHIVE_BIB:
        return Page(job.path, bibtex.bib_file(list(archive_bib_reads(renderer.site).papers),
                                              source, bodies, keys)
                    .encode("utf-8"))
    if kind is PageKind.TOPIC_FEED:
        return Page(job.path, topic_feed(renderer, subject, lang))
    return stats_page(renderer, lang)


def topic_feed(renderer: Renderer, term, lang: str) -> bytes:
    """The Atom feed of a tag or category: its newest papers (``feed.xml``'s head)."""
    v, links = renderer.views[lang], renderer.links
    newest = topic_feed_reads(term).papers
    label = v.s["tag" if term.kind == "tags" else "category"]
    return renderer.render_text("topic-feed.xml", {
        "lang": lang, "s": v.s, "site": renderer.local[lang],
        "label": f"{label}: {term.name}",
        "papers": [(v.paper(p), links.absolute(lang, Links.paper(p))) for p in newest],
        "self_url": links.absolute(lang, Links.term(term) + "feed.xml"),
        "home_url": links.absolute(lang, Links.term(term)),
        "updated": max(p.date for p in newest).isoformat() if newest else "1970-01-01",
    })


def stats_page(renderer: Renderer, lang: str) -> Page:
    v = renderer.views[lang]
    stats = archive_stats(renderer.site, renderer.facts.signature)
    s = v.s
    coverage = {}
    for c in stats.coverage:
        coverage.setdefault(c.field, []).append(c)
    charts = {
        "per_issue": line_chart(list(stats.per_issue)),
        "categories": bar_chart([(name, n, str(n)) for name, n in stats.categories]),
        "tags": bar_chart([(name, n, str(n)) for name, n in stats.tags]),
        "coverage": bar_chart([(f"{s['field_' + c.field]} · {c.lang}", c.percent,
                                f"{c.percent}%") for c in stats.coverage], scale=100),
    }
    return renderer.html("stats.html", lang, "stats/", s["stats"], stats=stats, charts=charts,
                         coverage=coverage,
                         archive_bib=renderer.links.page(lang, "papers.bib"))
