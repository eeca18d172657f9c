"""The ``digestgen`` command line: one group, one module per subcommand.

Subcommands are imported when they run, not when the group starts: ``add`` pulls in the
arXiv client and ``serve`` the file watcher, and a no-op ``digestgen build`` should not pay
for either.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading

import click

from . import __version__

#: Subcommand name -> module in ``digestgen.commands`` and the click command in it.
COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("build", "build"),
    "init": ("init", "init"),
    "deploy": ("deploy", "deploy"),
    "add": ("add", "add"),
    "import": ("import_", "import_"),
    "export": ("export", "export"),
    "serve": ("serve", "serve"),
    "check": ("check", "check"),
}


class CommandsOnDemand(click.Group):
    """A group whose subcommands are imported by name when first asked for, and the boundary
    where an operating-system error of any command (a full disk, a permission denied, a file
    where a folder should be) becomes ``PATH: message`` and exit status 1: each command leaves
    what it was writing as it was before it fails."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except OSError as exc:
            from .errors import os_error_text
            click.echo(os_error_text(exc), err=True)
            ctx.exit(1)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[cmd_name]
        module = importlib.import_module(f"{__package__}.commands.{module_name}")
        return getattr(module, attribute)


@click.group(cls=CommandsOnDemand, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="digestgen")
def main() -> None:
    """Build bilingual paper-digest sites from one YAML or Markdown file per paper."""


def run() -> None:
    """The ``digestgen`` program: :func:`main`, then an exit that does not tear the interpreter
    down. A build holds millions of objects, and freeing them one by one at exit took 1.7 s
    after a cold build of 20,000 papers and 9 s after one of 100,000, for a process that is
    ending anyway. Every command closes what it opens itself (files, folders, workers); while
    other threads run (a server stopping), the exit is Python's usual one."""
    try:
        main()
        status = 0
    except SystemExit as stop:
        status = _exit_status(stop.code)
    if threading.active_count() > 1:
        sys.exit(status)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can reach it
            status = status or 120  # as Python ends when it cannot flush at exit
    os._exit(status)


def _exit_status(code: object) -> int:
    """The status ``sys.exit(code)`` would end with (a message is printed, as it prints it)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
