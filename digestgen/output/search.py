"""Full-text search of the built site: a Pagefind index written beside the pages.

Pagefind reads the paper pages of the default language (every page holds a paper's texts in all
its languages, so one language's pages cover the archive) and writes a static index that the
theme's script queries in the browser; the script turns result links into the reader's UI
language. Chinese and Japanese are written without spaces between words, and no dictionary cuts
them the same way twice (Pagefind's when indexing, the browser's when a reader searches): so
neither is used. Pagefind reads each page with every run of Han or kana characters written as its
overlapping pairs (理解为何 as 理解 解为 为何, see :func:`index_html`), each pair written as a word
of letters (Pagefind would cut a pair of characters again when searching), and the script cuts
and writes a query the same way: 特征可视化 is found wherever the page has it, and 强化学习 not
where the page has 学习 alone. The index is built in a language with spaces between words and stemming (English on a
site in Chinese and English: calibrate finds calibration).

The index is made of documents of a few papers each, not of one a paper
(:mod:`~digestgen.output.search_docs`): Pagefind writes a file for each document, and the
script cuts a document found into its papers.

Pagefind cannot add one page to an index, so a large site's index is split into shards: runs of
papers in the archive's order, oldest first, each cut where its papers say (see
:func:`split_shards`), so that an edit indexes again only the shard of the edited paper, and a
day's new papers only the last shard or two. Each shard is a Pagefind bundle in
``pagefind/<name>/``, named after its first paper; ``pagefind/shards.json`` lists them. The
script loads Pagefind from the first (only that one keeps Pagefind's script and wasm) and merges
the others in (``mergeIndex``). The list also records what each shard was made from, so the
next build can tell which it may keep. After a small change Pagefind starts as soon as the
pages it reads are rendered, and runs while the rest of the build renders and writes (see
:class:`SearchIndex`). The index goes through the staging folder like every other file, so the
manifest lists it. Pagefind is handed each shard's documents one by one in the archive's order
(:mod:`~digestgen.output.pagefind_run`), never by a walk of a folder, so that the index is the
same bytes on any file system. Nothing is written for Pagefind to read; the folder beside the
output where earlier versions had it read copies of the pages (``.site.search``) is still
removed when a killed build left it.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import re
import select
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from ..incremental.storage import digest_text
from ..config import SiteConfig
from ..errors import Problem, SiteError
from .manifest import beside, remove_ours
from .pagefind_run import METHOD, PagefindRun
from .search_docs import DOCUMENT_PAPERS, cut, document, paper_part
from ..parallel import worker_count

BUNDLE_DIR = "pagefind"
#: The package that ships the extended Pagefind binary.
PAGEFIND_PACKAGE = "pagefind_bin_extended"
#: The pages that are indexed: one per paper, in the default language (at the output root).
INDEXED_PAGES = "papers/*/index.html"
#: Languages whose words are not separated by spaces.
SEGMENTED = ("zh", "ja")
#: Characters of those languages (Han, kana): the index and the search box both cut a run of them
#: into overlapping pairs (the script in layouts/static/assets/digest.js has the same ranges).
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{CJK}]+")
_TEXT = re.compile(r">([^<]+)<")
#: About how many papers a shard holds (see split_shards): indexing one again takes Pagefind
#: about 0.05 s + 3.5 ms a paper, most of an edit's time at 200 papers a shard, and each shard
#: adds about 20 ms to the reader's first search (measured at 5,000 papers: 2.7 s with shards
#: of 200, 3.2 s with 100, 5.2 s with 64). 100 halves an edit's re-index for a fifth more of
#: the reader's wait ...
SHARD_PAPERS = 100
#: ... as long as there are no more than about this many shards; past it, shards twice as large.
MAX_SHARDS = 128
#: The file in the bundle that lists the shards to merge and what each was made from.
SHARDS_FILE = "shards.json"
#: What a merged shard needs of a Pagefind bundle (the first shard's script and wasm do the rest).
SHARD_DATA = ("pagefind-entry.json", "*.pf_meta", "*/*")
#: What the first shard keeps besides: Pagefind's script, its worker and wasm (not the UI
#: components Pagefind also writes, which the theme does not use).
ENGINE = ("pagefind.js", "pagefind-worker.js", "wasm.*.pagefind")


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
    """The one language the index is built as, for its stemming: the site's first language
    written with spaces between words (Chinese and Japanese are cut into pairs instead), else
    English."""
    for code in (config.default_language, *config.languages, config.source_language):
        if code.split("-")[0] not in SEGMENTED:
            return code.split("-")[0]
    return "en"


#: Hexadecimal digits as the letters a to p (see pair_word).
_AS_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


@functools.lru_cache(maxsize=1 << 16)
def _char_letters(char: str) -> str:
    """A character's code point as four letters (等 is hlej); a page has thousands of Han
    characters but a few thousand distinct ones, hence the cache."""
    return f"{ord(char):04x}".translate(_AS_LETTERS)


def pair_word(chars: str) -> str:
    """One or two Han or kana characters as a word of the index: ``qx`` and the hexadecimal
    digits of each code point written as the letters a to p (等人 is qxhlejeolk)."""
    return "qx" + "".join(map(_char_letters, chars))


def pairs(run: str) -> str:
    """A run of Han or kana characters as the index holds it: its overlapping pairs."""
    if len(run) == 1:
        return pair_word(run)
    letters = list(map(_char_letters, run))
    return " ".join(["qx" + a + b for a, b in zip(letters, letters[1:])])


def index_html(html: str) -> str:
    """A page as Pagefind reads it: in the text between its tags, each run of Han or kana
    written as its pairs (attributes, such as the titles kept as metadata, are left alone)."""
    def text(match: re.Match) -> str:
        return ">" + _CJK_RUN.sub(lambda run: f" {pairs(run[0])} ", match[1]) + "<"
    return _TEXT.sub(text, html)


def pagefind_binary(config: SiteConfig) -> Path:
    """The extended Pagefind binary shipped by the ``pagefind[extended]`` package."""
    try:
        return importlib.import_module(PAGEFIND_PACKAGE).get_executable()
    except (ImportError, FileNotFoundError):
        raise SiteError([Problem(config.path, config.line("search"), "search needs the Pagefind "
                                 "binary: pip install 'pagefind[extended]', or set "
                                 "'search: false'")]) from None


def split_shards(pages: list[str]) -> list[list[str]]:
    """``pages`` (oldest paper first) cut into shards of about :func:`shard_size` papers (see
    :func:`~digestgen.output.search_docs.cut`): papers added at the end change only the last
    shard, and a paper added or removed in the middle changes its shard and rarely the next,
    where hash-numbered shards would put each of a day's papers in another shard. A shard
    holds at most half as many again as its size (not twice): an edit indexes its paper's
    whole shard again, and a shard cut there rather than where a paper's name says (a few in
    a hundred) changes the next shard's start, not its end."""
    size = shard_size(len(pages))
    return cut(pages, size, most=size * 3 // 2)


def shard_size(papers: int) -> int:
    """About how many papers a shard of an index of ``papers`` holds: SHARD_PAPERS, doubled
    until there are at most MAX_SHARDS of them (so an archive is cut anew, and indexed again
    whole, only when it grows past 8,192 papers, 16,384, ...)."""
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

    Pagefind runs in processes of its own, as many at a time as there are cores, each making a
    share of the shards one after another, started and awaited from this thread: the build
    renders on meanwhile. Each run's documents are made and written by a thread of its own
    (:class:`~digestgen.output.pagefind_run.PagefindRun`): making them takes turns with the
    rendering (Python's lock) as it would in this thread, but Pagefind starts at once and
    reads each document while the next is made, rather than after all of them, so that after
    a small change it is done sooner after the rendering."""

    def __init__(self, config: SiteConfig, staging, pages: list[str]):
        self.config, self.staging, self.pages = config, staging, pages
        self.work = search_work_dir(staging.output)
        self.shards: list[Shard] = []
        self._waiting: list[Shard] = []
        self._running: dict[int, tuple[list[Shard], PagefindRun]] = {}  # by its output's fd
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
            # The shards left, shared between the runs that may start now.
            share = -(-len(self._waiting) // (worker_count() - len(self._running)))
            group, self._waiting = self._waiting[:share], self._waiting[share:]
            run = start_pagefind(self.config, self._binary, [
                {rel: (staging.dir if rel in staging.files else staging.output) / rel
                 for rel in shard.pages} for shard in group])
            self._running[run.reading] = (group, run)

    def finish(self) -> None:
        staging = self.staging
        # While Pagefind runs, the shards it need not index are carried over.
        _keep_shards(staging, {shard.name for shard in self.shards}
                     - {shard.name for group, _ in self._running.values() for shard in group}
                     - {shard.name for shard in self._waiting})
        while self._running:
            ready, _, _ = select.select(list(self._running), [], [])
            for fd in ready:
                group, run = self._running[fd]
                if not run.read():
                    continue
                del self._running[fd]
                for rel, data in bundle_files(self.config, run, group):
                    staging.write(f"{BUNDLE_DIR}/{rel}", data)
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


def start_pagefind(config: SiteConfig, binary: Path,
                   shards: list[dict[str, Path]]) -> PagefindRun:
    """Start Pagefind over the pages of ``shards``, one bundle each, one after another (for
    each: output path -> where the page is now, in the order they are indexed), handed to it as
    documents of a few papers each (:mod:`search_docs`), each named after its first paper's
    page and made while Pagefind reads the one before; see :func:`bundle_files` for what it
    wrote."""
    bundles = []
    for pages in shards:
        runs = cut(list(pages), DOCUMENT_PAPERS)
        bundles.append((len(runs), _documents(runs, pages)))
    return PagefindRun(binary, index_language(config), bundles)


def _documents(runs: list[list[str]], pages: dict[str, Path]):
    """The document of each run of papers, made when the one before is handed to Pagefind."""
    for run in runs:
        parts = [paper_part(rel, pages[rel].read_text(encoding="utf-8")) for rel in run]
        yield "/" + run[0], index_html(document(parts))


def bundle_files(config: SiteConfig, run: PagefindRun,
                 shards: list[Shard]) -> list[tuple[str, bytes]]:
    """Once the Pagefind ``run`` answered, the files of the bundles it made for ``shards`` (of
    each only its data files unless it is the ``engine``), as (path in the index, bytes)."""
    failure = run.finish()
    if failure is not None:
        raise SiteError([Problem(config.path, config.line("search"),
                                 f"building the search index failed: {failure}")])
    files = []
    for number, shard in enumerate(shards):
        kept = SHARD_DATA + ENGINE if shard.engine else SHARD_DATA
        files += [(shard.folder + rel, data) for rel, data in sorted(run.files[number])
                  if any(fnmatchcase(rel, glob) for glob in kept)]
    return files


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
