"""Full-text search of the built site: a Pagefind index written beside the pages.

Pagefind reads the paper pages of the default language (every page holds a paper's texts in all
its languages, so one language's pages cover the archive) and writes a static index that the
theme's script queries in the browser; the script turns result links into the reader's UI
language. The extended Pagefind binary segments Chinese and Japanese words, so the whole index is
built as one such language when the site has one: 标签平滑 and "label smoothing" are both found.

Pagefind cannot add one page to an index, and indexing takes about 3 ms a page, so a large
site's index is split into shards: runs of papers in the archive's order, oldest first, each cut
where its papers say (see :func:`split_shards`), so that an edit indexes again only the shard of
the edited paper, and a day's new papers only the last shard or two. Each shard is a Pagefind
bundle in ``pagefind/<name>/``, named after its first paper; ``pagefind/shards.json`` lists them.
The script loads Pagefind from the first (only that one keeps Pagefind's script and wasm) and
merges the others in (``mergeIndex``). The list also records what each shard was made from, so
the next build can tell which it may keep. After a small change Pagefind starts as soon as the
pages it reads are rendered, and runs while the rest of the build renders and writes (see
:class:`SearchIndex`). The index goes through the staging folder like every other file, so the
manifest lists it. Pagefind is handed each shard's pages one by one in the archive's order
(:mod:`~digestgen.output.pagefind_run`), never by a walk of a folder, so that the index is the same
bytes on any file system. Pagefind works in a folder beside the output
(``.site.search``), not in the system's temporary folder, so that what a killed build leaves
there is found and removed by the next build.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import select
import zlib
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from ..incremental.storage import digest_text
from ..config import SiteConfig
from ..errors import Problem, SiteError
from .manifest import beside, remove_ours
from .pagefind_run import METHOD, PagefindRun
from ..parallel import worker_count

BUNDLE_DIR = "pagefind"
#: The package that ships the extended Pagefind binary.
PAGEFIND_PACKAGE = "pagefind_bin_extended"
#: The pages that are indexed: one per paper, in the default language (at the output root).
INDEXED_PAGES = "papers/*/index.html"
#: Languages whose words are not separated by spaces; Pagefind's extended build segments them.
SEGMENTED = ("zh", "ja")
#: About how many papers a shard holds (see split_shards): indexing one again takes about
#: 0.35 s + 3 ms a paper, and each shard adds 5 to 15 ms to the reader's first search ...
SHARD_PAPERS = 200
#: ... as long as there are no more than about this many shards; past it, shards twice as large.
MAX_SHARDS = 128
#: The file in the bundle that lists the shards to merge and what each was made from.
SHARDS_FILE = "shards.json"
#: What a merged shard needs of a Pagefind bundle (the first shard's script and wasm do the rest).
SHARD_DATA = ("pagefind-entry.json", "*.pf_meta", "*/*")


@dataclass(frozen=True)
class Shard:
    """One part of the index: its name, the pages it indexes (path -> hash), whether it
    carries Pagefind's script for all of them, and a fingerprint of what its files are made
    from."""

    name: str
    pages: dict[str, str]
    engine: bool
    source: str

    @property
    def folder(self) -> str:
        """Its folder, relative to the bundle, with a trailing slash."""
        return f"{self.name}/"


def shard_of_file(rel: str) -> str | None:
    """The name of the shard that an output file belongs to (None: no shard's)."""
    if not rel.startswith(BUNDLE_DIR + "/"):
        return None
    head, _, rest = rel[len(BUNDLE_DIR) + 1:].partition("/")
    return head if rest else None


def index_language(config: SiteConfig) -> str:
    """The one language the index is built as: one that needs word segmentation if the site
    has one (its English words are still found), else the default language (with stemming)."""
    for code in (*config.languages, config.source_language):
        if code.split("-")[0] in SEGMENTED:
            return code.split("-")[0]
    return config.default_language.split("-")[0]


def pagefind_binary(config: SiteConfig) -> Path:
    """The extended Pagefind binary shipped by the ``pagefind[extended]`` package."""
    try:
        return importlib.import_module(PAGEFIND_PACKAGE).get_executable()
    except (ImportError, FileNotFoundError):
        raise SiteError([Problem(config.path, config.line("search"), "search needs the Pagefind "
                                 "binary: pip install 'pagefind[extended]', or set "
                                 "'search: false'")]) from None


def split_shards(pages: list[str]) -> list[list[str]]:
    """``pages`` (oldest paper first) cut into shards of about :func:`shard_size` papers: a
    shard ends at a page whose path hashes to 0 modulo a third of that, once it holds two
    thirds of it, and at twice that in any case.

    Where a shard ends depends on its own pages, not on a count from the archive's start: papers
    added at the end change only the last shard, and a paper added or removed in the middle
    changes its shard and rarely the next, where hash-numbered shards would put each of a
    day's papers in another shard."""
    target = shard_size(len(pages))
    least, spread, most = max(1, target * 2 // 3), max(1, target // 3), 2 * target
    shards: list[list[str]] = [[]]
    for rel in pages:
        shards[-1].append(rel)
        size = len(shards[-1])
        if size >= most or (size >= least and zlib.crc32(rel.encode()) % spread == 0):
            shards.append([])
    return [shard for shard in shards if shard]


def shard_size(papers: int) -> int:
    """About how many papers a shard of an index of ``papers`` holds: SHARD_PAPERS, doubled
    until there are at most MAX_SHARDS of them (so an archive is cut anew, and indexed again
    whole, only when it grows past 25,600 papers, 51,200, ...)."""
    size = SHARD_PAPERS
    while papers > MAX_SHARDS * size:
        size *= 2
    return size


def plan_shards(config: SiteConfig, files: dict[str, str], pages: list[str]) -> list[Shard]:
    """The shards that index the paper pages ``pages`` (newest first, as the archive lists
    them), whose hashes are in ``files`` (output path -> hash)."""
    made_by = [_pagefind_version(), index_language(config), METHOD]
    shards, names = [], set()
    for i, part in enumerate(split_shards([rel for rel in reversed(pages) if rel in files])):
        name = digest_text(part[0])[:10]  # the first paper's: stable as the archive grows
        name = name if name not in names else f"{name}-{i}"
        names.add(name)
        digests = {rel: files[rel] for rel in part}
        shards.append(Shard(name, digests, engine=not i, source=digest_text(json.dumps(
            [*made_by, not i, sorted(digests.items())]))))
    return shards


class SearchIndex:
    """The index of one build's paper pages ``pages`` (newest first), made while the build goes
    on: :meth:`start` plans the shards and starts Pagefind over those that changed, once the
    pages they index are in ``staging`` (rendered by this build) or in the live site
    (unchanged); :meth:`finish` writes the index into ``staging`` once the rest of the build is
    there; :meth:`close` stops what still runs and removes Pagefind's work folder.

    Pagefind runs in processes of its own, as many at a time as there are cores, started and
    awaited from this thread: the build renders on meanwhile, and a thread of ours would have
    to take turns with it (Python's lock) for every file it links."""

    def __init__(self, config: SiteConfig, staging, pages: list[str]):
        self.config, self.staging, self.pages = config, staging, pages
        self.work = search_work_dir(staging.output)
        self.shards: list[Shard] = []
        self._waiting: list[Shard] = []
        self._running: dict[int, tuple[Shard, PagefindRun]] = {}  # by its output's fd
        self._binary: Path | None = None

    def start(self) -> None:
        staging = self.staging
        # A page this build has not written (yet) is the live site's, unchanged.
        files = dict(staging.live.files) if staging.live is not None else {}
        files.update(staging.files)
        self.shards = plan_shards(self.config, files, self.pages)
        built = _live_sources(staging.output, staging.live)
        self._waiting = [shard for shard in self.shards if built.get(shard.name) != shard.source]
        remove_ours(self.work)  # what a killed build left; ours by name
        if self._waiting:
            self._binary = pagefind_binary(self.config)
        self._start_more()

    def _start_more(self) -> None:
        staging = self.staging
        while self._waiting and len(self._running) < worker_count():
            shard = self._waiting.pop(0)
            pages = {rel: (staging.dir if rel in staging.files else staging.output) / rel
                     for rel in shard.pages}
            run = start_pagefind(self.config, self._binary, pages, self.work / shard.name)
            self._running[run.reading] = (shard, run)

    def finish(self) -> None:
        staging = self.staging
        # While Pagefind runs, the shards it need not index are carried over.
        _keep_shards(staging, {shard.name for shard in self.shards}
                     - {shard.name for shard, _ in self._running.values()}
                     - {shard.name for shard in self._waiting})
        while self._running:
            writing = {run.writing: run for _, run in self._running.values() if run.writing}
            ready, writable, _ = select.select(list(self._running), list(writing), [])
            for fd in writable:
                writing[fd].pump()
            for fd in ready:
                shard, run = self._running[fd]
                if not run.read():
                    continue
                del self._running[fd]
                for rel, data in bundle_files(self.config, run, shard.engine):
                    staging.write(f"{BUNDLE_DIR}/{shard.folder}{rel}", data)
            self._start_more()
        listing = {"bundles": [shard.folder for shard in self.shards],
                   "language": index_language(self.config),
                   "sources": {shard.name: shard.source for shard in self.shards}}
        staging.write(f"{BUNDLE_DIR}/{SHARDS_FILE}",
                      (json.dumps(listing, indent=1, sort_keys=True) + "\n").encode())

    def close(self) -> None:
        for _, run in self._running.values():  # only after a failure: stop the rest
            run.kill()
        self._running.clear()
        self._waiting.clear()
        remove_ours(self.work)


def search_work_dir(output: Path) -> Path:
    """The folder beside ``output`` in which Pagefind indexes the shards of a build."""
    return beside(output, "search")


def _keep_shards(staging, names: set[str]) -> None:
    """Keep the live site's files of the shards named ``names``."""
    if names and staging.live is not None:
        for rel, digest in staging.live.files.items():
            if shard_of_file(rel) in names:
                staging.keep(rel, digest)


def start_pagefind(config: SiteConfig, binary: Path, pages: dict[str, Path],
                   work: Path) -> PagefindRun:
    """Start Pagefind over ``pages`` (output path -> where the page is now, in the order they
    are indexed), in the empty or missing folder ``work``; see :func:`bundle_files` for what
    it wrote."""
    site = work / "pages"
    for rel, source in pages.items():  # Pagefind reads the pages through links to them
        (site / rel).parent.mkdir(parents=True)
        (site / rel).symlink_to(source)
    site.mkdir(parents=True, exist_ok=True)
    return PagefindRun(binary, site, list(pages), index_language(config))


def bundle_files(config: SiteConfig, run: PagefindRun, engine: bool) -> list[tuple[str, bytes]]:
    """Once the Pagefind ``run`` answered, the files of the bundle it made (only its data files
    unless it is the ``engine``), as (path in the bundle, bytes)."""
    failure = run.finish()
    if failure is not None:
        raise SiteError([Problem(config.path, config.line("search"),
                                 f"building the search index failed: {failure}")])
    return [(rel, data) for rel, data in sorted(run.files)
            if engine or any(fnmatchcase(rel, glob) for glob in SHARD_DATA)]


def _live_sources(output: Path, live) -> dict[str, str]:
    """What each shard of the live site's index was made from, by shard name; a shard with a
    file that someone removed is left out (it is made again)."""
    rel = f"{BUNDLE_DIR}/{SHARDS_FILE}"
    if live is None or rel not in live.files or rel in live.missing:
        return {}
    try:
        sources = json.loads((output / rel).read_text(encoding="utf-8"))["sources"]
        built = {str(name): str(source) for name, source in sources.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    for gone in live.missing:
        built.pop(shard_of_file(gone), None)
    return built


def _pagefind_version() -> str:
    """The version of the Pagefind package, from the install record beside it: importing
    importlib.metadata alone takes ~30 ms, which every build with search on would pay."""
    spec = importlib.util.find_spec(PAGEFIND_PACKAGE)
    if spec is not None and spec.origin is not None:
        prefix = PAGEFIND_PACKAGE + "-"
        for record in sorted(Path(spec.origin).parent.parent.glob(prefix + "*.dist-info")):
            return record.name[len(prefix):-len(".dist-info")]
    from importlib import metadata
    try:
        return metadata.version(PAGEFIND_PACKAGE)
    except metadata.PackageNotFoundError:
        return "unknown"
