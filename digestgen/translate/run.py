"""A translate run: drafts asked for by a few workers at a time, each paper's record written
(atomically, comments kept) as soon as all of its drafts are in, so a run that is stopped loses
only what was in flight and the next run resumes where it stopped.
"""

from __future__ import annotations

import difflib
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import SiteError, display_path
from ..recordio.recordfile import FilePlan, plan_record, plan_replace, read_record, write_records
from ..content.records import Paper
from .draft import Draft, Drafter, Stopped
from .gaps import Task


@dataclass
class Outcome:
    """What a run did, for its closing summary."""

    written: dict[str, list[str]] = field(default_factory=dict)  # file shown -> machine keys
    failures: list[str] = field(default_factory=list)  # "PATH: KEY: why"
    tokens_in: int = 0
    tokens_out: int = 0
    diffs: list[str] = field(default_factory=list)


def run_tasks(tasks: list[Task], drafter: Drafter, concurrency: int, source_language: str,
              dry_run: bool, tick: Callable[[], None] = lambda: None) -> Outcome:
    """Draft every task, ``concurrency`` at a time, writing each paper when its drafts are in.

    Tasks start in order, so the first papers are done (and written) first. The workers are
    daemon threads: on Ctrl-C the run ends at once, dropping the requests in flight, rather
    than waiting for their replies."""
    outcome = Outcome()
    remaining: dict[str, int] = {}
    for task in tasks:
        remaining[task.paper.id] = remaining.get(task.paper.id, 0) + 1
    todo: queue.SimpleQueue[Task] = queue.SimpleQueue()
    for task in tasks:
        todo.put(task)
    results: queue.SimpleQueue[Draft | BaseException] = queue.SimpleQueue()
    for number in range(min(concurrency, len(tasks))):
        threading.Thread(target=_work, args=(drafter, todo, results), daemon=True,
                         name=f"translate-{number}").start()
    done: dict[str, list[Draft]] = {}
    try:
        for _ in tasks:
            result = results.get()
            if isinstance(result, BaseException):
                raise result
            tick()
            paper = result.task.paper
            done.setdefault(paper.id, []).append(result)
            remaining[paper.id] -= 1
            if remaining[paper.id] == 0:
                write_paper(paper, done.pop(paper.id), drafter.settings.model,
                            source_language, dry_run, outcome)
    finally:
        drafter.stop.set()  # workers start nothing more, and give up their waits
    return outcome


def _work(drafter: Drafter, todo: queue.SimpleQueue, results: queue.SimpleQueue) -> None:
    while not drafter.stop.is_set():
        try:
            task = todo.get_nowait()
        except queue.Empty:
            return
        try:
            results.put(drafter.draft(task))
        except Stopped:
            return
        except BaseException as exc:  # a bug: the run reports it rather than hanging
            results.put(exc)
            return


def write_paper(paper: Paper, drafts: list[Draft], model: str, source_language: str,
                dry_run: bool, outcome: Outcome) -> None:
    """Merge one paper's drafts into its record file, and note what happened in ``outcome``.
    A file that cannot be read or written is a failure of its texts; the run goes on."""
    shown = display_path(paper.source)
    values: dict[str, str | list[str]] = {}
    for draft in drafts:
        outcome.tokens_in += draft.tokens_in
        outcome.tokens_out += draft.tokens_out
        if draft.failure:
            outcome.failures.append(f"{shown}: {draft.task.key}: {draft.failure}")
        else:
            values.update(draft.values)
    try:
        values = _writable(paper, values, model, source_language, outcome)
        if values:
            write(_plan(paper, values, model, source_language), dry_run, outcome)
            outcome.written[shown] = sorted(values)
    except SiteError as exc:
        outcome.failures += [str(problem) for problem in exc.problems]
    except OSError as exc:
        outcome.failures.append(f"{shown}: cannot write: {exc.strerror or exc}")


def _plan(paper: Paper, values: dict, model: str, source_language: str) -> FilePlan:
    """The plan that writes ``values``; the notes of an ``.md`` paper whose body holds them
    go into the body, as ``::: LANG`` containers (the machine entries into the front matter)."""
    body = {}
    if paper.source.suffix == ".md" and "notes" not in read_record(paper.source):
        body = {key: value for key, value in values.items() if key.startswith("notes.")}
    front = {key: value for key, value in values.items() if key not in body}
    addition = "".join(_container(key.partition(".")[2], text, source_language)
                       for key, text in sorted(body.items()))
    return plan_record(paper.source, incoming(front, model, machine=values), "paper",
                       frozenset(), source_language, body_addition=addition)


