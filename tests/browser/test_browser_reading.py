"""Reading an issue and its papers: one language at a time as well as both, marks where a text is
not in the reader's language, tables and formulas, the 404 page, the way from paper to paper,
and what the page script keeps in the browser (folded abstracts, new papers, a reading list)."""

import pytest
import test_browser_accessibility as accessibility
from browser_site import PHONE, WIDE

axe_source = accessibility.axe_source  # the fixture, shared
violations = accessibility.violations

ISSUE = "issues/2024-03-22/"
NOTES = "papers/2405.00001/"


def choose(page, label: str) -> None:
    page.locator(".show-control label", has_text=label).click()


def style(page, selector: str, prop: str) -> str:
    return page.eval_on_selector(selector, f"e => getComputedStyle(e)[{prop!r}]")


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def visible_count(page, selector: str) -> int:
    return sum(1 for e in page.locator(selector).all() if e.is_visible())


# -- 1. one language shows its titles as titles ----------------------------------------------

def test_in_one_language_the_chosen_title_looks_like_a_title(open_page):
    page = open_page(ISSUE)
    zh_row = style(page, "#ref-1 .col-title [lang=zh]", "fontWeight"), \
        style(page, "#ref-1 .col-title [lang=zh]", "color")
    zh_head = style(page, "#item-1 h3 [lang=zh]", "fontSize")
    choose(page, "English")
    assert (style(page, "#ref-1 .col-title [lang=en]", "fontWeight"),
            style(page, "#ref-1 .col-title [lang=en]", "color")) == zh_row
    assert style(page, "#item-1 h3 [lang=en]", "fontSize") == zh_head
    number, title = box(page, "#item-1 h3 .backref"), box(page, "#item-1 h3 [lang=en]")
    assert abs(number["y"] - title["y"]) < 4, "the title follows its number on one line"

    page = open_page("en/papers/2403.14715/")
    size = style(page, "h1 [lang=en]", "fontSize")
    choose(page, "中文")
    assert style(page, "h1 [lang=zh]", "fontSize") == size
    assert style(page, "h1 [lang=zh]", "color") == style(page, "h1", "color")


# -- 2. marks on every text not in the reader's language, and only there ----------------------

def test_untranslated_marks_follow_the_language_the_reader_reads(open_page):
    page = open_page("papers/long-formulas-and-urls/")  # an English-only abstract, zh tree
    assert page.locator(".abstract[lang=en] .badge-untranslated").is_visible()
    page = open_page(NOTES)  # a Chinese-only review list, read in English
    choose(page, "English")  # (the full record is in the default tree only)
    assert page.locator(".review-motivation .badge-untranslated").is_visible()
    assert visible_count(page, ".abstracts .badge-untranslated") == 0  # both languages there

    page = open_page("en/" + ISSUE)
    tldr = "#ref-1 .col-tldr [lang=zh] .badge-untranslated"  # a Chinese-only summary
    assert page.locator(tldr).is_visible()
    choose(page, "中文")  # the reader reads Chinese now: nothing of it is untranslated
    assert not page.locator(tldr).is_visible()
    assert visible_count(page, "#ref-2 .badge-untranslated") == 0

    page = open_page(ISSUE)  # on the Chinese tree the Chinese summary is no stand-in
    assert not page.locator("#ref-1 .badge-untranslated").first.is_visible()
    choose(page, "English")  # but for a reader of English it is
    assert page.locator(tldr).is_visible()


# -- 3. no separator before the only abstract shown --------------------------------------------

def test_in_one_language_the_remaining_abstract_has_no_separator(open_page):
    page = open_page(ISSUE)
    assert style(page, "#item-1 .abstract[lang=en]", "borderTopStyle") == "dashed"
    choose(page, "English")
    assert style(page, "#item-1 .abstract[lang=en]", "borderTopStyle") == "none"
    page = open_page(NOTES)
    choose(page, "English")
    assert style(page, ".note[lang=en]", "borderTopStyle") == "none"


# -- 4. search results push the display control aside, not down ------------------------------

def test_search_results_leave_the_display_control_beside_the_box(open_page, expect):
    page = open_page("")
    before = box(page, ".show-control")
    page.locator("#search-q").fill("memorization")
    page.locator("#search-q").press("Enter")
    expect(page.locator(".search-results a").first).to_be_visible()
    after = box(page, ".show-control")
    assert abs(after["y"] - before["y"]) < 2
    assert after["y"] < box(page, ".search-results")["y"]


