"""The size of a built site where it is published: `check` reports it against the hosts'
limits, and the pages carry each text once (one full page per paper, shared chrome in assets)."""

import json
import re

import lxml.html
import pytest
from click.testing import CliRunner

from digestgen.cli import main
from digestgen.sitesize import human, parse_size

PAPER = """\
    id: "2403.14715"
    title: {en: Label Smoothing and Selective Classification, zh: 标签平滑与选择性分类}
    date: 2024-03-22
    arxiv: {version: 1, primary_category: cs.LG}
    tldr: {en: LS hurts selective classification., zh: 标签平滑损害选择性分类。}
    abstract: {en: Label smoothing is a popular regulariser., zh: 标签平滑是一种流行的正则化方法。}
    notes: {en: "A note of the editor."}
    tags: [calibration]
"""


def run(site, command, *args):
    return CliRunner().invoke(main, [command, "--config", str(site.config_path), *args])


@pytest.fixture
def built(site):
    site.paper("2403.14715.yaml", PAPER)
    result = run(site, "build")
    assert result.exit_code == 0, result.output
    return site


def test_check_reports_the_size_and_files_against_the_limits(site):
    site.paper("2403.14715.yaml", PAPER)
    result = run(site, "check")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    [size] = [line for line in lines if line.startswith("Published size: ")]
    assert re.fullmatch(r"Published size: [\d.]+ kB in \d+ files \(limits: 1 GB, 200,000 "
                        r"files\)\.", size), size
    assert any(re.match(r"  per paper: [\d.]+ kB and [\d.]+ files; ", line) for line in lines)
    assert "over the limit" not in result.output


def test_check_warns_past_a_limit(site):
    site.paper("2403.14715.yaml", PAPER)
    result = run(site, "check", "--max-size", "10kB", "--max-files", "5")
    assert result.exit_code == 0, result.output  # a warning; --strict makes it fail
    lines = result.output.splitlines()
    assert any(re.fullmatch(r"warning: the site is [\d.]+ kB, over the limit of 10 kB "
                            r"\(GitHub Pages publishes at most 1 GB\)", line) for line in lines)
    assert any(re.fullmatch(r"warning: the site has \d+ files, over the limit of 5 "
                            r"\(GitLab Pages publishes at most 200,000\)", line) for line in lines)
    assert lines[-1] == "0 errors, 2 warnings."
    assert run(site, "check", "--strict", "--max-files", "5").exit_code == 1
    bad = run(site, "check", "--max-size", "lots")
    assert bad.exit_code == 2 and "not a size: 'lots'" in bad.output
    nothing = run(site, "check", "--max-size", "0MB")
    assert nothing.exit_code == 2 and "at least 1 byte, not '0MB'" in nothing.output


def test_sizes_read_as_hosts_count_them():
    assert parse_size("1GB") == 10 ** 9 and parse_size("200 MB") == 2 * 10 ** 8
    assert parse_size("20kB") == 20_000 and parse_size("512") == 512
    assert human(1_234_567_890) == "1.23 GB" and human(45_600) == "45.6 kB"


def test_no_page_inlines_the_language_display_rules(built):
    pages = sorted(built.output.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        html = path.read_text()
        assert "<style" not in html, path
        assert '<link rel="stylesheet" href="/digest/assets/show.css">' in html, path
    rules = (built.output / "assets/show.css").read_text()
    assert '#show-zh:checked' in rules and '#show-en:checked' in rules


def test_the_interface_strings_are_written_once_and_readably(built):
    # Once a language, in a script every page of the language loads, not in each page.
    page = lxml.html.fromstring(built.page("en/issues/2024-03-22/index.html"))
    assert page.xpath("//script[@src='/digest/assets/ui-en.js']")
    en = built.page("assets/ui-en.js").removeprefix("globalThis.digestUI = ")
    assert json.loads(en.rstrip().removesuffix(";"))["star"] == "Add to reading list"
    zh = built.page("assets/ui-zh.js")
    assert "加入阅读清单" in zh and "\\u" not in zh and "&#34;" not in zh
    assert "加入阅读清单" not in built.page("issues/2024-03-22/index.html")


def test_a_paper_is_in_full_once_and_briefly_in_the_other_tree(built):
    full = built.page("papers/2403.14715/index.html")
    brief_html = built.page("en/papers/2403.14715/index.html")
    assert "标签平滑是一种流行的正则化方法。" in full and "A note of the editor." in full
    brief = lxml.html.fromstring(brief_html)
    assert brief.get("lang") == "en"
    # In its language: the English title first, the summary, the way to the full record.
    assert brief.xpath("string(//h1/span[1])") == "Label Smoothing and Selective Classification"
    assert brief.xpath("//h1/span[@lang='zh']")
    assert brief.xpath("string(//p[contains(@class, 'tldr')])") == \
        "LS hurts selective classification."
    assert brief.xpath("//a[@href='/digest/papers/2403.14715/' and @hreflang='zh']")
    assert brief.xpath("//a[@href='/digest/papers/2403.14715/cite.bib']")
    assert brief.xpath("//a[@href='https://arxiv.org/pdf/2403.14715']")
    assert brief.xpath("//link[@rel='canonical']/@href") == [
        "https://alice.github.io/digest/papers/2403.14715/"]
    # Not the abstracts nor the notes, which the full record holds.
    assert "Label smoothing is a popular regulariser." not in brief_html
    assert "A note of the editor." not in brief_html
    assert not brief.xpath("//*[contains(@class, 'abstract')]")


def test_a_list_row_shows_the_summary_in_the_lists_language_only(built):
    for rel, shown, other in (("en/tags/calibration/index.html", "LS hurts selective "
                               "classification.", "标签平滑损害选择性分类。"),
                              ("tags/calibration/index.html", "标签平滑损害选择性分类。",
                               "LS hurts selective classification.")):
        page = lxml.html.fromstring(built.page(rel))
        [row] = page.xpath("//li[@class='paper-item']")
        assert row.xpath("string(p[contains(@class, 'tldr')])") == shown
        assert other not in lxml.html.tostring(row, encoding="unicode")
