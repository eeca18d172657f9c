"""Asking for one draft: politely (a rate limit shared by every worker, retries with growing
waits that honour ``Retry-After``), and faithfully (a draft that loses math, links, code or
numbers, or is not the JSON asked for, is asked for once more, then given up)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from . import prompts
from .backends import BackendError, Reply
from .faithful import missing_parts
from .gaps import WHAT, Task, abstract_for
from .prompts import Glossary
from .settings import TranslateSettings


@dataclass
class Draft:
    """What one task gave: ``values`` maps each machine key to its text (a string, or a list
    of strings for a review list); ``failure`` says why there is none."""

    task: Task
    values: dict[str, str | list[str]] = field(default_factory=dict)
    failure: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0


class Stopped(Exception):
    """The run is stopping: no further request is made."""


class RateLimit:
    """Starts of requests at least ``60 / per_minute`` seconds apart, across threads, and none
    while a server has asked to wait."""

    def __init__(self, per_minute: float, stop: threading.Event):
        self.interval, self.stop = 60.0 / per_minute, stop
        self.lock = threading.Lock()
        self.next = 0.0

    def hold(self, seconds: float) -> None:
        """Start no request for ``seconds`` (a server's ``Retry-After``)."""
        with self.lock:
            self.next = max(self.next, time.monotonic() + seconds)

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next)
            self.next = start + self.interval
        stopped = self.stop.wait(start - now) if start > now else self.stop.is_set()
        if stopped:
            raise Stopped


class Drafter:
    """Drafts tasks with one backend; safe to call from several threads."""

    def __init__(self, backend, settings: TranslateSettings, glossary: Glossary,
                 preferred: str, stop: threading.Event | None = None):
        self.backend, self.settings, self.glossary = backend, settings, glossary
        self.preferred = preferred
        self.stop = stop or threading.Event()
        self.limit = RateLimit(settings.requests_per_minute, self.stop)

    # -- requests ----------------------------------------------------------------------------

    def ask(self, messages: list[dict], task: Task, draft: Draft) -> str:
        """The reply to ``messages``, after retries; counts its tokens into ``draft``."""
        described = {"paper": task.paper.id, "field": task.key, "kind": task.kind}
        for attempt in range(self.settings.retries + 1):
            self.limit.wait()
            try:
                reply: Reply = self.backend.ask(messages, described)
            except BackendError as exc:
                if not exc.retry or attempt == self.settings.retries:
                    tries = f" (tried {attempt + 1} times)" if attempt else ""
                    raise BackendError(f"{exc}{tries}") from None
                if exc.wait is not None:  # the server said when: every worker holds back
                    self.limit.hold(exc.wait)
                elif self.stop.wait(self.settings.retry_wait * 2 ** attempt):
                    raise Stopped from None
                continue
            draft.tokens_in += reply.tokens_in
            draft.tokens_out += reply.tokens_out
            return reply.text
        raise AssertionError("unreachable")

    def draft(self, task: Task) -> Draft:
        draft = Draft(task)
        try:
            draft.values = self._draft(task, draft)
        except BackendError as exc:
            draft.failure = str(exc)
        except _Unfaithful as exc:
            draft.failure = f"{exc} (asked twice); not written"
        return draft

    # -- kinds of task -------------------------------------------------------------------------

    def _draft(self, task: Task, draft: Draft) -> dict[str, str | list[str]]:
        if task.kind == "translate":
            messages = prompts.translation(task.source, task.source_lang, task.lang,
                                           WHAT[task.field], self.glossary)
            return {task.key: self._twice(messages, task, draft, self._check_text)}
        if task.kind == "translate-list":
            messages = prompts.list_translation(list(task.source), task.source_lang, task.lang,
                                                self.glossary)
            return {task.key: self._twice(messages, task, draft, self._check_list)}
        title, abstract = abstract_for(task.paper, task.lang, self.preferred)
        if task.kind == "summarize":
            messages = prompts.summary(title, abstract, task.lang, self.glossary)
            return {task.key: " ".join(self.ask(messages, task, draft).split())}
        messages = prompts.review(title, abstract, task.lang, self.glossary)
        sections = self._twice(messages, task, draft, lambda reply, _task: (
            prompts.parse_review(reply), None))
        return {f"review.{key}.{task.lang}": items for key, items in sections.items()}

    def _twice(self, messages: list[dict], task: Task, draft: Draft, check):
        """The checked reply to ``messages``; once more, saying what was wrong, if it fails."""
        problem = None
        for _ in range(2):
            reply = self.ask(messages, task, draft)
            try:
                value, problem = check(reply, task)
            except ValueError as exc:
                value, problem = None, str(exc)
            if problem is None:
                return value
            messages = [*messages, {"role": "assistant", "content": reply},
                        {"role": "user", "content": f"{problem}. Please answer again, keeping "
                                                    "everything the source holds."}]
        raise _Unfaithful(problem)

    @staticmethod
    def _check_text(reply: str, task: Task) -> tuple[str, str | None]:
        lost = missing_parts(task.source, reply)
        if lost:
            return reply, f"the draft lost {', '.join(lost)}"
        if task.field == "notes" and any(line.startswith(":::") for line in reply.splitlines()):
            return reply, "the draft holds a ':::' line, which would end a language container"
        return reply, None

    @staticmethod
    def _check_list(reply: str, task: Task) -> tuple[list[str], str | None]:
        items = prompts.parse_list(reply, len(task.source))
        lost = missing_parts("\n".join(task.source), "\n".join(items))
        return items, (f"the draft lost {', '.join(lost)}" if lost else None)


class _Unfaithful(Exception):
    """A reply that was still wrong when asked for the second time."""
