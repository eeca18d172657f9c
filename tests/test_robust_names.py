"""Names (ids, slugs, tags, categories, language codes, dates, file names) are checked as whole
strings and must fit in a file name; an issue given by two files is an error naming both.
Every refusal is ``PATH:LINE: message``, exit 1, the previous site untouched."""

from __future__ import annotations

import pytest
from test_robust_input import GOOD_PAPER, built, previous_build, refused  # noqa: F401

CONFIG = "title: Test Digest\nbase_url: https://a.b/\n"
LONG = "a" * 300


@pytest.mark.parametrize("text, expected", [
    ('id: "2403.14715\\n"\ntitle: T\ndate: 2024-03-22\n', "1: '2403.14715\\n' is not an arXiv id"),
    ('id: "slug\\n"\ntitle: T\ndate: 2024-03-22\n', "1: 'slug\\n' is not an arXiv id"),
    ('id: "math/0211159\\n"\ntitle: T\ndate: 2024-03-22\n', "1: 'math/0211159\\n' is not an"),
    ('id: "2403.14715v1\\n"\ntitle: T\ndate: 2024-03-22\n', "1: '2403.14715v1\\n' is not an"),
    ('id: x\ntitle: T\ndate: 2024-03-22\ntags: ["llm\\n"]\n', "4: 'tags' item 'llm\\n' is not"),
    ('id: x\ntitle: T\ndate: 2024-03-22\narxiv:\n  categories: ["cs.LG\\n"]\n',
     "5: 'categories' item 'cs.LG\\n' is not a valid arXiv category"),
    ('id: x\ntitle: T\ndate: "2024-03-22\\nx"\n', "3: 'date' must be a date written"),
])
def test_a_name_with_a_final_line_break_is_refused(built, text, expected):
    built.paper("bad.yaml", text)
    (problem,) = refused(built)
    assert problem.startswith(f"content/papers/bad.yaml:{expected}"), problem


def test_an_id_and_the_same_id_with_a_line_break_do_not_make_two_papers(built):
    built.paper("nl.yaml", 'id: "good\\n"\ntitle: T\ndate: 2024-03-22\n')
    assert refused(built) == ["content/papers/nl.yaml:1: 'good\\n' is not an arXiv id "
                              "(2403.14715, math/0211159) or a slug of a-z, 0-9, '.', '_' and '-'"]


@pytest.mark.parametrize("line, expected", [
    ('languages: [zh, "en\\n"]', "3: 'en\\n' is not a language code"),
    ('source_language: "en\\n"', "3: 'source_language' must be a language code"),
])
def test_a_language_code_with_a_final_line_break_is_refused(built, line, expected):
    built.write("digestgen.yaml", CONFIG + line + "\n")
    (problem,) = refused(built)
    assert problem.startswith(f"digestgen.yaml:{expected}"), problem


def test_an_issue_file_name_with_a_line_break_is_refused(built):
    built.issue("2024-03-22\n.yaml", "title: x\n")
    (problem,) = refused(built)
    assert problem.startswith("content/issues/2024-03-22\\n.yaml:1: '2024-03-22\\n.yaml' is "
                              "not named by an issue id")


# --- names too long for the file system --------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    (f"id: {LONG}\ntitle: T\ndate: 2024-03-22\n",
     "1: the id 'aaaa"),
    (f"id: x\ntitle: T\ndate: 2024-03-22\ntags: [ok, {LONG}]\n", "4: 'tags' item 'aaaa"),
    (f"id: x\ntitle: T\ndate: 2024-03-22\narxiv:\n  categories: [cs.{LONG}]\n",
     "5: 'categories' item 'cs.aaa"),
    (f"id: x\ntitle: T\ndate: 2024-03-22\narxiv:\n  primary_category: cs.{LONG}\n",
     "5: 'arxiv.primary_category' is 303 bytes long"),
])
def test_a_name_longer_than_a_file_name_is_refused(built, text, expected):
    built.paper("long.yaml", text)
    (problem,) = refused(built)
    assert problem.startswith(f"content/papers/long.yaml:{expected}"), problem
    assert "a file or folder name holds at most 255" in problem


