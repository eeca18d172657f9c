"""What each page depends on, as a hash: equal keys mean byte-identical pages.

A page's bytes are a function of the theme, the configuration, the code, and the part of the
site model that its view reads. Each view reads the model through one function of
:mod:`digestgen.pages.views` (``paper_reads``, ``issue_reads``, ``home_reads``, ...), and a key is a
digest of what that same function returns (:meth:`PageKeys.describe`): records by a hash of
their file's bytes, the model's structure (which issue a paper is in, an issue's entries and
neighbours) as it is. So a view that shows more reads more there, and its key follows by itself.
A tag or category page shows nothing of its papers but their rows (``paper-row.html``), so its
key hashes the rows themselves (:class:`~.rowdigests.RowDigests`): an edit that no row shows,
such as to an abstract, leaves lists of thousands of papers alone. A build renders only the
pages whose key changed since the last build; every other page is the previous build's file.
Keys hold while ``base`` (theme, configuration, code) is what it was, so a build keeps ``base``
once beside them rather than in every key. (``tests/test_incremental*.py`` compare incremental
builds with cold ones, after random sequences of edits too.)
"""

from __future__ import annotations

import hashlib
import operator
import pickle
from collections.abc import Callable, Mapping
from itertools import compress, repeat
from operator import is_, ne, or_

from ..content.model import Entry, Issue, Site, Term
from ..content.records import IssueFile, Paper
from ..pages.jobs import JobList
from ..pages.more_pages import PaperFacts
from ..pages.pagination import TERM_PAGE_PAPERS, ListPage
from ..pages.reads import (LinkReads, PageKind, Records, issue_reads, page_reads,
                           paper_page_reads, paper_reads)
from .keptmaps import overlay
from .rowdigests import RowDigests
from .state import BuildState


#: The pages keyed by what they show of each paper (a fact of :class:`PaperFacts`, kept like a
#: row), not by the bytes of every paper's file: the BibTeX files and the statistics.
FACT_PAGES = {PageKind.CITE: "bib", PageKind.ISSUE_BIB: "bib", PageKind.ARCHIVE_BIB: "bib",
              PageKind.STATS: "coverage"}

#: The kinds of page that :meth:`PageKeys.patched` looks at whatever their subject: those about
#: many papers or the whole site. (A page of another kind can change only with its subject; a
#: page of a list, only with the papers it shows.)
_LOOKED_AT = frozenset(PageKind) - {PageKind.PAPER, PageKind.CITE, PageKind.ISSUE,
                                    PageKind.ISSUE_BIB, PageKind.TOPIC_FEED, PageKind.TERM}


