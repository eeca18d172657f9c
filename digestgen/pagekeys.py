"""What each page depends on, as a hash: equal keys mean byte-identical pages.

A page's bytes are a function of the theme, the configuration, the code, and the part of the
site model that :class:`~digestgen.render.Renderer` passes to its template. A key hashes exactly
that part, described by the content files behind it (a hash of each file's bytes) and by the
model's structure (which issue a paper is in, an issue's entries and neighbours, a term's papers).
A build renders only the pages whose key changed since the last build; every other page is the
previous build's file. When what a page shows changes in :mod:`render` or :mod:`views`, its key
here must follow (``tests/test_incremental.py`` compares incremental builds with cold ones).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .model import Issue, Site
from .records import Paper


def _hash(*parts: object) -> str:
    return hashlib.sha1(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


class PageKeys:
    """Keys of one site's pages; ``base`` covers everything every page depends on."""

    def __init__(self, site: Site, digests: dict[Path, str], base: str,
                 home_issues: int, feed_issues: int):
        self.site, self.digests, self.base = site, digests, _hash(base)
        self.home_issues, self.feed_issues = home_issues, feed_issues
        self._papers: dict[str, str] = {}
        self._issues: dict[str, str] = {}
        self._subjects: dict[tuple[str, int], str] = {}  # the same subject in every language
        self._labels: dict[str, tuple] = {}
        self._positions = {issue.id: n for n, issue in enumerate(site.issues)}

    # -- parts -------------------------------------------------------------------------------

    def file(self, path: Path | None) -> str | None:
        return None if path is None else f"{path}:{self.digests.get(path, '?')}"

    def label(self, issue: Issue | None) -> tuple | None:
        """What a link to an issue shows: its title (from its file or id) and paper count."""
        if issue is None:
            return None
        label = self._labels.get(issue.id)
        if label is None:
            label = self._labels[issue.id] = (
                issue.id, self.file(issue.file.source if issue.file else None),
                len(issue.entries))
        return label

    def paper(self, paper: Paper) -> str:
        """A paper as every page shows it: its record, and the issues it appears in."""
        key = self._papers.get(paper.id)
        if key is None:
            own = self.site.issue_of.get(paper.id)
            key = self._papers[paper.id] = _hash(
                paper.id, self.file(paper.source), self.label(own),
                tuple(self.label(i) for i in self.site.appearances.get(paper.id, ())))
        return key

    def issue(self, issue: Issue) -> str:
        """An issue as every page shows it: its file, its entries, its neighbours."""
        key = self._issues.get(issue.id)
        if key is None:
            position = self._positions[issue.id]
            issues = self.site.issues
            newer = issues[position - 1] if position else None
            older = issues[position + 1] if position + 1 < len(issues) else None
            key = self._issues[issue.id] = _hash(
                issue.id, self.file(issue.file.source if issue.file else None),
                tuple((e.number, e.reappears, self.paper(e.paper)) for e in issue.entries),
                self.label(newer), self.label(older))
        return key

    # -- pages -------------------------------------------------------------------------------

    def of(self, kind: str, lang: str | None, path: str, subject: object) -> str:
        """The key of the page ``path`` of ``kind`` about ``subject`` in ``lang``. Keys are
        compared path by path, and a path has one language, so the pages of one subject in
        every language share a key."""
        memo = (kind, id(subject))
        key = self._subjects.get(memo)
        if key is None:
            key = self._subjects[memo] = _hash(self.base, kind, self.subject(kind, subject))
        return key

    def subject(self, kind: str, subject: object) -> object:
        site = self.site
        if kind == "paper":
            return self.paper(subject)
        if kind == "issue":
            return self.issue(subject)
        if kind == "term":
            return (subject.kind, subject.name, tuple(self.paper(p) for p in subject.papers))
        if kind == "home":
            return (tuple(self.issue(i) for i in site.issues[:self.home_issues]),
                    len(site.papers), len(site.issues))
        if kind == "feed":
            return tuple(self.issue(i) for i in site.issues[:self.feed_issues])
        if kind == "archive":
            return (tuple(self.label(i) for i in site.issues),
                    tuple((t.kind, t.name, len(t.papers)) for t in site.terms))
        return subject  # sitemaps: their URLs; small pages: nothing but the base
