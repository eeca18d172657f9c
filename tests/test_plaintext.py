"""The plain-prose fast path renders exactly what markdown-it renders, for any text."""

from hypothesis import example, given, settings
from hypothesis import strategies as st

from digestgen.pages.markup import Markdown
from digestgen.pages.plaintext import FastMarkdown

# Texts built from the pieces that decide how Markdown reads prose: words in both scripts,
# every ASCII punctuation mark, spaces of several kinds, and line breaks.
PIECES = st.sampled_from([
    "word", "Label", "smoothing", "标签平滑", "（测试）", "：", "。", "3", "10", "2024.", "1)",
    " ", "  ", "    ", "\n", "\n\n", "\n\n\n", "\t", "\u3000", "\u00a0", "\u2028", "\r",
    *"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    "---", "===", "***", "```", "> ", "- ", "+ ", "* ", "# ", "<b>", "&amp;", "$x$", "[^1]",
])
TEXTS = st.lists(PIECES, max_size=24).map("".join)
# Texts that are plain or nearly so, where a wrong fast path would show.
NEAR_PLAIN = st.lists(st.sampled_from(["word", "中文", " ", "  ", "\n", "\n\n", "-", "+", "=",
                                        "1", "1.", '"', "'", "(", ")", ":", "%", "@", "^"]),
                      max_size=16).map("".join)
PROSE = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(TEXTS, NEAR_PLAIN, PROSE), st.booleans())
@example("Abstract one.\n\nAbstract two \"quoted\".\n", False)
@example("a\n   b", False)
@example("x\u3000", False)
def test_fast_path_output_equals_markdown_it(text, allow_html):
    slow, fast = Markdown(allow_html), FastMarkdown(allow_html)
    assert fast.block(text, "doc") == slow.block(text, "doc")
    assert fast.inline(text) == slow.inline(text)


def test_plain_prose_takes_the_fast_path():
    fast = FastMarkdown()
    fast.md = None  # markdown-it is not reachable: plain prose must not need it
    assert fast.block('We show "X" works.\nNext line.\n\n第二段。\n') == \
        '<p>We show &quot;X&quot; works.\nNext line.</p>\n<p>第二段。</p>\n'
    assert fast.inline(" It's 50% faster (a-b). ") == "It's 50% faster (a-b)."


def test_what_another_process_rendered_is_used_as_it_is_and_kept_as_new():
    elsewhere = FastMarkdown()
    html = elsewhere.block("Some *emphasis*[^1].\n\n[^1]: A note.\n", "p-abstract")
    here = FastMarkdown()
    here.adopt(elsewhere.learned)
    here.md = None  # markdown-it is not reachable: the text must not be rendered again
    assert here.block("Some *emphasis*[^1].\n\n[^1]: A note.\n", "p-abstract") == html
    assert here.learned == elsewhere.learned  # a build keeps it for the next as its own


def test_an_edited_text_reuses_the_formulas_an_earlier_build_rendered(monkeypatch):
    from digestgen.pages import markup

    before = "Loss $L_1$ bounds $$\\sum_i x_i$$ here.\n\n$$\\frac{a}{b}$$\n"
    edited = "Edited. " + before
    earlier = FastMarkdown()
    earlier.block(before, "p-abstract")
    expected = Markdown().block(edited, "p-abstract")

    def unreachable(source, display=False):
        raise AssertionError(f"rendered again: {source}")

    monkeypatch.setattr(markup, "render_math", unreachable)  # latex2mathml is not reachable
    later = FastMarkdown(known=dict(earlier.learned))
    assert later.block(edited, "p-abstract") == expected
    assert '<span class="math display">' in expected and "<mfrac>" in expected
