"""Writing paper and issue record files (SPEC 1.3, 1.4): the one writer import and add share.

A record is a plain dict as it would be read back from YAML. :func:`dump_record` (from
:mod:`digestgen.recordio.recordyaml`) turns it into clean, human-editable YAML: fixed key order, block
scalars for long text, Unicode as it is.
:func:`plan_record` merges an incoming record into the file that may already hold it, keeping
whatever a person wrote (:mod:`digestgen.recordio.recordmerge`), and :func:`write_records` writes a run's
files only once every one of them is known to be good, each through a temporary file and a
rename, so a run never leaves a half-written file or a half-done set of files behind.

An existing file is updated by replacing only the top-level keys that change: every other line,
comments and formatting included, stays as the person left it. When a changed key's own lines
hold a comment, the file is left alone and the plan says why (nothing a person wrote is dropped).
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Problem, SiteError, decode_error_line, display_path
from ..content.load import read_source, record_files
from .recordmerge import Change, Conflict, MergeResult, merge_record, same
from ..content.records import SLUG, is_arxiv_id
from .recordyaml import ISSUE_KEYS, PAPER_KEYS, dump_record, plain, ordered, update_yaml
from ..content.yamlsrc import line_of, parse_yaml

__all__ = [
    "PAPER_KEYS", "ISSUE_KEYS", "Conflict", "MergeResult", "FilePlan", "merge_record",
    "dump_record", "id_problem", "is_arxiv_id", "file_stem", "find_papers", "plan_record",
    "plan_replace", "read_record", "write_records", "describe",
]

MAX_ID_LENGTH = 120


# --- ids -----------------------------------------------------------------------------------

def id_problem(paper_id: Any) -> str | None:
    """Why ``paper_id`` cannot name a record file, or None when it can (SPEC 1.3)."""
    if not isinstance(paper_id, str) or not paper_id:
        return "an id must be a non-empty string"
    if len(paper_id) > MAX_ID_LENGTH:
        return f"id is longer than {MAX_ID_LENGTH} characters"
    if is_arxiv_id(paper_id):
        return None
    if ".." in paper_id or not SLUG.match(paper_id):
        return (f"{paper_id!r} is neither an arXiv id (2403.14715, math/0211159) nor a slug "
                "of a-z, 0-9, '.', '_', '-' starting with a letter or digit")
    return None


def file_stem(paper_id: str) -> str:
    """The file name (without suffix) and URL slug of an id: ``/`` becomes ``-``."""
    problem = id_problem(paper_id)
    if problem:
        raise ValueError(problem)
    return paper_id.replace("/", "-")


# --- reading existing files ----------------------------------------------------------------

@dataclass
class _Source:
    """An existing record file split into its YAML and, for ``.md``, the parts around it."""

    path: Path
    text: str
    yaml_text: str
    first_line: int  # line of the YAML's first line in the file
    before: str = ""  # the opening ``---`` line of front matter
    after: str = ""  # the closing ``---`` line and the body

    def record(self) -> dict:
        data = parse_yaml(self.yaml_text, self.path, self.first_line)
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise SiteError([Problem(self.path, self.first_line,
                                     "a record must be a mapping of keys")])
        return data

    def with_yaml(self, yaml_text: str) -> str:
        return self.before + yaml_text + self.after


_FENCE = re.compile(r"^(---|\.\.\.)[ \t]*$")


def _read_source(path: Path) -> _Source:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SiteError([Problem(path, decode_error_line(exc), f"not UTF-8 text: {exc.reason}")]) \
            from None
    if path.suffix != ".md":
        return _Source(path, text, text, 1)
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        raise SiteError([Problem(path, 1, "a .md record must start with '---' front matter")])
    for index in range(1, len(lines)):
        if _FENCE.match(lines[index].rstrip("\r\n")):
            return _Source(path, text, "".join(lines[1:index]), 2, before=lines[0],
                           after="".join(lines[index:]))
    raise SiteError([Problem(path, 1, "front matter is not closed by a '---' line")])


def read_record(path: Path) -> dict:
    """The record in an existing file, as its YAML says (front matter for ``.md``)."""
    return _read_source(path).record()


def find_papers(papers_dir: Path) -> tuple[dict[str, Path], list[Problem]]:
    """Map each paper id in ``papers_dir`` to its file, reading the files ``build`` reads."""
    found: dict[str, Path] = {}
    lines: dict[str, int | None] = {}  # of each id in its file
    problems: list[Problem] = []
    for path in record_files(papers_dir):
        try:
            record = read_source(path).front
        except SiteError as exc:
            problems.extend(exc.problems)
            continue
        paper_id = record.get("id") if isinstance(record, dict) else None
        if isinstance(paper_id, str):
            if paper_id in found:
                where = display_path(found[paper_id]) + (
                    f":{lines[paper_id]}" if lines[paper_id] else "")
                problems.append(Problem(path, line_of(record, "id"),
                                        f"id {paper_id!r} is also used by {where}"))
            found.setdefault(paper_id, path)
            lines.setdefault(paper_id, line_of(record, "id"))
    return found, problems


# --- planning ------------------------------------------------------------------------------

@dataclass
class FilePlan:
    """What one record file will become; nothing is written until :func:`write_records`."""

    path: Path
    kind: str
    record: dict  # the record the file will hold
    text: str  # the file's new full text
    old_text: str | None  # None for a new file
    merge: MergeResult = field(default_factory=MergeResult)
    kept_because: str | None = None  # set when the file is left alone to keep a person's text

    @property
    def is_new(self) -> bool:
        return self.old_text is None

    @property
    def changes_file(self) -> bool:
        return self.old_text != self.text


def plan_record(path: Path, incoming: dict, kind: str = "paper",
                owned: frozenset[str] = frozenset(), source_language: str = "en",
                body_addition: str = "") -> FilePlan:
    """Plan writing ``incoming`` to ``path``, merged into the file there if there is one;
    ``body_addition`` is Markdown added at the end of an existing ``.md`` file's body."""
    if not path.exists():
        record = ordered(incoming, kind)
        text = dump_record(record, kind)
        if path.suffix == ".md":
            text = f"---\n{text}---\n"
        return FilePlan(path, kind, record, text, None, merge_record({}, record, owned,
                                                                      source_language))
    source = _read_source(path)
    existing = source.record()
    merge = merge_record(existing, incoming, owned, source_language)
    if not merge.changes and not body_addition:
        return FilePlan(path, kind, existing, source.text, source.text, merge)
    new_yaml, why = update_yaml(source.yaml_text, existing, merge.record, kind)
    if new_yaml is None:
        return FilePlan(path, kind, existing, source.text, source.text, merge, kept_because=why)
    text = source.with_yaml(new_yaml)
    if body_addition:
        text = text.rstrip("\n") + "\n\n" + body_addition
    return FilePlan(path, kind, merge.record, text, source.text, merge)


