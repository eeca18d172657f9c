"""Format B (paper reviews, 论文解读): both layouts of the seeds, page furniture, broken reviews."""

from __future__ import annotations

import datetime
import textwrap
from pathlib import Path

import pytest

from digestgen.errors import SiteError
from digestgen.formats import read_document
from digestgen.formats.review import read_review

SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"


def seed(name: str):
    document = read_document(SEEDS / name)
    assert len(document.papers) == 1
    return document, document.papers[0].record


def test_line_per_field_layout():
    document, paper = seed("001_34e046805fc706ca.txt")
    assert document.date is None
    assert paper["id"] == "exploring-the-memorization-generalization-continuum-in-deep-learning"
    assert paper["title"] == {"en": "Exploring the Memorization-Generalization Continuum in "
                                    "Deep Learning"}
    assert paper["tldr"]["zh"].startswith("本文引入了一致性评分(C-score)")
    assert paper["abstract"]["en"].startswith("Human learners appreciate")
    assert paper["abstract"]["en"].endswith("and active data collection.")
    review = paper["review"]
    assert [len(review[k]["zh"]) for k in ("motivation", "method", "questions", "findings")] \
        == [4, 6, 5, 6]
    assert review["questions"]["zh"][0].startswith("如何在不同规模的训练集上")  # "RQ1" dropped
    assert review["findings"]["zh"][-1].startswith("该方法可通过优先选择")
    everything = repr(paper)
    for furniture in ("更好的研究", "无需绑定信用卡", "AI 生成", "实验结果"):
        assert furniture not in everything


def test_blank_line_layout_with_meta_and_counts():
    document, paper = seed("002_dc86f078fee1e88e.txt")
    assert document.date == datetime.date(2019, 6, 6)
    assert paper["id"] == "when-does-label-smoothing-help"
    assert paper["title"] == {"en": "When Does Label Smoothing Help?"}
    assert paper["authors"] == ["Rafael Rios Müller", "Simon Kornblith"]
    assert paper["venue"] == "arXiv (Cornell University)"
    assert paper["field"] == "Time Series Analysis and Forecasting"
    assert (paper["references"], paper["citations"]) == (17, 884)
    assert paper["tldr"]["zh"].startswith("这篇论文分析标签平滑如何影响泛化")
    assert paper["abstract"]["en"].startswith("The generalization and learning speed")
    assert paper["review"]["motivation"]["zh"][0] == "调查为什么以及在何种情况下标签平滑会提升神经网络的性能。"
    assert len(paper["review"]["findings"]["zh"]) == 5
    everything = repr(paper)
    for furniture in ("Skip to main content", "QUICK REVIEW", "更好的研究", "AI 生成"):
        assert furniture not in everything


def test_an_unseen_review_with_numbered_items_and_english_headings():
    text = textwrap.dedent("""\
        Home
        [论文解读] Scaling Laws for Tiny Models
        Ada Lovelace; Alan Turing|NeurIPS 2023|2023-12-10
        一句话总结
        小模型也有规律。
        Abstract
        We study tiny models.
        Motivation
        1. 为什么小模型重要。
        2. 如何测量。
        Key Findings
        * 规律成立。
        Sign up today!
        """)
    document = read_review(Path("r.txt"), text)
    paper = document.papers[0].record
    assert document.date == datetime.date(2023, 12, 10)
    assert paper["authors"] == ["Ada Lovelace", "Alan Turing"]
    assert paper["venue"] == "NeurIPS 2023"
    assert paper["review"] == {"motivation": {"zh": ["为什么小模型重要。", "如何测量。"]},
                               "findings": {"zh": ["规律成立。"]}}
    assert "Sign up" not in repr(paper)


@pytest.mark.parametrize("text, line, message", [
    ("[论文解读] A Title\n研究动机与目标\n主要发现\n- 一项发现。\n", 2, "has no items"),
    ("[论文解读] A Title\n主要发现\n- a\n主要发现\n- b\n", 4, "appears twice"),
    ("[论文解读] 只有中文标题\n一句话总结\n内容。\n", 1, "no English words"),
    ("Skip\n[论文解读] Lonely Title\n", 2, "no summary, abstract or review"),
])
def test_broken_reviews_name_the_line(text, line, message):
    with pytest.raises(SiteError) as caught:
        read_review(Path("r.txt"), text)
    problems = [str(p) for p in caught.value.problems]
    assert any(p.startswith(f"r.txt:{line}: ") and message in p for p in problems), problems
