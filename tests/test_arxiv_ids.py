"""arXiv ids in the forms people paste, and the clear errors for everything else."""

from __future__ import annotations

import pytest

from digestgen.arxiv.ids import ArxivId, ArxivIdError, parse_arxiv_id


@pytest.mark.parametrize("text, expected", [
    ("2403.14715", ArxivId("2403.14715")),
    ("2310.02664v2", ArxivId("2310.02664", 2)),
    ("  2403.14715\n", ArxivId("2403.14715")),
    ("arXiv:2403.14715", ArxivId("2403.14715")),
    ("arxiv:2403.14715v12", ArxivId("2403.14715", 12)),
    ("https://arxiv.org/abs/2403.14715v1", ArxivId("2403.14715", 1)),
    ("https://arxiv.org/abs/2401.08426", ArxivId("2401.08426")),
    ("http://arxiv.org/abs/2310.02664", ArxivId("2310.02664")),
    ("https://arxiv.org/pdf/2403.14715v1", ArxivId("2403.14715", 1)),
    ("https://arxiv.org/pdf/2403.14715v1.pdf", ArxivId("2403.14715", 1)),
    ("https://arxiv.org/pdf/2403.14715", ArxivId("2403.14715")),
    ("http://export.arxiv.org/abs/2403.14715", ArxivId("2403.14715")),
    ("https://www.arxiv.org/abs/2403.14715/", ArxivId("2403.14715")),
    ("arxiv.org/abs/2403.14715", ArxivId("2403.14715")),
    ("https://arxiv.org/abs/2403.14715?context=cs.LG", ArxivId("2403.14715")),
    ("0704.0001", ArxivId("0704.0001")),
    ("1412.9999v3", ArxivId("1412.9999", 3)),
    ("math/0211159", ArxivId("math/0211159")),
    ("hep-th/9901001v2", ArxivId("hep-th/9901001", 2)),
    ("math.GT/0309136", ArxivId("math/0309136")),
    ("arXiv:math.GT/0309136v1", ArxivId("math/0309136", 1)),
    ("https://arxiv.org/abs/math/0211159v1", ArxivId("math/0211159", 1)),
    ("http://arxiv.org/pdf/cond-mat/0102536v1.pdf", ArxivId("cond-mat/0102536", 1)),
])
def test_accepted_forms(text, expected):
    assert parse_arxiv_id(text) == expected


def test_string_form_and_slug():
    assert str(ArxivId("2310.02664", 2)) == "2310.02664v2"
    assert str(ArxivId("math/0211159")) == "math/0211159"
    assert ArxivId("math/0211159", 1).slug == "math-0211159"


@pytest.mark.parametrize("text, reason", [
    ("abc", "'abc' is not an arXiv id (expected e.g. 2403.14715"),
    ("", "'' is not an arXiv id"),
    ("2403.1471", "ids from 2015 have 5 digits after the dot"),
    ("0808.05394", "ids from before 2015 have 4 digits after the dot"),
    ("2413.00001", "'2413' is not a year and month (YYMM)"),
    ("0000.0000", "'0000' is not a year and month"),
    ("0612.0001", "start in April 2007"),
    ("2403.14715v0", "versions start at v1"),
    ("2403.14715v", "is not an arXiv id"),
    ("maths/0211159", "'maths' is not an arXiv archive name"),
    ("math/1211159", "run from 1991 to 2007"),
    ("math/021115", "is not an arXiv id"),
    ("https://arxiv.org/list/cs.LG/new", "an arXiv link but not to an abstract or PDF page"),
    ("https://example.org/abs/2403.14715", "is not an arXiv id"),
    ("2403.14715 2310.02664", "is not an arXiv id"),
    ("javascript:alert(1)", "is not an arXiv id"),
])
def test_rejected_with_a_reason(text, reason):
    with pytest.raises(ArxivIdError) as error:
        parse_arxiv_id(text)
    assert reason in str(error.value)
