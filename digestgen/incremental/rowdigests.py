"""The digests of the rows that tag and category pages list, kept with each paper's key.

A tag or category page shows nothing of its papers but their rows, so its key
(:mod:`.keys`) hashes the digests of those rows: an edit that no row shows leaves the lists
alone. A row's digest holds from one build to the next while its paper's key and ``base``
(theme, configuration, code) are what they were; a paper's facts
(:class:`~digestgen.pages.more_pages.PaperFacts`: its BibTeX, its share of the statistics) are
kept the same way.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable, Mapping

from ..content.records import Paper
from .keptmaps import overlay

#: Rows rendered while planning a build, at most. When more rows are new (a first build, a
#: changed row template), the lists holding them are rendered without comparing keys, and their
#: rows are digested as they are made.
ROWS_TO_PLAN = 400

_ID = operator.attrgetter("id")


def row_digest(row: str) -> bytes:
    return hashlib.blake2b(row.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class RowDigests:
    """The digest of each listed paper's row in each language, and of each paper's facts (kept
    as rows of the "languages" ``PaperFacts.NAMES``). A digest is kept from one build to the
    next with the paper's key (:meth:`~.keys.PageKeys.paper`), and holds while that key and
    the theme, configuration and code (``base``) are what they were when the row was made."""

    def __init__(self, kept: object, base: str, languages: tuple[str, ...]):
        self.base, self.languages = base, languages
        valid = isinstance(kept, dict) and kept.get("base") == base \
            and kept.get("languages") == languages and isinstance(kept.get("keys"), Mapping) \
            and isinstance(kept.get("digests"), dict) \
            and all(isinstance(kept["digests"].get(lang), Mapping) for lang in languages)
        # As last kept: paper id -> key, and per language paper id -> its row's digest.
        self.kept_keys: Mapping[str, str] = kept["keys"] if valid else {}
        self.kept_digests: dict[str, Mapping[str, bytes]] = kept["digests"] if valid else \
            {lang: {} for lang in languages}
        self.known: dict[str, Mapping[str, bytes]] = {lang: {} for lang in languages}
        self.keys: Mapping[str, str] = {}  # paper id -> key, of the papers checked in this build

    def check(self, papers: list[Paper], paper_key: Callable[[Paper], str],
              languages: tuple[str, ...]) -> list:
        """Take the kept digests in ``languages`` that still hold for ``papers``; returns the
        (language, paper) pairs that have none."""
        stale = []
        for paper in papers:
            key = self.keys[paper.id] = paper_key(paper)
            same = self.kept_keys.get(paper.id) == key
            for lang in languages:
                digest = self.kept_digests[lang].get(paper.id) if same else None
                if digest is not None:
                    self.known[lang][paper.id] = digest
                else:
                    stale.append((lang, paper))
        return stale

    def carry(self, changed: set[str]) -> None:
        """Take every kept digest but those of the papers ``changed``, without making keys to
        check them: valid while the keys of the other papers cannot have changed (see
        :meth:`~.keys.PageKeys.patched`). (Copied as overlays: the kept ones are read from disk as
        lookups need them, and a copy of 100,000 entries cost more than the rest of a patch.)"""
        self.keys = overlay(self.kept_keys)
        self.known = {lang: overlay(self.kept_digests[lang]) for lang in self.languages}
        for paper_id in changed:
            self.keys.pop(paper_id, None)
            for digests in self.known.values():
                digests.pop(paper_id, None)

    def fill(self, groups: list[tuple[list[Paper], tuple[str, ...]]],
             paper_key: Callable[[Paper], str], row_of: Callable[[str, Paper], str]) -> None:
        """:meth:`check` each group's papers in its languages, and render the rows that have no
        digest when they are few (in each group: facts are not counted against rows)."""
        for papers, languages in groups:
            stale = self.check(papers, paper_key, languages)
            if len(stale) <= ROWS_TO_PLAN:
                for lang, paper in stale:
                    self.known[lang][paper.id] = row_digest(row_of(lang, paper))

    def learn(self, lang: str, paper_id: str, key: str, digest: bytes) -> None:
        """The digest of a row made while rendering, for the paper whose key was ``key``."""
        if self.keys.get(paper_id) == key:
            self.known[lang][paper_id] = digest

    def of(self, lang: str, papers: tuple[Paper, ...]) -> list[bytes | None]:
        return list(map(self.known[lang].get, map(_ID, papers)))

    def current(self) -> dict:
        """What to keep for the next build: the keys of the papers checked in this build, and
        the digests known of their rows (only theirs: :meth:`learn` takes no other)."""
        return {"base": self.base, "languages": self.languages, "keys": self.keys,
                "digests": self.known}
