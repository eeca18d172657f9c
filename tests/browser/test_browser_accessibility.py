"""Accessibility: axe-core finds nothing on any page type, in both colour schemes, on a phone and
on a wide screen; the skip link, focus, landmarks and heading order work for keyboard and
screen-reader users."""

from pathlib import Path

import pytest

from browser_site import PHONE, WIDE

PAGES = {"home": "", "issue": "issues/2024-03-22/", "paper": "papers/c-score/",
         "paper-math": "papers/long-formulas-and-urls/", "tag": "tags/memorization/",
         "category": "categories/cs.LG/", "archive": "archive/", "english-issue":
         "en/issues/2024-03-22/", "not-found": "404.html",
         "notes": "papers/2405.00001/", "english-brief-paper": "en/papers/2405.00001/",
         "reading-list": "reading-list/",
         "english-reading-list": "en/reading-list/", "stats": "stats/",
         "english-stats": "en/stats/"}


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core, as shipped inside the axe-playwright-python package (see pyproject.toml)."""
    try:
        import axe_playwright_python
    except ImportError:
        pytest.skip("axe-core is missing: pip install -e '.[test]' (axe-playwright-python)")
    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text("utf-8")


def violations(page, axe_source: str) -> list[str]:
    page.evaluate(axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            for v in result["violations"]]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["wide", "phone"])
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_violations(open_page, axe_source, name, viewport, scheme):
    page = open_page(PAGES[name], viewport=viewport, scheme=scheme)
    assert violations(page, axe_source) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_in_highlights_results_and_one_language(open_page, axe_source,
                                                                         scheme):
    page = open_page(PAGES["issue"] + "#item-1", scheme=scheme)  # the highlighted target
    page.locator(".show-control label", has_text="English").click()
    assert violations(page, axe_source) == []
    page = open_page(PAGES["issue"] + "#ref-2", viewport=PHONE, scheme=scheme)
    assert violations(page, axe_source) == []
    page = open_page("archive/?q=扩散模型", scheme=scheme)  # search results with marks
    page.locator(".search-results a").first.wait_for()
    assert violations(page, axe_source) == []


def test_the_skip_link_is_first_visible_on_focus_and_leads_to_the_content(open_page):
    page = open_page(PAGES["issue"])
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("e => e === document.activeElement")
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["x"] >= 0, "visible when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null"), \
        "the next Tab is inside the content, past the header"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_focused_control_shows_a_focus_ring(open_page, scheme):
    page = open_page(PAGES["issue"], scheme=scheme)
    seen = set()
    for _ in range(14):
        page.keyboard.press("Tab")
        ring = page.evaluate("""() => {
            let e = document.activeElement;
            if (e.type === 'radio') e = document.querySelector(`label[for="${e.id}"]`);
            const s = getComputedStyle(e);
            return [e.tagName + (e.id ? '#' + e.id : '') + ' ' + e.textContent.trim().slice(0, 20),
                    s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2]; }""")
        seen.add(ring[0])
        assert ring[1], f"no visible focus on {ring[0]}"
    assert any("show-" in name or name.startswith("LABEL") for name in seen), seen
    assert any(name.startswith("INPUT#search-q") for name in seen), seen


@pytest.mark.parametrize("name", PAGES)
def test_landmarks_and_headings_in_order(open_page, name):
    page = open_page(PAGES[name], js=False)
    for landmark in ("header.site-header", "nav", "main#main", "footer.site-footer"):
        assert page.locator(landmark).count() >= 1, landmark
    levels = page.evaluate(
        "[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])")
    assert levels[0] == 1 and levels.count(1) == 1, levels
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels
    for table in page.locator("table").all():
        assert table.locator("thead th[scope=col]").count() >= 2
