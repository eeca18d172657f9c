"""Turning parsed YAML into records, checking every field once (SPEC 1.3, 1.4).

Each checker appends :class:`~digestgen.errors.Problem` values to a shared list and returns the
value it could make (or None), so one pass over a file reports everything wrong with it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from ..config import SiteConfig, closest, http_url_problem
from ..errors import Problem
from .records import (
    ANNOUNCE_TYPES, ARXIV_NEW_ID, MACHINE_FIELDS, REVIEW_SECTIONS, SLUG, ArxivInfo, IssueFile,
    Paper, Text, TextList, id_slug, is_arxiv_id, name_too_long,
)
from .yamlsrc import line_of

PAPER_KEYS = {
    "id", "title", "date", "authors", "url", "pdf", "arxiv", "tldr", "abstract",
    "abstract_truncated", "review", "venue", "field", "citations", "references", "tags", "draft",
    "notes", "machine",
}
ARXIV_KEYS = {
    "version", "announce_type", "primary_category", "categories", "published", "updated",
    "comment", "journal_ref", "doi",
}
ISSUE_KEYS = {"title", "intro", "papers", "draft"}
CATEGORY = re.compile(r"^[a-z][a-z-]*(\.[A-Za-z-]+)?\Z")
DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")
#: Years a date may have: the weeks and months around the calendar's ends cannot be computed.
YEARS = (1000, 9998)


class Checker:
    """Checks the fields of one mapping from one file, collecting problems. Records are
    checked with a site's ``config`` (its languages); the configuration file itself without
    one (:mod:`configfile`)."""

    def __init__(self, path: Path, data: dict, config: SiteConfig | None,
                 problems: list[Problem]):
        self.path, self.data, self.config, self.problems = path, data, config, problems

    def problem(self, key: Any, message: str, container: Any = None) -> None:
        container = self.data if container is None else container
        self.problems.append(Problem(self.path, line_of(container, key), message))

    def unknown_keys(self, known: set[str], container: Any = None, prefix: str = "") -> None:
        container = self.data if container is None else container
        for key in container:
            if key not in known:
                self.problem(key, f"unknown key '{prefix}{key}'"
                                  f"{closest(str(key), known, prefix)}", container)

    def required(self, key: str) -> Any:
        if self.data.get(key) is None:
            line = getattr(self.data, "line", None)
            self.problems.append(Problem(self.path, line, f"'{key}' is required"))
            return None
        return self.data[key]

    def string(self, key: str, container: Any = None) -> str | None:
        container = self.data if container is None else container
        value = container.get(key)
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)  # `venue: 2024` or `doi: 10.1000` read as numbers
        if not isinstance(value, str) or not value.strip():
            self.problem(key, f"'{key}' must be a non-empty string", container)
            return None
        return value.strip()

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.problem(key, f"'{key}' must be true or false, not {value!r}")
            return default
        return value

    def count(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.problem(key, f"'{key}' must be a whole number of 0 or more, not {value!r}")
            return None
        return value

    def date(self, key: str, container: Any = None) -> dt.date | None:
        container = self.data if container is None else container
        value = container.get(key)
        if value is None:
            return None
        day = _as_date(value)
        if day is None:
            self.problem(key, f"'{key}' must be a date written YYYY-MM-DD, not {value!r}",
                         container)
        elif not YEARS[0] <= day.year <= YEARS[1]:
            self.problem(key, f"'{key}' {day.isoformat()} is out of range "
                              f"(years {YEARS[0]} to {YEARS[1]})", container)
        else:
            return day
        return None

    def url(self, key: str) -> str | None:
        value = self.string(key)
        return None if value is None else self.http_url(key, value)

    def http_url(self, key: str, value: str) -> str | None:
        """``value``, given for ``key``, when it is an http(s) URL; else a problem, and None."""
        why = http_url_problem(value)
        if why is not None:
            self.problem(key, f"'{key}' {why}")
            return None
        return value

    def string_list(self, key: str, pattern: re.Pattern | None = None,
                    what: str = "string", container: Any = None) -> tuple[str, ...]:
        container = self.data if container is None else container
        value = container.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(key, f"'{key}' must be a list of {what}s", container)
            return ()
        items = []
        for index, item in enumerate(value):
            if not (isinstance(item, str) and item.strip()
                    and (pattern is None or pattern.match(item))):
                self.problem(index, f"'{key}' item {item!r} is not a valid {what}", value)
            elif pattern is not None and (why := name_too_long(item)):  # names a folder
                self.problem(index, f"'{key}' item {item[:40]!r}... {why}", value)
            else:
                items.append(item.strip())
        return tuple(dict.fromkeys(items))

    def language(self, code: Any, key: Any, container: Any) -> bool:
        if code in self.config.known_languages:
            return True
        known = ", ".join(sorted(self.config.known_languages))
        self.problem(key, f"language '{code}' is not configured (languages: {known})", container)
        return False

    def text(self, key: str, container: Any = None) -> Text | None:
        """A plain string (source language) or a mapping ``{lang: string}``."""
        container = self.data if container is None else container
        value = container.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            return Text({self.config.source_language: value}) if value.strip() else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return Text({self.config.source_language: str(value)})  # a title such as `0`
        if not isinstance(value, dict):
            self.problem(key, f"'{key}' must be a string or a mapping of language to string",
                         container)
            return None
        values = {}
        for code, string in value.items():
            if not self.language(code, code, value):
                continue
            if isinstance(string, (int, float)) and not isinstance(string, bool):
                string = str(string)
            if not isinstance(string, str):
                self.problem(code, f"'{key}.{code}' must be a string", value)
            elif string.strip():
                values[code] = string
        return Text(values) if values else None

    def text_list(self, key: str, container: dict) -> TextList | None:
        """A review section: a list (source language) or ``{lang: [string, ...]}``."""
        value = container.get(key)
        if value is None:
            return None
        if isinstance(value, list):
            value_by_lang, where = {self.config.source_language: value}, None
        elif isinstance(value, dict):
            value_by_lang, where = value, value
        else:
            self.problem(key, f"'review.{key}' must be a list or a mapping of language to list",
                         container)
            return None
        out = {}
        for code, items in value_by_lang.items():
            if where is not None and not self.language(code, code, where):
                continue
            holder = where if where is not None else container
            label = f"review.{key}.{code}" if where is not None else f"review.{key}"
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                self.problem(code if where is not None else key,
                             f"'{label}' must be a list of strings", holder)
                continue
            if items:
                out[code] = tuple(items)
        return TextList(out) if out else None


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and DATE_TEXT.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    return None


def check_id(checker: Checker, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):  # `id: 2403.14715` unquoted reads as a number
        value = str(value)  # cannot be trusted: 2403.14710 would come back as 2403.1471
        checker.problem("id", f"quote the id: write id: \"{value}\" (YAML reads it as a "
                        "number and may drop trailing zeros)")
        return None
    if not isinstance(value, str):
        checker.problem("id", f"'id' must be a string, not {value!r}")
        return None
    if re.match(r"^\d{4}\.\d{4,5}v\d+\Z", value):
        checker.problem("id", f"write the id without its version ({value.rsplit('v', 1)[0]}) "
                        "and put the version in arxiv.version")
        return None
    if (is_arxiv_id(value) or SLUG.match(value)) and (why := name_too_long(id_slug(value))):
        checker.problem("id", f"the id {value[:40]!r}... {why}")
        return None
    if is_arxiv_id(value) or SLUG.match(value):
        return value
    checker.problem("id", f"'{value}' is not an arXiv id (2403.14715, math/0211159) or a slug "
                    "of a-z, 0-9, '.', '_' and '-'")
    return None


def check_arxiv(checker: Checker) -> ArxivInfo:
    data = checker.data.get("arxiv")
    if data is None:
        return ArxivInfo()
    if not isinstance(data, dict):
        checker.problem("arxiv", "'arxiv' must be a mapping")
        return ArxivInfo()
    checker.unknown_keys(ARXIV_KEYS, data, "arxiv.")
    version = data.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)
                                or version < 1):
        checker.problem("version", f"'arxiv.version' must be a whole number from 1, "
                        f"not {version!r}", data)
        version = None
    announce = data.get("announce_type")
    if announce is not None and announce not in ANNOUNCE_TYPES:
        checker.problem("announce_type", f"'arxiv.announce_type' must be one of "
                        f"{', '.join(ANNOUNCE_TYPES)}, not {announce!r}", data)
        announce = None
    primary = checker.string("primary_category", data)
    if primary and not CATEGORY.match(primary):
        checker.problem("primary_category", f"'{primary}' is not an arXiv category", data)
        primary = None
    elif primary and (why := name_too_long(primary)):
        checker.problem("primary_category", f"'arxiv.primary_category' {why}", data)
        primary = None
    categories = checker.string_list("categories", CATEGORY, "arXiv category", data)
    if primary and primary not in categories:
        categories = (primary, *categories)
    return ArxivInfo(
        version=version, announce_type=announce, primary_category=primary,
        categories=categories, published=checker.date("published", data),
        updated=checker.date("updated", data), comment=checker.string("comment", data),
        journal_ref=checker.string("journal_ref", data), doi=checker.string("doi", data),
    )


def check_review(checker: Checker) -> dict[str, TextList]:
    data = checker.data.get("review")
    if data is None:
        return {}
    if not isinstance(data, dict):
        checker.problem("review", "'review' must be a mapping of sections")
        return {}
    checker.unknown_keys(set(REVIEW_SECTIONS), data, "review.")
    sections = {}
    for key in REVIEW_SECTIONS:
        if (section := checker.text_list(key, data)) is not None:
            sections[key] = section
    return sections


def check_machine(checker: Checker) -> dict[str, str]:
    """``machine``: which texts a model wrote, ``FIELD.LANG: MODEL`` (SPEC 5)."""
    data = checker.data.get("machine")
    if data is None:
        return {}
    if not isinstance(data, dict):
        checker.problem("machine", "'machine' must be a mapping such as {title.zh: MODEL}")
        return {}
    entries = {}
    for key, model in data.items():
        field_name, _, lang = str(key).rpartition(".")
        if field_name not in MACHINE_FIELDS:
            checker.problem(key, f"'machine' key '{key}' must be FIELD.LANG with FIELD one of "
                                 f"{', '.join(MACHINE_FIELDS)}", data)
        elif not checker.language(lang, key, data):
            continue
        elif not isinstance(model, str) or not model.strip():
            checker.problem(key, f"'machine.{key}' must name the model that wrote the text",
                            data)
        else:
            entries[str(key)] = model.strip()
    return entries


def paper_from_data(data: Any, path: Path, config: SiteConfig, problems: list[Problem],
                    body_notes: Text | None = None) -> Paper | None:
    """A :class:`Paper` from one file's mapping, or None with problems added."""
    if not isinstance(data, dict):
        problems.append(Problem(path, getattr(data, "line", 1),
                                "a paper file must hold a mapping of fields"))
        return None
    before = len(problems)
    c = Checker(path, data, config, problems)
    c.unknown_keys(PAPER_KEYS)
    paper_id = check_id(c, c.required("id"))
    title = c.text("title")
    if title is None and data.get("title") is None:
        c.required("title")
    elif title is None:
        c.problem("title", "'title' must not be empty")
    date = c.date("date") if c.required("date") is not None else None
    notes = c.text("notes")
    if body_notes is not None:
        if notes is not None:
            c.problem("notes", "notes are given twice: in front matter and as the body")
        notes = body_notes
    paper = dict(
        authors=c.string_list("authors", what="author name"), url=c.url("url"), pdf=c.url("pdf"),
        arxiv=check_arxiv(c), tldr=c.text("tldr"), abstract=c.text("abstract"),
        abstract_truncated=c.boolean("abstract_truncated"), review=check_review(c),
        venue=c.string("venue"), field=c.string("field"), citations=c.count("citations"),
        references=c.count("references"), tags=c.string_list("tags", SLUG, "tag slug"),
        draft=c.boolean("draft"), notes=notes, machine=check_machine(c),
    )
    if len(problems) > before or paper_id is None or title is None or date is None:
        return None
    return Paper(id=paper_id, title=title, date=date, source=path, id_line=line_of(data, "id"),
                 **paper)


