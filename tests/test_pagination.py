"""Long lists in pages: tag, category and archive pages cut at ``…/page/<n>/``, linked with
``rel="prev"``/``rel="next"``, in the sitemap, and rebuilt incrementally as a cold build makes
them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from click.testing import CliRunner

from digestgen.cli import main
from digestgen.pages.pagination import ARCHIVE_PAGE_ISSUES, TERM_PAGE_PAPERS

from test_incremental import edit_paper, rebuild_and_check, run_build

CONFIG = ("title: Test Digest\nbase_url: https://alice.github.io/digest/\nsearch: false\n"
          "languages: [zh, en]\n")
#: Papers of the site: every one tagged alpha, one a day (so as many issues).
PAPERS = 2 * TERM_PAGE_PAPERS + 20
assert PAPERS > ARCHIVE_PAGE_ISSUES  # the archive has two pages


def long_paper(n: int) -> str:
    day = dt.date(2024, 1, 1) + dt.timedelta(days=n)
    return (f'id: "2403.{10000 + n}"\ntitle:\n  en: Paper number {n}\n  zh: 第{n}篇论文\n'
            f"date: {day.isoformat()}\n"
            f"arxiv: {{version: 1, primary_category: cs.LG, categories: [cs.LG]}}\n"
            f"abstract:\n  en: Abstract of paper {n}.\n  zh: 第{n}篇摘要。\n"
            f"tags: {'[alpha]' if n % 2 else '[alpha, beta]' if n else '[alpha, gamma]'}\n")


@pytest.fixture
def long_site(site):
    site.write("digestgen.yaml", CONFIG)
    for n in range(PAPERS):
        site.paper(f"2403.{10000 + n}.yaml", long_paper(n))
    run_build(site)
    return site


def rows(html: str) -> list[str]:
    """The papers a list page shows, by their titles' numbers."""
    return re.findall(r">第(\d+)篇论文<", html)


def head_link(html: str, rel: str) -> str | None:
    found = re.search(rf'<link rel="{rel}" href="([^"]+)">', html)
    return found and found[1]


def test_a_long_tag_is_cut_into_pages_of_its_papers_newest_first(long_site):
    first, second, last = (long_site.page(rel) for rel in (
        "tags/alpha/index.html", "tags/alpha/page/2/index.html", "tags/alpha/page/3/index.html"))
    newest = PAPERS - 1
    assert rows(first) == [str(n) for n in range(newest, newest - TERM_PAGE_PAPERS, -1)]
    assert rows(second)[0] == str(newest - TERM_PAGE_PAPERS)
    assert len(rows(last)) == PAPERS - 2 * TERM_PAGE_PAPERS
    assert rows(last)[-1] == "0"
    assert not (long_site.output / "tags/alpha/page/1").exists()  # page 1 is the tag's URL
    assert not (long_site.output / "tags/alpha/page/4").exists()
    assert f"{PAPERS} 篇论文" in last  # the count is the tag's, not the page's


def test_pages_link_to_their_neighbours_in_head_and_pager(long_site):
    first = long_site.page("tags/alpha/index.html")
    second = long_site.page("en/tags/alpha/page/2/index.html")
    last = long_site.page("tags/alpha/page/3/index.html")
    assert head_link(first, "prev") is None
    assert head_link(first, "next") == "/digest/tags/alpha/page/2/"
    assert head_link(second, "prev") == "/digest/en/tags/alpha/"  # never page/1/
    assert head_link(second, "next") == "/digest/en/tags/alpha/page/3/"
    assert head_link(last, "next") is None
    pager = re.search(r'<nav class="pager list-pager".*?</nav>', second, re.S)[0]
    assert 'rel="prev" href="/digest/en/tags/alpha/"' in pager
    assert 'rel="next" href="/digest/en/tags/alpha/page/3/"' in pager
    assert 'href="/digest/en/tags/alpha/page/2/" aria-current="page"' in pager
    assert "<title>Tag: alpha, page 2 of 3 · Test Digest</title>" in second
    assert '<link rel="canonical" href="https://alice.github.io/digest/en/tags/alpha/page/2/">' \
        in second
    assert 'hreflang="zh" href="https://alice.github.io/digest/tags/alpha/page/2/"' in second
    one = long_site.page("tags/gamma/index.html")  # a list of one page has no pager
    assert "list-pager" not in one and head_link(one, "next") is None


def test_the_archive_is_cut_into_pages_and_the_first_lists_the_terms(long_site):
    first, second = long_site.page("archive/index.html"), long_site.page(
        "archive/page/2/index.html")
    issues = [re.findall(r'href="/digest/issues/([\d-]+)/"', page) for page in (first, second)]
    assert len(issues[0]) == ARCHIVE_PAGE_ISSUES
    assert len(issues[1]) == PAPERS - ARCHIVE_PAGE_ISSUES
    assert issues[0][0] > issues[0][-1] > issues[1][0]  # newest first, across pages
    assert "/digest/tags/alpha/" in first and "tags-heading" not in second
    assert head_link(second, "prev") == "/digest/archive/"


def test_every_page_is_in_the_sitemap_with_its_translations(long_site):
    sitemap = long_site.page("sitemap.xml")
    for rel in ("tags/alpha/page/2/", "tags/alpha/page/3/", "categories/cs.LG/page/3/",
                "archive/page/2/"):
        assert f"<loc>https://alice.github.io/digest/{rel}</loc>" in sitemap
        assert f"<loc>https://alice.github.io/digest/en/{rel}</loc>" in sitemap
        assert f'hreflang="en" href="https://alice.github.io/digest/en/{rel}"' in sitemap
    assert "page/1/" not in sitemap


def test_the_link_checker_accepts_every_page(long_site):
    result = CliRunner().invoke(main, ["check", "--config", str(long_site.config_path)])
    assert result.exit_code == 0, result.output
    assert "Every internal link and anchor resolves." in result.output


def test_edits_that_move_papers_between_pages_rebuild_as_a_cold_build(long_site, tmp_path):
    changed = rebuild_and_check(long_site, tmp_path)
    assert changed == set()
    edit_paper(long_site, "2403.10060", "Paper number 60", "Renamed paper 60")
    changed = rebuild_and_check(long_site, tmp_path)
    assert "en/tags/alpha/page/2/index.html" in changed  # the page that shows its row
    assert "en/tags/alpha/index.html" not in changed  # not the pages that do not
    long_site.paper("2403.10500.yaml", long_paper(PAPERS + 5))  # every page shifts by one
    changed = rebuild_and_check(long_site, tmp_path)
    assert "tags/alpha/page/3/index.html" in changed
    for n in (1, 3):  # the last page shrinks, the others shift back
        (long_site.root / f"content/papers/2403.{10000 + n}.yaml").unlink()
    changed = rebuild_and_check(long_site, tmp_path)
    assert "tags/alpha/page/3/index.html" in changed