# -- 5. tables in notes ------------------------------------------------------------------------

@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["wide", "phone"])
def test_a_table_in_notes_has_ruled_cells_and_whole_numbers(open_page, viewport):
    page = open_page(NOTES, viewport=viewport)
    assert page.locator(".note .table-scroll > table").count() == 1
    assert style(page, ".note td", "borderTopStyle") == "solid"
    for text in ("0.012/3", "CIFAR-10", "ResNet-18"):
        cell = page.locator(".note :is(td, th)", has_text=text)
        one_line = cell.evaluate("""e => { const r = document.createRange();
            r.selectNodeContents(e); return r.getClientRects().length; }""")
        assert one_line == 1, f"{text} is split"
    assert page.eval_on_selector(".note .table-scroll", "e => e.getBoundingClientRect().right") \
        <= viewport["width"]


# -- 6. math -------------------------------------------------------------------------------

def test_formulas_space_operators_set_limits_and_keep_apart_from_chinese(open_page):
    page = open_page(NOTES)
    gap = page.eval_on_selector(".abstract[lang=en] math", """m => {
        const [name, arg] = [...m.querySelectorAll('mi')].slice(1, 3);
        return arg.getBoundingClientRect().left - name.getBoundingClientRect().right; }""")
    assert gap > 2, "log and its argument run together"
    sub = page.eval_on_selector(".note math[display=block]", """m => {
        const op = [...m.querySelectorAll('mo')].find(o => o.textContent === '∑');
        const under = op.nextElementSibling.getBoundingClientRect();
        return under.top - op.getBoundingClientRect().bottom; }""")
    assert sub > -2, "the limits of a sum in display math go under it"
    gap = page.eval_on_selector(".abstract[lang=zh] .math", """s => {
        const r = document.createRange(); const text = s.previousSibling;
        r.setStart(text, text.length - 1); r.setEnd(text, text.length);
        return s.querySelector('math').getBoundingClientRect().left - r.getBoundingClientRect().right; }""")
    assert gap > 2, "inline math touches the Chinese before it"


# -- 7. a note's own heading -----------------------------------------------------------------

# (Notes are on the paper's full record, in the default tree; the other trees' pages of a paper
# are brief ones.)
@pytest.mark.parametrize("rel, heading", [(NOTES, "笔记")])
def test_a_note_that_begins_with_its_heading_shows_it_once(open_page, rel, heading):
    page = open_page(rel)
    assert page.locator(".notes :is(h1, h2, h3, h4)", has_text=heading).count() == 1
    assert page.locator(".note[lang=zh]").inner_text().startswith("中文笔记")


# -- 8. the 404 page -------------------------------------------------------------------------

@pytest.fixture
def missing_page(browser, built_site, open_page):
    """``missing_page(rel, js=True)``: a path the site lacks, answered as GitHub Pages answers
    it, with the site's 404.html."""
    contexts = []

    def opener(rel: str, js: bool = True, scheme: str = "light", viewport=WIDE):
        context = browser.new_context(viewport=viewport, color_scheme=scheme,
                                      java_script_enabled=js)
        contexts.append(context)
        context.route("**/no/such/page/", lambda route: route.fulfill(
            path=built_site / "404.html", content_type="text/html; charset=utf-8"))
        return open_page(rel, context=context)

    yield opener
    for context in contexts:
        context.close()


@pytest.mark.parametrize("rel, lang, title, other", [
    ("en/no/such/page/", "en", "Page not found", "页面不存在"),
    ("no/such/page/", "zh", "页面不存在", "Page not found")])
def test_the_404_page_speaks_the_language_of_the_path(missing_page, expect, rel, lang, title,
                                                      other):
    page = missing_page(rel)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("h1")).to_have_text(title)
    assert page.get_by_text(other).count() == 0
    assert page.locator("[aria-current]").count() == 0
    assert page.locator(".show-control, .lang-switch").count() == 0
    home = page.locator(".site-nav a").first.get_attribute("href")
    assert home == ("/digest/en/" if lang == "en" else "/digest/")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["wide", "phone"])
def test_the_english_404_page_is_accessible(missing_page, axe_source, scheme, viewport):
    page = missing_page("en/no/such/page/", scheme=scheme, viewport=viewport)
    assert violations(page, axe_source) == []


