"""Loading paper and issue files into records, with every problem at its line."""

import datetime as dt

import pytest

from digestgen.configload import load_config
from digestgen.errors import SiteError
from digestgen.content.load import load_content

PAPER = """\
    id: "2403.14715"
    title:
      en: Understanding Why Label Smoothing Degrades Selective Classification
      zh: 理解为何标签平滑会降低选择性分类的效果
    date: 2024-03-22
    authors: [Guoxuan Xia, Olivier Laurent]
    arxiv: {version: 1, announce_type: cross, primary_category: cs.LG, categories: [cs.AI]}
    tldr: {zh: 标签平滑会负面影响选择性分类。}
    abstract: Label smoothing (LS) is a popular regularisation method.
    tags: [label-smoothing]
"""


def load(site, drafts=False):
    return load_content(load_config(site.config_path), drafts=drafts)


def problems(site) -> list[str]:
    with pytest.raises(SiteError) as caught:
        load(site)
    return [str(p) for p in caught.value.problems]


def test_a_yaml_paper_becomes_a_record(site):
    site.paper("2403.14715.yaml", PAPER)
    (paper,) = load(site).papers
    assert paper.id == "2403.14715"
    assert paper.title.values == {"en": "Understanding Why Label Smoothing Degrades Selective "
                                        "Classification", "zh": "理解为何标签平滑会降低选择性分类的效果"}
    assert paper.date == dt.date(2024, 3, 22)
    assert paper.abstract.values == {"en": "Label smoothing (LS) is a popular regularisation method."}
    assert paper.arxiv.categories == ("cs.LG", "cs.AI")  # the primary category comes first
    assert paper.link == "https://arxiv.org/abs/2403.14715"
    assert paper.pdf_link == "https://arxiv.org/pdf/2403.14715"


def test_a_markdown_paper_body_is_its_notes_by_language(site):
    site.paper("math-0211159.md", """\
        ---
        id: math/0211159
        title: The entropy formula for the Ricci flow
        date: 2024-03-22
        ---
        English notes.

        ```
        ::: zh
        ```

        ::: zh
        中文笔记。
        :::
    """)
    (paper,) = load(site).papers
    assert paper.slug == "math-0211159"
    assert paper.notes.values["zh"] == "中文笔记。\n"
    assert paper.notes.values["en"].startswith("English notes.")
    assert "::: zh" in paper.notes.values["en"]  # inside a code fence: text, not a container


def test_every_problem_of_every_file_is_reported_at_its_line(site):
    a = site.paper("a.yaml", """\
        id: a
        title: {en: A, fr: Un}
        date: 2024-02-30
        tittle: oops
    """)
    b = site.paper("b.yaml", 'id: "2403.14715v2"\ntitle: B\ndate: 2024-01-01\n')
    found = problems(site)
    assert f"{a}:2: language 'fr' is not configured (languages: en, zh)" in found
    assert f"{a}:3: 'date' must be a date written YYYY-MM-DD, not '2024-02-30'" in found
    assert f"{a}:4: unknown key 'tittle' (did you mean 'title'?)" in found
    assert f"{b}:1: write the id without its version (2403.14715) and put the version in " \
           "arxiv.version" in found


def test_missing_required_fields_are_named(site):
    path = site.paper("x.yaml", "authors: [A]\n")
    assert set(problems(site)) == {f"{path}:1: 'id' is required", f"{path}:1: 'title' is required",
                                   f"{path}:1: 'date' is required"}


def test_an_unquoted_arxiv_id_is_refused_because_yaml_reads_a_number(site):
    path = site.paper("x.yaml", "id: 2403.14710\ntitle: T\ndate: 2024-03-22\n")
    (message,) = problems(site)
    assert message.startswith(f"{path}:1: quote the id")


@pytest.mark.parametrize("bad_id", ["../escape", "/etc/passwd", "a/../../b", "Upper", "a b"])
def test_ids_that_are_not_arxiv_ids_or_slugs_are_refused(site, bad_id):
    path = site.paper("x.yaml", f'id: "{bad_id}"\ntitle: T\ndate: 2024-03-22\n')
    (message,) = problems(site)
    assert message.startswith(f"{path}:1: '{bad_id}' is not an arXiv id")


def test_two_files_with_one_id_name_both(site):
    first = site.paper("one.yaml", "title: T\nid: same\ndate: 2024-03-22\n")
    second = site.paper("two.yaml", "id: same\ntitle: T\ndate: 2024-03-22\n")
    assert problems(site) == [f"{second}:1: id 'same' is also used by {first}:2"]


def test_invalid_utf8_is_reported_at_its_line(site):
    path = site.root / "content/papers/x.yaml"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"id: x\ntitle: \xff\xfe\ndate: 2024-03-22\n")
    assert problems(site) == [f"{path}:2: not valid UTF-8 text"]


def test_front_matter_must_be_closed(site):
    path = site.paper("x.md", "---\nid: x\ntitle: T\n")
    assert problems(site) == [f"{path}:1: front matter is not closed by a '---' line"]


def test_drafts_are_left_out_unless_asked_for(site):
    site.paper("a.yaml", "id: a\ntitle: A\ndate: 2024-03-22\n")
    site.paper("b.yaml", "id: b\ntitle: B\ndate: 2024-03-22\ndraft: true\n")
    assert [p.id for p in load(site).papers] == ["a"]
    assert [p.id for p in load(site, drafts=True).papers] == ["a", "b"]


def test_an_issue_file_must_be_named_by_an_issue_id(site):
    site.paper("a.yaml", "id: a\ntitle: A\ndate: 2024-03-22\n")
    path = site.issue("march.yaml", "title: March\n")
    (message,) = problems(site)
    assert message.startswith(f"{path}:1: 'march.yaml' is not named by an issue id")


def test_an_issue_markdown_body_is_its_intro(site):
    site.paper("a.yaml", "id: a\ntitle: A\ndate: 2024-03-22\n")
    site.issue("2024-03-22.md", "---\ntitle: {zh: 第一期, en: Issue one}\n---\nHello.\n\n::: zh\n你好。\n:::\n")
    (issue,) = load(site).issue_files
    assert issue.title.values == {"zh": "第一期", "en": "Issue one"}
    assert issue.intro.values == {"en": "Hello.\n", "zh": "你好。\n"}
