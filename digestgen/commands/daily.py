"""``digestgen daily``: what the scheduled workflow runs each announcement day.

For each feed of the ``daily:`` section it adds the day's best papers (``add --feed --rank``)
until the digest holds ``top`` papers of that announce day, so a second run on the same day
adds nothing. It then drafts the new papers' missing languages with ``digestgen translate``
when ``daily.translate`` is on and an API key is in the environment, and writes a commit
message naming the new papers. Committing is left to the workflow (git is its business).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import click

from ..arxiv.api import FetchError, Policy, PoliteSession
from ..arxiv.feed import download_feed, parse_feed, select
from ..config import SiteConfig
from ..errors import SiteError
from ..content.load import load_content
from .add import MIN_ARXIV_DELAY, add
from .common import api_key_env, config_option, reports_problems, site_config


@click.command(epilog="""\b
Examples:
  digestgen daily
  digestgen daily --message-file commit.txt   # what the scheduled workflow runs

\b
Configured by the daily: section of digestgen.yaml:
  daily:
    categories: [cs.LG, stat.ML]   # the feed https://rss.arxiv.org/rss/cs.LG+stat.ML
    types: [new, cross]            # announce types to consider
    top: 10                        # papers per announce day
    translate: true                # draft missing languages when an API key is set""")
@config_option
@click.option("--message-file", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE", help="Write a commit message naming the new papers to FILE "
                                   "(only when there are some).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, metavar="SECONDS",
              show_default=True, help="Seconds to wait for each answer.")
@reports_problems
def daily(config_path: Path | None, message_file: Path | None, timeout: float) -> None:
    """Add the day's best papers from arXiv's announcements, as the daily workflow does."""
    if message_file is not None:  # one left by an earlier run would mean "commit"
        message_file.unlink(missing_ok=True)
    config = site_config(config_path)
    if config.daily is None:  # the scheduled workflow of a site that has not set it up
        click.echo(f"Nothing to do: {config.path.name} has no 'daily:' section (its comments "
                   "show one).")
        return
    before = {paper.id for paper in load_content(config, drafts=True).papers}
    session = PoliteSession(Policy(delay=MIN_ARXIV_DELAY, timeout=timeout))
    for url in config.daily.feeds:
        _add_from(config, session, url)
    papers = load_content(config, drafts=True).papers
    new = [paper for paper in papers if paper.id not in before]
    if not new:
        click.echo("Nothing new.")
        return
    click.echo(f"Added {len(new)} paper{'s' if len(new) != 1 else ''}: "
               f"{', '.join(p.id for p in new)}")
    if config.daily.translate:
        _translate(config, [paper.id for paper in new])
    if message_file is not None:
        message_file.write_text(commit_message(new), encoding="utf-8")


def _add_from(config: SiteConfig, session: PoliteSession, url: str) -> None:
    """Add the best papers of the feed at ``url`` that its announce day still lacks."""
    options = config.daily
    try:
        data = download_feed(url, session)
    except FetchError as exc:
        raise click.ClickException(f"{exc}\nNothing was written.") from None
    try:
        feed = parse_feed(data, Path(url))
    except SiteError as exc:  # a URL is not a path: name it as it was given
        raise click.ClickException("\n".join(
            f"{url}:{p.line}: {p.message}" for p in exc.problems)) from None
    if not select(feed.items, options.types, options.categories):
        click.echo(f"{url}: no papers to consider ({len(feed.items)} in the feed; arXiv "
                   "announces nothing on weekends and holidays).")
        return
    dates = Counter(paper.date for paper in load_content(config, drafts=True).papers)
    wanted = options.top - dates[feed.date]
    if wanted <= 0:
        click.echo(f"{url}: the digest already holds {dates[feed.date]} papers of "
                   f"{feed.date}; nothing to add.")
        return
    with tempfile.TemporaryDirectory() as folder:  # add reads it again: no second request
        copy = Path(folder) / "feed.xml"
        copy.write_bytes(data)
        click.get_current_context().invoke(
            add, config_path=config.path, feed=str(copy), types=(",".join(options.types),),
            categories=(",".join(options.categories),) if options.categories else (),
            rank=True, top=wanted)


def _translate(config: SiteConfig, ids: list[str]) -> None:
    """Draft the missing languages of ``ids`` with ``digestgen translate``, when a key is set.
    A failure is reported, not fatal: the papers are kept, and a later run can draft them."""
    key_env = api_key_env(config)
    if not os.environ.get(key_env):
        click.echo(f"No machine drafts: {key_env} is not set.")
        return
    done = subprocess.run([sys.executable, "-m", "digestgen", "translate", "--config",
                           str(config.path), *ids], check=False)
    if done.returncode != 0:
        click.echo(f"Warning: `digestgen translate` failed (exit status {done.returncode}); "
                   "the new papers are kept without drafts.", err=True)


def commit_message(papers) -> str:
    """``content: N papers of DAY from arXiv`` and one line per paper."""
    days = sorted({str(paper.date) for paper in papers})
    count = f"{len(papers)} paper{'s' if len(papers) != 1 else ''}"
    lines = [f"content: {count} of {', '.join(days)} from arXiv's announcements", ""]
    for paper in sorted(papers, key=lambda p: p.id):
        title = paper.title.values.get("en") or next(iter(paper.title.values.values()))
        lines.append(f"- {paper.id}: {' '.join(title.split())}")
    return "\n".join(lines) + "\n"
