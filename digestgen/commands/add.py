"""``digestgen add``: paper records from arXiv ids or from a day's announcement feed.

arXiv owns the English title and abstract, the authors, the links and the ``arxiv`` fields; a
second ``add`` of the same paper updates only those. Everything else in a record (Chinese texts,
summaries, review, tags, the digest date, notes) belongs to the person who wrote it and is kept.
"""

from __future__ import annotations

import datetime
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import click

from ..arxiv.api import ArxivClient, FetchError, Policy, PoliteSession, match_results, \
    result_record
from ..arxiv.feed import ANNOUNCE_TYPES, Feed, download_feed, is_url, item_record, parse_feed, \
    select
from ..arxiv.ids import ArxivId, ArxivIdError, parse_arxiv_id
from ..config import SiteConfig
from ..errors import Problem, SiteError, display_path
from ..recordio.recordfile import FilePlan, describe, file_stem, find_papers, plan_record, write_records
from ..content.records import SLUG
from .common import config_option, progress, reports_problems, site_config
from .rank_feed import DEFAULT_TOP, Ranking, embeddings_for

MIN_ARXIV_DELAY = 3.0  # arXiv's terms: no more than one request every three seconds


@dataclass
class Batch:
    """What one run brings in: records keyed by id, their dates, and ids arXiv lacked."""

    records: dict[str, dict] = field(default_factory=dict)
    dates: dict[str, datetime.date | None] = field(default_factory=dict)
    missing: list[ArxivId] = field(default_factory=list)


@click.command(epilog="""\b
Examples:
  digestgen add 2403.14715 2310.02664v2 https://arxiv.org/abs/2401.08426 --date 2024-03-22
  digestgen add math/0211159 --date 2024-03-22 --tag geometry
  digestgen add --feed https://rss.arxiv.org/rss/cs.LG --type new,cross
  digestgen add --feed cs.xml --category cs.CL --category stat.ML --dry-run
  digestgen add --feed https://rss.arxiv.org/rss/cs.LG --rank --top 10 --dry-run
  digestgen add --feed cs.xml --rank --top 5 --interests zotero.bib

\b
arXiv owns title (English), authors, abstract (English), url, pdf and arxiv.*;
running add again for a paper updates only those and reports what changed.
Chinese texts, tldr, review, tags, date and notes are never overwritten.
Requests go one at a time, at least 3 s apart, ids batched 100 per request.""")
@config_option
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--feed", metavar="FILE_OR_URL",
              help="Add the papers of an arXiv announcement feed (rss.arxiv.org RSS).")
@click.option("--type", "types", metavar="TYPES", multiple=True,
              help="With --feed: announce types to keep, comma-separated "
                   f"({', '.join(ANNOUNCE_TYPES)}; default: all).")
@click.option("--category", "categories", metavar="CAT", multiple=True,
              help="With --feed: keep papers in this category (cs.LG) or archive (cs); "
                   "repeat or comma-separate.")
@click.option("--fetch", is_flag=True,
              help="With --feed: also ask the arXiv API for dates, comment, journal ref, DOI.")
@click.option("--rank", is_flag=True,
              help="With --feed: rank the papers by closeness to the digest's own papers "
                   "(and --interests) and add only the best (--top, --min-score).")
@click.option("--top", type=click.IntRange(min=1), default=None, metavar="N",
              help=f"With --rank: add the N best papers (default {DEFAULT_TOP}).")
@click.option("--min-score", type=click.FloatRange(0, 1), default=0.0, metavar="S",
              help="With --rank: add only papers scoring at least S (0 to 1).")
@click.option("--interests", "interest_files", multiple=True, metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="With --rank: also rank by the papers of a BibTeX or CSL-JSON file "
                   "(a reference manager's export); repeatable.")
@click.option("--embeddings", "embeddings_model", metavar="MODEL",
              help="With --rank: compare texts by this embedding model of an OpenAI-compatible "
                   "API instead of by their words (key: $OPENAI_API_KEY).")
@click.option("--api", "embeddings_api", metavar="URL",
              help="With --embeddings: the API's base URL (…/v1; default: translate.api).")
@click.option("--date", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Digest date of new records (YYYY-MM-DD); with --feed, default: the "
                   "feed's announce day.")
@click.option("--tag", "tags", metavar="TAG", multiple=True, help="Tag for new records "
              "(repeatable).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--delay", type=click.FloatRange(min=0), default=MIN_ARXIV_DELAY, metavar="SECONDS",
              show_default=True, help="Seconds between requests (below 3 only for a mirror "
                                      "or local server).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, metavar="SECONDS",
              show_default=True,
              help="Seconds to wait for each answer.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar; print only problems.")
