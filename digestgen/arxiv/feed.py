"""Reading an arXiv announcement feed (rss.arxiv.org, RSS 2.0) into paper records.

Each item of a day's feed carries ``arXiv:ID vN Announce Type: TYPE`` and the abstract in its
description, the categories (primary first), and the authors as one comma-separated string in
which affiliations appear in parentheses and may hold commas themselves. The feed is ASCII, so
accented names are written in TeX; they are decoded here.
"""

from __future__ import annotations

import datetime
import email.utils
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import arxiv
from lxml import etree

from .api import ABS_URL, PDF_URL, PoliteSession, clean, english_text, retrying
from .ids import ArxivId, ArxivIdError, parse_arxiv_id
from ..errors import Problem, SiteError
from ..pages.tex_accents import decode_name

ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")
DC = "{http://purl.org/dc/elements/1.1/}"
ARXIV = "{http://arxiv.org/schemas/atom}"

_DESCRIPTION = re.compile(
    r"arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>\S+)\s*\n?\s*Abstract:\s*(?P<abstract>.*)",
    re.DOTALL)


@dataclass(frozen=True)
class FeedItem:
    """One announcement: a paper, the version announced and why it is listed today."""

    arxiv_id: ArxivId
    announce_type: str
    title: str
    authors: tuple[str, ...]
    abstract: str
    categories: tuple[str, ...]
    date: datetime.date | None
    line: int


@dataclass(frozen=True)
class Feed:
    title: str
    date: datetime.date | None  # the announce day of the whole feed
    items: tuple[FeedItem, ...]


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def download_feed(url: str, session: PoliteSession) -> bytes:
    """The body of the feed at ``url``, fetched with the same spacing, time-out and retries as
    API requests (``session`` is shared with them)."""

    def attempt() -> bytes:
        response = session.get(url)
        if response.status_code != 200:
            raise arxiv.HTTPError(url, 0, response.status_code)
        return response.content

    return retrying(session.policy, attempt, f"feed {url}", session)


def parse_feed(data: bytes, source: Path) -> Feed:
    """The items of an arXiv RSS feed; :class:`SiteError` with ``PATH:LINE`` problems else."""
    if re.search(rb"<!(DOCTYPE|ENTITY)", data[:4096]):
        raise SiteError([Problem(source, 1, "not an arXiv RSS feed (it declares a DOCTYPE)")])
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise SiteError([Problem(source, exc.lineno, f"not well-formed XML: {exc.msg}")]) \
            from None
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise SiteError([Problem(source, root.sourceline, "not an RSS feed (expected "
                                 "<rss><channel>, as rss.arxiv.org serves)")])
    title = " ".join((channel.findtext("title") or "").split())
    if title.startswith("Feed error"):
        message = " ".join((channel.findtext("description") or "").split())
        raise SiteError([Problem(source, channel.find("title").sourceline,
                                 f"arXiv answered with an error feed: {title}. {message}")])
    feed_date = _date(channel.findtext("pubDate"))
    items, problems = [], []
    for element in channel.iterfind("item"):
        try:
            items.append(_item(element, feed_date))
        except ValueError as exc:
            problems.append(Problem(source, element.sourceline, str(exc)))
    if problems:
        raise SiteError(problems)
    return Feed(title, feed_date, tuple(items))


def _item(element, feed_date: datetime.date | None) -> FeedItem:
    description = element.findtext("description") or ""
    match = _DESCRIPTION.match(description.strip())
    if match is None:
        raise ValueError("item description does not start with "
                         "'arXiv:ID Announce Type: TYPE ... Abstract:'")
    try:
        arxiv_id = parse_arxiv_id(match["id"])
    except ArxivIdError as exc:
        raise ValueError(str(exc)) from None
    if arxiv_id.version is None:
        raise ValueError(f"item {match['id']!r} has no version")
    announce_type = element.findtext(f"{ARXIV}announce_type") or match["type"]
    if announce_type not in ANNOUNCE_TYPES:
        raise ValueError(f"unknown announce type {announce_type!r} (known: "
                         f"{', '.join(ANNOUNCE_TYPES)})")
    title = clean(element.findtext("title") or "")
    if not title:
        raise ValueError(f"item {arxiv_id} has no title")
    return FeedItem(
        arxiv_id=arxiv_id,
        announce_type=announce_type,
        title=title,
        authors=tuple(split_authors(element.findtext(f"{DC}creator") or "")),
        abstract=clean(match["abstract"]),
        categories=tuple(dict.fromkeys(
            c.text.strip() for c in element.iterfind("category") if c.text and c.text.strip())),
        date=_date(element.findtext("pubDate")) or feed_date,
        line=element.sourceline,
    )


def _date(text: str | None) -> datetime.date | None:
    """The calendar day of an RSS date, in the feed's own time zone (arXiv's announce day)."""
    if not text:
        return None
    try:
        return email.utils.parsedate_to_datetime(text.strip()).date()
    except (TypeError, ValueError):
        return None


def split_authors(creators: str) -> list[str]:
    """Author names from ``A (Affil, City), B, C``: split on commas outside parentheses."""
    names, depth, current = [], 0, []
    for char in creators:
        if char in "([":
            depth += 1
        elif char in ")]" and depth:
            depth -= 1
        if char == "," and depth == 0:
            names.append("".join(current))
            current = []
        else:
            current.append(char)
    names.append("".join(current))
    # Affiliations are not part of a name (the API lists them apart), so they are dropped.
    stripped = (re.sub(r"\([^()]*(?:\([^()]*\)[^()]*)*\)", " ", name) for name in names)
    return [name for name in (decode_name(n) for n in stripped) if name]


def select(items: Iterable[FeedItem], types: Iterable[str] = (),
           categories: Iterable[str] = ()) -> list[FeedItem]:
    """Items of the given announce types and categories (all when a filter is empty).

    A category matches exactly (``cs.LG``) or by archive (``cs`` matches every ``cs.*``).
    """
    types, categories = set(types), set(categories)

    def in_category(item: FeedItem) -> bool:
        return any(c in categories or c.split(".")[0] in categories for c in item.categories)

    return [item for item in items
            if (not types or item.announce_type in types)
            and (not categories or in_category(item))]


def item_record(item: FeedItem, source_language: str = "en") -> dict:
    """The arXiv-owned fields of a paper record from one announcement, in SPEC key order."""
    meta = {
        "version": item.arxiv_id.version,
        "announce_type": item.announce_type,
        # rss.arxiv.org lists the primary category first (cross-lists follow it).
        "primary_category": item.categories[0] if item.categories else None,
        "categories": list(item.categories) or None,
    }
    return {
        "id": item.arxiv_id.id,
        "title": english_text(item.title, source_language),
        "authors": list(item.authors),
        "url": ABS_URL.format(item.arxiv_id.id),
        "pdf": PDF_URL.format(item.arxiv_id),
        "arxiv": {key: value for key, value in meta.items() if value is not None},
        "abstract": english_text(item.abstract, source_language) if item.abstract else None,
    }
