"""The golden site: what a build writes, byte for byte, is the committed expected output.

After a change meant to alter the output, ``python tests/golden/refresh.py`` writes it again;
the diff of ``tests/golden/expected`` is then reviewed with the change.
"""

from __future__ import annotations

from golden.refresh import EXPECTED, build_golden, differences, tree

REFRESH = "python tests/golden/refresh.py"


def test_the_golden_site_builds_to_its_committed_output(tmp_path):
    build_golden(tmp_path / "out")
    expected, built = tree(EXPECTED), tree(tmp_path / "out")
    assert expected == built, (
        f"the golden site's output changed; if that is intended, run `{REFRESH}` and review "
        f"the diff\n{differences(expected, built)}")


def test_the_golden_site_covers_what_a_digest_holds():
    """The fixture keeps its coverage: math, reviews, notes, untranslated texts, a reappearing
    paper, tags and categories, and drafts left out."""
    built = tree(EXPECTED)
    paper = built["papers/2403.14715/index.html"].decode()
    assert "<math" in paper and "Logit normalisation restores performance." in paper
    assert "SAM 最小化" in built["papers/2403.20002/index.html"].decode()
    assert 'lang="zh"' in built["en/papers/2403.10001/index.html"].decode()
    assert "2310.02664" in built["issues/2024-03-22/index.html"].decode()
    assert "tags/calibration/index.html" in built and "categories/math.GT/index.html" in built
    assert not any("2403.30003" in path or "2404.05555" in path for path in built)