@reports_problems
def add(config_path: Path | None, ids: tuple[str, ...], feed: str | None,
        types: tuple[str, ...], categories: tuple[str, ...], fetch: bool, rank: bool,
        top: int | None, min_score: float, interest_files: tuple[Path, ...],
        embeddings_model: str | None, embeddings_api: str | None,
        date: datetime.datetime | None, tags: tuple[str, ...], dry_run: bool, delay: float,
        timeout: float, quiet: bool) -> None:
    """Add papers from arXiv by ID (any form: 2403.14715, 2403.14715v2, abs/pdf links,
    math/0211159), or from an announcement feed with --feed."""
    wanted = _check_usage(ids, feed, types, categories, fetch, tags)
    _check_rank_usage(feed, rank, top, min_score, interest_files, embeddings_model,
                      embeddings_api)
    config = site_config(config_path)
    ranking = Ranking(top or DEFAULT_TOP, min_score, interest_files, dry_run, quiet,
                      embeddings_for(config, embeddings_model, embeddings_api, timeout)) \
        if rank else None
    _check_delay(delay, config.arxiv_api, feed)
    session = PoliteSession(Policy(delay=delay, timeout=timeout))
    papers_dir = config.content_dir / "papers"
    existing, problems = find_papers(papers_dir)
    if problems:
        raise SiteError(problems)
    day = date.date() if date else None
    try:
        if feed is None:
            _require_dates(wanted, existing, day)
            batch = _from_ids(config, session, wanted, day, quiet)
        else:
            batch = _from_feed(config, session, feed, _split(types), _split(categories),
                               fetch, day, quiet, ranking)
    except FetchError as exc:
        raise click.ClickException(f"{exc}\nNothing was written.") from None
    plans = _plans(config, papers_dir, existing, batch, explicit_date=day, tags=list(tags))
    write_records(plans, dry_run=dry_run)
    _report(plans, batch, dry_run, quiet)
    if batch.missing:
        sys.exit(1)


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _check_usage(ids, feed, types, categories, fetch, tags) -> list[ArxivId]:
    """The ids asked for, after checking the options fit together; errors before any request."""
    if feed is not None and ids:
        raise click.UsageError("give arXiv ids or --feed, not both")
    if feed is None:
        if not ids:
            raise click.UsageError("give at least one arXiv id, or --feed FILE_OR_URL")
        for option, value in (("--type", types), ("--category", categories), ("--fetch", fetch)):
            if value:
                raise click.UsageError(f"{option} works only with --feed")
    unknown = [t for t in _split(types) if t not in ANNOUNCE_TYPES]
    if unknown:
        raise click.UsageError(f"unknown announce type {', '.join(map(repr, unknown))} "
                               f"(known: {', '.join(ANNOUNCE_TYPES)})")
    bad_tags = [tag for tag in tags if not SLUG.match(tag)]
    if bad_tags:
        raise click.UsageError(f"tags are slugs of a-z, 0-9, '.', '_', '-': "
                               f"{', '.join(map(repr, bad_tags))}")
    return _parse_ids(ids)


def _parse_ids(texts: tuple[str, ...]) -> list[ArxivId]:
    wanted: dict[str, ArxivId] = {}
    errors = []
    for text in texts:
        try:
            arxiv_id = parse_arxiv_id(text)
        except ArxivIdError as exc:
            errors.append(str(exc))
            continue
        if wanted.get(arxiv_id.id, arxiv_id) != arxiv_id:
            errors.append(f"{arxiv_id.id} is asked for twice, as {wanted[arxiv_id.id]} and "
                          f"{arxiv_id}")
        wanted.setdefault(arxiv_id.id, arxiv_id)
    if errors:
        raise click.UsageError("\n".join(errors) + "\nNothing was fetched.")
    return list(wanted.values())


def _check_rank_usage(feed, rank, top, min_score, interest_files, model, api) -> None:
    if rank and feed is None:
        raise click.UsageError("--rank works only with --feed")
    for option, value in (("--top", top), ("--min-score", min_score),
                          ("--interests", interest_files), ("--embeddings", model)):
        if value and not rank:
            raise click.UsageError(f"{option} works only with --rank")
    if api and not model:
        raise click.UsageError("--api works only with --embeddings")


def _check_delay(delay: float, api_url: str, feed: str | None) -> None:
    hosts = [urlsplit(api_url).hostname or ""]
    if feed is not None and is_url(feed):
        hosts.append(urlsplit(feed).hostname or "")
    if delay < MIN_ARXIV_DELAY and any(h == "arxiv.org" or h.endswith(".arxiv.org")
                                       for h in hosts):
        raise click.UsageError(f"--delay must be at least {MIN_ARXIV_DELAY:g} s for arXiv "
                               "itself (its terms of use); lower delays are for a mirror or "
                               "a local server named by arxiv_api")


def _require_dates(wanted: list[ArxivId], existing: dict[str, Path],
                   day: datetime.date | None) -> None:
    new = [str(i) for i in wanted if i.id not in existing]
    if new and day is None:
        raise click.UsageError("--date YYYY-MM-DD is required for new records (the digest "
                               f"day they belong to): {', '.join(new)}")


def _fetch(config: SiteConfig, session: PoliteSession, wanted: list[ArxivId],
           quiet: bool) -> tuple[dict[ArxivId, dict], list[ArxivId]]:
    client = ArxivClient(config.arxiv_api, session.policy, session=session)
    results = list(progress(client.fetch(wanted), len(wanted), "arXiv", quiet))
    lookup = match_results(wanted, results)
    records = {arxiv_id: result_record(result, config.source_language)
               for arxiv_id, result in lookup.found.items()}
    return records, lookup.missing


