"""``digestgen init [DIR]``: write a new site that builds and publishes as it is."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..scaffold import (
    CONFIG_FILE, DAILY_WORKFLOW, DEFAULT_INSTALL, EXAMPLE_PAPER, GITIGNORE, INSTALL_SPEC, WORKFLOW,
    init_site,
)


def _install_spec(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not INSTALL_SPEC.fullmatch(value):
        raise click.BadParameter("give a pip requirement or address, such as digestgen==0.1.0 "
                                 "or 'git+https://github.com/OWNER/digestgen@v0.1.0' "
                                 "(no spaces, quotes or $)")
    return value


@click.command(epilog=f"""\b
Files written:
  {CONFIG_FILE}  the site configuration, every key explained
  {EXAMPLE_PAPER}  an example paper
  {GITIGNORE}  ignores the built site and caches
  {WORKFLOW}  builds and publishes the site on GitHub Pages
  {DAILY_WORKFLOW}  adds the day's best arXiv papers (daily: in {CONFIG_FILE})

A file that already exists is never overwritten: it is kept as it is and
reported as kept, and so is the example paper when content/papers/ already
holds papers. Kept files are not an error: the exit status is 0 unless a file
could not be written (then 1).

\b
Examples:
  digestgen init mydigest
  digestgen init mydigest --install 'git+https://github.com/OWNER/digestgen@v0.1.0'""")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--install", "install", default=DEFAULT_INSTALL, show_default=True,
              metavar="SPEC", callback=_install_spec,
              help="What the Pages workflow gives `pip install`: a version from the package "
                   "index, or a git address and tag.")
def init(directory: Path, install: str) -> None:
    """Start a new digest site.

    Writes the site's files into DIRECTORY (default: the current folder)."""
    result = init_site(directory, install)
    click.echo(f"digestgen site in {directory}{'/' if str(directory) != '.' else ''}:")
    for name in result.written:
        click.echo(f"  wrote {name}")
    for name, why in result.skipped.items():
        click.echo(f"  kept  {name} ({why}; not overwritten)")
    for note in result.notes:
        click.echo(f"Note: {note}.")
    if result.failed:
        for name, why in result.failed.items():
            click.echo(f"Error: cannot write {click.format_filename(directory / name)}: {why}",
                       err=True)
        sys.exit(1)
    click.echo("\nNext steps:")
    if directory.resolve() != Path.cwd().resolve():
        click.echo(f"  cd {click.format_filename(directory)}")
    click.echo("  digestgen build      # writes the site to site/\n"
               "  digestgen serve      # previews it on http://127.0.0.1:8000/\n"
               "  digestgen add ID     # adds a paper by its arXiv id\n"
               "Set title and base_url in digestgen.yaml (base_url is a placeholder until then).\n"
               "To publish on GitHub Pages, push the folder to a GitHub repository and set\n"
               "Settings > Pages > Source to \"GitHub Actions\"; or run `digestgen deploy` to\n"
               "publish the built site to the gh-pages branch.")
