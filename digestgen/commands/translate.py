"""``digestgen translate``: machine drafts of the texts papers lack, marked until reviewed."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path

import click

from ..config import SiteConfig
from ..content.load import load_content
from ..content.periods import issue_key
from ..content.records import Paper
from ..translate.gaps import FIELDS, find_tasks
from .common import config_option, reports_problems, site_config


@click.command(epilog="""\b
Examples:
  digestgen translate                      # every paper with a gap, every language
  digestgen translate 2403.14715 --to zh --fields title,abstract
  digestgen translate --issue 2024-03-22 --summarize --review --dry-run
  digestgen translate --accept 2403.14715  # reviewed: drop its machine marks

\b
The model is set under `translate:` in digestgen.yaml (api + model, or command).
Only a missing language is drafted; a text that exists is never changed. Every
text written is listed under `machine` in its record and marked on the pages,
naming the model, until it is accepted.""")
@config_option
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--issue", "issue_id", metavar="ISSUE-ID", help="The papers of this issue.")
@click.option("--to", "to", metavar="LANG", multiple=True,
              help="Languages to fill (repeat or comma-separate; default: every language).")
@click.option("--fields", metavar="FIELDS", default=",".join(FIELDS), show_default=True,
              help="Fields to fill, comma-separated.")
@click.option("--summarize", is_flag=True, help="Also write a tldr where a paper has none.")
@click.option("--review", is_flag=True,
              help="Also draft the four review lists from the abstract where a paper has none.")
@click.option("--dry-run", is_flag=True, help="Show the changes as a diff; write nothing.")
@click.option("--accept", is_flag=True,
              help="Mark the machine texts of the papers named as reviewed (with --to and "
                   "--fields: only those).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar; print only problems.")
@reports_problems
def translate(config_path: Path | None, ids: tuple[str, ...], issue_id: str | None,
              to: tuple[str, ...], fields: str, summarize: bool, review: bool, dry_run: bool,
              accept: bool, quiet: bool) -> None:
    """Draft the missing languages of titles, summaries, abstracts, reviews and notes."""
    config = site_config(config_path)
    langs = _languages(config, to)
    chosen = _fields(fields)
    if accept and not ids and not issue_id:
        raise click.UsageError("--accept needs the ids of the papers reviewed (or --issue)")
    if not accept and config.translate is None:
        raise click.ClickException(
            f"{config.path}: no 'translate' section: set translate.api and translate.model "
            "(or translate.command) to name the model")
    papers = _papers(config, ids, issue_id)
    if accept:
        _accept(papers, langs, chosen, dry_run, quiet)
    else:
        _draft(config, papers, langs, chosen, summarize, review, dry_run, quiet)


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _languages(config: SiteConfig, to: tuple[str, ...]) -> tuple[str, ...]:
    langs = tuple(dict.fromkeys(_split(to))) or config.languages
    unknown = [lang for lang in langs if lang not in config.languages]
    if unknown:
        raise click.UsageError(f"--to {', '.join(unknown)}: not among the site's languages "
                               f"({', '.join(config.languages)})")
    return langs


def _fields(fields: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(_split((fields,))))
    unknown = [name for name in chosen if name not in FIELDS]
    if unknown or not chosen:
        raise click.UsageError(f"--fields takes {', '.join(FIELDS)}, not {fields!r}")
    return chosen


def _papers(config: SiteConfig, ids: tuple[str, ...], issue_id: str | None) -> list[Paper]:
    """The papers named, or the issue's, or every paper (drafts included)."""
    content = load_content(config, drafts=True)
    papers = list(content.papers)
    if ids:
        by_id = {paper.id: paper for paper in papers}
        unknown = [paper_id for paper_id in ids if paper_id not in by_id]
        if unknown:
            raise click.UsageError(f"no paper with id {', '.join(unknown)}")
        papers = [by_id[paper_id] for paper_id in dict.fromkeys(ids)]
    if issue_id:
        listed = {paper_id for issue in content.issue_files if issue.id == issue_id
                  for paper_id, _ in issue.papers}
        papers = [paper for paper in papers if paper.id in listed
                  or issue_key(paper.date, config.issue_period).id == issue_id]
        if not papers:
            raise click.UsageError(f"issue {issue_id} has no papers")
    return papers


def _draft(config: SiteConfig, papers: list[Paper], langs: tuple[str, ...],
           fields: tuple[str, ...], summarize: bool, review: bool, dry_run: bool,
           quiet: bool) -> None:
    from ..translate.backends import make_backend  # the API client only when it is needed
    from ..translate.draft import Drafter
    from ..translate.prompts import read_glossary
    from ..translate.run import run_tasks

    settings = config.translate
    tasks = find_tasks(papers, langs, fields, summarize, review, config.source_language)
    if not tasks:
        click.echo("Nothing to draft: every text has every language asked for.")
        return
    drafter = Drafter(make_backend(settings, config.root), settings,
                      read_glossary(settings.glossary), config.source_language)
    bar = nullcontext(None) if quiet or not sys.stderr.isatty() else click.progressbar(
        length=len(tasks), label=f"translate ({settings.model})", file=sys.stderr)
    with bar as shown:
        outcome = run_tasks(tasks, drafter, settings.concurrency, config.source_language,
                            dry_run, tick=(lambda: shown.update(1)) if shown else lambda: None)
    for diff in outcome.diffs:
        click.echo(diff, nl=False)
    texts = sum(map(len, outcome.written.values()))
    counts = f"{_count(texts, 'text')} to {_count(len(outcome.written), 'paper')}"
    if not quiet and not dry_run:
        for name, keys in outcome.written.items():
            click.echo(f"wrote {name}: {', '.join(keys)}")
    tokens = f"tokens: {outcome.tokens_in} in, {outcome.tokens_out} out"
    if dry_run:
        click.echo(f"Dry run, nothing was written: {counts} would be written; {tokens}.")
    elif not quiet or outcome.failures:
        click.echo(f"Wrote {counts} ({settings.model}); {tokens}.")
    _fail(outcome.failures, "not written")


def _accept(papers: list[Paper], langs: tuple[str, ...], fields: tuple[str, ...],
            dry_run: bool, quiet: bool) -> None:
    from ..translate.run import Outcome, accept

    def keep(key: str) -> bool:
        name, _, lang = key.rpartition(".")
        return not (lang in langs and name.partition(".")[0] in fields)

    outcome = Outcome()
    dropped = accept(papers, keep, dry_run, outcome)
    for diff in outcome.diffs:
        click.echo(diff, nl=False)
    if not quiet and not dry_run:
        for name, keys in outcome.written.items():
            click.echo(f"accepted {name}: {', '.join(keys)}")
    counts = f"{_count(dropped, 'machine text')} in {_count(len(outcome.written), 'paper')}"
    if dry_run:
        click.echo(f"Dry run, nothing was written: would accept {counts}.")
    elif not quiet:
        click.echo(f"Accepted {counts} as reviewed.")
    _fail(outcome.failures, "not accepted")


def _fail(failures: list[str], what: str) -> None:
    if failures:
        click.echo(f"{_count(len(failures), 'failure')} ({what}):", err=True)
        for line in failures:
            click.echo(line, err=True)
        sys.exit(1)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
