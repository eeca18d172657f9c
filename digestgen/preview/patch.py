"""The site model after an edit that moves no paper: the last model, the edited records in place.

:func:`digestgen.content.model.build_model` places a paper by its id, date, tags, categories and
draft flag alone (its issue and row, its neighbours, its lists); the rest of a record is only
shown. When every edited paper keeps those, and no file was added, removed or is an issue file,
the model :func:`build_model` would make is the last one with the new records where the old
ones were: the issues, terms and lookups that hold them are made again, nothing else. At 20,000
papers that takes milliseconds where making the model takes about a second. The pages are the
same either way (``tests/test_serve_memory.py`` compares them with a cold build).
"""

from __future__ import annotations

import dataclasses

from ..content.model import Issue, Site, Term
from ..content.records import Paper


def placement(paper: Paper) -> tuple:
    """What the model reads of a paper to place it."""
    return paper.id, paper.date, tuple(paper.tags), tuple(paper.categories), paper.draft


def patched_model(site: Site, edited: dict[str, tuple[Paper, Paper]]) -> Site | None:
    """``site`` with each edited paper (by id: its record in ``site``, its new record) in place;
    None when one of them is placed otherwise now."""
    if any(placement(old) != placement(new) for old, new in edited.values()):
        return None
    new_of = {paper_id: new for paper_id, (_, new) in edited.items()}

    def now(paper: Paper) -> Paper:
        return new_of.get(paper.id, paper)

    touched: dict[int, Issue] = {}  # id() of an old issue -> the new one
    for paper_id in edited:
        for issue in site.appearances.get(paper_id, ()):
            if id(issue) not in touched:
                touched[id(issue)] = dataclasses.replace(issue, entries=tuple(
                    dataclasses.replace(entry, paper=now(entry.paper))
                    if entry.paper.id in new_of else entry for entry in issue.entries))
    issue_of = dict(site.issue_of)
    appearances = dict(site.appearances)
    for issue in touched.values():
        for entry in issue.entries:
            paper_id = entry.paper.id
            old_issue = site.issue_of.get(paper_id)
            if old_issue is not None and id(old_issue) in touched:
                issue_of[paper_id] = touched[id(old_issue)]
            appearances[paper_id] = tuple(touched.get(id(i), i) for i in appearances[paper_id])
    names = {(kind, name) for old, _ in edited.values()
             for kind, names in (("tags", old.tags), ("categories", old.categories))
             for name in names}

    def terms(found: tuple[Term, ...]) -> tuple[Term, ...]:
        return tuple(Term(term.kind, term.name, tuple(map(now, term.papers)))
                     if (term.kind, term.name) in names else term for term in found)

    return Site(config=site.config,
                issues=tuple(touched.get(id(issue), issue) for issue in site.issues),
                papers=tuple(map(now, site.papers)), tags=terms(site.tags),
                categories=terms(site.categories), issue_of=issue_of, appearances=appearances)
