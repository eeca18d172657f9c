"""``digestgen import FILE... [--date D] [--dry-run]``: digest and review documents into records.

Every document is read and checked before anything is written; a run writes all of its files
or none. A paper that already exists keeps every field a person wrote: the import only fills
what is missing and lists what differs (SPEC 3.1).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import click

from ..config import SiteConfig
from ..errors import Problem, SiteError, display_path
from ..errors import counted as _count
from ..formats import DIGEST, Document, read_document
from ..formats.markdown import is_chinese
from ..content.periods import issue_key, parse_issue_id
from ..recordio.recordfile import FilePlan, describe, file_stem, find_papers, id_problem, plan_record, \
    write_records
from ..recordio.recordmerge import TEXT_FIELDS, merge_record
from ..content.validate import DATE_TEXT
from .common import config_option, progress, reports_problems, site_config

FILE_DATE = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")


@dataclass
class _Incoming:
    """A paper as this run will write it, and where it was first seen."""

    record: dict
    where: str


@dataclass
class _Run:
    config: SiteConfig
    papers: dict[str, _Incoming] = field(default_factory=dict)
    issues: dict[str, dict] = field(default_factory=dict)  # issue id -> record
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@click.command("import", epilog="""\b
Examples:
  digestgen import 2024-03-22-digest.md
  digestgen import digest.md review.md --date 2024-03-22 --dry-run""")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--date", "date_text", metavar="YYYY-MM-DD",
              help="The digest date (default: a YYYY-MM-DD in the file name; a review's own "
                   "date comes first).")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@config_option
@reports_problems
def import_(files: tuple[Path, ...], date_text: str | None, dry_run: bool,
            config_path: Path | None) -> None:
    """Read digest issues (format A) and paper reviews (format B) into paper and issue records."""
    config = site_config(config_path)
    date = _option_date(date_text)
    documents = _read_all(files, date)
    run = _Run(config)
    for document, day in sorted(documents, key=lambda item: item[1]):
        _take(run, document, day)
    if run.problems:
        raise SiteError(run.problems)
    plans = _plan(run)
    changed = write_records(plans, dry_run=dry_run)
    _report(run, plans, changed, dry_run)


def _option_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        if not DATE_TEXT.match(text):  # fromisoformat takes 20240322 and 2024-W12-1 too
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date such as 2024-03-22",
                                 param_hint="--date") from None


def _read_all(files: tuple[Path, ...], date: dt.date | None) -> list[tuple[Document, dt.date]]:
    """Every document with its date; all problems of all files together."""
    documents, problems = [], []
    for path in progress(files, len(files), "Reading"):
        try:
            document = read_document(path)
        except SiteError as exc:
            problems += exc.problems
            continue
        day = _document_date(document, date)
        if day is None:
            problems.append(Problem(path, None, "no date: pass --date YYYY-MM-DD or put one "
                                                "in the file name"))
        else:
            documents.append((document, day))
    if problems:
        raise SiteError(problems)
    return documents


def _document_date(document: Document, date: dt.date | None) -> dt.date | None:
    if document.kind != DIGEST and document.date:
        return document.date
    if date:
        return date
    for match in FILE_DATE.finditer(document.path.name):
        try:
            return dt.date.fromisoformat(match.group(1))
        except ValueError:
            continue
    return None


def _take(run: _Run, document: Document, day: dt.date) -> None:
    """Add one document's papers (and, for a digest, its issue) to the run."""
    where = display_path(document.path)
    order = []
    for paper in document.papers:
        record = _simplify(paper.record, run.config.source_language)
        problem = id_problem(record["id"])
        if problem:
            run.problems.append(Problem(document.path, paper.line, problem))
            continue
        record["date"] = day
        order.append(record["id"])
        seen = run.papers.get(record["id"])
        if seen is None:
            run.papers[record["id"]] = _Incoming(record, f"{where}:{paper.line}")
            continue
        record["date"] = seen.record["date"]  # a paper that reappears keeps its first date
        merged = merge_record(seen.record, record, source_language=run.config.source_language)
        seen.record = merged.record
        for conflict in merged.conflicts:
            run.notes.append(f"{where}:{paper.line}: {record['id']} appears again; its "
                             f"{conflict.path} differs from {seen.where}, which is kept")
    if document.kind != DIGEST:
        return
    if not order:
        run.notes.append(f"{where}: the digest lists no papers; no issue record to write")
        return
    issue_id = issue_key(day, run.config.issue_period).id
    issue = run.issues.setdefault(issue_id, {"papers": []})
    issue["papers"] += [paper_id for paper_id in order if paper_id not in issue["papers"]]
    if document.intro and "intro" not in issue:
        issue["intro"] = _simplify({"intro": _one_language(document.intro)},
                                   run.config.source_language)["intro"]


