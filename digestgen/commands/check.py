"""``digestgen check``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..check import check_site, failed, report_lines
from ..build import configure
from ..sitesize import DEFAULT_MAX_FILES, Limits, parse_size
from .common import config_option, reports_problems, site_config, warn_placeholder


@click.command(epilog="""\b
Examples:
  digestgen check
  digestgen check --strict --base-url https://alice.github.io/digest/""")
@config_option
@click.option("--strict", is_flag=True, help="Count warnings (missing translations) as errors.")
@click.option("--drafts", is_flag=True, help="Include papers and issues marked draft.")
@click.option("--base-url", metavar="URL", help="Check the site as built for this URL.")
@click.option("--max-size", metavar="SIZE", default="1GB", show_default=True,
              help="Warn when the built site is larger (GitHub Pages publishes up to 1 GB).")
@click.option("--max-files", metavar="N", type=click.IntRange(min=1),
              default=DEFAULT_MAX_FILES, show_default=True,
              help="Warn when the built site has more files (GitLab Pages' limit).")
@reports_problems
def check(config_path: Path | None, strict: bool, drafts: bool, base_url: str | None,
          max_size: str, max_files: int) -> None:
    """Validate the site as a build would, then check every internal link and anchor, report
    translation coverage and the site's size against what hosts publish. Exits 1 on errors
    (and on warnings with --strict)."""
    try:
        limits = Limits(parse_size(max_size), max_files)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--max-size") from None
    config = site_config(config_path)
    warn_placeholder(configure(config, base_url=base_url))
    report = check_site(config, drafts=drafts, base_url=base_url, limits=limits)
    for line in report_lines(report, strict):
        click.echo(line)
    if failed(report, strict):
        sys.exit(1)
