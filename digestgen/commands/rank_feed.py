"""``digestgen add --feed FEED --rank``: keep the announced papers closest to the digest's taste.

The interest corpus is the digest's own papers (drafts too) and the ``--interests`` files.
Papers the digest already holds are never proposed again; a new version of one is listed as
such, for the editor to update with ``digestgen add ID``.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from ..arxiv.feed import FeedItem
from ..config import SiteConfig, http_url_problem
from ..embeddings import EmbeddingError, Embeddings
from ..interests import read_interests
from ..content.load import load_content
from ..rank import Ranked, Replacement, digest_interests, rank, split_known, tfidf_vectors
from .common import api_key_env, translate_api

DEFAULT_TOP = 10


@dataclass(frozen=True)
class Ranking:
    """The ``--rank`` options of one ``add`` run."""

    top: int = DEFAULT_TOP
    min_score: float = 0.0
    interest_files: Sequence[Path] = ()
    dry_run: bool = False
    quiet: bool = False
    embeddings: Embeddings | None = None  # else TF-IDF

    def choose(self, config: SiteConfig, items: Sequence[FeedItem],
               feed_date: datetime.date | None) -> list[FeedItem]:
        """The best ``top`` of ``items`` scoring at least ``min_score``, after printing them."""
        _require_rank_libraries()
        papers = {paper.id: paper for paper in load_content(config, drafts=True).papers}
        interests = digest_interests(papers.values()) + read_interests(self.interest_files)
        if not interests:
            raise click.UsageError("--rank compares the feed with the digest's papers, and "
                                   "it has none with an English title yet; give a reference "
                                   "list with --interests FILE")
        fresh, replaced = split_known(items, papers)
        try:
            ranked = rank(fresh, interests, feed_date or datetime.date.today(),
                          self.embeddings or tfidf_vectors)
        except EmbeddingError as exc:
            raise click.ClickException(f"{exc}\nNothing was written.") from None
        # A paper with no word in common with the corpus (score 0) is never a pick.
        chosen = [r for r in ranked if r.score > 0 and r.score >= self.min_score][:self.top]
        if self.dry_run or not self.quiet:
            _print_ranked(chosen, len(fresh), len(interests))
            _print_replaced(replaced)
        return [r.item for r in chosen]


def embeddings_for(config: SiteConfig, model: str | None, api: str | None,
                   timeout: float) -> Embeddings | None:
    """The embeddings endpoint of ``--embeddings MODEL``: ``--api``, else the ``api`` of the
    translate: section, which serves the machine drafts too; its key from the environment."""
    if model is None:
        return None
    api = api or translate_api(config)
    if not api:
        raise click.UsageError("--embeddings needs the API's address: --api URL, or 'api' "
                               "in the translate: section of digestgen.yaml")
    why = http_url_problem(api)
    if why is not None:
        raise click.UsageError(f"--api {why}")
    return Embeddings(api, model, os.environ.get(api_key_env(config)) or None, timeout)


def _require_rank_libraries() -> None:
    try:
        import bibtexparser  # noqa: F401
        import sklearn  # noqa: F401
    except ImportError as exc:
        raise click.ClickException(f"--rank needs {exc.name}, which is not installed: "
                                   "pip install 'digestgen[rank]'") from None


def _print_ranked(chosen: list[Ranked], candidates: int, interests: int) -> None:
    click.echo(f"The {len(chosen)} best of {candidates} papers not in the digest, ranked against "
               f"{interests} interest paper{'s' if interests != 1 else ''}:")
    if not chosen:
        return
    click.echo(f"{'#':>3}  {'score':<6} {'id':<18} {'type':<13} {'title':<52} "
               "closest interest paper")
    for place, entry in enumerate(chosen, 1):
        closest = (f"{entry.closest.key} {_clip(entry.closest.title, 40)}"
                   if entry.closest else "-")
        click.echo(f"{place:>3}  {entry.score:<6.3f} {str(entry.item.arxiv_id):<18} "
                   f"{entry.item.announce_type:<13} {_clip(entry.item.title, 52):<52} "
                   f"{closest}")


def _print_replaced(replaced: list[Replacement]) -> None:
    if not replaced:
        return
    click.echo("New versions of papers already in the digest (not proposed again; "
               "`digestgen add ID` updates one):")
    for entry in replaced:
        click.echo(f"  {entry.item.arxiv_id} ({entry.item.announce_type}) "
                   f"{_clip(entry.item.title, 60)} [in the digest since {entry.paper.date}]")


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
