"""How well search finds what the site says: words and phrases taken from the demo digest's own
titles and abstracts (content/), in Chinese and in English, searched in the browser as a reader
types them. At least 98 % of them must bring a paper that has them into the first five results;
a phrase the site does not have brings nothing; a paper's exact title brings that paper first."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from browser_site import WIDE, serve
from click.testing import CliRunner

from digestgen.build import load_site
from digestgen.cli import main
from digestgen.configload import load_config

REPO = Path(__file__).resolve().parents[2]
RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]+")  # Chinese characters
TOP = 5


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo digest (this repository's content/), built with its index and served; its
    papers' titles and abstracts as (url, Chinese text, English text), from which queries are
    taken; and the text of each paper's page, by url."""
    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "digestgen.yaml", root / "digestgen.yaml")
    result = CliRunner().invoke(main, ["build", "--config", str(root / "digestgen.yaml"), "-q",
                                       "--base-url", "https://alice.github.io/digest/"])
    assert result.exit_code == 0, result.output
    site = load_site(load_config(root / "digestgen.yaml"))
    texts = [(f"/digest/papers/{p.slug}/", plain(p, "zh"), plain(p, "en")) for p in site.papers]
    pages = {url: page_text(root / "site" / url.removeprefix("/digest/") / "index.html")
             for url, _, _ in texts}
    server, url = serve(root / "site")
    yield url, texts, site.papers, pages
    server.shutdown()
    server.server_close()


def plain(paper, lang: str) -> str:
    """A paper's title and abstract in ``lang``, without formulas."""
    parts = [text[lang] for text in (paper.title, paper.abstract) if text and lang in text]
    return re.sub(r"\$[^$]*\$", " ", "\n".join(parts))


def page_text(path: Path) -> str:
    """The text of a page's article: what the index reads."""
    article = path.read_text(encoding="utf-8").split("<article", 1)[1].split("</article>")[0]
    return html.unescape(re.sub(r"<[^>]*>", "", article))


def chinese_queries(texts) -> list[tuple[str, str]]:
    """Runs of Chinese from each paper's texts, two to six characters long, at every seventh
    character: (query, the paper's URL)."""
    queries = []
    for url, zh, _ in texts:
        for run in RUN.findall(zh):
            for start in range(0, len(run) - 1, 7):
                size = 2 + start % 5
                if start + size <= len(run):
                    queries.append((run[start:start + size], url))
    return queries


def english_queries(texts) -> list[tuple[str, str]]:
    """Every fifth word of five letters or more of each paper's English texts, and every
    seventh pair of words: (query, the paper's URL)."""
    queries = []
    for url, _, en in texts:
        words = re.findall(r"[A-Za-z]{5,}", en)
        queries += [(word, url) for word in words[::5]]
        runs = re.findall(r"\b[A-Za-z]{3,} [A-Za-z]{3,}\b", en)
        queries += [(pair, url) for pair in runs[::7]]
    return queries


def search(page, query: str) -> list[str]:
    """The result links, in order, of ``query`` typed into the search box."""
    box = page.locator("#search-q")
    box.fill(query)
    box.press("Enter")
    status = page.locator(".search-status")
    page.wait_for_function("s => s.textContent && s.textContent !== '正在搜索…'",
                           arg=status.element_handle())
    return [a.get_attribute("href") for a in page.locator(".search-results a").all()]


def has(text: str, query: str) -> bool:
    return query.lower() in text.lower()


def has_words(text: str, query: str) -> bool:
    """Whether ``text`` has ``query``: its Chinese as it is, each English word or another of
    the same stem (a word starting with its first five letters: trained for training)."""
    if RUN.search(query):
        return has(text, query)
    return all(re.search(rf"\b{word[:5]}", text, re.I) for word in query.split())


@pytest.mark.parametrize("language", ["zh", "en"])
def test_words_and_phrases_of_the_site_are_found_in_the_first_five(open_page, demo, language):
    url, texts, _, pages = demo
    queries = (chinese_queries if language == "zh" else english_queries)(texts)
    assert len(queries) >= 100
    page = open_page(url, viewport=WIDE)
    missed = []
    for query, source in queries:
        found = search(page, query)[:TOP]
        holders = {u for u, text in pages.items() if has_words(text, query)}
        # Found: the paper it was taken from, or (a phrase many papers have) five that have it.
        if source not in found and not (len(holders) > TOP and len(found) == TOP
                                        and set(found) <= holders):
            missed.append((query, source, found))
    share = 1 - len(missed) / len(queries)
    print(f"{language}: {share:.1%} of {len(queries)} queries found in the first {TOP}")
    assert share >= 0.98, f"{share:.1%} found; missed: {missed[:20]}"


@pytest.mark.parametrize("query", ["强化学习", "量子计算", "自动驾驶汽车", "blockchain"])
def test_a_phrase_the_site_does_not_have_finds_nothing(open_page, demo, query):
    url, _, _, pages = demo
    assert not any(has(text, query) for text in pages.values())
    page = open_page(url)
    assert search(page, query) == []
    assert page.locator(".search-status").text_content() == "没有找到相关论文。"


def test_a_papers_exact_title_finds_it_first(open_page, demo):
    url, _, papers, _ = demo
    page = open_page(url)
    misses = []
    for paper in papers:
        for lang in ("zh", "en"):
            if lang in paper.title:
                title = re.sub(r"\$[^$]*\$", " ", paper.title[lang])
                found = search(page, title)
                if not found or found[0] != f"/digest/papers/{paper.slug}/":
                    misses.append((title, found[:3]))
    assert misses == []


def test_excerpts_show_the_papers_words_not_its_links(open_page, demo):
    url = demo[0]
    page = open_page(url)
    found = search(page, "特征可视化")
    assert found
    excerpts = page.locator(".search-results p").all_text_contents()
    assert all("https://" not in text for text in excerpts)
    assert any("特征可视化" in text for text in excerpts)  # the pairs joined back
    assert page.locator(".search-results mark", has_text="特征可视化").count() >= 1


def test_english_words_are_found_by_their_stem(open_page, demo):
    url, _, _, pages = demo
    page = open_page(url)
    holders = {u for u, text in pages.items() if "calibration" in text.lower()}
    assert holders
    assert holders <= set(search(page, "calibrate"))
