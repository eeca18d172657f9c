"""Full-text search of the built site: a Pagefind index written beside the pages.

Pagefind reads the paper pages of the default language (every page holds a paper's texts in all
its languages, so one language's pages cover the archive) and writes a static index that the
theme's script queries in the browser; the script turns result links into the reader's UI
language. The extended Pagefind binary segments Chinese and Japanese words, so the whole index is
built as one such language when the site has one: 标签平滑 and "label smoothing" are both found.
The index goes through the staging folder like every other file, so the manifest lists it.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from .config import SiteConfig
from .errors import Problem, SiteError

BUNDLE_DIR = "pagefind"
#: The pages that are indexed: one per paper, in the default language (at the output root).
INDEXED_PAGES = "papers/*/index.html"
#: Languages whose words are not separated by spaces; Pagefind's extended build segments them.
SEGMENTED = ("zh", "ja")


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


def search_index(config: SiteConfig, site_dir: Path) -> list[tuple[str, bytes]]:
    """The files of the search index of the pages in ``site_dir``, as (relative path, bytes)."""
    with tempfile.TemporaryDirectory(prefix="digestgen-search-") as tmp:
        bundle = Path(tmp) / BUNDLE_DIR
        command = [str(pagefind_binary(config)), "--site", str(site_dir),
                   "--glob", INDEXED_PAGES, "--force-language", index_language(config),
                   "--output-path", str(bundle), "--silent"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise SiteError([Problem(config.path, None, "building the search index failed: "
                                     + (detail[-1] if detail else f"exit {done.returncode}"))])
        return [(path.relative_to(bundle).as_posix(), path.read_bytes())
                for path in sorted(bundle.rglob("*")) if path.is_file()]


def add_search_index(config: SiteConfig, staging) -> None:
    """Index the pages written to ``staging`` and write the index into it (if search is on)."""
    if not config.search:
        return
    for rel, data in search_index(config, staging.dir):
        staging.write(f"{BUNDLE_DIR}/{rel}", data)