def _container(lang: str, text: str, source_language: str) -> str:
    """Notes in ``lang`` as an ``.md`` body holds them: the source language's outside any
    container."""
    if lang == source_language:
        return f"{text.strip()}\n"
    return f"::: {lang}\n{text.strip()}\n:::\n"


def _writable(paper: Paper, values: dict, model: str, source_language: str,
              outcome: Outcome) -> dict:
    """``values`` but those the file cannot take: a text a person wrote since the run began
    (it wins, and gets no machine mark), and the fields whose lines hold a comment that
    rewriting them would drop (the writer then leaves the file alone)."""
    shown = display_path(paper.source)
    plan = _plan(paper, values, model, source_language)
    taken = {c.path for c in plan.merge.conflicts} & set(values)
    for key in sorted(taken):
        outcome.failures.append(f"{shown}: {key}: written in the file meanwhile; kept")
    values = {key: value for key, value in values.items() if key not in taken}
    if not values or not _plan(paper, values, model, source_language).kept_because:
        return values
    by_field: dict[str, dict] = {}
    for key, value in values.items():
        by_field.setdefault(key.split(".")[0], {})[key] = value
    for part in by_field.values():
        plan = _plan(paper, part, model, source_language)
        if plan.kept_because:
            outcome.failures += [f"{shown}: {key}: file left as it is: {plan.kept_because}"
                                 for key in part]
            values = {key: value for key, value in values.items() if key not in part}
    return values


def incoming(values: dict[str, str | list[str]], model: str,
             machine: dict | None = None) -> dict:
    """The record fragment holding ``values`` (by machine key) and the ``machine`` entries,
    naming ``model``, of the keys of ``machine`` (default: of ``values``)."""
    record: dict = {}
    for key, value in sorted(values.items()):
        *path, lang = key.split(".")
        holder = record
        for part in path:
            holder = holder.setdefault(part, {})
        holder[lang] = value
    record["machine"] = {key: model for key in sorted(machine or values)}
    return record


def write(plan: FilePlan, dry_run: bool, outcome: Outcome) -> None:
    """Write ``plan`` (atomically), or with ``dry_run`` keep its diff to show."""
    write_records([plan], dry_run=dry_run)
    if dry_run and plan.changes_file:
        name = display_path(plan.path)
        outcome.diffs.append("".join(difflib.unified_diff(
            plan.old_text.splitlines(keepends=True), plan.text.splitlines(keepends=True),
            f"a/{name}", f"b/{name}")))


def accept(papers: list[Paper], keep: Callable[[str], bool], dry_run: bool,
           outcome: Outcome) -> int:
    """Drop the ``machine`` entries ``keep`` does not keep from each paper's file: the editor
    has reviewed those texts. Returns how many entries were dropped."""
    dropped = 0
    for paper in papers:
        try:
            dropped += _accept(paper, keep, dry_run, outcome)
        except SiteError as exc:
            outcome.failures += [str(problem) for problem in exc.problems]
        except OSError as exc:
            outcome.failures.append(f"{display_path(paper.source)}: cannot write: "
                                    f"{exc.strerror or exc}")
    return dropped


def _accept(paper: Paper, keep: Callable[[str], bool], dry_run: bool, outcome: Outcome) -> int:
    record = dict(read_record(paper.source))
    machine = record.get("machine")
    if not isinstance(machine, dict):
        return 0
    left = {key: model for key, model in machine.items() if keep(str(key))}
    if len(left) == len(machine):
        return 0
    if left:
        record["machine"] = left
    else:
        record.pop("machine")
    plan = plan_replace(paper.source, record, "paper")
    shown = display_path(paper.source)
    if plan.kept_because:
        outcome.failures.append(f"{shown}: file left as it is: {plan.kept_because}")
        return 0
    write(plan, dry_run, outcome)
    outcome.written[shown] = sorted(str(key) for key in machine if key not in left)
    return len(machine) - len(left)
