"""The ``digestgen`` command line: one group, one module per subcommand.

Subcommands are imported when they run, not when the group starts: ``add`` pulls in the
arXiv client and ``serve`` the file watcher, and a no-op ``digestgen build`` should not pay
for either.
"""

from __future__ import annotations

import importlib

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
    """A group whose subcommands are imported by name when first asked for."""

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
