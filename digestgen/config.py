"""The site configuration (SPEC 1.1): what it holds, where its file is, and loading it.

Reading and checking the file is :mod:`configfile`'s; this module keeps the result of the last
read in the cache folder, so that a build with nothing to do never imports the YAML parser.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .incremental.storage import code_version, read_pickle, settled, write_pickle
from .errors import Problem, SiteError

CONFIG_NAME = "digestgen.yaml"
#: The folder beside it where builds keep what they may reuse.
CACHE_NAME = ".digestgen-cache"
DEFAULT_ARXIV_API = "https://export.arxiv.org/api/query"


@dataclass(frozen=True)
class MarkdownOptions:
    html: bool = False


@dataclass(frozen=True)
class SiteConfig:
    """A validated site configuration; paths are absolute."""

    path: Path
    title: str
    base_url: str
    description: str | None = None
    languages: tuple[str, ...] = ("zh", "en")
    source_language: str = "en"
    issue_period: str = "day"
    output_dir: Path = Path("site")
    repo_url: str | None = None
    markdown: MarkdownOptions = field(default_factory=MarkdownOptions)
    arxiv_api: str = DEFAULT_ARXIV_API
    search: bool = True  # build a Pagefind search index of the papers

    @property
    def root(self) -> Path:
        """The site's root folder: the one holding ``digestgen.yaml``."""
        return self.path.parent

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def layouts_dir(self) -> Path:
        return self.root / "layouts"

    @property
    def static_dir(self) -> Path:
        return self.root / "static"

    @property
    def cache_dir(self) -> Path:
        return self.root / CACHE_NAME

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def known_languages(self) -> frozenset[str]:
        """Codes a text value may use: the UI languages and the source language."""
        return frozenset(self.languages) | {self.source_language}

    @property
    def base_path(self) -> str:
        """The path part of ``base_url``, always ending in ``/`` (``/digest/``)."""
        return urlsplit(self.base_url).path or "/"


def find_config(start: Path | None = None) -> Path | None:
    """``digestgen.yaml`` in ``start`` or the nearest folder above it, as git finds ``.git``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path) -> SiteConfig:
    """Read and validate ``path``; raise :class:`SiteError` listing every problem.

    A configuration read before is taken from the cache while its file has the same stat and
    the code is the same."""
    path = path.resolve()
    try:
        info = os.stat(path)
    except OSError:
        raise SiteError([Problem(path, None, "no such file (run `digestgen init`)")]) from None
    stamp = (str(path), info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino,
             code_version())
    store = path.parent / CACHE_NAME / "config.pickle"
    cached = read_pickle(store)
    if isinstance(cached, tuple) and len(cached) == 2 and cached[0] == stamp \
            and isinstance(cached[1], SiteConfig):
        config = cached[1]
    else:
        from .configfile import read_config  # imports the YAML parser

        config = read_config(path)
        if settled(info.st_mtime_ns, info.st_ctime_ns):
            write_pickle(store, (stamp, config))
    # Resolved at each load: a symlink on the way may have changed since the file was read.
    return dataclasses.replace(config, output_dir=config.output_dir.resolve())


def closest(name: str, choices: set[str], prefix: str = "") -> str:
    """`` (did you mean 'x'?)`` for the choice closest to ``name``, or an empty string;
    ``prefix`` names the mapping the choices are keys of (``markdown.``)."""
    match = difflib.get_close_matches(str(name), sorted(choices), n=1, cutoff=0.5)
    return f" (did you mean '{prefix}{match[0]}'?)" if match else ""