def _hash(*parts: object) -> str:
    return hashlib.sha1(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _hash_texts(parts: list[str]) -> str:
    """A hash of texts none of which holds a NUL (ids, paths, labels): cheaper than
    :func:`_hash`, which formats the repr of its parts first."""
    return hashlib.sha1("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


_ID = operator.attrgetter("id")
_SUBJECT = operator.attrgetter("subject")
_NUMBER = operator.attrgetter("number")


def listed(site: Site) -> list:
    """The papers on some tag or category page."""
    return list({paper.id: paper for term in site.terms for paper in term.papers}.values())


def terms_of(site: Site, papers) -> list[Term]:
    """The terms that may hold some of ``papers``: those their tags and categories name (the
    model groups papers by these), each once, in the model's order."""
    names = {("tags", name) for paper in papers for name in paper.tags}
    names.update(("categories", name) for paper in papers for name in paper.categories)
    return [term for term in site.terms if (term.kind, term.name) in names]


def pages_digest(jobs: list) -> str:
    """Which pages there are (their paths, in order), as a digest: keys kept for pages
    other than these do not say what these are."""
    text = "\n".join(JobList.of(jobs).paths).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=16).hexdigest()


def structure(site: Site) -> str:
    """What the views' reads take of the site model besides the bytes of its files: which
    file each issue comes from, which papers each issue and term holds, in which order (and
    so each issue's neighbours, and which pages there are: the rest, the configuration and
    the code, is in ``base``). While it and ``base`` are what they were, a key can change
    only where a page shows a file whose bytes changed."""
    issues = [(issue.id, str(issue.file.source) if issue.file else None,
               "\n".join([entry.paper.id for entry in issue.entries]),
               [entry.number for entry in issue.entries if entry.reappears])
              for issue in site.issues]
    terms = [(term.kind, term.name, "\n".join(map(_ID, term.papers)))
             for term in site.terms]
    data = pickle.dumps((issues, terms), protocol=5)
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class PageKeys:
    """Keys of one site's pages; ``base`` covers everything every page depends on."""

    def __init__(self, site: Site, digests: dict[str, str], base: str,
                 kept_rows: object = None, ids: Mapping[str, str] | None = None):
        """``digests``: the hash of each content file's bytes; ``ids``: the id of the paper
        in each paper file, when known."""
        self.site, self.digests, self.base, self.ids = site, digests, _hash(base), ids
        self.rows = RowDigests(kept_rows, self.base, site.config.languages + PaperFacts.NAMES)
        self._papers: Mapping[str, str] = {}
        self.papers_keyed = 0  # keys of papers made (not taken from the last build)
        self._issues: dict[str, str] = {}
        self._subjects: dict[tuple, str] = {}
        self._links: dict[str, str] = {}
        # After a patch (:meth:`patched`), the jobs whose keys were made again, in order: every
        # other key is the last build's. None when every key was made (:meth:`anew`).
        self.rekeyed: list | None = None

    def paper_keys(self) -> Mapping[str, str]:
        """The key of every paper keyed so far (:meth:`paper`), for the next build."""
        return self._papers

    # -- parts -------------------------------------------------------------------------------

    def file(self, path: str | None) -> str | None:
        return None if path is None else f"{path}:{self.digests.get(path, '?')}"

    def link(self, link: LinkReads) -> str:
        """A link to an issue, as :class:`~digestgen.pages.views.LinkReads` says what it shows."""
        key = self._links.get(link.id)
        if key is None:
            key = self._links[link.id] = "\t".join(
                self.file(str(value.source)) if isinstance(value, IssueFile) else str(value)
                for value in link)
        return key

    def paper(self, paper: Paper) -> str:
        """A paper as every page shows it: its record (the bytes of its file), and what else
        its view reads (:func:`~digestgen.pages.reads.paper_reads`)."""
        key = self._papers.get(paper.id)
        if key is None:
            parts = [paper.id, self.file(paper.source_name())]
            for value in paper_reads(self.site, paper)[1:]:
                self.describe(value, parts)
            key = self._papers[paper.id] = _hash_texts(parts)
            self.papers_keyed += 1
        return key

    def paper_page(self, paper: Paper) -> str:
        """A paper's own page: the paper as every page shows it, and what its page reads
        besides (:func:`~digestgen.pages.reads.paper_page_reads`)."""
        parts = [self.paper(paper)]
        self.describe(paper_page_reads(self.site, paper), parts)
        return _hash_texts(parts)

    def issue(self, issue: Issue) -> str:
        """An issue as every page shows it in full (:func:`~digestgen.pages.reads.issue_reads`)."""
        key = self._issues.get(issue.id)
        if key is None:
            parts: list[str] = []
            self.describe(issue_reads(self.site, issue), parts)
            key = self._issues[issue.id] = _hash_texts(parts)
        return key

    def describe(self, value: object, parts: list[str]) -> None:
        """Add to ``parts`` what a view reads in ``value`` (one of the values of
        :mod:`digestgen.pages.views`' ``*_reads`` functions): records by the bytes of their files
        and by what their own views read, links by what they show, the rest as it is."""
        kind = type(value)
        if kind is LinkReads:
            parts.append(self.link(value))
        elif kind is Issue:  # shown in full
            parts.append(self.issue(value))
        elif kind is Entry:
            parts.append(f"{value.number}\t{value.reappears}\t{self.paper(value.paper)}")
        elif isinstance(value, Paper):
            parts.append(self.paper(value))
        elif kind is Records:  # the bytes of their files only
            parts.extend([self.file(paper.source_name()) for paper in value.papers])
        elif kind is Term:  # as a link: its name and paper count
            parts.append(f"{value.kind}\t{value.name}\t{len(value.papers)}")
        elif isinstance(value, tuple):
            parts.append(f"#{len(value)}")
            for item in value:
                self.describe(item, parts)
        else:
            parts.append(repr(value))

    # -- pages -------------------------------------------------------------------------------

    def of(self, kind: PageKind, lang: str | None, path: str, subject: object) -> str | None:
        """The key of the page ``path`` of ``kind`` about ``subject`` in ``lang``; None for a
        list whose rows are not all known yet (see :class:`~.rowdigests.RowDigests`). Keys are
        compared path by path, and a path has one language, so the pages of one subject in
        every language share a key, except lists: their rows are in the page's language."""
        if kind is PageKind.TERM:
            return self.term(lang, subject)
        if kind is PageKind.PAPER:
            return self.paper_page(subject)
        if kind is PageKind.ISSUE:
            return self.issue(subject)
        memo = (kind, id(subject))
        key = self._subjects.get(memo)
        if key is None and kind in FACT_PAGES:
            key = self.facts_page(kind, subject)
            if key is not None:  # (else known once the page is rendered: not kept till then)
                self._subjects[memo] = key
        elif key is None:
            reads = page_reads(self.site, kind, subject)
            if reads is subject:  # sitemaps: their URLs; small pages: nothing but the base
                key = _hash(kind.value, subject)
            else:
                parts = [kind.value]
                self.describe(reads, parts)
                key = _hash_texts(parts)
            self._subjects[memo] = key
        return key

    def facts_page(self, kind: PageKind, subject: object) -> str | None:
        """A page that shows one fact of each of its papers (:data:`FACT_PAGES`): which papers,
        in which order, their facts, and what else it reads (the statistics: the issues and
        terms they count); None while some paper's fact is not known yet."""
        reads = page_reads(self.site, kind, subject)
        parts = [kind.value]
        if type(reads) is not Records:
            self.describe(tuple(reads[:-1]), parts)
            reads = reads[-1]
        facts = self.rows.of(FACT_PAGES[kind], reads.papers)
        if None in facts:
            return None
        parts.append("\n".join(map(_ID, reads.papers)))
        parts.append(hashlib.blake2b(b"".join(facts), digest_size=16).hexdigest())
        return _hash_texts(parts)

    def term(self, lang: str, page: ListPage) -> str | None:
        """A page of a term's papers: its rows, its place among the term's pages, and how
        many papers the term has."""
        term = page.subject
        rows = self.rows.of(lang, page.part(term.papers, TERM_PAGE_PAPERS))
        if None in rows:
            return None
        rows_digest = hashlib.blake2b(b"".join(rows), digest_size=16).hexdigest()
        return _hash("term", term.kind, term.name, rows_digest, page.number, page.count,
                     len(term.papers))

    # -- from the last build's keys -----------------------------------------------------------

    def structure(self) -> str:
        """The structure of this site (:func:`structure`)."""
        return structure(self.site)

    def keyed(self, jobs: list, last, row_of, known: str | None = None,
              pages: str | None = None) -> tuple[str, Mapping[str, str | None]]:
        """The structure of the site and the key of each of ``jobs``: the last build's keys
        (``last``, a BuildState) patched where they cannot have changed, else every key made
        anew (rows new since the last build made first, so that lists are compared by key).
        ``known``: the structure, when the caller knows it (of a model kept as it was);
        ``pages``: the :func:`pages_digest` of ``jobs``, when known."""
        structure = self.structure() if known is None else known
        page_keys = self.patched(jobs, structure, last, row_of, pages)
        if page_keys is None:
            page_keys = self.anew(jobs, row_of)
        return structure, page_keys

    def anew(self, jobs: list, row_of: Callable[[str, Paper], str]) -> dict[str, str | None]:
        """The key of each of ``jobs``, every one made (the rows and facts not kept from the
        last build made first when they are few)."""
        self.rows.fill([(listed(self.site), self.site.config.languages),
                        (list(self.site.papers), PaperFacts.NAMES)], self.paper, row_of)
        return {job.path: self.of(job.kind, job.lang, job.path, job.subject) for job in jobs}

    def patched(self, jobs: list, structure: str, last: BuildState,
                row_of: Callable[[str, Paper], str], pages: str | None = None
                ) -> Mapping[str, str | None] | None:
        """The keys of ``jobs`` (of :func:`pages_digest` ``pages``), each taken from the last
        build's where it cannot have changed; None when they cannot be trusted: unless the last
        build had these pages, this ``structure`` and ``base`` and the same content files, and
        only paper files changed since.

        ``last`` is what that build left. The keys computed again are those of the pages that
        show a changed paper (its own pages, its issues', the lists that hold its row) and of
        the few pages about the whole site; and the BibTeX files and statistics that show a
        fact (:class:`PaperFacts`) of a changed paper that is not what it was. Which pages the
        last build keyed is told by its ``pages`` digest (every one had a key), or else found
        by looking up every path."""
        if last.structure != structure or last.base != self.base or not last.keys \
                or (last.pages is not None
                    and last.pages != (pages_digest(jobs) if pages is None else pages)):
            return None
        papers = self.changed_papers(last.digests)
        if papers is None:
            return None
        site = self.site
        # Every other paper's key is the last build's: nothing it reads changed.
        self._papers = overlay(last.paper_keys)
        for paper_id in papers:
            self._papers.pop(paper_id, None)
        issues = {id(issue) for paper_id in papers for issue in site.appearances[paper_id]}
        # A paper's page links to the papers before and after it in its issue, by title: the
        # pages next to a changed paper in any issue it is in are keyed again.
        beside = dict(papers)  # paper id -> paper
        for paper_id in papers:
            for issue in site.appearances[paper_id]:
                entries = issue.entries
                for at, entry in enumerate(entries):
                    if entry.paper.id == paper_id:
                        near = entries[max(at - 1, 0):at + 2]
                        beside.update((e.paper.id, e.paper) for e in near)
        # By identity: reading the ids of every paper of every list would cost more.
        identities = {id(paper) for paper in papers.values()}
        lists, shown = [], set()
        pages = set()  # (term, page number) of each list page that shows a changed paper
        for term in terms_of(site, papers.values()):
            found = identities.intersection(map(id, term.papers))
            if found:
                lists.append(term)
                shown |= found
                # Only the pages of the list that show its row: the others show the rows
                # they did (at 20,000 papers a tag has dozens of pages, each keyed by its rows).
                held = list(map(id, term.papers))
                pages.update((id(term), held.index(paper) // TERM_PAGE_PAPERS + 1)
                             for paper in found)
        kept_facts = {(name, paper_id): self.rows.kept_digests[name].get(paper_id)
                      for name in PaperFacts.NAMES for paper_id in papers}
        self.rows.carry(set(papers))
        # Rows of the papers some list shows; facts of every changed paper (the BibTeX files
        # and the statistics are keyed by them).
        self.rows.fill([([paper for paper in papers.values() if id(paper) in shown],
                         self.site.config.languages),
                        (list(papers.values()), PaperFacts.NAMES)], self.paper, row_of)
        # The facts some changed paper shows otherwise than it did: the pages that show only
        # the others are what they were (their keys, made anew, would read every paper).
        shown_anew = [(name, paper_id) for (name, paper_id), digest in kept_facts.items()
                      if digest is None or self.rows.known[name].get(paper_id) != digest]
        facts = {name for name, _ in shown_anew}
        cited = {paper_id for name, paper_id in shown_anew if name == "bib"}
        terms = {id(term) for term in lists}
        keys = overlay(last.keys)
        rekeyed = []
        # Looked at one by one: the jobs about a subject that may be stale, and those of the
        # kinds about many papers or the whole site; picked out of every job by maps in C (a
        # loop over 65,000 jobs cost a tenth of a second of every edit at 20,000 papers).
        columns = JobList.of(jobs)
        suspects = issues | terms | set(map(id, beside.values())) \
            | set(map(id, _pages_shown(columns, pages)))
        picked = columns.picked(map(or_, map(suspects.__contains__, map(id, columns.subjects)),
                                    map(_LOOKED_AT.__contains__, columns.kinds)))
        for job in picked:
            kind, subject = job.kind, job.subject
            if kind is PageKind.PAPER:
                stale = subject.id in beside
            elif kind is PageKind.ISSUE:
                stale = id(subject) in issues
            elif kind in FACT_PAGES:
                stale = FACT_PAGES[kind] in facts and (
                    subject.id in cited if kind is PageKind.CITE
                    else id(subject) in issues if kind is PageKind.ISSUE_BIB else True)
            elif kind is PageKind.TERM:
                stale = (id(subject.subject), subject.number) in pages
            elif kind is PageKind.TOPIC_FEED:
                stale = id(subject) in terms
            else:  # home, archive, feeds, sitemaps: few, and about the whole site
                stale = True
            if stale:
                keys[job.path] = self.of(kind, job.lang, job.path, subject)
                rekeyed.append(job)
        if last.pages is None and (len(keys) != len(jobs)
                                   or not all(map(keys.__contains__, columns.paths))):
            return None  # pages are gone or new, or were not all keyed
        self.rekeyed = rekeyed
        return keys

    def changed_papers(self, last_digests: dict[str, str]) -> dict[str, Paper] | None:
        """The papers (by id) whose files' bytes differ from ``last_digests``; None when files
        were added or removed, or an issue file changed (an issue's label is in many keys)."""
        if last_digests.keys() != self.digests.keys():
            return None
        digests = self.digests
        changed = set(compress(digests, map(ne, map(last_digests.get, digests), digests.values())))
        if not changed:
            return {}
        if any(issue.file and str(issue.file.source) in changed for issue in self.site.issues):
            return None
        papers = self.site.papers
        if self.ids is not None:
            # Picked by their ids, by maps in C, when the files' ids are known (a call of each
            # paper's source_name took 60 ms at 100,000 papers).
            wanted = {self.ids.get(name) for name in changed}
            if None not in wanted:
                return {paper.id: paper for paper in compress(
                    papers, map(wanted.__contains__, map(_ID, papers)))}
        return {paper.id: paper for paper in compress(
            papers, map(changed.__contains__, map(operator.methodcaller("source_name"), papers)))}


def _pages_shown(jobs: JobList, pages: set[tuple[int, int]]):
    """The subjects (:class:`~digestgen.pages.pagination.ListPage`) of the list pages among
    ``jobs`` that are in ``pages`` (by the identity of their term, and their number): picked by
    maps in C (a loop over every list page took 25 ms at 100,000 papers)."""
    listed = list(compress(jobs.subjects, map(is_, jobs.kinds, repeat(PageKind.TERM))))
    return compress(listed, map(pages.__contains__,
                                zip(map(id, map(_SUBJECT, listed)), map(_NUMBER, listed))))
