"""The kinds of page a site has, and what each reads of the site model.

What a view (:mod:`~digestgen.pages.views`) reads of the site model it reads through one
function of this module: the ``*_reads`` functions (:func:`paper_reads`, :func:`issue_reads`,
:func:`link_reads`, :func:`home_reads`, :func:`feed_reads`, :func:`archive_reads`, ...) return
the records and facts a view is made of, and nothing else is made into a view. A page's key
(:mod:`digestgen.incremental.keys`) is a digest of the very same values (:func:`page_reads`),
so what a page shows and what its key covers cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import NamedTuple

from ..content.model import Entry, Issue, Site, Term
from ..content.records import IssueFile, Paper, Text
from .pagination import ARCHIVE_PAGE_ISSUES, ListPage

#: Issues shown in full on the home page, and in the feeds.
HOME_ISSUES = 10
FEED_ISSUES = 20


class PageKind(enum.StrEnum):
    """The kinds of page a site has (compared by identity: `job.kind is PageKind.PAPER`)."""

    HOME = "home"
    ARCHIVE = "archive"
    ISSUE = "issue"
    PAPER = "paper"
    TERM = "term"  # a tag's or a category's list of papers
    FEED = "feed"
    NOT_FOUND = "not_found"
    SITEMAP = "sitemap"
    SITEMAP_INDEX = "sitemap_index"
    ROBOTS = "robots"
    NOJEKYLL = "nojekyll"
    READING_LIST = "reading_list"  # filled by the browser from its own storage
    SHOW_STYLE = "show_style"  # the stylesheet of the language display control
    UI_STRINGS = "ui_strings"  # the page script's UI strings in one language
    # SPEC 4.1 (pages.more_pages)
    CITE = "cite"  # a paper's cite.bib
    ISSUE_BIB = "issue_bib"  # an issue's papers.bib
    ARCHIVE_BIB = "archive_bib"  # the archive's papers.bib
    TOPIC_FEED = "topic_feed"  # a tag's or category's Atom feed
    STATS = "stats"


class LinkReads(NamedTuple):
    """What a link to an issue shows: its title (from its file, else its date), the paper
    count."""

    id: str
    file: IssueFile | None
    start: dt.date
    count: int


class PaperReads(NamedTuple):
    """What a paper's view reads: its record, its issue and the others it appears in."""

    paper: Paper
    issue: LinkReads | None
    also_in: tuple[LinkReads, ...]


class IssueReads(NamedTuple):
    """What an issue's view reads: its file, its entries (each paper as :class:`PaperReads`
    says), and links to the issues before and after it."""

    issue: LinkReads
    entries: tuple[Entry, ...]
    newer: LinkReads | None
    older: LinkReads | None


class HomeReads(NamedTuple):
    issues: tuple[Issue, ...]  # the newest, in full (as :class:`IssueReads` says)
    papers: int
    issue_count: int


class FeedReads(NamedTuple):
    issues: tuple[Issue, ...]  # the newest, in full


class ArchiveReads(NamedTuple):
    """A page of the archive: its number and the count, its issues; the first, the terms."""

    number: int
    count: int
    issues: tuple[LinkReads, ...]
    tags: tuple[Term, ...]  # as links: name and paper count
    categories: tuple[Term, ...]


class Records(NamedTuple):
    """Papers read as records only (their files' bytes), not as their pages show them."""

    papers: tuple[Paper, ...]


class TopicFeedReads(NamedTuple):
    kind: str
    name: str
    papers: tuple[Paper, ...]  # the newest, as their views show them


class StatsReads(NamedTuple):
    issues: tuple[tuple[str, int], ...]  # (id, papers)
    tags: tuple[Term, ...]  # name and paper count
    categories: tuple[Term, ...]
    records: Records  # which languages each text is in


#: Papers in a topic's feed, newest first.
TOPIC_FEED_PAPERS = 20


def link_reads(issue: Issue) -> LinkReads:
    return LinkReads(issue.id, issue.file, issue.key.start, len(issue.entries))


def paper_reads(site: Site, paper: Paper) -> PaperReads:
    issue = site.issue_of.get(paper.id)
    also = tuple(link_reads(i) for i in site.appearances.get(paper.id, ()) if i is not issue)
    return PaperReads(paper, link_reads(issue) if issue else None, also)


class PaperLinkReads(NamedTuple):
    """What a link to a paper shows: its address (by id) and its title."""

    id: str
    title: Text


class PaperPageReads(NamedTuple):
    """What a paper's own page reads besides its view: its issue and row there (the way
    back), and the papers before and after it in that issue."""

    issue: str | None
    row: int | None
    before: PaperLinkReads | None
    after: PaperLinkReads | None


def paper_page_reads(site: Site, paper: Paper) -> PaperPageReads:
    place = site.place(paper)
    if place is None:
        return PaperPageReads(None, None, None, None)
    issue, entry, before, after = place
    return PaperPageReads(issue.id, entry.number, *(
        PaperLinkReads(e.paper.id, e.paper.title) if e else None for e in (before, after)))


def issue_reads(site: Site, issue: Issue) -> IssueReads:
    newer, older = site.neighbours(issue)
    return IssueReads(link_reads(issue), issue.entries, newer and link_reads(newer),
                      older and link_reads(older))


def home_reads(site: Site) -> HomeReads:
    return HomeReads(site.issues[:HOME_ISSUES], len(site.papers), len(site.issues))


def feed_reads(site: Site) -> FeedReads:
    return FeedReads(site.issues[:FEED_ISSUES])


def archive_reads(site: Site, page: ListPage) -> ArchiveReads:
    first = page.number == 1
    return ArchiveReads(page.number, page.count,
                        tuple(map(link_reads, page.part(site.issues, ARCHIVE_PAGE_ISSUES))),
                        site.tags if first else (), site.categories if first else ())


def cite_reads(paper: Paper) -> Records:
    return Records((paper,))


def issue_bib_reads(issue: Issue) -> Records:
    return Records(issue.papers)


def archive_bib_reads(site: Site) -> Records:
    return Records(site.papers)


def topic_feed_reads(term: Term) -> TopicFeedReads:
    return TopicFeedReads(term.kind, term.name, term.papers[:TOPIC_FEED_PAPERS])


def stats_reads(site: Site) -> StatsReads:
    return StatsReads(tuple((issue.id, len(issue.entries)) for issue in site.issues),
                      site.tags, site.categories, Records(site.papers))


def page_reads(site: Site, kind: PageKind, subject: object) -> object:
    """What the page of ``kind`` about ``subject`` reads of ``site``. A tag or category page
    shows its papers as rows only, which its key digests; sitemaps and the small pages read
    nothing but their subject."""
    if kind is PageKind.ISSUE:
        return issue_reads(site, subject)
    if kind is PageKind.PAPER:
        return paper_reads(site, subject)
    if kind is PageKind.HOME:
        return home_reads(site)
    if kind is PageKind.FEED:
        return feed_reads(site)
    if kind is PageKind.ARCHIVE:
        return archive_reads(site, subject)
    if kind is PageKind.CITE:
        return cite_reads(subject)
    if kind is PageKind.ISSUE_BIB:
        return issue_bib_reads(subject)
    if kind is PageKind.ARCHIVE_BIB:
        return archive_bib_reads(site)
    if kind is PageKind.TOPIC_FEED:
        return topic_feed_reads(subject)
    if kind is PageKind.STATS:
        return stats_reads(site)
    return subject
