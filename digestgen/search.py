"""Full-text search of the built site: a Pagefind index written beside the pages.

Pagefind reads the paper pages of the default language (every page holds a paper's texts in all
its languages, so one language's pages cover the archive) and writes a static index that the
theme's script queries in the browser; the script turns result links into the reader's UI
language. The extended Pagefind binary segments Chinese and Japanese words, so the whole index is
built as one such language when the site has one: 标签平滑 and "label smoothing" are both found.

Pagefind cannot add one page to an index, and indexing takes about 4 ms a page, so a large site's
index is split into shards by a hash of the paper's page: a rebuild indexes again only the shards
whose pages changed. Each shard is a Pagefind bundle in ``pagefind/<n>/``; ``pagefind/shards.json``
lists those that index any page. The script loads Pagefind from the first of them (only that one
keeps Pagefind's script and wasm) and merges the others in (``mergeIndex``). The list also
records what each shard was made from, so the next build can tell which it may keep. The index
goes through the staging folder like every other file, so the manifest lists it. Pagefind works
in a folder beside the output (``.site.search``), not in the system's temporary folder, so that
what a killed build leaves there is found and removed by the next build.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from .cache import digest_text
from .config import SiteConfig
from .errors import Problem, SiteError
from .manifest import beside
from .parallel import worker_count

BUNDLE_DIR = "pagefind"
#: The pages that are indexed: one per paper, in the default language (at the output root).
INDEXED_PAGES = "papers/*/index.html"
#: Languages whose words are not separated by spaces; Pagefind's extended build segments them.
SEGMENTED = ("zh", "ja")
#: Most papers a shard holds: indexing one again takes about 0.4 s + 4 ms a paper.
SHARD_PAPERS = 1000
#: The file in the bundle that lists the shards to merge and what each was made from.
SHARDS_FILE = "shards.json"
#: What a merged shard needs of a Pagefind bundle (the first shard's script and wasm do the rest).
SHARD_DATA = ("pagefind-entry.json", "*.pf_meta", "*/*")


@dataclass(frozen=True)
class Shard:
    """One part of the index: its number, the pages it indexes (path -> hash), whether it
    carries Pagefind's script for all of them, and a fingerprint of what its files are made
    from."""

    number: int
    pages: dict[str, str]
    engine: bool
    source: str

    @property
    def folder(self) -> str:
        """Its folder, relative to the bundle, with a trailing slash."""
        return f"{self.number}/"


def shard_of_file(rel: str) -> int | None:
    """The number of the shard that an output file belongs to (None: no shard's)."""
    head, _, rest = rel.removeprefix(BUNDLE_DIR + "/").partition("/")
    return int(head) if rel.startswith(BUNDLE_DIR + "/") and rest and head.isdigit() else None


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
        from pagefind_bin_extended import get_executable
        return get_executable()
    except (ImportError, FileNotFoundError):
        raise SiteError([Problem(config.path, None, "search needs the Pagefind binary: "
                                 "pip install 'pagefind[extended]', or set 'search: false'")]) \
            from None


def shard_count(papers: int) -> int:
    """How many shards an index of ``papers`` pages has: the fewest, a power of two, that hold
    at most SHARD_PAPERS each (a growing site is split again only at 2k, 4k, 8k, ... papers)."""
    count = 1
    while papers > count * SHARD_PAPERS:
        count *= 2
    return count


def plan_shards(config: SiteConfig, files: dict[str, str]) -> list[Shard]:
    """The shards that index the paper pages among ``files`` (output path -> hash): those of
    the shard count that hold any page."""
    pages = dict(sorted((rel, digest) for rel, digest in files.items()
                        if fnmatchcase(rel, INDEXED_PAGES)))
    count = shard_count(len(pages))
    parts: list[dict[str, str]] = [{} for _ in range(count)]
    for rel, digest in pages.items():
        parts[zlib.crc32(rel.encode()) % count][rel] = digest
    made_by = [_pagefind_version(), index_language(config), count]
    numbered = [(number, part) for number, part in enumerate(parts) if part]
    return [Shard(number, part, engine=not i,
                  source=digest_text(json.dumps([*made_by, not i, sorted(part.items())])))
            for i, (number, part) in enumerate(numbered)]


def write_search_index(config: SiteConfig, staging) -> None:
    """Write the index of the pages in ``staging`` into it (if search is on): the live site's
    files of every shard whose pages are unchanged, and a new index of each other shard."""
    if not config.search:
        return
    shards = plan_shards(config, staging.files)
    live = staging.live
    built = _live_sources(staging.output, live)
    todo = [shard for shard in shards if built.get(str(shard.number)) != shard.source]
    reused = {shard.number for shard in shards} - {shard.number for shard in todo}
    if reused:
        for rel, digest in live.files.items():
            if shard_of_file(rel) in reused:
                staging.keep(rel, digest)
    if todo:
        _index_shards(config, staging, todo)
    listing = {"bundles": [shard.folder for shard in shards], "language": index_language(config),
               "sources": {str(shard.number): shard.source for shard in shards}}
    staging.write(f"{BUNDLE_DIR}/{SHARDS_FILE}",
                  (json.dumps(listing, indent=1, sort_keys=True) + "\n").encode())


def search_work_dir(output: Path) -> Path:
    """The folder beside ``output`` in which Pagefind indexes the shards of a build."""
    return beside(output, "search")


def _index_shards(config: SiteConfig, staging, shards: list[Shard]) -> None:
    """Index ``shards`` again, two at a time, into ``staging``."""
    binary = pagefind_binary(config)
    work = search_work_dir(staging.output)
    shutil.rmtree(work, ignore_errors=True)  # what a killed build left; ours by name
    try:
        with ThreadPoolExecutor(max_workers=worker_count()) as pool:
            made = pool.map(lambda shard: index_shard(config, binary, staging.dir, shard,
                                                      work / str(shard.number)), shards)
            for shard, files in zip(shards, made):
                for rel, data in files:
                    staging.write(f"{BUNDLE_DIR}/{shard.folder}{rel}", data)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def index_shard(config: SiteConfig, binary: Path, site_dir: Path, shard: Shard, work: Path) \
        -> list[tuple[str, bytes]]:
    """Run Pagefind over the shard's pages in ``site_dir``, in the empty or missing folder
    ``work``; the files of the bundle it writes (only its data files unless it is the engine),
    as (path in the bundle, bytes)."""
    pages, bundle = work / "pages", work / "bundle"
    for rel in shard.pages:  # Pagefind reads the shard's pages through links to them
        (pages / rel).parent.mkdir(parents=True)
        (pages / rel).symlink_to(site_dir / rel)
    pages.mkdir(parents=True, exist_ok=True)
    command = [str(binary), "--site", str(pages), "--glob", INDEXED_PAGES,
               "--force-language", index_language(config), "--output-path", str(bundle),
               "--silent"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise SiteError([Problem(config.path, None, "building the search index failed: "
                                 + (detail[-1] if detail else f"exit {done.returncode}"))])
    files = [(path.relative_to(bundle).as_posix(), path) for path in sorted(bundle.rglob("*"))
             if path.is_file()]
    return [(rel, path.read_bytes()) for rel, path in files
            if shard.engine or any(fnmatchcase(rel, glob) for glob in SHARD_DATA)]


def _live_sources(output: Path, live) -> dict[str, str]:
    """What each shard of the live site's index was made from, by shard number; a shard with
    a file that someone removed is left out (it is made again)."""
    rel = f"{BUNDLE_DIR}/{SHARDS_FILE}"
    if live is None or rel not in live.files or rel in live.missing:
        return {}
    try:
        sources = json.loads((output / rel).read_text(encoding="utf-8"))["sources"]
        built = {str(number): str(source) for number, source in sources.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    for gone in live.missing:
        built.pop(str(shard_of_file(gone)), None)
    return built


def _pagefind_version() -> str:
    # Imported here: it takes ~30 ms, which every build would pay, search on or off.
    from importlib import metadata
    try:
        return metadata.version("pagefind_bin_extended")
    except metadata.PackageNotFoundError:
        return "unknown"
