"""Writing paper and issue record files (SPEC 1.3, 1.4): the one writer ``import`` and ``add`` share.

A record is a plain dict as it would be read back from YAML. :func:`dump_record` turns it into
clean, human-editable YAML (fixed key order, block scalars for long text, Unicode as it is).
:func:`plan_record` merges an incoming record into the file that may already hold it, keeping
whatever a person wrote (:mod:`digestgen.recordmerge`), and :func:`write_records` writes a run's
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

import yaml

from .errors import Problem, SiteError
from .recordmerge import Conflict, MergeResult, merge_record
from .records import SLUG, is_arxiv_id
from .yamlsrc import parse_yaml

__all__ = [
    "PAPER_KEYS", "ISSUE_KEYS", "Conflict", "MergeResult", "FilePlan", "merge_record",
    "dump_record", "id_problem", "is_arxiv_id", "file_stem", "find_papers", "plan_record",
    "write_records", "describe",
]

PAPER_KEYS = (
    "id", "title", "date", "authors", "url", "pdf", "arxiv", "tldr", "abstract",
    "abstract_truncated", "review", "venue", "field", "citations", "references", "tags",
    "draft", "notes",
)
ARXIV_KEYS = (
    "version", "announce_type", "primary_category", "categories", "published", "updated",
    "comment", "journal_ref", "doi",
)
REVIEW_KEYS = ("motivation", "method", "questions", "findings")
ISSUE_KEYS = ("title", "intro", "papers", "draft")
_NESTED_ORDER = {"arxiv": ARXIV_KEYS, "review": REVIEW_KEYS}
_TEXT_KEYS = {"title", "tldr", "abstract", "notes", "intro", *REVIEW_KEYS}
_LANGUAGE_ORDER = ("en", "zh")

#: Strings longer than this are written as block scalars, so that they read (and diff) as prose.
LONG_TEXT = 80

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


# --- dumping -------------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """Block style, sequences indented under their key, no anchors for repeated values."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


class _PlainDumper(_Dumper):
    """The fallback when a block scalar would not read back as the same string."""