def plan_replace(path: Path, record: dict, kind: str = "paper") -> FilePlan:
    """Plan replacing the record in the existing file ``path`` with ``record``, a change the
    caller made on purpose (such as dropping reviewed ``machine`` entries): only the top-level
    keys that differ are rewritten or removed, every other line stays as it is."""
    source = _read_source(path)
    existing = source.record()
    changes = [Change(key, existing.get(key), record.get(key))
               for key in dict.fromkeys([*existing, *record])
               if not same(plain(existing.get(key)), plain(record.get(key)))]
    merge = MergeResult(record, changes)
    if not changes:
        return FilePlan(path, kind, existing, source.text, source.text, merge)
    new_yaml, why = update_yaml(source.yaml_text, existing, record, kind)
    if new_yaml is None:
        return FilePlan(path, kind, existing, source.text, source.text, merge, kept_because=why)
    return FilePlan(path, kind, record, source.with_yaml(new_yaml), source.text, merge)


# --- writing -------------------------------------------------------------------------------

def write_records(plans: list[FilePlan], dry_run: bool = False) -> list[FilePlan]:
    """Write every plan that changes its file, all or none; return those plans.

    Every new text is read back and compared with its record, and every file is checked to be
    as it was when planned, before the first file is touched.
    """
    problems = []
    seen: dict[Path, FilePlan] = {}
    changing = [plan for plan in plans if plan.changes_file]
    for plan in changing:
        key = plan.path.resolve()
        if key in seen:
            problems.append(Problem(plan.path, None, "two records of this run go to this file"))
        seen[key] = plan
        problems.extend(_check_plan(plan))
    if problems:
        raise SiteError(problems)
    if dry_run:
        return changing
    staged: list[tuple[Path, Path]] = []
    try:
        for plan in changing:
            plan.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(prefix=f".{plan.path.name}.", suffix=".tmp",
                                            dir=plan.path.parent)
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                out.write(plan.text)
            staged.append((Path(temp), plan.path))
        for temp, target in staged:
            os.replace(temp, target)
    finally:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
    return changing


def _check_plan(plan: FilePlan) -> list[Problem]:
    folder = plan.path.parent
    if not folder.is_dir() and (folder.exists() or folder.is_symlink()):
        return [Problem(folder, None, "is not a folder: records cannot be written into it")]
    try:
        current = plan.path.read_text(encoding="utf-8") if plan.path.exists() else None
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(plan.path, None, f"cannot read: {exc}")]
    if current != plan.old_text:
        return [Problem(plan.path, None, "the file changed while this run was reading it")]
    source = _Source(plan.path, plan.text, plan.text, 1)
    if plan.path.suffix == ".md":
        try:
            source = _read_source_text(plan.path, plan.text)
        except SiteError as exc:
            return exc.problems
    try:
        written = source.record()
    except SiteError as exc:
        return exc.problems
    if plain(written) != plain(ordered(plan.record, plan.kind)):
        return [Problem(plan.path, None, "internal error: the YAML written would not read back "
                                         "as the record; nothing was written")]
    return []


def _read_source_text(path: Path, text: str) -> _Source:
    lines = text.splitlines(keepends=True)
    for index in range(1, len(lines)):
        if _FENCE.match(lines[index].rstrip("\r\n")):
            return _Source(path, text, "".join(lines[1:index]), 2)
    raise SiteError([Problem(path, 1, "front matter is not closed by a '---' line")])


def describe(plan: FilePlan, shown: str | None = None) -> list[str]:
    """Lines telling a person what a plan does: created, updated fields, kept differences."""
    name = shown or str(plan.path)
    lines = []
    if plan.is_new:
        lines.append(f"create {name}")
    elif plan.kept_because:
        fields = ", ".join(change.path for change in plan.merge.changes)
        lines.append(f"keep {name} as it is: {plan.kept_because}; add by hand: {fields}")
    elif plan.changes_file:
        fields = ", ".join(change.path for change in plan.merge.changes)
        lines.append(f"update {name}: {fields}")
    for conflict in plan.merge.conflicts:
        lines.append(f"  {name}: {conflict.path} differs; kept the existing text "
                     f"(incoming: {_short(conflict.incoming)})")
    return lines


def _short(value: Any, limit: int = 70) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
