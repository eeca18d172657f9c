"""An issue page in the browser: footnote jumps and back, the table on a phone, math and long
text that must not break the layout."""

import pytest

from browser_site import PHONE, WIDE

ISSUE = "issues/2024-03-22/"
EVERY_PAGE_TYPE = ["", ISSUE, "papers/2403.14715/", "papers/long-formulas-and-urls/",
                   "papers/c-score/", "tags/memorization/", "categories/cs.LG/", "archive/",
                   "en/", "en/issues/2024-03-22/", "404.html"]


def in_viewport(page, selector: str) -> bool:
    return page.eval_on_selector(selector, """e => { const r = e.getBoundingClientRect();
        return r.top >= -1 && r.top < innerHeight && r.left >= 0 && r.right <= innerWidth + 1; }""")


def highlighted(page, selector: str) -> bool:
    """The element (or its first cell) is painted differently from the page background."""
    return page.eval_on_selector(selector, """e => {
        const bg = x => getComputedStyle(x).backgroundColor;
        const page = bg(document.documentElement);
        const own = e.matches(':target') ? [e, ...e.children] : [];
        return own.some(x => bg(x) !== page && bg(x) !== 'rgba(0, 0, 0, 0)'); }""")


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["wide", "phone"])
def test_a_row_title_jumps_to_its_details_and_the_back_link_returns(open_page, expect, viewport):
    page = open_page(ISSUE, viewport=viewport)
    page.locator("#ref-2 .col-title a").click()
    expect(page).to_have_url(page.url.split("#")[0] + "#item-2")
    assert in_viewport(page, "#item-2")
    assert highlighted(page, "#item-2")
    assert not highlighted(page, "#item-1")
    expect(page.locator("#item-2 h3")).to_contain_text("关于扩散模型记忆化的研究")

    page.locator("#item-2 .detail-foot .backref").click()
    expect(page).to_have_url(page.url.split("#")[0] + "#ref-2")
    assert in_viewport(page, "#ref-2")
    assert highlighted(page, "#ref-2")
    assert not highlighted(page, "#item-2")

    page.locator("#ref-4 .ref").click()  # the number works as well as the title
    expect(page).to_have_url(page.url.split("#")[0] + "#item-4")
    page.locator("#item-4 h3 .backref").click()  # and so does the number in the heading
    expect(page).to_have_url(page.url.split("#")[0] + "#ref-4")
    assert in_viewport(page, "#ref-4")


def test_a_footnote_link_in_an_intro_on_the_home_page_opens_the_issue_at_that_paper(open_page,
                                                                                  expect):
    page = open_page("")
    page.locator(".issue-card .intro a", has_text="第 4 篇").click()
    expect(page).to_have_url(page.url.split("/digest/")[0] + "/digest/" + ISSUE + "#item-4")
    assert in_viewport(page, "#item-4")
    assert highlighted(page, "#item-4")

    page.locator(".intro a", has_text="第 4 篇").click()  # on the issue page itself as well
    expect(page).to_have_url(page.url.split("#")[0] + "#item-4")


def test_the_summary_table_reads_as_one_block_per_paper_on_a_phone(open_page):
    page = open_page(ISSUE, viewport=PHONE)
    for n in range(1, 5):
        title = page.locator(f"#ref-{n} .col-title a")
        box = title.bounding_box()
        assert box["width"] > 200, "a title needs most of the width to be readable"
        assert box["x"] + box["width"] <= PHONE["width"]
        assert box["height"] >= 24, "a tap target"
        summary = page.locator(f"#ref-{n} .col-tldr").bounding_box()
        assert summary["y"] >= box["y"] + box["height"] - 1, "the summary sits under its title"
    assert page.eval_on_selector(".table-scroll", "e => e.scrollWidth <= e.clientWidth"), \
        "the table fits the phone without sideways scrolling"
    # The column headers stay in the table for screen readers.
    assert page.locator("thead th").count() == 3


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["wide", "phone"])
@pytest.mark.parametrize("rel", EVERY_PAGE_TYPE)
def test_nothing_is_wider_than_the_screen(open_page, rel, viewport):
    page = open_page(rel, viewport=viewport)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{rel} is {width}px wide"


def test_math_is_rendered_and_long_formulas_scroll_inside_their_line(open_page):
    page = open_page("papers/long-formulas-and-urls/", viewport=PHONE)
    display = page.locator('math[display="block"]').first
    box = display.bounding_box()
    assert box["height"] > 30, "a displayed sum with limits is taller than a line of text"
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    scroll = display.evaluate("m => [m.scrollWidth, m.clientWidth]")
    assert scroll[0] > scroll[1], "the formula is wider than the phone, so it scrolls"
    # Inline math keeps its layout: a subscript is set smaller than its base letter.
    sizes = page.locator(".tldr msub").first.evaluate(
        "m => [...m.children].map(c => parseFloat(getComputedStyle(c).fontSize))")
    assert sizes[1] < sizes[0]
    # Math in the Chinese abstract of another paper is real MathML, not TeX source.
    page = open_page("papers/2403.14715/")
    assert page.locator('.abstract[lang="zh"] math').count() == 1
    assert "$p_e$" not in page.locator("main").inner_text()


def test_long_urls_and_words_wrap(open_page):
    page = open_page("issues/2024-03-22/", viewport=PHONE)
    link = page.locator("#item-3 .abstract p", has_text="bare URL")
    box = link.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"] and box["height"] > 40  # several lines
    heading = page.locator("#item-3 h3").bounding_box()
    assert heading["x"] + heading["width"] <= PHONE["width"]