class _QuotedDumper(_Dumper):
    """The last resort for strings PyYAML's other styles garble (a lone NEL, say)."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = None
    if "\n" in value.strip("\n"):
        style = "|"
    elif len(value) > LONG_TEXT:
        style = ">"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_text)
_PlainDumper.add_representer(str, yaml.SafeDumper.represent_str)
_QuotedDumper.add_representer(
    str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"'))


def ordered(record: dict, kind: str = "paper") -> dict:
    """A copy of ``record`` in SPEC key order, without None values; unknown keys go last."""
    keys = PAPER_KEYS if kind == "paper" else ISSUE_KEYS
    return _ordered(record, keys)


def _ordered(mapping: dict, keys: tuple[str, ...], text: bool = False) -> dict:
    if text:
        keys = _LANGUAGE_ORDER
    rank = {key: index for index, key in enumerate(keys)}
    out = {}
    for key in sorted(mapping, key=lambda k: (rank.get(k, len(rank)), 0 if text else 1,
                                              str(k) if text else "")):
        value = mapping[key]
        if value is None:
            continue
        if isinstance(value, dict):
            value = _ordered(value, _NESTED_ORDER.get(key, ()), text=key in _TEXT_KEYS)
        out[key] = value
    return out


def dump_record(record: dict, kind: str = "paper") -> str:
    """``record`` as clean YAML in SPEC key order (``kind`` is ``paper`` or ``issue``)."""
    return _dump(ordered(record, kind))


def _dump(data: dict) -> str:
    data = _plain(data)
    if not data:
        return ""
    for dumper in (_Dumper, _PlainDumper, _QuotedDumper):
        text = yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False,
                         default_flow_style=False, width=LONG_TEXT)
        if yaml.safe_load(text) == data:  # else a style that garbles some string: try the next
            break
    return text


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
        raise SiteError([Problem(path, None, f"not UTF-8 text: {exc.reason}")]) from None
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


def find_papers(papers_dir: Path) -> tuple[dict[str, Path], list[Problem]]:
    """Map each paper id found in ``papers_dir`` to its file (``.yaml``/``.yml``/``.md``)."""
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    if not papers_dir.is_dir():
        return found, problems
    for path in sorted(papers_dir.iterdir()):
        if path.suffix not in (".yaml", ".yml", ".md") or not path.is_file():
            continue
        try:
            record = _read_source(path).record()
        except SiteError as exc:
            problems.extend(exc.problems)
            continue
        paper_id = record.get("id")
        if isinstance(paper_id, str):
            if paper_id in found:
                problems.append(Problem(path, None, f"id {paper_id!r} is also used by "
                                                    f"{found[paper_id]}"))
            found.setdefault(paper_id, path)
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
                owned: frozenset[str] = frozenset(), source_language: str = "en") -> FilePlan:
    """Plan writing ``incoming`` to ``path``, merged into the file there if there is one."""
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
    if not merge.changes:
        return FilePlan(path, kind, existing, source.text, source.text, merge)
    new_yaml, why = _update_yaml(source.yaml_text, existing, merge.record, kind)
    if new_yaml is None:
        return FilePlan(path, kind, existing, source.text, source.text, merge, kept_because=why)
    return FilePlan(path, kind, merge.record, source.with_yaml(new_yaml), source.text, merge)


def _update_yaml(old: str, existing: dict, new: dict, kind: str) -> tuple[str | None, str]:
    """``old`` with only the changed top-level keys rewritten, or (None, why) when it cannot."""
    spans = _key_spans(old)
    if spans is None:
        if "#" in old and old != dump_record(existing, kind):
            return None, "its YAML is laid out so that an update would drop comments"
        return dump_record(new, kind), ""
    lines = old.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in line numbers
    inserts: dict[int, list[str]] = {}
    order = PAPER_KEYS if kind == "paper" else ISSUE_KEYS
    for key in ordered(new, kind):
        if key in existing and existing[key] == new[key]:
            continue
        fragment = _dump({key: ordered({key: new[key]}, kind)[key]})
        if key in spans:
            start, end = spans[key]
            block = "".join(lines[start:end])
            if "#" in block and block != _dump({key: ordered({key: existing[key]}, kind)[key]}):
                return None, (f"lines {start + 1}-{end} ('{key}') hold a comment that "
                              "rewriting would drop")
            edits.append((start, end, fragment))
        else:
            at = _insertion_line(key, order, spans, lines)
            inserts.setdefault(at, []).append(fragment)  # keys come in SPEC order
    edits += [(at, at, "".join(fragments)) for at, fragments in inserts.items()]
    # Applied bottom-up so that the line numbers of the edits above stay valid.
    for start, end, fragment in sorted(edits, reverse=True):
        lines[start:end] = [fragment]
    text = "".join(lines)
    if yaml.safe_load(text) != ordered(new, kind):
        return dump_record(new, kind), ""  # splicing met a layout it cannot keep
    return text, ""


def _key_spans(text: str) -> dict[str, tuple[int, int]] | None:
    """Line ranges ``[start, end)`` of each top-level key of a block mapping, else None.

    A key's range ends before the blank and comment lines that precede the next key, so a
    comment written above a key stays with it.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if not isinstance(node, yaml.MappingNode) or node.flow_style:
        return None
    lines = text.splitlines()
    starts = []
    for key_node, _ in node.value:
        if key_node.start_mark.column != 0 or not isinstance(key_node.value, str):
            return None
        starts.append(key_node.start_mark.line)
    if len(set(starts)) != len(starts):
        return None
    spans = {}
    for index, (key_node, _) in enumerate(node.value):
        start = starts[index]
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        while end - 1 > start and (not lines[end - 1].strip()
                                   or lines[end - 1].lstrip().startswith("#")):
            end -= 1
        spans[key_node.value] = (start, end)
    return spans


def _insertion_line(key: str, order: tuple[str, ...], spans: dict[str, tuple[int, int]],
                    lines: list[str]) -> int:
    """Where a new top-level ``key`` goes: after the nearest present key that precedes it."""
    rank = {k: i for i, k in enumerate(order)}
    mine = rank.get(key, len(rank))
    before = [span for k, span in spans.items() if rank.get(k, len(rank)) <= mine]
    if before:
        return max(end for _, end in before)
    after = [start for k, (start, _) in spans.items()]
    return min(after) if after else len(lines)


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
    if _plain(written) != _plain(ordered(plan.record, plan.kind)):
        return [Problem(plan.path, None, "internal error: the YAML written would not read back "
                                         "as the record; nothing was written")]
    return []


def _read_source_text(path: Path, text: str) -> _Source:
    lines = text.splitlines(keepends=True)
    for index in range(1, len(lines)):
        if _FENCE.match(lines[index].rstrip("\r\n")):
            return _Source(path, text, "".join(lines[1:index]), 2)
    raise SiteError([Problem(path, 1, "front matter is not closed by a '---' line")])


def _plain(value: Any) -> Any:
    """Plain dicts and lists, for comparing a parsed record with a built one."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


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
