"""What every subcommand shares: ``--config``, error reporting, progress."""

from __future__ import annotations

import dataclasses
import functools
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import click

from ..config import CONFIG_NAME, SiteConfig, find_config
from ..configload import load_config
from ..errors import ConfigError, Problem, SiteError

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
    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise SiteError([*exc.problems, *_content_problems(exc.fallback)]) from None


def _content_problems(config: SiteConfig) -> list:
    """The content's problems, read with a configuration that has errors of its own, so that
    one run reports them all."""
    from ..content.load import load_content  # imported only when there is something to report

    try:
        load_content(dataclasses.replace(config, output_dir=config.output_dir.resolve()))
    except SiteError as exc:
        return exc.problems
    return []


def placeholder_problem(config: SiteConfig) -> Problem | None:
    """``base_url`` still init's placeholder, as a problem on its line; None when it is not."""
    if not config.base_url_is_placeholder:
        return None
    line = None
    try:
        lines = config.path.read_text(encoding="utf-8").splitlines()
        line = next((n for n, text in enumerate(lines, 1) if text.startswith("base_url")), None)
    except (OSError, UnicodeDecodeError):
        pass
    return Problem(config.path, line, f"base_url is still the placeholder {config.base_url}: "
                                      "set it to the address the site is published at")


def warn_placeholder(config: SiteConfig) -> None:
    """Say on stderr when ``base_url`` is still init's placeholder: links in the feeds and
    the sitemap would point there."""
    problem = placeholder_problem(config)
    if problem is not None:
        click.echo(f"Warning: {problem}", err=True)


def translate_api(config: SiteConfig) -> str | None:
    """The ``api`` of the ``translate:`` section (SPEC 5), which serves embeddings too."""
    return config.translate.api if config.translate else None


def api_key_env(config: SiteConfig) -> str:
    """The environment variable that holds the API key of ``translate`` and embeddings."""
    from ..translate.settings import DEFAULT_KEY_ENV  # here: a build never needs it

    return config.translate.api_key_env if config.translate else DEFAULT_KEY_ENV


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
