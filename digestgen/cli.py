"""The ``digestgen`` command line: one group, one module per subcommand.

Subcommands are imported when they run, not when the group starts: ``add`` pulls in the
arXiv client and ``serve`` the file watcher, and a no-op ``digestgen build`` should not pay
for either.
"""

from __future__ import annotations

import difflib
import importlib
import os
import sys
import threading

import click

from . import __version__

#: Subcommand name -> module in ``digestgen.commands`` and the click command in it, in the
#: order a user meets them.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("init", "init"),
    "add": ("add", "add"),
    "import": ("import_", "import_"),
    "translate": ("translate", "translate"),
    "build": ("build", "build"),
    "serve": ("serve", "serve"),
    "check": ("check", "check"),
    "export": ("export", "export"),
    "deploy": ("deploy", "deploy"),
    "daily": ("daily", "daily"),
}

#: What ``digestgen --help`` says of each command (whole, and without importing them all).
SUMMARIES: dict[str, str] = {
    "init": "Start a new digest site in a folder.",
    "add": "Add papers from arXiv by id, or from an announcement feed.",
    "import": "Read Markdown digest issues and paper reviews into records.",
    "translate": "Draft missing translations, summaries and reviews with a model.",
    "build": "Build the site (into site/ unless output_dir says otherwise).",
    "serve": "Preview the site on 127.0.0.1, rebuilding as you edit.",
    "check": "Validate the site, its links and its translations.",
    "export": "Print an issue as a Markdown digest document.",
    "deploy": "Publish the built site to the gh-pages branch.",
    "daily": "Add the day's best arXiv papers (what the scheduled workflow runs).",
}

EPILOG = """\b
Examples:
  digestgen init mydigest && cd mydigest
  digestgen add 2403.14715 --date 2024-03-22
  digestgen build && digestgen serve

Run `digestgen COMMAND --help` for a command's options and examples."""


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

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, SUMMARIES[name]) for name in COMMANDS])

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in COMMANDS:
            match = difflib.get_close_matches(name, list(COMMANDS), n=1, cutoff=0.5)
            hint = f" Did you mean '{match[0]}'?" if match else ""
            ctx.fail(f"No such command '{name}'.{hint} Commands: {', '.join(COMMANDS)}.")
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[cmd_name]
        module = importlib.import_module(f"{__package__}.commands.{module_name}")
        return getattr(module, attribute)


@click.group(cls=CommandsOnDemand, epilog=EPILOG,
             context_settings={"help_option_names": ["-h", "--help"]})
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
