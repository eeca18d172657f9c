"""``digestgen build``."""

from __future__ import annotations

from pathlib import Path

import click

from ..build import build as build_site
from ..build import configure
from ..errors import counted, display_path
from .common import config_option, reports_problems, site_config, warn_placeholder


@click.command(epilog="""\b
Examples:
  digestgen build
  digestgen build --drafts --output /tmp/preview
  digestgen build --base-url https://alice.github.io/digest/""")
@config_option
@click.option("--drafts", is_flag=True, help="Include papers and issues marked draft.")
@click.option("--base-url", metavar="URL", help="Public root URL, overriding base_url.")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Output directory, overriding output_dir.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
@reports_problems
def build(config_path: Path | None, drafts: bool, base_url: str | None, output: Path | None,
          quiet: bool) -> None:
    """Build the site into the output directory (default: site/)."""
    config = configure(site_config(config_path), output=output, base_url=base_url)
    warn_placeholder(config)
    result = build_site(config, drafts=drafts)
    if not quiet:
        click.echo(f"Built {counted(result.papers, 'paper')} in "
                   f"{counted(result.issues, 'issue')}: {counted(result.files, 'file')} in "
                   f"{display_path(result.output)} ({result.seconds:.2f} s)")
