"""A build's search index: read from the pages the build leaves, written through its staging.

Once every page is in the staging tree, the default language's paper pages (each holds a
paper's texts in every language, so one language's pages cover the archive) are indexed: a
page whose bytes are the live site's is taken from the live index; one that changed is read
(and its live version, for the terms it had). The pages of a segment made whole (every
segment, in a first build) are read in worker processes. The index's files go through the
staging tree like every other file.
"""

from __future__ import annotations

from pathlib import Path

from ..parallel import fork_map, worker_count
from .index import LiveIndex, PageFacts, index_files
from .pages import page_terms, page_titles

#: Below this many pages to read at once, this process reads them alone.
PARALLEL_PAGES = 400

def page_folder(rel: str) -> str:
    """A paper page's folder, as the index names it (``papers/x/`` for papers/x/index.html)."""
    return rel[:-len("index.html")] if rel.endswith("/index.html") else rel


class SiteIndex:
    """The index of ``pages`` (the default language's paper pages, newest first, as the
    archive lists them), made from ``staging`` once the rest of the build is there."""

    def __init__(self, staging, pages: list[str]):
        self.staging, self.pages = staging, pages

    def finish(self) -> None:
        staging, live = self.staging, self.staging.live
        rels = {page_folder(rel): rel for rel in reversed(self.pages)}  # oldest first
        live_files = live.files if live is not None else {}
        missing = live.missing if live is not None else set()

        def live_bytes(path: str) -> bytes | None:
            if path not in live_files or path in missing:
                return None
            try:
                return (staging.output / path).read_bytes()
            except OSError:
                return None

        changed = frozenset(folder for folder, rel in rels.items()
                            if live_files.get(rel) != staging.files.get(rel) or rel in missing)
        index = LiveIndex(live_bytes) if live is not None else None

        def before(folder: str) -> set[str] | None:
            data = live_bytes(rels[folder])
            return None if data is None else page_terms(data.decode())

        def facts_of(folders: list[str]) -> dict[str, PageFacts]:
            return _read_pages(staging.dir, [(folder, rels[folder]) for folder in folders])

        files = index_files(list(rels), lambda folder: _facts(staging.dir / rels[folder]),
                            index, changed, before, facts_of)
        for path, data in files.items():
            if data is None:
                staging.keep(path, live_files[path])
            else:
                staging.write(path, data)


def _facts(page: Path) -> PageFacts:
    text = page.read_text(encoding="utf-8")
    return PageFacts(page_titles(text), page_terms(text))


def _read_pages(tree: Path, pages: list[tuple[str, str]]) -> dict[str, PageFacts]:
    """The facts of ``pages`` ((folder, path) in ``tree``), read in worker processes when they
    are many. A worker sends each page's terms back as one string (a set of hundreds of short
    strings each would take longer to send than to make)."""
    workers = worker_count()
    if len(pages) < PARALLEL_PAGES or workers == 1:
        return {folder: _facts(tree / rel) for folder, rel in pages}

    def read(share: list[tuple[str, str]]) -> list[tuple[str, dict, str]]:
        return [(folder, facts.titles, "\n".join(sorted(facts.terms)))
                for folder, rel in share for facts in [_facts(tree / rel)]]

    return {folder: PageFacts(titles, set(terms.split("\n")) if terms else set())
            for part in fork_map(read, [pages[k::workers] for k in range(workers)])
            for folder, titles, terms in part}

