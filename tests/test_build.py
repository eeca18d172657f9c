"""`digestgen build` end to end: what a reader finds in the built site."""

import gc
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import feedparser
import pytest
from click.testing import CliRunner

from digestgen.cli import main

LABEL_SMOOTHING = """\
    id: "2403.14715"
    title:
      en: Understanding Why Label Smoothing Degrades Selective Classification and How to Fix It
      zh: 理解为何标签平滑会降低选择性分类的效果以及如何解决这个问题
    date: 2024-03-22
    arxiv: {version: 1, announce_type: cross, primary_category: cs.LG}
    tldr:
      zh: LS方法被发现会负面影响选择性分类。
    abstract:
      en: Label smoothing (LS) is a popular regularisation method with $H<1/\\alpha$.
      zh: 标签平滑（LS）是一种流行的正则化方法。
    abstract_truncated: true
    tags: [label-smoothing]
"""
MEMORIZATION = """\
    id: "2310.02664"
    title:
      en: On Memorization in Diffusion Models
      zh: 关于扩散模型记忆化的研究
    date: 2024-03-22
    arxiv: {version: 1, primary_category: cs.LG}
    tldr: {zh: 记忆化倾向于在较小的数据集上发生。, en: Memorization happens on small datasets.}
    abstract: {en: "Due to their capacity to generate novel samples <script>alert(1)</script>."}
"""
REVIEWED = """\
    ---
    id: when-does-label-smoothing-help
    title: When Does Label Smoothing Help?
    date: 2024-03-21
    authors: [Rafael Müller, Simon Kornblith, Geoffrey Hinton]
    review:
      motivation: {zh: [调查标签平滑为什么有效。], en: [Why label smoothing works.]}
    ---
    Notes in English.

    ::: zh
    中文笔记。
    :::
"""


class Elements(HTMLParser):
    """Every start tag of a page as (tag, attributes)."""

    def __init__(self, html):
        super().__init__()
        self.found = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    def ids(self):
        return {a["id"] for _, a in self.found if "id" in a}

    def hrefs(self):
        return [a["href"] for t, a in self.found if t == "a" and "href" in a]


@pytest.fixture
def built(site):
    site.paper("2403.14715.yaml", LABEL_SMOOTHING)
    site.paper("2310.02664.yaml", MEMORIZATION)
    site.paper("when-does-label-smoothing-help.md", REVIEWED)
    site.write("static/CNAME", "digest.example.org\n")
    result = CliRunner().invoke(main, ["build", "--config", str(site.config_path)])
    assert result.exit_code == 0, result.output
    return site


def build(site, *args):
    return CliRunner().invoke(main, ["build", "--config", str(site.config_path), *args])


def test_the_build_writes_every_page_of_the_spec(built):
    for rel in ["index.html", "en/index.html", "issues/2024-03-22/index.html",
                "en/issues/2024-03-22/index.html", "papers/2403.14715/index.html",
                "en/papers/when-does-label-smoothing-help/index.html", "archive/index.html",
                "tags/label-smoothing/index.html", "categories/cs.LG/index.html",
                "en/categories/cs.LG/index.html", "feed.xml", "en/feed.xml", "sitemap.xml",
                "404.html", "robots.txt", ".nojekyll", "CNAME", "assets/digest.css"]:
        assert (built.output / rel).is_file(), rel


def test_issue_table_rows_link_to_details_and_back(built):
    html = built.page("issues/2024-03-22/index.html")
    page = Elements(html)
    assert {"ref-1", "ref-2", "item-1", "item-2"} <= page.ids()
    rows = [h for h in page.hrefs() if h.startswith("#")]
    assert rows.count("#item-1") >= 2 and rows.count("#ref-1") >= 2
    # Row order: newest id first; the Chinese page shows Chinese titles first.
    assert html.index("理解为何标签平滑") < html.index("关于扩散模型记忆化的研究")
    detail = html[html.index('id="item-1"'):html.index('id="item-2"')]
    assert '<span lang="en" class="title-other">Understanding Why Label Smoothing' in detail
    assert 'href="https://arxiv.org/abs/2403.14715"' in detail
    assert 'href="https://arxiv.org/pdf/2403.14715"' in detail
    assert '<div class="abstract" lang="zh">' in detail
    assert '<div class="abstract" lang="en">' in detail and "<math" in detail
    assert "arXiv:2403.14715v1" in detail