def test_a_tag_of_255_bytes_is_built(built):
    from click.testing import CliRunner

    from digestgen.cli import main
    tag = "t" * 255
    built.paper("fits.yaml", f"id: x\ntitle: T\ndate: 2024-03-22\ntags: [{tag}]\n")
    result = CliRunner().invoke(main, ["build", "-q"])
    assert result.exit_code == 0, result.output
    assert (built.output / "tags" / tag / "index.html").is_file()


def test_an_output_dir_name_too_long_is_refused_at_its_line(built):
    built.write("digestgen.yaml", CONFIG + f"output_dir: out/{LONG}\n")
    (problem,) = refused(built)
    assert problem.startswith("digestgen.yaml:3: 'output_dir': the name 'aaaa")
    assert problem.endswith("is 300 bytes long; a file or folder name holds at most 255")


def test_an_output_option_name_too_long_is_refused(built):
    (problem,) = refused(built, "--output", f"out/{LONG}")
    assert problem.startswith("digestgen.yaml: output directory: the name 'aaaa")


def test_a_language_code_too_long_is_refused_at_its_line(built):
    code = "zh" + "-abcdefgh" * 40
    built.write("digestgen.yaml", CONFIG + f"languages:\n- en\n- {code}\n")
    (problem,) = refused(built)
    assert problem.startswith("digestgen.yaml:5: language code 'zh-abcdefgh")


# --- one issue, two files ----------------------------------------------------------------

@pytest.mark.parametrize("other", ["2024-03-22.yml", "2024-03-22.md"])
def test_a_second_file_for_one_issue_names_both(built, other):
    built.issue("2024-03-22.yaml", "title: One\n")
    built.issue(other, "---\ntitle: Two\n---\n" if other.endswith(".md") else "title: Two\n")
    first, second = sorted(["2024-03-22.yaml", other])
    assert refused(built) == [f"content/issues/{second}:1: issue '2024-03-22' is also given "
                              f"by content/issues/{first}; keep one file"]


# --- lines --------------------------------------------------------------------------------

def test_an_output_dir_that_holds_the_site_is_reported_at_its_line(built):
    built.write("digestgen.yaml", CONFIG + "description: d\noutput_dir: .\n")
    (problem,) = refused(built)
    assert problem.startswith("digestgen.yaml:4: output directory ")
    assert problem.endswith("holds the site root; building there would overwrite it")


def test_a_missing_required_key_is_reported_at_the_mapping_start(built):
    built.write("digestgen.yaml", "\n\n# a site\ntitle: T\n")
    assert refused(built) == ["digestgen.yaml:4: 'base_url' is required"]


def test_two_files_with_one_id_found_by_add_name_both_with_lines(built):
    from digestgen.recordio.recordfile import find_papers
    built.paper("a.yaml", "# first\nid: same\ntitle: A\ndate: 2024-03-22\n")
    built.paper("b.yaml", "title: B\n\nid: same\ndate: 2024-03-22\n")
    _, problems = find_papers(built.root / "content/papers")
    assert [str(p) for p in problems] == [
        "content/papers/b.yaml:3: id 'same' is also used by content/papers/a.yaml:2"]


def test_a_document_to_import_that_is_not_utf8_names_its_line(built):
    from click.testing import CliRunner

    from digestgen.cli import main
    (built.root / "2024-03-22.md").write_bytes("# 摘要\n\nok\n".encode() + b"\xff\n")
    result = CliRunner().invoke(main, ["import", "2024-03-22.md"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == ("2024-03-22.md:4: not UTF-8 text: invalid start "
                                             "byte")


@pytest.mark.parametrize("value", ["20240322", "2024-W12-1", "2024-03-22\n"])
def test_an_import_date_is_a_whole_yyyy_mm_dd(built, value):
    from click.testing import CliRunner

    from digestgen.cli import main
    (built.root / "review.md").write_text("[论文解读] A title\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "review.md", "--date", value])
    assert result.exit_code == 2
    assert f"Invalid value for --date: {value!r} is not a date such as 2024-03-22" \
        in result.stderr