def _one_language(text: str) -> dict:
    return {"zh" if is_chinese(text) else "en": text}


def _simplify(record: dict, source_language: str) -> dict:
    """Texts held only in the source language become plain strings, as a person writes them."""
    out = {}
    for key, value in record.items():
        if key in TEXT_FIELDS and isinstance(value, dict) and set(value) == {source_language}:
            value = value[source_language]
        elif key == "review":
            value = {section: texts[source_language] if set(texts) == {source_language}
                     else texts for section, texts in value.items()}
        out[key] = value
    return out


def _plan(run: _Run) -> list[FilePlan]:
    """One plan per paper and issue; every problem of every existing file together."""
    content = run.config.content_dir
    existing, problems = find_papers(content / "papers")
    plans: list[FilePlan] = []
    dates: dict[str, dt.date] = {}
    for paper_id, incoming in run.papers.items():
        path = existing.get(paper_id) or content / "papers" / f"{file_stem(paper_id)}.yaml"
        try:
            plan = plan_record(path, incoming.record, "paper",
                               source_language=run.config.source_language)
        except SiteError as exc:
            problems += exc.problems
            continue
        _settle_date(plan, incoming.record["date"])
        dates[paper_id] = plan.record.get("date", incoming.record["date"])
        plans.append(plan)
    for issue_id, record in sorted(run.issues.items()):
        period = parse_issue_id(issue_id, run.config.issue_period)
        key_start, key_end = period.start, period.end
        late = [p for p in record["papers"] if isinstance(dates.get(p), dt.date)
                and dates[p] > key_end]
        for paper_id in late:
            run.notes.append(f"{paper_id} is dated {dates[paper_id]} in its existing file, after "
                             f"issue {issue_id}; it is left out of that issue's list")
        record = dict(record, papers=[p for p in record["papers"] if p not in late])
        if not any(isinstance(dates.get(p), dt.date) and dates[p] >= key_start
                   for p in record["papers"]):
            run.notes.append(f"every paper of issue {issue_id} is dated in an earlier issue; no "
                             "issue record written (an issue needs a paper of its own)")
            continue
        path = _issue_path(content / "issues", issue_id)
        try:
            plans.append(plan_record(path, record, "issue",
                                     source_language=run.config.source_language))
        except SiteError as exc:
            problems += exc.problems
    if problems:
        raise SiteError(problems)
    return plans


def _settle_date(plan: FilePlan, incoming: dt.date) -> None:
    """A paper already dated earlier simply reappears: that is not a difference to report."""
    existing = plan.record.get("date")
    if isinstance(existing, dt.date) and existing < incoming:
        plan.merge.conflicts[:] = [c for c in plan.merge.conflicts if c.path != "date"]


def _issue_path(folder: Path, issue_id: str) -> Path:
    for suffix in (".yaml", ".yml", ".md"):
        if (folder / f"{issue_id}{suffix}").exists():
            return folder / f"{issue_id}{suffix}"
    return folder / f"{issue_id}.yaml"


def _report(run: _Run, plans: list[FilePlan], changed: list[FilePlan], dry_run: bool) -> None:
    for plan in plans:
        for line in describe(plan, display_path(plan.path)):
            click.echo(line)
        if dry_run and plan.changes_file:
            old = (plan.old_text or "").splitlines(keepends=True)
            click.echo("".join(difflib.unified_diff(
                old, plan.text.splitlines(keepends=True),
                "/dev/null" if plan.is_new else display_path(plan.path),
                display_path(plan.path))), nl=False)
    for note in run.notes:
        click.echo(f"note: {note}")
    papers = [p for p in plans if p.kind == "paper"]
    issues = [p for p in plans if p.kind == "issue"]
    verb = "would write" if dry_run else "wrote"
    kept = sum(len(p.merge.conflicts) for p in plans)
    click.echo(f"{_count(len(papers), 'paper')} and {_count(len(issues), 'issue')} read; "
               f"{verb} {_count(len(changed), 'file')} ({sum(p.is_new for p in changed)} new); "
               f"{_count(kept, 'difference')} kept as {'it was' if kept == 1 else 'they were'}.")

