"""The site model: papers grouped into issues, tags and categories (SPEC 1.4, 4).

``build_model`` checks what only the whole site can tell (issue files that name unknown papers
or papers from later issues) and fixes every order the pages show, so rendering decides nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from ..config import SiteConfig
from ..errors import Problem, SiteError
from .load import Content
from .periods import IssueKey, issue_key, parse_issue_id
from .records import IssueFile, Paper, arxiv_sort_key


@dataclass(frozen=True)
class Entry:
    """Row ``number`` (from 1) of an issue's table; ``reappears`` when the paper's own issue is
    an earlier one (a replaced version announced again)."""

    number: int
    paper: Paper
    reappears: bool = False


@dataclass(frozen=True)
class Issue:
    key: IssueKey
    entries: tuple[Entry, ...]
    file: IssueFile | None = None

    @property
    def id(self) -> str:
        return self.key.id

    @property
    def papers(self) -> tuple[Paper, ...]:
        return tuple(entry.paper for entry in self.entries)


@dataclass(frozen=True)
class Term:
    """A tag or an arXiv category with its papers, newest first."""

    kind: str  # "tags" or "categories"
    name: str
    papers: tuple[Paper, ...]


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    issues: tuple[Issue, ...]  # newest first
    papers: tuple[Paper, ...]  # newest first
    tags: tuple[Term, ...]
    categories: tuple[Term, ...]
    issue_of: dict[str, Issue] = field(repr=False)  # paper id -> the issue of its date
    appearances: dict[str, tuple[Issue, ...]] = field(repr=False)  # paper id -> every issue

    @property
    def terms(self) -> tuple[Term, ...]:
        return self.tags + self.categories

    def neighbours(self, issue: Issue) -> tuple[Issue | None, Issue | None]:
        """The issues next to ``issue`` in time: (the newer one, the older one)."""
        position = self._positions.get(issue.id)
        if position is None:
            return None, None
        issues = self.issues
        newer = issues[position - 1] if position else None
        older = issues[position + 1] if position + 1 < len(issues) else None
        return newer, older

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {issue.id: n for n, issue in enumerate(self.issues)}


def newest_first(papers) -> list[Paper]:
    """The default order within an issue: by id, newest first (SPEC 1.4)."""
    return sorted(papers, key=lambda p: arxiv_sort_key(p.id), reverse=True)


def build_model(config: SiteConfig, content: Content) -> Site:
    """The site model of ``content``; raise :class:`SiteError` on issue-file problems."""
    problems: list[Problem] = []
    by_key: dict[IssueKey, list[Paper]] = defaultdict(list)
    for paper in content.papers:
        by_key[issue_key(paper.date, config.issue_period)].append(paper)
    papers_by_id = {paper.id: paper for paper in content.papers}
    files = {f.id: f for f in content.issue_files}

    issues = []
    for key in sorted(by_key, reverse=True):
        issue_file = files.pop(key.id, None)
        entries = _entries(key, by_key[key], issue_file, papers_by_id, content.drafts,
                           problems)
        issues.append(Issue(key, entries, issue_file))
    for orphan in files.values():
        problems.append(Problem(orphan.source, orphan.line,
                                f"issue '{orphan.id}' has no papers: no paper is dated in it"))
    if problems:
        raise SiteError(problems)

    issue_of, appearances = {}, defaultdict(list)
    for issue in reversed(issues):  # oldest first, so appearances read in date order
        for entry in issue.entries:
            appearances[entry.paper.id].append(issue)
            if not entry.reappears:
                issue_of[entry.paper.id] = issue
    papers = tuple(paper for issue in issues for entry in issue.entries
                   if not entry.reappears for paper in (entry.paper,))
    return Site(config=config, issues=tuple(issues), papers=papers,
                tags=_terms("tags", papers, lambda p: p.tags),
                categories=_terms("categories", papers, lambda p: p.categories),
                issue_of=issue_of,
                appearances={k: tuple(v) for k, v in appearances.items()})


def _entries(key: IssueKey, own: list[Paper], issue_file: IssueFile | None,
             papers_by_id: dict[str, Paper], drafts: frozenset[str],
             problems: list[Problem]) -> tuple[Entry, ...]:
    listed: list[tuple[Paper, bool]] = []  # (paper, reappears)
    if issue_file is not None:
        for paper_id, line in issue_file.papers:
            paper = papers_by_id.get(paper_id)
            if paper is None and paper_id in drafts:
                continue  # a draft paper: listed, but left out of this build
            if paper is None:
                problems.append(Problem(issue_file.source, line,
                                        f"unknown paper id '{paper_id}'"))
            elif paper.date > key.end:
                problems.append(Problem(issue_file.source, line,
                                        f"paper '{paper_id}' is dated {paper.date}, after "
                                        f"issue {key.id}"))
            else:
                listed.append((paper, not key.contains(paper.date)))
    named = {paper.id for paper, _ in listed}
    listed += [(p, False) for p in newest_first(own) if p.id not in named]
    return tuple(Entry(n, paper, reappears)
                 for n, (paper, reappears) in enumerate(listed, start=1))


def _terms(kind: str, papers: tuple[Paper, ...], names_of) -> tuple[Term, ...]:
    grouped: dict[str, list[Paper]] = defaultdict(list)
    for paper in papers:
        for name in names_of(paper):
            grouped[name].append(paper)
    return tuple(Term(kind, name, tuple(grouped[name])) for name in sorted(grouped))


__all__ = ["Entry", "Issue", "Site", "Term", "build_model", "parse_issue_id"]
