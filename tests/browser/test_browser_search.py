"""Searching the whole archive on the static site, in Chinese and in English."""

import json

import pytest
from browser_site import CONFIG, PHONE, WIDE, serve
from click.testing import CliRunner

from digestgen.cli import main


def search(page, query: str):
    box = page.locator("#search-q")
    box.fill(query)
    box.press("Enter")
    return page.locator(".search-results a")


def hrefs(results) -> list[str]:
    return [a.get_attribute("href") for a in results.all()]


def test_the_searched_index_is_in_several_segments(built_site):
    segments = json.loads((built_site / "search/index.json").read_text())["segments"]
    assert len(segments) >= 3  # so the searches below find papers in several


@pytest.mark.parametrize("query, found", [
    ("标签平滑", ["/digest/papers/2403.14715/"]),
    ("扩散模型", ["/digest/papers/2310.02664/", "/digest/papers/2404.01367/"]),
    ("label smoothing", ["/digest/papers/2403.14715/"]),
    ("memorization", ["/digest/papers/2310.02664/", "/digest/papers/c-score/"]),
])
def test_chinese_and_english_words_find_their_papers(open_page, expect, query, found):
    page = open_page("")
    results = search(page, query)
    expect(results.first).to_be_visible()
    assert sorted(hrefs(results)) == found
    expect(page.locator(".search-status")).to_have_text(f"找到 {len(found)} 篇论文")
    assert page.locator(".search-results mark").count() >= 1


def test_results_lead_to_the_readers_ui_language_with_its_titles(open_page, expect):
    page = open_page("en/archive/", viewport=PHONE)
    results = search(page, "扩散模型")
    expect(results.first).to_be_visible()
    assert sorted(hrefs(results)) == ["/digest/en/papers/2310.02664/",
                                      "/digest/en/papers/2404.01367/"]
    expect(page.locator(".search-results a", has_text="On Memorization in Diffusion Models")) \
        .to_have_attribute("lang", "en")
    page.locator(".search-results a", has_text="On Memorization").click()
    expect(page).to_have_url(page.url.split("/digest/")[0] + "/digest/en/papers/2310.02664/")


def test_a_query_in_the_address_is_searched_and_no_match_is_said(open_page, expect):
    page = open_page("archive/?q=" + "选择性分类", viewport=WIDE)
    expect(page.locator("#search-q")).to_have_value("选择性分类")
    expect(page.locator(".search-results a").first).to_have_attribute(
        "href", "/digest/papers/2403.14715/")
    search(page, "zzzzqqqq")
    expect(page.locator(".search-status")).to_have_text("没有找到相关论文。")
    expect(page.locator(".search-results")).to_be_hidden()


def test_the_index_loads_when_the_search_box_is_focused_not_before(open_page, expect):
    page = open_page("archive/")
    page.wait_for_load_state("networkidle")
    loaded = page.evaluate("performance.getEntriesByType('resource').map((e) => e.name)")
    assert [url for url in loaded if "/search/" in url] == []  # reading costs no index
    with page.expect_response(lambda r: r.url.endswith("/search/index.json"), timeout=5000):
        page.locator("#search-q").focus()
    results = search(page, "标签平滑")
    expect(results.first).to_be_visible()
    assert hrefs(results) == ["/digest/papers/2403.14715/"]


def test_a_search_reads_the_titles_of_the_papers_it_shows_and_one_bucket_a_segment(
        open_page, expect, built_site):
    page = open_page("")
    results = search(page, "memorization")
    expect(results).to_have_count(2)
    page.wait_for_load_state("networkidle")
    loaded = page.evaluate("performance.getEntriesByType('resource').map((e) => e.name)")
    titles = [url for url in loaded if "/search/" in url and "/titles-" in url]
    buckets = [url for url in loaded if url.endswith(".bin")]
    segments = json.loads((built_site / "search/index.json").read_text())["segments"]
    assert sum(entry["papers"] for entry in segments) > 2 * len(titles)  # a file a paper here
    assert len(titles) == 2 and len(buckets) == len(segments)


def test_without_javascript_there_is_no_dead_search_box(open_page, expect):
    # The page script makes the box: no page carries a form it would have to hide.
    page = open_page("", js=False)
    assert page.locator("search, #search-q, .search-status").count() == 0
    with_script = open_page("en/archive/")
    expect(with_script.locator(".tools > search:first-child #search-q")).to_be_visible()
    assert with_script.locator("search form").get_attribute("action") == "/digest/en/archive/"


@pytest.fixture(scope="module")
def site_without_papers(tmp_path_factory):
    """A site whose archive is still empty, built with its (empty) search index and served."""
    root = tmp_path_factory.mktemp("site-without-papers")
    (root / "digestgen.yaml").write_text(CONFIG, encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--config", str(root / "digestgen.yaml"), "-q"])
    assert result.exit_code == 0, result.output
    server, url = serve(root / "site")
    yield url
    server.shutdown()
    server.server_close()


def test_a_site_without_papers_answers_every_search_with_no_match(open_page, expect,
                                                                   site_without_papers):
    page = open_page(site_without_papers)
    search(page, "标签平滑")
    expect(page.locator(".search-status")).to_have_text("没有找到相关论文。")
    expect(page.locator(".search-results")).to_be_hidden()


def test_from_the_other_language_a_phrase_of_a_papers_text_finds_it(open_page, expect):
    # The phrase is in the paper's text, not its title: the search box reads the full record
    # (the default language's page) to check it, and links the reader's own page.
    page = open_page("en/archive/", viewport=WIDE)
    results = search(page, "较小的数据集")
    expect(results.first).to_be_visible()
    assert hrefs(results) == ["/digest/en/papers/2310.02664/"]
    expect(page.locator(".search-results mark", has_text="较小的数据集")).to_have_count(1)
