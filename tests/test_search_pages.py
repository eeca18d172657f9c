"""What the index reads of a paper's page (search/pages.py)."""

from digestgen.search.pages import page_terms, page_text, page_titles

PAGE = """<!DOCTYPE html><html><head>
<meta data-search-title="en" content="Feature visualisation">
<meta data-search-title="zh" content="特征可视化"></head><body><header>Site menu</header>
<article class="paper" data-search-body>
<h1>Feature <em>visualisation</em> &amp; 特征可视化</h1>
<p class="meta" data-search-ignore><a href="/x">2024-03-01</a></p>
<section class="abstracts"><p>We study <b>calibration</b>.</p>
<section class="cite-section" data-search-ignore><h2>Cite</h2>
<section><pre>@article{x}</pre></section><p>https://doi.org/1</p></section>
<p>Then more.</p></section>
</article><footer>Footer</footer></body></html>"""


def test_the_text_is_the_articles_without_the_parts_marked_ignored():
    assert page_text(PAGE) == "Feature visualisation & 特征可视化 We study calibration . Then more."


def test_nested_elements_of_an_ignored_ones_name_are_skipped_with_it():
    assert "doi" not in page_text(PAGE) and "Then more." in page_text(PAGE)


def test_a_pages_terms_are_its_texts():
    found = page_terms(PAGE)
    assert {"featur", "visualisat", "特征", "可视", "calibrat"} <= found
    assert not {"site", "menu", "footer", "cite", "2024"} & found


def test_a_pages_titles_are_its_terms_again_marked():
    found = page_terms(PAGE)
    assert {term for term in found if term.startswith("^")} == {
        "^featur", "^visualisat", "^特征", "^征可", "^可视", "^视化"}
    assert page_titles(PAGE) == {"en": "Feature visualisation", "zh": "特征可视化"}


def test_the_pager_between_papers_and_scripts_are_not_the_papers_text():
    page = PAGE.replace("<p>Then more.</p>", "<nav><a href='/n'>Next: 标签平滑</a></nav>"
                        "<script>var x = 1;</script><p>Then more.</p>")
    assert page_text(page) == page_text(PAGE)
