"""The ``digestgen`` command line: one group, one module per subcommand."""

from __future__ import annotations

import click

from . import __version__
from .commands.add import add
from .commands.build import build
from .commands.check import check
from .commands.deploy import deploy
from .commands.export import export
from .commands.import_ import import_
from .commands.init import init
from .commands.serve import serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="digestgen")
def main() -> None:
    """Build bilingual paper-digest sites from one YAML or Markdown file per paper."""


main.add_command(build)
main.add_command(init)
main.add_command(deploy)
main.add_command(add)
main.add_command(import_)
main.add_command(export)
main.add_command(serve)
main.add_command(check)
