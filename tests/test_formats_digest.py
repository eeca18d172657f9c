"""Format A (digest issues): the seeds field by field, unseen variants, broken documents."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from digestgen.errors import SiteError
from digestgen.formats import DIGEST, REVIEW, detect, read_document
from digestgen.formats.digest import read_digest
from digestgen.formats.digest_writer import write_digest

SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"
DIGESTS = ["000_817fa717bd144da2.txt", "003_206638408ad647e1.txt", "004_fbee1b0c84a24bdb.txt"]


def seed(name: str) -> Path:
    return SEEDS / name


def read(text: str, name: str = "doc.md"):
    return read_digest(Path(name), text)


def papers_of(name: str) -> dict[str, dict]:
    document = read_document(seed(name))
    return {paper.record["id"]: paper.record for paper in document.papers}


def test_seed_in_current_feed_style():
    paper = papers_of(DIGESTS[0])["2403.14715"]
    assert paper["title"] == {
        "zh": "理解为何标签平滑会降低选择性分类的效果以及如何解决这个问题",
        "en": "Understanding Why Label Smoothing Degrades Selective Classification and How "
              "to Fix It"}
    assert "url" not in paper  # the default https://arxiv.org/abs/<id>
    assert paper["arxiv"] == {"version": 1, "announce_type": "cross"}
    assert paper["tldr"] == {"zh": "LS方法在深度神经网络分类器训练中的标签平滑效果被发现会负面影响"
                                   "选择性分类，通过影响模型预测不确定性，此研究阐明了这一现象。"}
    assert paper["abstract"]["en"].startswith("Label smoothing (LS) is a popular")
    assert paper["abstract"]["en"].endswith("strong classifiers underperform in SC. We")
    assert paper["abstract"]["zh"].startswith("标签平滑（LS）是一种流行的")
    assert paper["abstract_truncated"] is True


def test_seed_in_old_title_style_with_http_link():
    paper = papers_of(DIGESTS[0])["2310.02664"]
    assert paper["title"]["en"] == "On Memorization in Diffusion Models."
    assert paper["url"] == "http://arxiv.org/abs/2310.02664"
    assert paper["arxiv"] == {"version": 1, "announce_type": "new", "primary_category": "cs.LG"}


def test_seed_updated_and_replace_cross_and_complete_abstracts():
    papers = papers_of(DIGESTS[2])
    assert list(papers) == ["2404.01367", "2311.18403", "2401.14707", "2308.11480",
                            "2306.06805", "2305.15708", "2304.01973", "2211.14513", "2210.01742"]
    assert papers["2211.14513"]["arxiv"] == {"version": 2, "announce_type": "replace",
                                             "primary_category": "cs.CV"}
    assert papers["2311.18403"]["arxiv"] == {"version": 2, "announce_type": "replace-cross"}
    assert "$\\Theta_{imi}$" in papers["2311.18403"]["abstract"]["en"]
    # Abstracts shorter than the source's 1000-character cut are whole.
    assert "abstract_truncated" not in papers["2305.15708"]
    assert papers["2305.15708"]["abstract"]["en"].endswith("across different modalities.")
    assert "abstract_truncated" not in papers["2211.14513"]
    assert papers["2304.01973"]["abstract_truncated"] is True


def test_seed_without_any_arxiv_header_takes_the_id_from_the_link():
    papers = papers_of(DIGESTS[1])
    assert len(papers) == 5
    paper = papers["2402.03478"]
    assert "arxiv" not in paper and "url" not in paper
    assert paper["abstract_truncated"] is True  # cut at 1000 characters, trailing space and all
    assert "$L_1$" in papers["2401.08426"]["tldr"]["zh"]


def test_detection():
    assert detect(seed(DIGESTS[0]).read_text()) == DIGEST
    assert detect(seed("001_34e046805fc706ca.txt").read_text()) == REVIEW
    assert detect("# Notes\n\nJust some text.\n") is None


DOC = textwrap.dedent("""\
    # 摘要

    | Ref | Title | Summary |
    | --- | --- | --- |
    | [^1] | [Bounds for $H<1/\\alpha$ with a \\| pipe](https://arxiv.org/abs/2501.00001) | 中文摘要一句。 |
    | [^2] | [Another paper](https://example.org/paper) |  |

    # 详细

    [^1]: 中文标题

        Bounds for $H<1/\\alpha$ with a | pipe

        [https://arxiv.org/abs/2501.00001](https://arxiv.org/abs/2501.00001)

        中文摘要一句。

        An English one-line summary.

        中文的摘要。

        arXiv:2501.00001v3 Announce Type: replace  Abstract: English abstract.
    [^2]: 另一篇论文

        Another paper

        [https://example.org/paper](https://example.org/paper)

        只有中文摘要。

        English abstract only.
    """)


def test_unseen_variants_math_pipes_english_summary_empty_cell_other_link():
    first, second = [p.record for p in read(DOC).papers]
    assert first["title"] == {"zh": "中文标题", "en": "Bounds for $H<1/\\alpha$ with a | pipe"}
    assert first["tldr"] == {"zh": "中文摘要一句。", "en": "An English one-line summary."}
    assert first["abstract"] == {"zh": "中文的摘要。", "en": "English abstract."}
    assert first["arxiv"] == {"version": 3, "announce_type": "replace"}
    assert second["id"] == "another-paper"  # no arXiv id: a slug of the English title
    assert second["url"] == "https://example.org/paper"
    assert "tldr" not in second  # an empty summary cell
    assert second["abstract"] == {"zh": "只有中文摘要。", "en": "English abstract only."}


def test_empty_digest_has_no_papers():
    document = read("# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n\n# 详细\n")
    assert document.kind == DIGEST
    assert document.papers == []


@pytest.mark.parametrize("broken, line, message", [
    (DOC.replace("| [^2] |", "| [^3] |"), 6, "no detail section [^3]"),
    (DOC.replace("| [^2] |", "| [^3] |"), 23, "[^2] is not in the summary table"),
    (DOC.replace("| [^2] | [Another paper](https://example.org/paper) |  |\n", ""), 22,
     "not in the summary table"),
    (DOC.replace("    [https://example.org/paper](https://example.org/paper)\n\n", ""), 23,
     "has no link"),
    (DOC.replace("    只有中文摘要。", "只有中文摘要。"), 29, "text outside the table"),
    (DOC.replace("arXiv:2501.00001v3", "arXiv:2501.00002v3"), 10, "differs from the link"),
    (DOC.replace("[Another paper](https://example.org/paper) |  |", "Another paper |  |"), 6,
     "must be one link"),
    (DOC.replace("| [^2] | [Another paper]", "| [^1] | [Another paper]"), 6, "listed twice"),
])
def test_broken_documents_name_the_line(broken, line, message):
    with pytest.raises(SiteError) as caught:
        read(broken, "broken.md")
    problems = [str(p) for p in caught.value.problems]
    assert any(p.startswith(f"broken.md:{line}: ") and message in p for p in problems), problems


@pytest.mark.parametrize("name", DIGESTS)
def test_writer_reproduces_the_seed(name):
    """The seed's rows, links, titles and order; abstracts cut off at the source say so."""
    text = seed(name).read_text(encoding="utf-8")
    papers = [p.record for p in read_digest(Path(name), text).papers]
    exported = write_digest(papers, "zh")
    table = [line for line in text.splitlines() if line.startswith("| [^")]
    assert [line for line in exported.splitlines() if line.startswith("| [^")] == table
    for line in text.splitlines():  # every other line, except the cut abstracts' trailing space
        assert line.rstrip() in exported or line.rstrip() + " […]" in exported
    again = [p.record for p in read_digest(Path(name), exported).papers]
    assert again == papers


@pytest.mark.parametrize("name", DIGESTS)
def test_english_first_export_reads_back(name):
    papers = [p.record for p in read_document(seed(name)).papers]
    exported = write_digest(papers, "en")
    assert exported.startswith("# Summary\n")
    assert [p.record for p in read_digest(Path("en.md"), exported).papers] == papers
