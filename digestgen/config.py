"""The site configuration (SPEC 1.1): what it holds and where its file is.

Reading and checking the file is :mod:`configfile`'s, loading it (from the cache while it is
unchanged) :mod:`configload`'s; both import this module, never the other way round.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit


if TYPE_CHECKING:
    from .translate.settings import TranslateSettings

CONFIG_NAME = "digestgen.yaml"
#: The folder beside it where builds keep what they may reuse.
CACHE_NAME = ".digestgen-cache"
DEFAULT_ARXIV_API = "https://export.arxiv.org/api/query"
#: The ``base_url`` that ``digestgen init`` writes, for the user to replace.
PLACEHOLDER_BASE_URL = "https://USER.github.io/REPO/"


#: A site text (SPEC 1.2): one string per language, as ``(code, string)`` pairs in file order;
#: a plain string is one pair, in ``source_language``.
SiteText = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class MarkdownOptions:
    html: bool = False


@dataclass(frozen=True)
class DailyOptions:
    """The ``daily:`` section: what ``digestgen daily`` (the scheduled workflow) adds."""

    feeds: tuple[str, ...] = ()  # announcement feed URLs; default from the categories
    categories: tuple[str, ...] = ()
    types: tuple[str, ...] = ("new", "cross")
    top: int = 10
    translate: bool = True  # draft missing languages when an API key is set


@dataclass(frozen=True)
class SiteConfig:
    """A validated site configuration; paths are absolute."""

    path: Path
    title: SiteText
    base_url: str
    description: SiteText = ()
    languages: tuple[str, ...] = ("zh", "en")
    source_language: str = "en"
    issue_period: str = "day"
    output_dir: Path = Path("site")
    repo_url: str | None = None
    markdown: MarkdownOptions = field(default_factory=MarkdownOptions)
    arxiv_api: str = DEFAULT_ARXIV_API
    search: bool = True  # build a search index of the papers (digestgen.search)
    # How `translate` reaches a model. No page shows it, so it is left out of the repr that
    # page keys hash: changing it renders no page again.
    translate: TranslateSettings | None = field(default=None, repr=False)
    daily: DailyOptions | None = None
    #: The line of each key in the file, for problems found after it was read (not part of
    #: what the site is: a comment added above a key changes no page).
    key_lines: tuple[tuple[str, int], ...] = field(default=(), repr=False, compare=False)

    def line(self, key: str) -> int | None:
        """The line of ``key`` in the file, or None when the file does not give it."""
        return dict(self.key_lines).get(key)

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

    def title_in(self, lang: str) -> str:
        """The site's title as the pages in ``lang`` show it."""
        return self.text_in(self.title, lang) or ""

    def description_in(self, lang: str) -> str | None:
        return self.text_in(self.description, lang)

    def text_in(self, text: SiteText, lang: str) -> str | None:
        """``text`` in ``lang``; where it has none, in the source language, else its first
        (a missing translation shows another language, as paper texts do)."""
        values = dict(text)
        for code in (lang, self.source_language):
            if code in values:
                return values[code]
        return text[0][1] if text else None

    @property
    def base_url_is_placeholder(self) -> bool:
        """``base_url`` still names init's USER and REPO."""
        parts = urlsplit(self.base_url)
        return parts.netloc.startswith("USER.") or "/REPO/" in parts.path

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


def http_url_problem(value: str) -> str | None:
    """What is wrong with ``value`` as the URL of a page on the web (``must be an http(s)
    URL, not ...``), or None."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"must be an http(s) URL, not {value!r}"
    return None


def closest(name: str, choices: set[str], prefix: str = "") -> str:
    """`` (did you mean 'x'?)`` for the choice closest to ``name``, or an empty string;
    ``prefix`` names the mapping the choices are keys of (``markdown.``)."""
    match = difflib.get_close_matches(str(name), sorted(choices), n=1, cutoff=0.5)
    return f" (did you mean '{prefix}{match[0]}'?)" if match else ""
