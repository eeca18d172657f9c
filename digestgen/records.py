"""Validated records: what a site's content files say, as plain typed dataclasses.

Records are made once, by :mod:`digestgen.load`, and never changed afterwards. A *text* is held
as :class:`Text`, a mapping from language code to string in the order the file gave.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import pickle
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
    """One paper record (SPEC 1.3).

    Pickled, its :data:`BODY_FIELDS` travel as one blob (an out-of-band buffer, which the
    cache leaves on disk until used) that is unpickled when one of them is first read: a
    rebuild reads every record from the cache but shows the texts of a few.
    """

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

    def __reduce_ex__(self, protocol: int):
        head = tuple(self.source_name() if name == "source" else getattr(self, name)
                     for name in HEAD_FIELDS) + (self.categories,)
        blob = self._body_blob()
        blob = pickle.PickleBuffer(blob) if protocol >= 5 else bytes(blob)
        return _paper_from_pickle, (head, blob)

    def _body_blob(self) -> bytes:
        body = tuple(getattr(self, name) for name in BODY_FIELDS)
        return pickle.dumps(body, protocol=pickle.HIGHEST_PROTOCOL)


#: The fields of a paper that only the pages and rows showing it read. (The rest, and its
#: categories, are what the site model and page keys read of every paper in every build.)
BODY_FIELDS = ("title", "arxiv", "authors", "url", "pdf", "tldr", "abstract",
               "abstract_truncated", "review", "venue", "field", "citations", "references",
               "notes", "machine")
PAPER_FIELDS = tuple(f.name for f in fields(Paper))
HEAD_FIELDS = tuple(name for name in PAPER_FIELDS if name not in BODY_FIELDS)


class _UnpickledPaper(Paper):
    """A :class:`Paper` read back from a pickle, its body still a blob until first read (then
    the blob is let go: a paper keeps its texts once, not twice)."""

    def _body_blob(self) -> bytes | memoryview:
        blob = self.__dict__.get("_blob")
        return blob if blob is not None else super()._body_blob()

    @property
    def source(self) -> Path:
        path = self.__dict__.get("_source_path")
        if path is None:
            # A path unpickled whole is parsed part by part; joined to its (shared) folder it
            # is not. Made on first use: most builds use the path of few records.
            folder, name = os.path.split(self.__dict__["_source"])
            path = self.__dict__["_source_path"] = _folder(folder) / name
        return path

    def source_name(self) -> str:
        return self.__dict__["_source"]

    @property
    def categories(self) -> tuple[str, ...]:
        return self.__dict__["_categories"]

    def _body(self) -> dict:
        values = self.__dict__.get("_values")
        if values is None:
            body = pickle.loads(self.__dict__.pop("_blob"))
            values = self.__dict__["_values"] = dict(zip(BODY_FIELDS, body))
        return values


for _name in BODY_FIELDS:
    setattr(_UnpickledPaper, _name, property(lambda self, name=_name: self._body()[name]))


def _paper_from_pickle(head: tuple, blob: bytes) -> Paper:
    paper = object.__new__(_UnpickledPaper)
    values = paper.__dict__
    values.update(zip(HEAD_FIELDS, head))
    values["_categories"] = head[len(HEAD_FIELDS)]
    values["_source"] = values.pop("source")
    values["_blob"] = blob
    return paper


_folder = functools.lru_cache(maxsize=64)(Path)


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