def test_without_javascript_the_404_page_shows_both_languages(missing_page):
    page = missing_page("en/no/such/page/", js=False)
    assert page.get_by_text("Page not found").is_visible()
    assert page.get_by_text("页面不存在").is_visible()
    assert page.get_by_text("The archive lists every issue").is_visible()
    assert page.locator("[aria-current]").count() == 0


# -- 9. authors and tags in an issue's details -----------------------------------------------

def test_issue_details_show_authors_and_tags(open_page):
    page = open_page(ISSUE)
    assert "Guoxuan Xia" in page.locator("#item-1 .authors").inner_text()
    tags = page.locator("#item-1 .tags a")
    assert tags.all_inner_texts() == ["#label-smoothing", "#uncertainty"]
    assert tags.first.get_attribute("href") == "/digest/tags/label-smoothing/"


# -- 10. from paper to paper -----------------------------------------------------------------

def test_a_paper_page_leads_to_its_neighbours_and_back_to_its_row(open_page, expect):
    page = open_page("papers/2310.02664/")
    expect(page.locator("a[rel=prev]")).to_have_attribute("href", "/digest/papers/2403.14715/")
    expect(page.locator("a[rel=next]")).to_have_attribute(
        "href", "/digest/papers/long-formulas-and-urls/")
    page.locator("a[rel=next]").click()
    expect(page).to_have_url(page.url.split("/digest/")[0] + "/digest/papers/long-formulas-and-urls/")
    page.locator(".pager .up").click()
    expect(page).to_have_url(page.url.split("/digest/")[0] + "/digest/" + ISSUE + "#ref-3")
    assert page.locator("#ref-3").evaluate("e => e.getBoundingClientRect().top < innerHeight")
    page = open_page("papers/2403.14715/")  # the first has no previous paper
    assert page.locator("a[rel=prev]").count() == 0
    assert page.locator(".meta a", has_text="论文速递").get_attribute("href").endswith("#ref-1")


# -- 11. folding abstracts -------------------------------------------------------------------

