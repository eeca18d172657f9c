"""Ranking a day's announcements by the digest's own taste.

Each announced paper is scored by how close its English title and abstract are to an interest
corpus: the digest's own papers, recent ones weighing more, and any reference-manager exports
the editor gives (:mod:`digestgen.interests`). Texts are TF-IDF vectors (scikit-learn), fitted
on the corpus and the day's papers together so that words every paper of the day uses count
little. A paper's score is the mean of its cosine similarities to the :data:`NEIGHBOURS` interest
papers it is closest to, each times that paper's weight: one chance match with a single paper
counts less than closeness to several (measured in ``tests/test_rank_quality.py``). Scores lie
in [0, 1], so a ``--min-score`` means the same on every day.
The result depends only on the texts and dates: no randomness, no network.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .arxiv.feed import FeedItem
from .content.records import Paper

#: After this many days an archive paper weighs half of what a paper of the day weighs.
HALF_LIFE_DAYS = 365.0
#: The least weight of an archive paper, however old: an old interest is still an interest.
MIN_WEIGHT = 0.5
#: Similarities computed at once (8 bytes each).
BLOCK_CELLS = 2_000_000
#: How many of the closest interest papers a score averages.
NEIGHBOURS = 3
#: The source language of rankable text; announcements are English.
LANGUAGE = "en"


@dataclass(frozen=True)
class Interest:
    """One paper of the interest corpus."""

    key: str  # a paper id in the digest, or a reference manager's citation key
    title: str
    text: str  # English title and abstract
    date: datetime.date | None  # when it entered the digest; None for reference lists
    origin: str  # "digest", or the file it was read from


@dataclass(frozen=True)
class Ranked:
    """An announced paper, its score, and the interest paper it is closest to."""

    item: FeedItem
    score: float
    closest: Interest | None


@dataclass(frozen=True)
class Replacement:
    """A new version of a paper the digest already holds: shown, never proposed."""

    item: FeedItem
    paper: Paper


def english(text) -> str | None:
    """The English of a record's :class:`~digestgen.content.records.Text`, if it has one."""
    if text is None:
        return None
    return text.values.get(LANGUAGE)


def digest_interests(papers: Iterable[Paper]) -> list[Interest]:
    """The digest's papers as interests: their English title and abstract. A paper with no
    English title is left out (the day's papers are English, Chinese words would match none)."""
    interests = []
    for paper in papers:
        title = english(paper.title)
        if not title:
            continue
        abstract = english(paper.abstract) or ""
        interests.append(Interest(paper.id, title, f"{title}\n{abstract}", paper.date,
                                  "digest"))
    return interests


def weight(interest: Interest, today: datetime.date | None) -> float:
    """How much ``interest`` counts on ``today``: 1 for a paper of the day, halving every
    :data:`HALF_LIFE_DAYS` down to :data:`MIN_WEIGHT`; 1 for reference lists (undated)."""
    if interest.date is None or today is None:
        return 1.0
    age = max((today - interest.date).days, 0)
    return max(MIN_WEIGHT, 0.5 ** (age / HALF_LIFE_DAYS))


def item_text(item: FeedItem) -> str:
    return f"{item.title}\n{item.abstract}"


def tfidf_vectors(candidates: list[str], corpus: list[str]):
    """TF-IDF vectors of the candidate and the corpus texts, fitted on both (sparse matrices
    of unit rows, so that their products are cosine similarities)."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # with numpy and scipy

    # Words of one paper alone (min_df=2) tell nothing about closeness.
    vectorizer = TfidfVectorizer(strip_accents="unicode", stop_words="english",
                                 sublinear_tf=True, min_df=2)
    try:
        matrix = vectorizer.fit_transform(candidates + corpus)
    except ValueError:  # no word occurs twice: nothing is like anything
        from scipy.sparse import csr_matrix
        return csr_matrix((len(candidates), 1)), csr_matrix((len(corpus), 1))
    return matrix[:len(candidates)], matrix[len(candidates):]


def rank(items: Sequence[FeedItem], interests: Sequence[Interest],
         today: datetime.date | None, vectors=tfidf_vectors) -> list[Ranked]:
    """``items`` best first (ties by id), each scored against ``interests``; ``vectors`` maps
    candidate and corpus texts to unit vectors (:func:`tfidf_vectors`, or
    :class:`digestgen.embeddings.Embeddings`)."""
    if not items:
        return []
    if not interests:
        raise ValueError("no interest papers to rank against")
    import numpy as np

    candidates, corpus = vectors([item_text(item) for item in items],
                                 [i.text for i in interests])
    weights = np.asarray([weight(interest, today) for interest in interests])
    neighbours = min(NEIGHBOURS, len(interests))
    # A block of rows at a time: a digest of 100,000 papers would need a gigabyte at once.
    rows = max(1, BLOCK_CELLS // len(interests))
    ranked = []
    for start in range(0, len(items), rows):
        block = candidates[start:start + rows] @ corpus.T
        block = block.toarray() if hasattr(block, "toarray") else np.asarray(block)
        close = np.clip(block, 0.0, 1.0) * weights  # opposite meanings count as unrelated
        best = close.argmax(axis=1)
        scores = np.partition(close, -neighbours, axis=1)[:, -neighbours:].mean(axis=1)
        for row, column in enumerate(best):
            ranked.append(Ranked(items[start + row], round(float(scores[row]), 6),
                                 interests[column] if close[row, column] > 0 else None))
    return _ordered(ranked)


def _ordered(ranked: list[Ranked]) -> list[Ranked]:
    return sorted(ranked, key=lambda r: (-r.score, r.item.arxiv_id.id))


def split_known(items: Iterable[FeedItem], papers: dict[str, Paper]
                ) -> tuple[list[FeedItem], list[Replacement]]:
    """The items not in the digest yet, and the new versions of papers it holds. Any other
    announcement of a paper the digest holds (a cross-list of it, say) is dropped."""
    fresh, replaced = [], []
    for item in items:
        paper = papers.get(item.arxiv_id.id)
        if paper is None:
            fresh.append(item)
        elif item.announce_type in ("replace", "replace-cross"):
            replaced.append(Replacement(item, paper))
    return fresh, replaced
