"""A build's search index: read from the pages the build leaves, written through its staging.

Once every page is in the staging tree, the default language's paper pages (each holds a
paper's texts in every language, so one language's pages cover the archive) are indexed: a
page whose bytes are the live site's is taken from the live index; one that changed is read
(and its live version, for the terms it had). The pages of a segment made whole (every
segment, in a first build) are read in worker processes. The index's files go through the
staging tree like every other file.
"""

from __future__ import annotations

from operator import itemgetter
from pathlib import Path

from ..parallel import fork_map, worker_count
from .index import LiveIndex, PageFacts, index_files
from .pages import page_terms, page_titles

#: Below this many pages to read at once, this process reads them alone.
PARALLEL_PAGES = 400

_PAGE = "index.html"


def page_folders(rels: list[str]) -> list[str]:
    """Paper pages' folders, as the index names them (``papers/x/`` for papers/x/index.html:
    every paper page is a folder's index.html, :meth:`~digestgen.pages.links.Links.paper`).
    By a map in C: a build of a 100,000-paper site names every one."""
    return list(map(itemgetter(slice(None, -len(_PAGE))), rels))


class SiteIndex:
    """The index of ``pages`` (the default language's paper pages, newest first, as the
    archive lists them), made from ``staging`` once the rest of the build is there."""

    def __init__(self, staging, pages: list[str]):
        self.staging, self.pages = staging, pages

    def finish(self) -> None:
        staging, live = self.staging, self.staging.live
        pages = self.pages[::-1]  # oldest first
        folders = page_folders(pages)
        rels = dict(zip(folders, pages))
        live_files = live.files if live is not None else {}
        missing = live.missing if live is not None else frozenset()
        # Whether the live site has a file of ours (read only where it is asked for).
        present = (lambda path: path in live_files and path not in missing) if missing \
            else live_files.__contains__

        def live_bytes(path: str) -> bytes | None:
            if not present(path):
                return None
            try:
                return (staging.output / path).read_bytes()
            except OSError:
                return None

        # Only a page given to the staging tree in this build, or missing from the live one,
        # can differ from the live page (the others were kept from it): an edit looks at a few.
        folder_of = dict(zip(pages, folders))
        changed = frozenset(
            folder_of[rel] for rel in staging.given | missing if rel in folder_of
            and (rel in missing or live_files.get(rel) != staging.files.get(rel))
        ) if live is not None else frozenset()  # (with no live index, every page is read)
        index = LiveIndex(live_bytes, present) if live is not None else None

        def before(folder: str) -> set[str] | None:
            data = live_bytes(rels[folder])
            return None if data is None else page_terms(data.decode())

        def facts_of(folders: list[str]) -> dict[str, PageFacts]:
            return _read_pages(staging.dir, [(folder, rels[folder]) for folder in folders])

        files = index_files(folders, lambda folder: _facts(staging.dir / rels[folder]),
                            index, changed, before, facts_of)
        staging.keep_all({path: live_files[path] for path, data in files.items() if data is None})
        for path, data in files.items():
            if data is not None:
                staging.write(path, data)


def _facts(page: Path) -> PageFacts:
    text = page.read_text(encoding="utf-8")
    titles = page_titles(text)
    return PageFacts(titles, page_terms(text, titles))


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

