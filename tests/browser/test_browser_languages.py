"""Two languages on one page: the UI language switch and the language display control."""

import pytest

from browser_site import PHONE, WIDE

ISSUE = "issues/2024-03-22/"
ZH_ABSTRACT = '#item-1 .abstract[lang="zh"]'
EN_ABSTRACT = '#item-1 .abstract[lang="en"]'


def visible(page, selector: str) -> bool:
    return page.locator(selector).first.is_visible()


def choose(page, label: str) -> None:
    page.locator(".show-control label", has_text=label).click()


def test_the_ui_language_switch_keeps_the_reader_on_the_same_issue_and_place(open_page, expect):
    page = open_page(ISSUE + "#item-2")
    page.locator(".lang-switch a", has_text="English").click()
    expect(page).to_have_url(page.url.split("/digest/")[0] + "/digest/en/" + ISSUE + "#item-2")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".site-nav")).to_contain_text("Archive")
    expect(page.locator("#item-2 h3")).to_contain_text("On Memorization in Diffusion Models")
    page.locator(".lang-switch a", has_text="中文").click()
    expect(page).to_have_url(page.url.split("/digest/")[0] + "/digest/" + ISSUE + "#item-2")


def test_the_ui_language_switch_keeps_the_reader_on_the_same_paper(open_page, expect):
    page = open_page("papers/c-score/")
    page.locator(".lang-switch a", has_text="English").click()
    expect(page).to_have_url(page.url.split("/digest/")[0] + "/digest/en/papers/c-score/")
    expect(page.locator("h1 span").first).to_have_text(
        "Exploring the Memorization-Generalization Continuum in Deep Learning")


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["wide", "phone"])
def test_the_display_control_shows_both_one_or_the_other_language(open_page, viewport):
    page = open_page(ISSUE, viewport=viewport)
    assert page.locator("#show-both").is_checked()
    assert visible(page, ZH_ABSTRACT) and visible(page, EN_ABSTRACT)
    assert visible(page, '#ref-1 .title-other[lang="en"]')

    choose(page, "中文")
    assert visible(page, ZH_ABSTRACT) and not visible(page, EN_ABSTRACT)
    assert not visible(page, '#ref-1 .title-other[lang="en"]')
    assert not visible(page, '#item-1 .title-other[lang="en"]')
    # A text that exists only in English is never hidden: it is all there is.
    assert visible(page, '#ref-3 .col-title [lang="en"]')
    assert visible(page, '#item-3 .abstract[lang="en"]')
    # Nor is the interface.
    assert visible(page, ".site-nav") and visible(page, "#item-1 .detail-foot")

    choose(page, "English")
    assert not visible(page, ZH_ABSTRACT) and visible(page, EN_ABSTRACT)
    assert visible(page, '#item-1 .title-other[lang="en"]')
    assert not visible(page, '#item-1 h3 span[lang="zh"]')
    assert visible(page, "#item-1 h3 .backref"), "the heading keeps its way back to the table"
    # The summary of 2403.14715 exists only in Chinese: it stays.
    assert visible(page, '#ref-1 .col-tldr [lang="zh"]')

    choose(page, "双语")
    assert visible(page, ZH_ABSTRACT) and visible(page, EN_ABSTRACT)


def test_the_display_choice_is_remembered_across_pages_and_ui_languages(open_page, expect):
    page = open_page(ISSUE)
    choose(page, "English")
    page.reload()
    assert page.locator("#show-en").is_checked()
    assert not visible(page, ZH_ABSTRACT)
    page.locator(".lang-switch a", has_text="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.locator("#show-en").is_checked() and not visible(page, ZH_ABSTRACT)
    # On the English page that summary is marked untranslated, and still shown.
    assert visible(page, '#ref-1 .col-tldr [lang="zh"].untranslated')
    # The paper's full record (in the default tree, the only one holding its review and
    # notes) shows the English the reader chose on the English pages.
    page.goto(page.url.split("/digest/")[0] + "/digest/papers/c-score/")
    assert not visible(page, '.review [lang="zh"]') and visible(page, '.review [lang="en"]')
    assert not visible(page, '.note[lang="zh"]') and visible(page, '.note[lang="en"]')
    # A new visit (another browser profile) starts with both.
    fresh = open_page(ISSUE)
    assert fresh.locator("#show-both").is_checked() and visible(fresh, ZH_ABSTRACT)


def test_without_javascript_both_languages_show_and_the_control_still_works(open_page):
    page = open_page(ISSUE, js=False)
    assert visible(page, ZH_ABSTRACT) and visible(page, EN_ABSTRACT)
    assert page.locator("html").get_attribute("data-show") is None
    choose(page, "中文")
    assert visible(page, ZH_ABSTRACT) and not visible(page, EN_ABSTRACT)
    choose(page, "双语")
    assert visible(page, EN_ABSTRACT)
    # Every link still works: the table row leads to its details.
    page.locator("#ref-1 .col-title a").click()
    assert page.url.endswith("#item-1")