def test_every_text_carries_its_language_and_missing_ones_are_marked(built):
    en = built.page("en/issues/2024-03-22/index.html")
    assert '<html lang="en">' in en
    # 2403.14715 has no English summary: the Chinese one is shown, marked untranslated.
    marked = [a for _, a in Elements(en).found if "untranslated" in a.get("class", "").split()]
    assert marked and all(a["lang"] == "zh" for a in marked)
    badge = en.index("LS方法被发现会负面影响选择性分类。")
    assert "untranslated</span>" in en[badge:badge + 200]
    assert '<span lang="en">Memorization happens on small datasets.</span>' in en


def test_content_is_escaped(built):
    html = built.page("papers/2310.02664/index.html")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in built.page("en/papers/2310.02664/index.html")


def test_a_review_and_notes_show_in_both_languages(built):
    html = built.page("papers/when-does-label-smoothing-help/index.html")
    assert "研究动机与目标" in html
    assert '<div class="review-list" lang="zh"><ul><li>调查标签平滑为什么有效。</li></ul>' in html
    assert '<div class="review-list" lang="en"><ul><li>Why label smoothing works.</li></ul>' in html
    assert '<div class="note" lang="zh"><p>中文笔记。</p>' in html
    assert "Rafael Müller, Simon Kornblith, Geoffrey Hinton" in html


def test_every_internal_link_resolves_under_the_base_path(built):
    for page in built.output.rglob("*.html"):
        for href in Elements(page.read_text(encoding="utf-8")).hrefs():
            if href.startswith("/"):
                assert href.startswith("/digest/"), (page, href)
                target = built.output / href[len("/digest/"):].split("#")[0]
                assert (target / "index.html").is_file() or target.is_file(), (page, href)


def test_base_url_can_be_overridden(built):
    assert build(built, "--base-url", "https://bob.github.io/papers").exit_code == 0
    html = built.page("index.html")
    assert 'href="/papers/archive/"' in html and "/digest/" not in html


def test_feeds_list_issues_newest_first_per_language(built):
    feed = feedparser.parse(built.page("en/feed.xml"))
    assert not feed.bozo, feed.bozo_exception
    assert [e.link for e in feed.entries] == [
        "https://alice.github.io/digest/en/issues/2024-03-22/",
        "https://alice.github.io/digest/en/issues/2024-03-21/"]
    assert "On Memorization in Diffusion Models" in feed.entries[0].content[0].value
    zh = feedparser.parse(built.page("feed.xml"))
    assert zh.entries[0].link == "https://alice.github.io/digest/issues/2024-03-22/"


def test_sitemap_lists_every_page_with_hreflang_alternates(built):
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9",
          "x": "http://www.w3.org/1999/xhtml"}
    root = ET.fromstring((built.output / "sitemap.xml").read_bytes())
    locs = [u.find("s:loc", ns).text for u in root.findall("s:url", ns)]
    assert "https://alice.github.io/digest/en/papers/2403.14715/" in locs
    # Every page but the reading lists: the browser fills them, search engines find nothing.
    pages = [p for p in built.output.rglob("index.html") if "reading-list" not in p.parts]
    assert len(locs) == len(pages)
    url = root.findall("s:url", ns)[0]
    langs = {link.get("hreflang") for link in url.findall("x:link", ns)}
    assert langs == {"zh", "en", "x-default"}


def test_same_input_gives_byte_identical_output(built, tmp_path):
    first = {p.relative_to(built.output): p.read_bytes() for p in built.output.rglob("*")
             if p.is_file()}
    assert build(built, "--output", str(tmp_path / "again")).exit_code == 0
    second = {p.relative_to(tmp_path / "again"): p.read_bytes()
              for p in (tmp_path / "again").rglob("*") if p.is_file()}
    assert first == second


def test_bad_input_reports_every_problem_and_keeps_the_previous_site(built):
    before = built.page("index.html")
    bad = built.paper("bad.yaml", "id: bad\ntitle: {fr: Mauvais}\ndate: tomorrow\n")
    result = build(built)
    assert result.exit_code == 1
    assert f"{bad}:2: language 'fr' is not configured" in result.output
    assert f"{bad}:3: 'date' must be a date" in result.output
    assert "Traceback" not in result.output
    assert built.page("index.html") == before


def test_the_output_may_not_hold_the_site(built):
    result = build(built, "--output", str(built.root))
    assert result.exit_code == 1 and "holds the site root" in result.output


