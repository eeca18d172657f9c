"""Long lists in pages, as a reader goes through them: the pager below a tag's papers leads from
page to page (with and without JavaScript, on a phone and a wide screen), and axe-core finds
nothing on those pages in either colour scheme."""

import pytest
from browser_site import PHONE, WIDE, serve
from click.testing import CliRunner
from test_browser_accessibility import axe_source, violations  # noqa: F401 (a fixture)

from digestgen.cli import main
from test_pagination import CONFIG, PAPERS, long_paper


@pytest.fixture(scope="module")
def long_site(tmp_path_factory):
    """A site whose tag alpha has three pages, and its archive two; served like the demo."""
    root = tmp_path_factory.mktemp("long-site")
    (root / "digestgen.yaml").write_text(CONFIG, encoding="utf-8")
    (root / "content/papers").mkdir(parents=True)
    for n in range(PAPERS):
        (root / f"content/papers/2403.{10000 + n}.yaml").write_text(long_paper(n), "utf-8")
    result = CliRunner().invoke(main, ["build", "--config", str(root / "digestgen.yaml"), "-q"])
    assert result.exit_code == 0, result.output
    server, url = serve(root / "site")
    yield url
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["wide", "phone"])
def test_the_pager_leads_through_a_tags_pages(open_page, expect, long_site, viewport, js):
    page = open_page(long_site + "en/tags/alpha/", viewport=viewport, js=js)
    pager = page.locator("nav.list-pager")
    expect(pager).to_be_visible()
    expect(pager.locator("[aria-current=page]")).to_have_text("1")
    assert pager.locator("a[rel=prev]").count() == 0
    pager.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(long_site + "en/tags/alpha/page/2/")
    expect(page).to_have_title("Tag: alpha, page 2 of 3 · Test Digest")
    expect(page.locator(".paper-list > li")).to_have_count(50)
    pager.get_by_role("link", name="Page 3").click()
    expect(page).to_have_url(long_site + "en/tags/alpha/page/3/")
    assert pager.locator("a[rel=next]").count() == 0
    assert pager.locator("a[rel=prev]").bounding_box()["width"] > 0
    pager.locator("a[rel=prev]").click()
    expect(page).to_have_url(long_site + "en/tags/alpha/page/2/")
    # The page fits the screen: the pager does not widen it.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["wide", "phone"])
@pytest.mark.parametrize("rel", ["tags/alpha/page/2/", "archive/page/2/",
                                 "en/categories/cs.LG/page/3/"])
def test_axe_finds_no_violations_on_pages_of_lists(open_page, axe_source, long_site, rel,
                                                   viewport, scheme):
    page = open_page(long_site + rel, viewport=viewport, scheme=scheme)
    assert violations(page, axe_source) == []
