"""The ``translate:`` section of ``digestgen.yaml`` (SPEC 5), read and checked with lines.

Kept apart from the translation code so that reading a configuration imports nothing more
than this small module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_KEY_ENV = "OPENAI_API_KEY"
KEYS = {"api", "model", "api_key_env", "command", "glossary", "concurrency",
        "requests_per_minute", "timeout", "retries", "retry_wait"}

#: The numeric keys, and whether each is a whole number.
NUMBERS = {"concurrency": True, "requests_per_minute": False, "timeout": False, "retries": True,
           "retry_wait": False}


@dataclass(frozen=True)
class TranslateSettings:
    """How ``digestgen translate`` reaches a model, and how politely."""

    model: str
    api: str | None = None
    api_key_env: str = DEFAULT_KEY_ENV
    command: str | None = None
    glossary: Path | None = None
    concurrency: int = 4
    requests_per_minute: float = 60.0
    timeout: float = 60.0
    retries: int = 4  # further tries of a request after a 429, a 5xx or a dropped connection
    retry_wait: float = 2.0  # seconds before the first retry; doubled each time


#: Reports a problem: (key, message, the mapping holding the key).
Report = Callable[[Any, str, Any], None]


def read_settings(value: Any, root: Path, report: Report,
                  closest: Callable[[str, set[str], str], str]) -> TranslateSettings | None:
    """The settings in ``value`` (the section as parsed), or None when it has problems."""
    if not isinstance(value, dict):
        report("translate", "'translate' must be a mapping such as {api: URL, model: NAME}",
               None)
        return None
    problems = []

    def problem(key: Any, message: str) -> None:
        problems.append(message)
        report(key, message, value)

    for key in value:
        if key not in KEYS:
            problem(key, f"unknown key 'translate.{key}'{closest(str(key), KEYS, 'translate.')}")
    text = {key: _text(value, key, problem) for key in
            ("api", "model", "api_key_env", "command", "glossary")}
    if text["api"] and (urlsplit(text["api"]).scheme not in ("http", "https")
                        or not urlsplit(text["api"]).netloc):
        problem("api", f"'translate.api' must be an http(s) URL, not {text['api']!r}")
    if text["api"] and text["command"]:
        problem("command", "'translate' takes 'api' or 'command', not both")
    elif not text["api"] and not text["command"] and "api" not in value \
            and "command" not in value:
        problem(None, "'translate' needs either 'api' (an OpenAI-compatible API) or 'command'")
    if text["api"] and not text["model"]:
        problem("model", "'translate.model' is required with 'api'")
    defaults = {item.name: item.default for item in fields(TranslateSettings)}
    numbers = {key: _number(value, key, problem, defaults[key], whole)
               for key, whole in NUMBERS.items()}
    if problems:
        return None
    model = text["model"] or Path(text["command"].split()[0]).name
    return TranslateSettings(
        model=model, api=text["api"], api_key_env=text["api_key_env"] or DEFAULT_KEY_ENV,
        command=text["command"], glossary=root / text["glossary"] if text["glossary"] else None,
        **numbers)


def _text(value: dict, key: str, problem: Callable[[Any, str], None]) -> str | None:
    item = value.get(key)
    if item is None:
        return None
    if not isinstance(item, str) or not item.strip():
        problem(key, f"'translate.{key}' must be a non-empty string")
        return None
    return item.strip()


def _number(value: dict, key: str, problem: Callable[[Any, str], None], default: float,
            whole: bool) -> float:
    """A positive number (``retries`` and ``retry_wait`` may be 0)."""
    item = value.get(key, default)
    may_be_zero = key in ("retries", "retry_wait")
    kind = "a whole number" if whole else "a number"
    if isinstance(item, bool) or not isinstance(item, int if whole else (int, float)) \
            or item < 0 or (item == 0 and not may_be_zero):
        bound = "of 0 or more" if may_be_zero else "above 0"
        problem(key, f"'translate.{key}' must be {kind} {bound}, not {item!r}")
        return default
    return item
