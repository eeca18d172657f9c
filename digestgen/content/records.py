"""Validated records: what a site's content files say, as plain typed dataclasses.

Records are made once, by :mod:`digestgen.content.load`, and never changed afterwards. A *text* is held
as :class:`Text`, a mapping from language code to string in the order the file gave.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path

#: New-style arXiv ids (``2403.14715``) and old-style ones (``math/0211159``, ``math.GT/0309136``).
ARXIV_NEW_ID = re.compile(r"^(\d{4})\.(\d{4,5})\Z")
ARXIV_OLD_ID = re.compile(r"^([a-z][a-z-]*)(\.[A-Z]{2})?/(\d{2})(\d{2})(\d{3})\Z")
SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*\Z")
REVIEW_SECTIONS = ("motivation", "method", "questions", "findings")
#: The text fields a ``machine`` entry may name (``FIELD.LANG``).
MACHINE_FIELDS = ("title", "tldr", "abstract", "notes",
                  *(f"review.{section}" for section in REVIEW_SECTIONS))
ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")
#: The longest name of one file or folder that file systems take, in bytes.
NAME_MAX = 255


def name_too_long(name: str) -> str | None:
    """Why ``name`` cannot name a file or folder (it is longer than :data:`NAME_MAX` bytes),
    or None."""
    size = len(name.encode("utf-8", "surrogatepass"))
    if size <= NAME_MAX:
        return None
    return f"is {size} bytes long; a file or folder name holds at most {NAME_MAX}"


def is_arxiv_id(paper_id: str) -> bool:
    return bool(ARXIV_NEW_ID.match(paper_id) or ARXIV_OLD_ID.match(paper_id))


def id_slug(paper_id: str) -> str:
    """The URL and file-name slug of an id: ``math/0211159`` -> ``math-0211159``."""
    return paper_id.replace("/", "-")


def arxiv_sort_key(paper_id: str) -> tuple:
    """Orders ids newest first when sorted in reverse: arXiv ids by year, month and number,
    then slugs by name (below every arXiv id)."""
    if m := ARXIV_NEW_ID.match(paper_id):
        yymm, number = m.group(1), int(m.group(2))
        return (1, 2000 + int(yymm[:2]), int(yymm[2:]), number, paper_id)
    if m := ARXIV_OLD_ID.match(paper_id):
        yy = int(m.group(3))
        return (1, (1900 if yy >= 91 else 2000) + yy, int(m.group(4)), int(m.group(5)), paper_id)
    return (0, 0, 0, 0, paper_id)


@dataclass(frozen=True)
class Text:
    """A text in one or more languages: ``{"en": "...", "zh": "..."}`` in file order."""

    values: dict[str, str]

    def languages(self) -> tuple[str, ...]:
        return tuple(self.values)

    def __contains__(self, lang: str) -> bool:
        return lang in self.values

    def __getitem__(self, lang: str) -> str:
        return self.values[lang]


@dataclass(frozen=True)
class TextList:
    """A list of texts per language (a review section): ``{"zh": [...], "en": [...]}``."""

    values: dict[str, tuple[str, ...]]

    def languages(self) -> tuple[str, ...]:
        return tuple(self.values)


@dataclass(frozen=True)
class ArxivInfo:
    version: int | None = None
    announce_type: str | None = None
    primary_category: str | None = None
    categories: tuple[str, ...] = ()
    published: date | None = None
    updated: date | None = None
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None


@dataclass(frozen=True, eq=False)
class Paper:
    """One paper record (SPEC 1.3). Compared field by field: a record read back from the
    cache (:mod:`digestgen.incremental.records`) is another class, equal to the one parsed."""

    id: str
    title: Text
    date: date
    source: Path
    authors: tuple[str, ...] = ()
    url: str | None = None
    pdf: str | None = None
    arxiv: ArxivInfo = field(default_factory=ArxivInfo)
    tldr: Text | None = None
    abstract: Text | None = None
    abstract_truncated: bool = False
    review: dict[str, TextList] = field(default_factory=dict)
    venue: str | None = None
    field: str | None = None
    citations: int | None = None
    references: int | None = None
    tags: tuple[str, ...] = ()
    draft: bool = False
    notes: Text | None = None
    #: The texts a model wrote and no person has reviewed yet: ``FIELD.LANG`` -> model (SPEC 5).
    machine: dict[str, str] = dataclasses.field(default_factory=dict)  # `field` is a field
    id_line: int | None = None  # where the id was written, for problems found across files

    @property
    def slug(self) -> str:
        # Not cached: making it is cheaper than Python 3.11's cached_property, which locks.
        return id_slug(self.id)

    def source_name(self) -> str:
        """The path of the source file as text, as caches and page keys know the file."""
        return str(self.source)

    @property
    def link(self) -> str | None:
        """The paper's page elsewhere: ``url``, else the arXiv abstract page."""
        if self.url:
            return self.url
        return f"https://arxiv.org/abs/{self.id}" if is_arxiv_id(self.id) else None

    @property
    def pdf_link(self) -> str | None:
        if self.pdf:
            return self.pdf
        return f"https://arxiv.org/pdf/{self.id}" if is_arxiv_id(self.id) else None

    @property
    def categories(self) -> tuple[str, ...]:
        return self.arxiv.categories

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Paper):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in PAPER_FIELDS)

    __hash__ = None  # type: ignore[assignment]  # equal records need not be one object


PAPER_FIELDS = tuple(f.name for f in fields(Paper))


@dataclass(frozen=True)
class IssueFile:
    """An optional issue file (SPEC 1.4); ``papers`` keeps each listed id's line."""

    id: str
    source: Path
    line: int | None = None
    title: Text | None = None
    intro: Text | None = None
    papers: tuple[tuple[str, int | None], ...] = ()
    draft: bool = False
