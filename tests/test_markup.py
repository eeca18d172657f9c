"""Markdown and math: rendered at build time, safe whatever the text says."""

from digestgen.pages.markup import Markdown, render_math, render_title


def test_inline_and_display_math_become_mathml():
    html = Markdown().block("Loss $L_1$ and\n\n$$\\frac{a}{b}$$\n")
    assert '<span class="math inline"><math' in html and "<msub><mi>L</mi><mn>1</mn></msub>" in html
    assert '<div class="math block">' in html and "<mfrac>" in html


def test_math_inside_a_table_cell_keeps_the_table():
    html = Markdown().block("| a | b |\n|---|---|\n| $H<1/\\alpha$ | x |\n")
    assert "<td><span class=\"math inline\"><math" in html
    assert "<mo>&lt;</mo>" in html and "<td>x</td>" in html


def test_a_formula_that_cannot_be_rendered_shows_its_source():
    assert render_math("\\frac{") == '<code class="math-error">$\\frac{$</code>'
    assert render_math("\\nosuchcommand{x}") == \
        '<code class="math-error">$\\nosuchcommand{x}$</code>'


def test_dollar_amounts_are_not_math():
    assert Markdown().block("It costs $5 and $10.") == "<p>It costs $5 and $10.</p>\n"


def test_javascript_links_are_refused_and_raw_html_is_escaped_by_default():
    html = Markdown().block("[x](javascript:alert(1)) <img src=x onerror=alert(1)>")
    assert "<a" not in html and "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_raw_html_when_allowed_is_sanitised():
    html = Markdown(allow_html=True).block(
        '<b>bold</b> <img src="x" onerror="alert(1)"> <script>alert(1)</script>'
        ' <a href="javascript:alert(1)">j</a>')
    assert "<b>bold</b>" in html
    assert "onerror" not in html and "<script" not in html and "javascript:" not in html


def test_math_cannot_smuggle_markup():
    html = render_math("\\text{<script>alert(1)</script>}")
    assert "<script" not in html
    assert "href" not in render_math("\\href{javascript:alert(1)}{x}")


def test_titles_are_escaped_text_with_math():
    html = render_title("Bounds for $H<1/\\alpha$ <script> & *stars*")
    assert html.startswith("Bounds for <math")
    assert html.endswith(" &lt;script&gt; &amp; *stars*")


def test_footnote_ids_carry_the_document_id():
    html = Markdown().block("See[^1].\n\n[^1]: There.\n", "p1-notes")
    assert 'id="fn-p1-notes-1"' in html and 'href="#fnref-p1-notes-1"' in html


def test_function_names_are_followed_by_a_thin_space_and_display_limits_go_under():
    log = render_math(r"n\log n")
    assert '<mi>log</mi><mo lspace="0" rspace="0.1667em">\u2061</mo><mi>n</mi>' in log
    assert "\u2061" not in render_math(r"\log_2 n + x_{ab}")  # scripts stay as they are
    fenced = render_math(r"\left[\sum_{i=1}^{n} x_i\right]", display=True)
    assert "<munderover><mo>∑</mo>" in fenced and "msubsup" not in fenced
    assert "<msubsup><mo>∑</mo>" in render_math(r"\left[\sum_{i=1}^{n} x_i\right]")  # inline


def test_a_table_scrolls_in_its_own_box_and_names_its_columns():
    for allow_html in (False, True):
        html = Markdown(allow_html).block("| a | b |\n|---|---|\n| 1 | 2 |\n")
        assert html.startswith('<div class="table-scroll"><table>')
        assert '<th scope="col">a</th>' in html and html.rstrip().endswith("</table>\n</div>")


def test_a_renderer_keeps_only_its_recent_texts_and_renders_an_old_one_the_same_again():
    from digestgen.pages.markup import TEXTS_KEPT

    markdown = Markdown()
    first = markdown.block("The *first* text, with $x^2$.")
    for n in range(TEXTS_KEPT + 10):
        markdown.block(f"Text number {n}.")
    # A large site's build does not hold every text it rendered to its end.
    assert markdown.block.cache_info().currsize == TEXTS_KEPT
    assert markdown.block("The *first* text, with $x^2$.") == first
    assert "<em>first</em>" in first and "<msup>" in first
