"""The statistics page (SPEC 4.1): what the archive holds, counted at build time and laid out
as charts (inline SVG drawn by ``stats.html``) with the same numbers as tables.

:func:`archive_stats` counts (the same in every language); :func:`bar_chart` and
:func:`line_chart` place the marks of a chart in a fixed coordinate system that the SVG's
``viewBox`` scales to the page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..content.model import Site
from ..content.records import Paper

#: How many categories and tags the page ranks.
TOP_TERMS = 15
#: The text fields whose translation coverage the page shows.
FIELDS = ("title", "tldr", "abstract", "review", "notes")

# The chart's coordinate system: a label column, then the bars.
WIDTH, LABEL_WIDTH, ROW, BAR = 640, 170, 26, 18


@dataclass(frozen=True)
class Coverage:
    """Of the papers that have ``field`` in some language, how many have it in ``lang``."""

    field: str
    lang: str
    count: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.count / self.total) if self.total else 0


@dataclass(frozen=True)
class ArchiveStats:
    papers: int
    issues: int
    per_issue: tuple[tuple[str, int], ...]  # (issue id, papers), oldest first
    categories: tuple[tuple[str, int], ...]  # the largest first
    tags: tuple[tuple[str, int], ...]
    coverage: tuple[Coverage, ...]  # by field, then language


def languages_of(paper: Paper, field: str) -> tuple[str, ...]:
    if field == "review":
        codes: dict[str, None] = {}
        for section in paper.review.values():
            codes.update(dict.fromkeys(section.values))
        return tuple(codes)
    text = getattr(paper, field)
    return () if text is None else text.languages()


def coverage_signature(paper: Paper) -> str:
    """The languages of each of the paper's texts, as one line (``title=en,zh;tldr=zh;...``):
    all the statistics read of its texts, small enough to keep from one build to the next."""
    return ";".join(f"{name}={','.join(languages_of(paper, name))}" for name in FIELDS)


def _languages_by_field(signature: str) -> dict[str, list[str]]:
    found = {}
    for part in signature.split(";"):
        name, _, codes = part.partition("=")
        found[name] = codes.split(",") if codes else []
    return found


def archive_stats(site: Site, signature_of=coverage_signature) -> ArchiveStats:
    """The archive's numbers; ``signature_of(paper)`` is :func:`coverage_signature` (or one
    kept from an earlier build)."""
    languages = site.config.languages
    counts = {(name, lang): 0 for name in FIELDS for lang in languages}
    totals = dict.fromkeys(FIELDS, 0)
    # Papers share few signatures: each is read once, however many papers have it.
    for signature, papers in Counter(map(signature_of, site.papers)).items():
        present = _languages_by_field(signature)
        for name in FIELDS:
            codes = present[name]
            if codes:
                totals[name] += papers
                for lang in languages:
                    if lang in codes:
                        counts[name, lang] += papers
    return ArchiveStats(
        papers=len(site.papers), issues=len(site.issues),
        per_issue=tuple((issue.id, len(issue.entries)) for issue in reversed(site.issues)),
        categories=_largest(site.categories), tags=_largest(site.tags),
        coverage=tuple(Coverage(name, lang, counts[name, lang], totals[name])
                       for name in FIELDS if totals[name] for lang in languages))


def _largest(terms) -> tuple[tuple[str, int], ...]:
    ranked = sorted(terms, key=lambda term: (-len(term.papers), term.name))[:TOP_TERMS]
    return tuple((term.name, len(term.papers)) for term in ranked)


@dataclass(frozen=True)
class Bar:
    label: str
    value: str  # as the chart writes it
    y: int  # top of the row
    width: float  # of the bar


@dataclass(frozen=True)
class BarChart:
    height: int
    bars: tuple[Bar, ...]
    label_width: int = LABEL_WIDTH
    width: int = WIDTH
    row: int = ROW
    bar: int = BAR


def bar_chart(rows: list[tuple[str, float, str]], scale: float | None = None) -> BarChart:
    """Horizontal bars of ``rows`` (label, value, value as written), longest at ``scale``
    (default: the largest value)."""
    top = scale or max((value for _, value, _ in rows), default=0) or 1
    room = WIDTH - LABEL_WIDTH - 60  # room for the value after the longest bar
    bars = tuple(Bar(label, shown, n * ROW, round(room * value / top, 1))
                 for n, (label, value, shown) in enumerate(rows))
    return BarChart(max(len(bars), 1) * ROW, bars)


@dataclass(frozen=True)
class LineChart:
    points: str  # the polyline's "x,y x,y ..."
    dots: tuple[tuple[float, float], ...]  # the points, when few enough to mark each
    top: int  # the largest value, written at the axis
    first: str  # the labels of the first and last points
    last: str
    width: int = WIDTH
    height: int = 220
    left: int = 40
    bottom: int = 190


def line_chart(values: list[tuple[str, int]]) -> LineChart:
    """A line through ``values`` (label, value), in order, from 0 to the largest value."""
    chart = LineChart("", (), 0, "", "")
    top = max((value for _, value in values), default=0) or 1
    span = chart.width - chart.left - 20
    plot = chart.bottom - 20
    step = span / (len(values) - 1) if len(values) > 1 else 0
    coords = [(round(chart.left + n * step, 1), round(chart.bottom - plot * value / top, 1))
              for n, (_, value) in enumerate(values)]
    return LineChart(" ".join(f"{x},{y}" for x, y in coords),
                     tuple(coords) if len(coords) <= 60 else (), top,
                     values[0][0] if values else "", values[-1][0] if values else "")
