"""The Cite box in the browser: the copy button puts the BibTeX entry on the clipboard; without
JavaScript there is no dead button, and the .bib link serves the entry."""

from browser_site import WIDE

PAPER = "papers/2403.14715/"


def test_the_copy_button_copies_the_entry(browser, open_page, base_url, expect):
    context = browser.new_context(viewport=WIDE, reduced_motion="reduce")
    origin = base_url.split("/digest")[0]
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    try:
        page = open_page(PAPER, context=context)
        button = page.locator(".cite-section button.copy-bib")
        expect(button).to_be_visible()
        button.click()
        expect(button).to_have_text("已复制")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith("@misc{") or copied.startswith("@article{")
        assert copied == page.locator("#bibtex-entry").text_content()
    finally:
        context.close()


def test_without_javascript_the_bib_link_serves_the_entry(open_page, expect):
    page = open_page(PAPER, js=False)
    expect(page.locator(".cite-section button.copy-bib")).to_be_hidden()
    entry = page.locator("#bibtex-entry").text_content()
    link = page.locator(".cite-section a[type='application/x-bibtex']")
    response = page.request.get(page.url.split(PAPER)[0] + PAPER + "cite.bib")
    assert link.get_attribute("href").endswith(PAPER + "cite.bib")
    assert response.ok and response.text() == entry


def test_an_issue_cite_box_shows_and_copies_the_entry_it_fetches(browser, open_page, base_url,
                                                                 expect):
    context = browser.new_context(viewport=WIDE, reduced_motion="reduce")
    origin = base_url.split("/digest")[0]
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    try:
        page = open_page("issues/2024-03-22/", context=context)
        box = page.locator("#item-1 details.cite")
        box.locator("summary").click()
        entry = box.locator("pre.bibtex")
        expect(entry).to_be_visible()
        href = box.locator("a[type='application/x-bibtex']").get_attribute("href")
        served = page.request.get(origin + href).text()
        expect(entry).to_have_text(served)
        button = box.locator("button.copy-bib")
        button.click()
        expect(button).to_have_text("已复制")
        assert page.evaluate("navigator.clipboard.readText()") == served
    finally:
        context.close()