def test_a_foreign_folder_is_never_overwritten_and_foreign_files_survive(built, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    result = build(built, "--output", str(mine))
    assert result.exit_code == 1 and "was not written by digestgen" in result.output
    assert (mine / "thesis.tex").read_text() == "years of work"
    (built.output / "notes.txt").write_text("put here by hand")
    assert build(built).exit_code == 0
    assert (built.output / "notes.txt").read_text() == "put here by hand"


def test_a_site_template_overrides_a_block_of_the_builtin_one(built):
    built.write("layouts/issue.html", """\
        {% extends "builtin:issue.html" %}
        {% block summary %}<p class="custom">Our own summary</p>{{ super() }}{% endblock %}
    """)
    built.write("layouts/i18n/en.yaml", "summary: At a glance\n")
    assert build(built).exit_code == 0
    html = built.page("en/issues/2024-03-22/index.html")
    assert '<p class="custom">Our own summary</p>' in html
    assert ">At a glance</h2>" in html and 'id="item-1"' in html


def test_the_page_script_has_the_ui_strings_of_each_pages_language(built):
    built.write("layouts/i18n/en.yaml", "star: Keep it\n")
    built.write("layouts/_script-strings.html", "{{ {'star': s.star, 'lang': lang}|tojson }}\n")
    assert build(built).exit_code == 0
    # Written once a language, as the script every page of the language runs first.
    assert built.page("assets/ui-en.js") == 'globalThis.digestUI = {"lang":"en","star":"Keep it"};\n'
    assert built.page("assets/ui-zh.js").startswith('globalThis.digestUI = {"lang":"zh","star":')
    for page, lang in [("en/issues/2024-03-22/index.html", "en"), ("en/index.html", "en"),
                       ("issues/2024-03-22/index.html", "zh"), ("404.html", "zh")]:
        html = built.page(page)
        assert f'<script src="/digest/assets/ui-{lang}.js" defer></script>' in html, page
        assert "data-ui" not in html and "Keep it" not in html, page


def test_a_broken_template_is_reported_at_its_line(built):
    path = built.write("layouts/paper.html", "{% extends 'base.html' %}\n{% block content %}\n"
                                             "{{ paper.no_such_field }}\n{% endblock %}\n")
    result = build(built)
    assert result.exit_code == 1
    assert f"{path}:3: template error:" in result.output and "Traceback" not in result.output


def test_a_third_language_needs_only_configuration(site):
    site.write("digestgen.yaml", "title: T\nbase_url: https://a.b/\nlanguages: [zh, en, ja]\n")
    site.paper("p.yaml", "id: p\ntitle: {en: Paper, ja: 論文}\ndate: 2024-03-22\n")
    site.write("layouts/i18n/ja.yaml", "summary: 要約\n")
    assert build(site).exit_code == 0
    html = site.page("ja/issues/2024-03-22/index.html")
    assert '<html lang="ja">' in html and ">要約</h2>" in html
    assert "Back to the table" in html  # keys the Japanese file lacks show in English
    # The title lacks Chinese: marked, for a reader who shows only Chinese (CSS hides the mark
    # for one who reads Japanese).
    assert '<span lang="ja" class="untranslated">論文' in html


def test_an_issue_title_with_an_ampersand_is_escaped_once_everywhere(built):
    built.issue("2024-03-21.yaml", "title: {zh: 'Q&A 专刊', en: 'Q&A special'}\n")
    assert build(built).exit_code == 0
    for rel in ["issues/2024-03-21/index.html", "issues/2024-03-22/index.html",
                "archive/index.html", "papers/when-does-label-smoothing-help/index.html"]:
        html = built.page(rel)
        assert "Q&amp;A 专刊" in html and "&amp;amp;" not in html, rel


def test_pages_render_with_the_collector_on_and_the_build_leaves_it_on(site, monkeypatch):
    # The build pauses cyclic garbage collection while it plans (digestgen.build.build); pages
    # make garbage, so it must run while they render, and after the build as before.
    from digestgen.pages.render import Renderer
    seen = []
    render = Renderer.render

    def noting(self, job):
        seen.append(gc.isenabled())
        return render(self, job)

    monkeypatch.setattr(Renderer, "render", noting)
    site.paper("2403.14715.yaml", LABEL_SMOOTHING)
    assert build(site).exit_code == 0
    assert seen and all(seen)
    assert gc.isenabled()