def _from_ids(config, session, wanted, day, quiet) -> Batch:
    records, missing = _fetch(config, session, wanted, quiet)
    batch = Batch(missing=missing)
    for arxiv_id in wanted:
        if arxiv_id in records:
            batch.records[arxiv_id.id] = records[arxiv_id]
            batch.dates[arxiv_id.id] = day
    return batch


def _from_feed(config, session, feed, types, categories, fetch, day, quiet,
               ranking: Ranking | None = None) -> Batch:
    parsed = read_feed(feed, session)
    selected = select(parsed.items, types, categories)
    items = ranking.choose(config, selected, parsed.date) if ranking and selected else selected
    batch = Batch()
    fetched, missing = ({}, [])
    if fetch and items:
        fetched, missing = _fetch(config, session, [item.arxiv_id for item in items], quiet)
        batch.missing = missing
    for item in items:
        if fetch and item.arxiv_id not in fetched:
            continue
        record = fetched.get(item.arxiv_id) or item_record(item, config.source_language)
        record["arxiv"]["announce_type"] = item.announce_type
        batch.records[item.arxiv_id.id] = record
        batch.dates[item.arxiv_id.id] = day or item.date or parsed.date
    if not parsed.items:
        click.echo(f"The feed lists no papers ({parsed.title or feed}); arXiv announces "
                   "nothing on weekends and holidays.", err=True)
    elif not selected:
        click.echo(f"None of the feed's {len(parsed.items)} papers matches --type/--category.",
                   err=True)
    return batch


def read_feed(feed: str, session: PoliteSession) -> Feed:
    """The announcement feed at a URL or in a file; problems as ``PATH:LINE: message``."""
    source = Path(feed)
    if is_url(feed):
        data = download_feed(feed, session)
    else:
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise SiteError([Problem(source, None, f"cannot read the feed: {exc.strerror}")]) \
                from None
    try:
        parsed = parse_feed(data, source)
    except SiteError as exc:
        if is_url(feed):  # a URL is not a path: name it as it was given
            raise click.ClickException("\n".join(
                f"{feed}:{p.line}: {p.message}" for p in exc.problems)) from None
        raise
    return parsed


def _plans(config, papers_dir: Path, existing: dict[str, Path], batch: Batch,
           explicit_date: datetime.date | None, tags: list[str]) -> list[FilePlan]:
    plans, problems = [], []
    for paper_id, record in batch.records.items():
        path = existing.get(paper_id) or papers_dir / f"{file_stem(paper_id)}.yaml"
        incoming = dict(record)
        is_new = paper_id not in existing
        date = batch.dates.get(paper_id)
        if is_new and date is None:
            problems.append(Problem(path, None, "no date for this new record: pass --date"))
        # The date of an existing record is the person's; it is only compared when asked for.
        if is_new or explicit_date is not None:
            incoming["date"] = date
        if tags:
            incoming["tags"] = tags
        plans.append(plan_record(path, incoming, "paper", _owned(record),
                                 config.source_language))
    if problems:
        raise SiteError(problems)
    return plans


def _owned(record: dict) -> frozenset[str]:
    """The fields arXiv owns, as dotted paths for the merge.

    ``announce_type`` is not among them: it says why the paper is in the issue of its date,
    so a later announcement (a replacement) fills it in only where it is missing."""
    arxiv_fields = {f"arxiv.{key}" for key in record.get("arxiv", {}) if key != "announce_type"}
    return frozenset({"title.en", "abstract.en", "authors", "url", "pdf", *arxiv_fields})


def _report(plans: list[FilePlan], batch: Batch, dry_run: bool, quiet: bool) -> None:
    counts = {"create": 0, "update": 0, "unchanged": 0, "keep": 0}
    for plan in plans:
        kind = ("create" if plan.is_new else "keep" if plan.kept_because
                else "update" if plan.changes_file else "unchanged")
        counts[kind] += 1
        if quiet and not plan.merge.conflicts and kind != "keep":
            continue
        for line in describe(plan, display_path(plan.path)):
            click.echo(("would " if dry_run and not line.startswith(" ") else "") + line)
        if kind == "update":
            for change in plan.merge.changes:
                if change.old is not None and not isinstance(change.new, (dict, list)):
                    click.echo(f"  {change.path}: {_short(change.old)} -> {_short(change.new)}")
    if batch.missing:
        click.echo("Not found on arXiv (no record written): "
                   f"{', '.join(map(str, batch.missing))}", err=True)
    if not quiet and (plans or not batch.missing):  # else the missing ids said it all
        summary = ", ".join(f"{n} {_DONE[kind]}" for kind, n in counts.items() if n)
        if dry_run:
            summary = f"Dry run, nothing was written: {summary or 'nothing to do'}"
        click.echo(f"{summary or 'Nothing to do'}.")


_DONE = {"create": "new", "update": "updated", "unchanged": "unchanged",
         "keep": "kept as they are"}


def _short(value, limit: int = 60) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
