"""How well ``add --rank`` picks a field's papers out of a real day of arXiv: precision at 20.

The recorded feed (tests/fixtures/arxiv/rss-all-archives-2024-11-28.xml, every archive, 1,504
announcements) is ranked against the interest corpus of one field at a time:

- for each of 15 categories, the first 15 new papers of that primary category in the feed are
  held out as the corpus and the other 1,489 announcements are ranked; a paper in the top 20
  counts as a hit when the category is among its categories;
- this repository's own digest (18 machine-learning papers) as the corpus; a hit is a paper in
  cs.LG, cs.CV, cs.CL, cs.AI or stat.ML.

``python -m pytest tests/test_rank_quality.py -s`` prints the table the README quotes. Ranking
is deterministic, so the figures are exact, not samples.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from digestgen.arxiv.feed import parse_feed
from digestgen.configload import load_config
from digestgen.content.load import load_content
from digestgen.rank import Interest, digest_interests, item_text, rank

REPO = Path(__file__).resolve().parents[1]
FEED = REPO / "tests" / "fixtures" / "arxiv" / "rss-all-archives-2024-11-28.xml"
CATEGORIES = ("cs.CV", "cs.LG", "cs.CL", "quant-ph", "hep-ph", "cs.RO", "gr-qc", "hep-th",
              "math.AP", "astro-ph.HE", "eess.SP", "astro-ph.GA", "math.CO", "cs.CR",
              "stat.ME")
HELD_OUT = 15
AT = 20
ML = {"cs.LG", "cs.CV", "cs.CL", "cs.AI", "stat.ML"}


@pytest.fixture(scope="module")
def feed():
    return parse_feed(FEED.read_bytes(), FEED)


def precision(ranked, relevant) -> float:
    return sum(relevant(r.item) for r in ranked[:AT]) / AT


def held_out(feed, category: str):
    corpus = [item for item in feed.items
              if item.announce_type == "new" and item.categories[0] == category][:HELD_OUT]
    ids = {item.arxiv_id.id for item in corpus}
    interests = [Interest(item.arxiv_id.id, item.title, item_text(item), None, "feed")
                 for item in corpus]
    return interests, [item for item in feed.items if item.arxiv_id.id not in ids]


def measure(feed) -> dict[str, tuple[float, float]]:
    """Precision at 20 and the share of relevant papers among the candidates, per corpus."""
    figures = {}
    for category in CATEGORIES:
        interests, candidates = held_out(feed, category)
        hit = lambda item, c=category: c in item.categories  # noqa: E731
        ranked = rank(candidates, interests, feed.date)
        figures[category] = (precision(ranked, hit),
                             sum(map(hit, candidates)) / len(candidates))
    papers = load_content(load_config(REPO / "digestgen.yaml")).papers
    in_ml = lambda item: bool(ML & set(item.categories))  # noqa: E731
    ranked = rank(feed.items, digest_interests(papers), feed.date)
    figures["this digest (ML)"] = (precision(ranked, in_ml),
                                   sum(map(in_ml, feed.items)) / len(feed.items))
    return figures


def test_precision_at_20_by_field(feed):
    figures = measure(feed)
    print(f"\n| corpus | precision at {AT} | share in the feed |\n|---|---|---|")
    for name, (p, base) in figures.items():
        print(f"| {name} | {p:.2f} | {base:.3f} |")
    mean = sum(p for p, _ in figures.values()) / len(figures)
    print(f"| mean | {mean:.2f} | |")
    for name, (p, base) in figures.items():
        assert p >= 0.3, f"{name}: precision at {AT} is {p:.2f}"
        assert p >= 2 * base, f"{name}: {p:.2f} is not far above chance ({base:.3f})"
    assert mean >= 0.55
    assert figures["this digest (ML)"][0] >= 0.8


def test_the_ranking_is_the_same_every_time(feed):
    interests, candidates = held_out(feed, "quant-ph")
    first = rank(candidates, interests, feed.date)
    again = rank(list(reversed(candidates)), interests, feed.date)
    assert [(r.item.arxiv_id, r.score) for r in first] == \
        [(r.item.arxiv_id, r.score) for r in again]


def test_ranking_block_by_block_gives_the_same_list(feed, monkeypatch):
    """A large digest is compared a block of rows at a time; the blocks change nothing."""
    from digestgen import rank as ranking
    interests, candidates = held_out(feed, "hep-th")
    whole = rank(candidates, interests, feed.date)
    monkeypatch.setattr(ranking, "BLOCK_CELLS", 7 * len(interests) + 3)  # 7 rows, uneven end
    blocks = rank(candidates, interests, feed.date)
    assert [(r.item.arxiv_id, r.score, r.closest) for r in blocks] == \
        [(r.item.arxiv_id, r.score, r.closest) for r in whole]
