"""Reading a site's content files into validated records (SPEC 1.3, 1.4).

``load_content`` reads every paper and issue file, reports every problem of every file together
(as one :class:`~digestgen.errors.SiteError`), and checks what one file cannot: unique ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..config import SiteConfig
from ..errors import Problem, SiteError, display_path
from .periods import issue_key, parse_issue_id
from .records import IssueFile, Paper, Text
from .validate import issue_from_data, paper_from_data
from .yamlsrc import parse_yaml, read_text

RECORD_SUFFIXES = (".yaml", ".yml", ".md")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CONTAINER_OPEN = re.compile(r"^:::\s*([A-Za-z][A-Za-z0-9-]*)\s*$")
CONTAINER_CLOSE = re.compile(r"^:::\s*$")


@dataclass(frozen=True)
class Content:
    papers: tuple[Paper, ...]
    issue_files: tuple[IssueFile, ...]
    drafts: frozenset[str] = frozenset()  # ids of papers left out as drafts


@dataclass(frozen=True)
class SourceFile:
    """A record file split into its YAML part and, for ``.md``, its Markdown body."""

    path: Path
    front: object
    body: str | None = None
    body_line: int = 1


def load_content(config: SiteConfig, drafts: bool = False) -> Content:
    """Every paper and issue of the site, validated; drafts only when ``drafts``."""
    problems: list[Problem] = []
    papers = _load_papers(config, problems)
    issues = load_issue_files(config, problems)
    return assemble_content(config, papers, issues, problems, drafts)


def assemble_content(config: SiteConfig, papers: list[Paper], issues: list[IssueFile],
                     problems: list[Problem], drafts: bool) -> Content:
    """The checks across files (unique ids), drafts left out; raise every problem found."""
    _check_unique_ids(papers, problems)
    every_id = {paper.id for paper in papers}
    if not drafts:  # a draft issue leaves out its papers too, or their pages would link to it
        hidden = {issue.id for issue in issues if issue.draft}
        issues = [issue for issue in issues if not issue.draft]
        papers = [p for p in papers if not p.draft
                  and not (hidden and issue_key(p.date, config.issue_period).id in hidden)]
    if problems:
        raise SiteError(problems)
    shown = {paper.id for paper in papers}
    return Content(tuple(sorted(papers, key=lambda p: p.id)),
                   tuple(sorted(issues, key=lambda i: i.id)),
                   frozenset(every_id - shown))


def is_record_name(path: Path) -> bool:
    """Whether a file of this name is a record (hidden and backup files are not)."""
    return path.suffix in RECORD_SUFFIXES and not path.name.startswith((".", "_"))


def record_files(folder: Path) -> list[Path]:
    """The record files directly in ``folder``, sorted; hidden and backup files skipped."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if is_record_name(p) and p.is_file())


def read_source(path: Path, text: str | None = None) -> SourceFile:
    """Read one record file (``text``: its text, when read already); raise
    :class:`SiteError` when it is not readable text."""
    if text is None:
        text = read_text(path)
    if path.suffix != ".md":
        return SourceFile(path, parse_yaml(text, path))
    return _split_front_matter(path, text)


def _split_front_matter(path: Path, text: str) -> SourceFile:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        raise SiteError([Problem(path, 1, "a .md record must start with '---' and YAML "
                                 "front matter")])
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            front = parse_yaml("".join(lines[1:index]), path, first_line=2)
            return SourceFile(path, front, "".join(lines[index + 1:]), index + 2)
    raise SiteError([Problem(path, 1, "front matter is not closed by a '---' line")])


def split_languages(body: str, path: Path, first_line: int, config: SiteConfig,
                    problems: list[Problem]) -> Text | None:
    """An ``.md`` body as a text: ``::: xx`` ... ``:::`` containers hold language xx, the rest
    is in the source language. Fenced code is passed over, so it may show ``:::`` lines."""
    parts: dict[str, list[str]] = {}
    lang, fence, opened_at = config.source_language, None, 0
    for number, line in enumerate(body.splitlines(), start=first_line):
        if fence is None and (m := FENCE.match(line)):
            fence = m.group(1)[0] * len(m.group(1))
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        elif fence is None and (m := CONTAINER_OPEN.match(line)) and lang == config.source_language:
            code = m.group(1)
            if code not in config.known_languages:
                problems.append(Problem(path, number, f"language '{code}' is not configured"))
            lang, opened_at = code, number
            continue
        elif fence is None and CONTAINER_CLOSE.match(line) and lang != config.source_language:
            lang = config.source_language
            continue
        parts.setdefault(lang, []).append(line)
    if lang != config.source_language:
        problems.append(Problem(path, opened_at, f"'::: {lang}' is not closed by a ':::' line"))
    values = {code: "\n".join(lines).strip() + "\n" for code, lines in parts.items()
              if "".join(lines).strip()}
    return Text(values) if values else None


def _load_papers(config: SiteConfig, problems: list[Problem]) -> list[Paper]:
    papers = []
    for path in record_files(config.content_dir / "papers"):
        try:
            source = read_source(path)
        except SiteError as exc:
            problems.extend(exc.problems)
            continue
        notes = None
        if source.body is not None:
            notes = split_languages(source.body, path, source.body_line, config, problems)
        paper = paper_from_data(source.front, path, config, problems, notes)
        if paper is not None:
            papers.append(paper)
    return papers


def load_issue_files(config: SiteConfig, problems: list[Problem]) -> list[IssueFile]:
    """Every issue file of the site, validated; problems go to ``problems``."""
    issues = []
    seen: dict[str, Path] = {}  # issue id -> its first file
    for path in record_files(config.content_dir / "issues"):
        issue_id = path.stem
        if parse_issue_id(issue_id, config.issue_period) is None:
            problems.append(Problem(path, 1, f"'{path.name}' is not named by an issue id of "
                                    f"issue_period '{config.issue_period}' "
                                    "(2024-03-22, 2024-W12 or 2024-03)"))
            continue
        if issue_id in seen:  # 2024-03-22.yaml beside 2024-03-22.md: which one is meant?
            problems.append(Problem(path, 1, f"issue '{issue_id}' is also given by "
                                    f"{display_path(seen[issue_id])}; keep one file"))
            continue
        seen[issue_id] = path
        try:
            source = read_source(path)
        except SiteError as exc:
            problems.extend(exc.problems)
            continue
        intro = None
        if source.body is not None:
            intro = split_languages(source.body, path, source.body_line, config, problems)
        issue = issue_from_data(issue_id, source.front, path, config, problems, intro)
        if issue is not None:
            issues.append(issue)
    return issues


def _check_unique_ids(papers: list[Paper], problems: list[Problem]) -> None:
    seen: dict[str, Paper] = {}
    for paper in papers:
        other = seen.get(paper.slug)
        if other is None:
            seen[paper.slug] = paper
            continue
        where = display_path(other.source) + (f":{other.id_line}" if other.id_line else "")
        if other.id == paper.id:
            message = f"id '{paper.id}' is also used by {where}"
        else:
            message = (f"id '{paper.id}' has the same URL slug '{paper.slug}' as '{other.id}' "
                       f"in {where}")
        problems.append(Problem(paper.source, paper.id_line, message))
