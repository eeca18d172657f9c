"""Problems found in a site's input, reported as ``PATH:LINE: message``.

Every stage that reads what a person wrote collects :class:`Problem` values instead of raising
on the first one, so that a run reports all of them together; :class:`SiteError` carries them to
the command line, which prints them and exits with status 1.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, at a file and (where known) a line."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = display_path(self.path)
        if self.line is not None:
            where = f"{where}:{self.line}"
        # One problem, one line: a value quoted in the message may hold line breaks.
        return f"{where}: {self.message}".replace("\r", "\\r").replace("\n", "\\n")


class SiteError(Exception):
    """Raised with every problem of a run; the CLI prints them and exits 1."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=_sort_key)
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(SiteError):
    """Problems in the site configuration, with the configuration as well as it could be
    read (defaults where a value was wrong), so that the content can be checked in the same
    run."""

    def __init__(self, problems: list[Problem], fallback: object):
        super().__init__(problems)
        self.fallback = fallback


def _sort_key(problem: Problem) -> tuple:
    return (str(problem.path), problem.line or 0, problem.message)


def fail(path: Path, line: int | None, message: str) -> SiteError:
    """A :class:`SiteError` holding one problem (for callers that stop at the first)."""
    return SiteError([Problem(path, line, message)])


def counted(number: int, noun: str) -> str:
    """``1 paper``, ``2 papers``: a count and its noun, agreeing in number."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it, else as given."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def decode_error_line(exc: UnicodeDecodeError) -> int:
    """The line of the first byte that is not UTF-8."""
    return exc.object[: exc.start].count(b"\n") + 1


def os_error_text(exc: OSError) -> str:
    """An operating-system error as ``PATH: message`` (``PATH -> OTHER: message`` for a
    rename or link), as every command reports one."""
    message = exc.strerror or str(exc)
    if exc.filename is None:
        return message
    where = display_path(Path(os.fsdecode(exc.filename)))
    if exc.filename2 is not None:
        where += f" -> {display_path(Path(os.fsdecode(exc.filename2)))}"
    return f"{where}: {message}"


def naming(path: Path | str, exc: OSError) -> OSError:
    """``exc`` with ``path`` as its file name when it names none (a ``write`` that found the
    disk full names no file)."""
    if exc.filename is not None:
        return exc
    return type(exc)(exc.errno, exc.strerror or str(exc), str(path))