def test_a_reader_folds_abstracts_and_the_choice_is_remembered(open_page, expect):
    page = open_page(ISSUE)
    fold = page.locator("button.fold")
    expect(fold).to_have_attribute("aria-pressed", "false")
    tall = page.evaluate("document.documentElement.scrollHeight")
    fold.click()
    expect(page.locator("#item-1 .abstracts")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollHeight") < tall
    page.goto(page.url.replace(ISSUE, "en/" + ISSUE))  # another page, the same choice
    expect(page.locator("#item-1 .abstracts")).to_be_hidden()
    expect(page.locator("button.fold")).to_have_attribute("aria-pressed", "true")
    page.locator("button.fold").click()
    expect(page.locator("#item-1 .abstracts")).to_be_visible()


def test_without_javascript_abstracts_show_and_nothing_offers_to_fold(open_page):
    page = open_page(ISSUE, js=False)
    assert page.locator("#item-1 .abstracts").is_visible()
    assert visible_count(page, "button") == 0


# -- 12. copy ------------------------------------------------------------------------------

def test_links_say_where_they_lead_and_dates_show_once(open_page):
    page = open_page(ISSUE)
    assert page.locator("#item-1 .link-abs").inner_text() == "arXiv"
    assert page.locator("#item-3 .link-abs").inner_text() == "example.org"
    page = open_page(NOTES)
    link = page.locator(".link-abs")
    assert link.inner_text() == "arXiv"
    assert link.get_attribute("href") == "https://arxiv.org/abs/2405.00001"
    page = open_page("")
    card = page.locator(".issue-card", has=page.locator("h2", has_text="2024年3月21日"))
    assert card.inner_text().count("2024年3月21日") == 1
    page = open_page("en/" + NOTES)  # a paper of an issue titled by its date
    assert page.locator(".paper-header").inner_text().count("March 21, 2024") == 1
    assert page.locator(".meta a", has_text="March 21, 2024").get_attribute("href") == \
        "/digest/en/issues/2024-03-21/#ref-1"


# -- what the best paper sites give readers ---------------------------------------------------

def test_authors_link_to_arxiv_author_search_and_new_papers_to_arxiv_html(open_page):
    page = open_page("papers/2403.14715/")
    author = page.locator(".authors a", has_text="Guoxuan Xia")
    assert author.get_attribute("href") == \
        "https://arxiv.org/search/?searchtype=author&query=Guoxuan+Xia"
    assert page.locator(".link-html").get_attribute("href") == \
        "https://arxiv.org/html/2403.14715"
    page = open_page("papers/2310.02664/")  # from before December 2023: no HTML version
    assert page.locator(".link-html").count() == 0


def in_view(page, selector: str) -> bool:
    return page.eval_on_selector(selector, """e => { const r = e.getBoundingClientRect();
        return r.top >= -1 && r.top < innerHeight; }""")


def test_keys_move_between_papers_search_and_show_help(open_page, expect):
    page = open_page(ISSUE)
    page.keyboard.press("j")
    expect(page.locator("#item-1")).to_have_class("detail is-current")
    assert in_view(page, "#item-1")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(page.locator(".is-current")).to_have_id("item-2")
    assert in_view(page, "#item-2")
    page.keyboard.press("s")  # stars the current paper
    expect(page.locator("#item-2 .star")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("?")
    help_box = page.locator("dialog.keys-help")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("下一篇论文")
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search-q"
    page.keyboard.type("jk")  # typed into the box, not taken as keys
    assert page.locator("#search-q").input_value() == "jk"


def test_on_a_paper_page_keys_lead_to_the_next_and_previous_paper(open_page, expect):
    page = open_page("papers/2310.02664/")
    page.keyboard.press("j")
    expect(page).to_have_url(page.url.split("/digest/")[0] + "/digest/papers/long-formulas-and-urls/")
    page.keyboard.press("k")
    expect(page).to_have_url(page.url.split("/digest/")[0] + "/digest/papers/2310.02664/")
    page.keyboard.press("k")
    expect(page).to_have_url(page.url.split("/digest/")[0] + "/digest/papers/2403.14715/")
    page.keyboard.press("s")
    expect(page.locator(".star-line .star")).to_have_attribute("aria-pressed", "true")


def test_papers_new_since_the_last_visit_are_marked(open_page):
    page = open_page(ISSUE)
    assert page.locator(".badge-new").count() == 0  # a first visit: nothing to compare with
    page.evaluate("""() => { const seen = JSON.parse(localStorage.getItem('digest-seen'));
        localStorage.setItem('digest-seen', JSON.stringify(
            seen.filter(p => p !== 'papers/2310.02664/'))); }""")
    page.reload()
    assert page.locator(".badge-new").count() == 1
    assert page.locator("#item-2 .badge-new").is_visible()
    page.reload()  # seen now
    assert page.locator(".badge-new").count() == 0
    page.goto(page.url.replace(ISSUE, "tags/memorization/"))
    new = page.locator(".paper-item:has(.badge-new) .paper-title")
    assert new.count() == 1  # c-score: on no page read before
    assert "探索深度学习" in new.inner_text()


def test_a_starred_paper_is_on_the_reading_list_until_unstarred(open_page, expect):
    page = open_page(ISSUE)
    page.locator("#item-1 .star").click()
    expect(page.locator("#item-1 .star")).to_have_attribute("aria-pressed", "true")
    page.goto(page.url.replace(ISSUE, "en/reading-list/"))
    entry = page.locator(".reading-list a")
    expect(entry).to_have_text("理解为何标签平滑会降低选择性分类的效果以及如何解决这个问题")
    assert entry.get_attribute("href") == "/digest/en/papers/2403.14715/"
    entry.click()
    expect(page.locator(".star-line .star")).to_have_attribute("aria-pressed", "true")
    page.go_back()
    page.locator(".reading-list .star").click()
    expect(page.locator(".reading-list a")).to_have_count(0)
    expect(page.locator(".reading-empty")).to_be_visible()


def test_without_javascript_the_reading_list_says_what_it_needs(open_page):
    page = open_page("en/reading-list/", js=False)
    assert page.get_by_text("needs JavaScript").is_visible()
    assert not page.locator(".reading").is_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["wide", "phone"])
def test_axe_finds_nothing_in_what_the_page_script_adds(open_page, axe_source, scheme, viewport):
    page = open_page(ISSUE, viewport=viewport, scheme=scheme)
    page.evaluate("localStorage.setItem('digest-seen', '[]')")  # every paper new
    page.reload()
    page.locator("#item-2 .star").click()
    page.locator("button.fold").click()
    page.keyboard.press("j")
    assert page.locator(".badge-new").count() == 4
    assert violations(page, axe_source) == []
    page.keyboard.press("?")
    assert violations(page, axe_source) == []
    page = open_page("en/reading-list/", viewport=viewport, scheme=scheme, context=page.context)
    assert page.locator(".reading-list a").count() == 1
    assert violations(page, axe_source) == []
