"""The site's title and description are texts (SPEC 1.1, 1.2): each language tree shows its own
in the browser tab, the header, the meta description, the feed and the home page's lead."""

from __future__ import annotations

import re

import feedparser
from click.testing import CliRunner

from digestgen.cli import main
from test_incremental import rebuild_and_check, run_build

PAPER = """\
    id: "2403.14715"
    title: {en: Label Smoothing and Selective Classification, zh: 标签平滑与选择性分类}
    date: 2024-03-22
"""
BILINGUAL = """\
    title: {zh: 论文速递, en: Paper Digest}
    description:
      zh: 每天的机器学习论文。
      en: Machine-learning papers, daily.
    base_url: https://alice.github.io/digest/
"""


def build(site) -> None:
    result = CliRunner().invoke(main, ["build", "-q", "--config", str(site.config_path)])
    assert result.exit_code == 0, result.output


def tab(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html).group(1)


def header(html: str) -> str:
    return re.search(r'class="site-title"[^>]*>(.*?)</a>', html).group(1)


def meta_description(html: str) -> str:
    return re.search(r'<meta name="description" content="([^"]*)"', html).group(1)


def test_each_language_shows_its_own_title_and_description(site):
    site.write("digestgen.yaml", BILINGUAL)
    site.paper("2403.14715.yaml", PAPER)
    build(site)
    for prefix, title, description in [("", "论文速递", "每天的机器学习论文。"),
                                       ("en/", "Paper Digest", "Machine-learning papers, daily.")]:
        home = site.page(prefix + "index.html")
        assert tab(home) == title and header(home) == title
        assert meta_description(home) == description
        assert f'<p class="lead">{description}</p>' in home
        issue = site.page(prefix + "issues/2024-03-22/index.html")
        assert header(issue) == title and meta_description(issue) == description
        feed = feedparser.parse(site.page(prefix + "feed.xml"))
        assert feed.feed.title == title and feed.feed.subtitle == description
    assert tab(site.page("issues/2024-03-22/index.html")) == "2024年3月22日 · 论文速递"
    assert tab(site.page("en/issues/2024-03-22/index.html")) == "March 22, 2024 · Paper Digest"


def test_a_tab_names_the_site_once(site):
    site.write("digestgen.yaml", "title: 论文速递 · Paper Digest\nbase_url: https://a.b/\n")
    site.paper("2403.14715.yaml", PAPER)
    build(site)
    for page in ["issues/2024-03-22/index.html", "en/issues/2024-03-22/index.html",
                 "papers/2403.14715/index.html", "archive/index.html"]:
        assert tab(site.page(page)).count("论文速递") == 1, page


def test_a_plain_string_title_shows_in_every_language(site):
    site.paper("2403.14715.yaml", PAPER)
    build(site)
    assert header(site.page("index.html")) == header(site.page("en/index.html")) == "Test Digest"


def test_a_title_missing_in_one_language_shows_another(site):
    site.write("digestgen.yaml", "title: {en: Paper Digest}\nbase_url: https://a.b/\n")
    site.paper("2403.14715.yaml", PAPER)
    build(site)
    assert header(site.page("index.html")) == "Paper Digest"


def test_a_title_in_an_unknown_language_is_an_error_on_its_line(site):
    site.write("digestgen.yaml", """\
        base_url: https://a.b/
        title:
          zh: 论文速递
          fr: Digest
        description: {}
    """)
    result = CliRunner().invoke(main, ["build", "--config", str(site.config_path)])
    assert result.exit_code == 1
    assert "digestgen.yaml:4: 'title' has a text in 'fr'" in result.output
    assert "digestgen.yaml:5: 'description' must be a string or a mapping" in result.output


def test_editing_one_languages_title_rebuilds_as_a_cold_build_does(site, tmp_path):
    site.write("digestgen.yaml", BILINGUAL)
    site.paper("2403.14715.yaml", PAPER)
    run_build(site)
    site.write("digestgen.yaml", BILINGUAL.replace("en: Paper Digest", "en: Papers Daily"))
    changed = rebuild_and_check(site, tmp_path)
    assert {"en/index.html", "en/feed.xml", "en/papers/2403.14715/index.html"} <= changed
    assert "Papers Daily" in site.page("en/archive/index.html")
    assert "Papers Daily" not in site.page("archive/index.html")
