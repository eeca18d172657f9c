"""Paper rows for pages that list many papers, made once and kept from one build to the next.

A tag or category page lists every paper in it: thousands of rows on a large site. Each row is
the theme's ``paper-row.html`` for one paper in one language, and depends on nothing of the page
around it, so :class:`PaperRows` renders it once per build however many lists hold the paper, and
keeps it in ``.digestgen-cache/`` under the paper's key (:mod:`.keys`: its record and the
issues it is in; the store as a whole belongs to one theme, configuration and version of the
code). A rebuild after one paper changed then renders one row, not the thousands around it; the
rows are the same strings either way, so pages are byte-identical. The digest of each row made
or recalled goes to :class:`~.rowdigests.RowDigests`, which keys the lists by their rows.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from .storage import ShardedStore
from .rowdigests import row_digest
from ..content.records import Paper


class RowCache:
    """The rows of a build's paper lists, per language: what the renderer is handed to make
    them with (``Renderer(..., rows=cache)``), kept between builds once :meth:`keep_in` is
    called."""

    def __init__(self):
        self.languages: dict[str, PaperRows] = {}

    def __call__(self, lang: str, render: Callable[[Paper], str]) -> PaperRows:
        rows = self.languages[lang] = PaperRows(render)
        return rows

    def row(self, lang: str, paper: Paper) -> Markup:
        return self.languages[lang].row(paper)

    def keep_in(self, stores: dict[str, ShardedStore], key_of: Callable[[Paper], str],
                papers: set[str]) -> None:
        """Take rows from ``stores`` (one per language) while ``key_of(paper)`` is what it was
        when they were made; put new ones there. ``papers``: the ids of the site's papers."""
        for lang, rows in self.languages.items():
            rows.keep_in(stores[lang], key_of, papers)

    def save(self) -> None:
        for rows in self.languages.values():
            rows.save()

    def digests(self, languages: tuple[str, ...]) -> dict[str, dict[str, tuple[str, bytes]]]:
        """Per language of ``languages``, the (paper key, digest) of each row made or recalled
        so far. (Digested here, not as rows are made: a row in a language not asked for, if
        any, is keyed by no page.)"""
        found = {}
        for lang in languages:
            rows = self.languages.get(lang)
            if rows is not None and rows.keys:
                found[lang] = {paper_id: (key, row_digest(rows.made[paper_id]))
                               for paper_id, key in rows.keys.items()}
        return found


class PaperRows:
    """The row of each paper in one language: ``render(paper)`` makes one; ``store`` (when
    given) keeps them between builds, valid while ``key_of(paper)`` is unchanged."""

    def __init__(self, render: Callable[[Paper], str]):
        self.render = render
        self.store: ShardedStore | None = None
        self.key_of: Callable[[Paper], str] | None = None
        self.papers: set[str] = set()
        self.keys: dict[str, str] = {}  # paper id -> its key when its row was made
        self.made: dict[str, str] = {}  # paper id -> its row
        self._opened = False

    def keep_in(self, store: ShardedStore, key_of: Callable[[Paper], str],
                papers: set[str]) -> None:
        """Keep rows in ``store``; ``papers`` (the site's paper ids) are the rows worth keeping."""
        self.store, self.key_of, self.papers = store, key_of, papers

    def row(self, paper: Paper) -> Markup:
        text = self.made.get(paper.id)
        if text is None:
            # The very string the store holds (no copy: a large archive's rows are many MB in
            # every worker); the Markup made for each page is dropped with the page.
            text = self.made[paper.id] = self._recall(paper)
            if self.key_of is not None:
                self.keys[paper.id] = self.key_of(paper)
        return Markup(text)

    def _recall(self, paper: Paper) -> str:
        if self.store is None or self.key_of is None:
            return self.render(paper)
        if not self._opened:
            self.store.load()
            self._opened = True
        key = self.key_of(paper)
        kept = self.store.get(paper.id)
        if kept is not None and kept[0] == key:
            return kept[1]
        row = str(self.render(paper))
        self.store.put(paper.id, (key, row))
        return row

    def save(self) -> None:
        """Write what changed. Two workers rendering the same language may each rewrite a shard
        without the other's new rows: those are made again next time (it is only a cache)."""
        if self.store is not None and self._opened:
            self.store.drop_except(self.papers)
            self.store.save()
