"""Paper views kept from one build to the next, for pages that list many papers.

A tag or category page shows every paper in it, so a rebuild after one paper changed renders
the big ones again: making the view of each of their thousands of papers (texts picked, Markdown
rendered, links made) costs more than the page itself. :class:`StoredViews` keeps each paper's
view, per language, in ``.digestgen-cache/`` under the paper's key (:mod:`pagekeys`: its record
and the issues it is in; the store as a whole belongs to one theme, configuration and version of
the code), and gives it back while that key holds. A view is equal to the one
:class:`~digestgen.views.Views` would make again, so pages are byte-identical either way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from .cache import ShardedStore
from .records import Paper
from .views import PaperView, Views


class StoredViews(Views):
    """:class:`Views` whose paper views come from ``store`` when their key is unchanged.

    The store is read the first time a view is asked for; the views made are put into it, and
    :meth:`save` writes the shards that changed."""

    def __init__(self, *args, store: ShardedStore | None = None,
                 key_of: Callable[[Paper], str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.store, self.key_of = store, key_of
        self._recalled: dict[str, PaperView] = {}
        self._opened = False

    def paper(self, paper: Paper) -> PaperView:
        if self.store is None or self.key_of is None:
            return super().paper(paper)
        view = self._recalled.get(paper.id)
        if view is None:
            view = self._recalled[paper.id] = self._recall(paper)
        return view

    def _recall(self, paper: Paper) -> PaperView:
        if not self._opened:
            self.store.load()
            self._opened = True
        key = self.key_of(paper)
        kept = self.store.get(paper.id)
        if kept is not None and kept[0] == key:
            return dataclasses.replace(kept[1], paper=paper)
        view = super().paper(paper)
        self.store.put(paper.id, (key, dataclasses.replace(view, paper=None)))
        return view

    def save(self) -> None:
        if self.store is not None and self._opened:
            self.store.save()
