"""arXiv identifiers in every form people paste, reduced to an id and an optional version.

Accepted: ``2403.14715``, ``2403.14715v2``, ``arXiv:2403.14715``, abs and pdf links
(``https://arxiv.org/abs/2403.14715v1``, ``http://export.arxiv.org/pdf/2403.14715v1.pdf``), and
old-style ids (``math/0211159``, ``hep-th/9901001v2``, ``math.GT/0309136``, whose subject class
is not part of the id and is dropped). Anything else raises :class:`ArxivIdError` with a reason,
so a typo is caught before any request is made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

EXAMPLES = "2403.14715, 2403.14715v2, math/0211159 or https://arxiv.org/abs/2403.14715"
HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org"}

# The archives of the old scheme (1991 to March 2007), as they appear before the slash.
OLD_ARCHIVES = frozenset({
    "acc-phys", "adap-org", "alg-geom", "ao-sci", "astro-ph", "atom-ph", "bayes-an", "chao-dyn",
    "chem-ph", "cmp-lg", "comp-gas", "cond-mat", "cs", "dg-ga", "funct-an", "gr-qc", "hep-ex",
    "hep-lat", "hep-ph", "hep-th", "math", "math-ph", "mtrl-th", "nlin", "nucl-ex", "nucl-th",
    "patt-sol", "physics", "plasm-ph", "q-alg", "q-bio", "quant-ph", "solv-int", "supr-con",
})

_NEW = re.compile(r"(?P<yy>\d\d)(?P<mm>\d\d)\.(?P<num>\d+)(?:v(?P<version>\d+))?")
_OLD = re.compile(
    r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[A-Za-z-]+)?/"
    r"(?P<yy>\d\d)(?P<mm>\d\d)(?P<num>\d{3})(?:v(?P<version>\d+))?")


class ArxivIdError(ValueError):
    """Text that is not an arXiv id; the message says why."""


@dataclass(frozen=True, order=True)
class ArxivId:
    """An arXiv id without version (``2403.14715``, ``math/0211159``) and the version asked for."""

    id: str
    version: int | None = None

    def __str__(self) -> str:
        return self.id if self.version is None else f"{self.id}v{self.version}"

    @property
    def slug(self) -> str:
        """The file and URL name of the id: ``/`` becomes ``-``."""
        return self.id.replace("/", "-")


def parse_arxiv_id(text: str) -> ArxivId:
    """The id in ``text`` (any accepted form); raise :class:`ArxivIdError` otherwise."""
    raw = text.strip()
    candidate = _strip_link(raw)
    if candidate.lower().startswith("arxiv:"):
        candidate = candidate[len("arxiv:"):]
    if (match := _NEW.fullmatch(candidate)) is not None:
        _check_new(match, raw)
    elif (match := _OLD.fullmatch(candidate)) is not None:
        _check_old(match, raw)
    else:
        raise ArxivIdError(f"{raw!r} is not an arXiv id (expected e.g. {EXAMPLES})")
    version = match["version"]
    if version is not None and int(version) < 1:
        raise ArxivIdError(f"{raw!r}: versions start at v1")
    if match.re is _OLD:
        base = f"{match['archive']}/{match['yy']}{match['mm']}{match['num']}"
    else:
        base = f"{match['yy']}{match['mm']}.{match['num']}"
    return ArxivId(base, int(version) if version is not None else None)


def _strip_link(text: str) -> str:
    """The id part of an arXiv abs or pdf link; other text unchanged."""
    if "/" not in text or not re.match(r"(?i)(https?://)?(www\.|export\.)?arxiv\.org/", text):
        return text
    parts = urlsplit(text if "://" in text else "https://" + text)
    if parts.hostname not in HOSTS:
        return text
    match = re.fullmatch(r"/(?:abs|pdf)/(.+?)(?:\.pdf)?/?", parts.path)
    if match is None:
        raise ArxivIdError(f"{text!r} is an arXiv link but not to an abstract or PDF page")
    return match.group(1)


def _check_month(match: re.Match, raw: str) -> None:
    if not 1 <= int(match["mm"]) <= 12:
        raise ArxivIdError(f"{raw!r}: '{match['yy']}{match['mm']}' is not a year and month (YYMM)")


def _check_new(match: re.Match, raw: str) -> None:
    _check_month(match, raw)
    yymm = match["yy"] + match["mm"]
    if yymm < "0704":
        raise ArxivIdError(f"{raw!r}: ids of the form YYMM.NNNNN start in April 2007 (0704); "
                           "older papers have ids like math/0211159")
    digits = 4 if yymm < "1501" else 5
    if len(match["num"]) != digits:
        raise ArxivIdError(f"{raw!r}: ids from {'2015' if digits == 5 else 'before 2015'} have "
                           f"{digits} digits after the dot")


def _check_old(match: re.Match, raw: str) -> None:
    if match["archive"] not in OLD_ARCHIVES:
        raise ArxivIdError(f"{raw!r}: '{match['archive']}' is not an arXiv archive name")
    _check_month(match, raw)
    if "08" <= match["yy"] <= "90":
        raise ArxivIdError(f"{raw!r}: ids like {match['archive']}/YYMMNNN run from 1991 to 2007")
