"""What every subcommand shares: ``--config``, error reporting, progress."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import click

from ..config import CONFIG_NAME, SiteConfig, find_config, load_config
from ..errors import SiteError

T = TypeVar("T")


def config_option(command: Callable) -> Callable:
    """Add ``--config PATH`` (default: ``digestgen.yaml`` here or in a folder above)."""
    return click.option(
        "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
        default=None, help=f"Site configuration (default: {CONFIG_NAME}, searched upward).",
    )(command)


def site_config(config_path: Path | None) -> SiteConfig:
    """The validated configuration named by ``--config``, or found upward from here."""
    if config_path is None:
        config_path = find_config()
        if config_path is None:
            raise click.ClickException(
                f"no {CONFIG_NAME} here or in any folder above; run `digestgen init DIR` "
                "or pass --config PATH")
    return load_config(config_path)


def translate_setting(config: SiteConfig, name: str) -> str | None:
    """A key of the ``translate:`` section (SPEC 5), where the configuration has one: its
    ``api`` serves embeddings too, and its ``api_key_env`` names the key of both."""
    return getattr(getattr(config, "translate", None), name, None)


def api_key_env(config: SiteConfig) -> str:
    """The environment variable that holds the API key (default ``OPENAI_API_KEY``)."""
    return translate_setting(config, "api_key_env") or "OPENAI_API_KEY"


def reports_problems(command: Callable) -> Callable:
    """Print a :class:`SiteError`'s problems as ``PATH:LINE: message`` and exit 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except SiteError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            count = len(exc.problems)
            click.echo(f"{count} error{'s' if count != 1 else ''}; nothing was written.",
                       err=True)
            sys.exit(1)

    return wrapper


def progress(items: Iterable[T], length: int, label: str, quiet: bool = False) -> Iterator[T]:
    """Iterate ``items`` with a progress bar on a terminal, silently elsewhere."""
    if quiet or not sys.stderr.isatty():
        yield from items
        return
    with click.progressbar(items, length=length, label=label, file=sys.stderr) as bar:
        yield from bar