def issue_from_data(issue_id: str, data: Any, path: Path, config: SiteConfig,
                    problems: list[Problem], body_intro: Text | None = None) -> IssueFile | None:
    """An :class:`IssueFile` from one file's mapping, or None with problems added."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(Problem(path, getattr(data, "line", 1),
                                "an issue file must hold a mapping of fields"))
        return None
    before = len(problems)
    c = Checker(path, data, config, problems)
    c.unknown_keys(ISSUE_KEYS)
    intro = c.text("intro")
    if body_intro is not None:
        if intro is not None:
            c.problem("intro", "the intro is given twice: in front matter and as the body")
        intro = body_intro
    listed = data.get("papers")
    papers: list[tuple[str, int | None]] = []
    if listed is not None and not isinstance(listed, list):
        c.problem("papers", "'papers' must be a list of paper ids")
        listed = None
    for index, item in enumerate(listed or []):
        if isinstance(item, float):
            c.problem(index, f"quote the id {item!r}: YAML reads it as a number", listed)
        elif not isinstance(item, str):
            c.problem(index, f"{item!r} is not a paper id", listed)
        elif item in dict(papers):
            c.problem(index, f"paper '{item}' is listed twice", listed)
        else:
            papers.append((item, line_of(listed, index)))
    issue = IssueFile(id=issue_id, source=path, line=getattr(data, "line", 1),
                      title=c.text("title"), intro=intro, papers=tuple(papers),
                      draft=c.boolean("draft"))
    return issue if len(problems) == before else None


__all__ = ["paper_from_data", "issue_from_data", "ARXIV_NEW_ID"]
