"""The ``daily:`` section of ``digestgen.yaml``: which announcements the scheduled workflow
reads, and how many papers it adds each day."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from .config import DailyOptions, closest, http_url_problem
from .errors import Problem
from .content.records import ANNOUNCE_TYPES
from .content.yamlsrc import line_of

FEED_URL = "https://rss.arxiv.org/rss/"
#: An arXiv archive (``cs``, ``astro-ph``) or category (``cs.LG``, ``math-ph``).
CATEGORY = re.compile(r"^[a-z]+(-[a-z]+)?(\.[A-Za-z]+(-[A-Za-z]+)?)?$")
_KEYS = {"feeds", "categories", "types", "top", "translate"}


def read_daily(value, line: int | None, path: Path, problems: list[Problem]
               ) -> DailyOptions | None:
    """The checked ``daily`` mapping (None when absent); problems are appended with lines."""
    if value is None:
        return None

    def problem(key, message: str, container=value) -> None:
        problems.append(Problem(path, line_of(container, key) or line, message))

    if not isinstance(value, dict):
        problems.append(Problem(path, line, "'daily' must be a mapping such as "
                                            "{categories: [cs.LG], top: 10}"))
        return None
    for key in value:
        if key not in _KEYS:
            problem(key, f"unknown key 'daily.{key}'{closest(key, _KEYS, 'daily.')}")
    categories = _strings(value, "categories", problem, CATEGORY.match,
                          "an arXiv category such as cs.LG or an archive such as cs")
    feeds = _strings(value, "feeds", problem, _is_http_url, "an http(s) URL of a feed")
    types = _strings(value, "types", problem, ANNOUNCE_TYPES.__contains__,
                     f"an announce type ({', '.join(ANNOUNCE_TYPES)})") or ("new", "cross")
    if not feeds and not categories and "feeds" not in value and "categories" not in value:
        problems.append(Problem(path, line, "'daily' needs 'categories' (the feed to read "
                                            "is made from them) or 'feeds'"))
    top = value.get("top", 10)
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        problem("top", f"'daily.top' must be a whole number of papers, 1 or more, not {top!r}")
        top = 10
    translate = value.get("translate", True)
    if not isinstance(translate, bool):
        problem("translate", f"'daily.translate' must be true or false, not {translate!r}")
        translate = True
    if categories and not feeds:
        feeds = (default_feed(categories),)
    return DailyOptions(feeds=feeds, categories=categories, types=types, top=top,
                        translate=translate)


def default_feed(categories: tuple[str, ...]) -> str:
    """arXiv's one feed of several categories: ``.../rss/cs.LG+stat.ML``."""
    return FEED_URL + "+".join(quote(c, safe=".-") for c in categories)


def _is_http_url(text: str) -> bool:
    return http_url_problem(text) is None


def _strings(value: dict, key: str, problem, valid, what: str) -> tuple[str, ...]:
    """A list of strings (one string is a list of one), each checked by ``valid``."""
    items = value.get(key)
    if items is None:
        return ()
    if isinstance(items, str):
        if valid(items):
            return (items,)
        problem(key, f"'daily.{key}': {items!r} is not {what}")
        return ()
    if not isinstance(items, list):
        problem(key, f"'daily.{key}' must be a list, each {what}")
        return ()
    good = []
    for index, item in enumerate(items):
        if not isinstance(item, str) or not valid(item):
            problem(index, f"'daily.{key}': {item!r} is not {what}", items)
        elif item not in good:
            good.append(item)
    return tuple(good)
