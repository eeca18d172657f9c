"""Markdown and math to HTML, safely (SPEC 1.2).

Text fields are Markdown (markdown-it-py, CommonMark plus tables, strikethrough and footnotes)
with ``$...$`` and ``$$...$$`` math rendered at build time to MathML by latex2mathml. Raw HTML is
off unless ``markdown.html`` is set, and even then the output is sanitised. Links with
``javascript:`` and similar schemes are refused by markdown-it's link validation. A formula that
cannot be rendered shows its source. Titles are not Markdown: they are escaped text in which only
math is rendered.
"""

from __future__ import annotations

import functools
import html
import re

import nh3

_MATHML_TAGS = {
    "math", "semantics", "annotation", "mrow", "mi", "mo", "mn", "ms", "mtext", "mspace",
    "msub", "msup", "msubsup", "mfrac", "msqrt", "mroot", "mover", "munder", "munderover",
    "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom", "menclose", "mfenced", "merror",
}
_MATHML_ATTRIBUTES = {
    "xmlns", "display", "mathvariant", "stretchy", "fence", "separator", "separators", "open",
    "close", "lspace", "rspace", "accent", "accentunder", "columnalign", "rowalign",
    "columnlines", "rowlines", "rowspacing", "columnspacing", "width", "height", "depth",
    "notation", "linethickness", "displaystyle", "scriptlevel", "movablelimits", "symmetric",
    "largeop", "minsize", "maxsize", "form", "mathsize", "encoding",
}
#: HTML a person may write when ``markdown.html`` is on: formatting, never scripts or styles.
_HTML_TAGS = (nh3.ALLOWED_TAGS - {"img"}) | {"img", "sup", "sub", "details", "summary"}
_TITLE_MATH = re.compile(r"\$(?=\S)([^$\n]+?)(?<=\S)\$")
_UNKNOWN_COMMAND = re.compile(r"<mi>\\[A-Za-z]+</mi>")
#: A function's name (``\log``, ``\sin``): TeX sets a thin space between it and its argument.
_FUNCTION_NAME = re.compile(
    r"(?<!<msub>)(?<!<msup>)(?<!<msubsup>)<mi>([A-Za-z]{2,})</mi>(?!</m(?:sub|sup|subsup)>)")
#: A large operator or a limit with scripts, as latex2mathml writes it inside a fence.
_SCRIPTED_OPERATOR = re.compile(
    r"<(msubsup|msub|msup)><mo>(&#x022(?:11|0F|10|C0|C1|C2|C3);|&#x02A0[0-6];|lim|max|min|sup|inf"
    r"|det|Pr|arg ?max|arg ?min)</mo>")
_UNDER_OVER = {"msubsup": "munderover", "msub": "munder", "msup": "mover"}
_TAG = re.compile(r"<(/?)([a-z]+)[^>]*?(/?)>")


@functools.lru_cache(maxsize=65536)
def render_math(source: str, display: bool = False) -> str:
    """MathML for a LaTeX formula, or its escaped source in ``<code class="math-error">``."""
    import latex2mathml.converter  # here: a build whose formulas are all cached needs none

    try:
        mathml = latex2mathml.converter.convert(source, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many kinds on bad input; none may break a page
        mathml = ""
    if not mathml or _UNKNOWN_COMMAND.search(mathml):
        delimiter = "$$" if display else "$"
        return f'<code class="math-error">{html.escape(delimiter + source + delimiter)}</code>'
    mathml = _FUNCTION_NAME.sub(
        r'<mi>\1</mi><mo lspace="0" rspace="0.1667em">&#x2061;</mo>', mathml)
    if display:
        mathml = _limits_above_and_below(mathml)
    return nh3.clean(mathml, tags=_MATHML_TAGS, attributes={"*": _MATHML_ATTRIBUTES})


def _limits_above_and_below(mathml: str) -> str:
    """Display math with the limits of every large operator under and over it, as TeX sets
    them: latex2mathml does so only outside ``\\left...\\right``."""
    while (match := _SCRIPTED_OPERATOR.search(mathml)) is not None:
        name = match[1]
        end = _closing(mathml, match.start(), name)
        if end < 0:
            break  # not well-formed after all: the scripts stay beside
        new = _UNDER_OVER[name]
        mathml = (mathml[:match.start()] + f"<{new}>" + mathml[match.start() + len(name) + 2:end]
                  + f"</{new}>" + mathml[end + len(name) + 3:])
    return mathml


def _closing(mathml: str, start: int, name: str) -> int:
    """Where the element ``name`` opened at ``start`` closes; -1 if it does not."""
    depth = 0
    for tag in _TAG.finditer(mathml, start):
        if tag[2] != name or tag[3]:
            continue
        depth += -1 if tag[1] else 1
        if depth == 0:
            return tag.start()
    return -1


def _render_table_open(self, tokens, idx, options, env) -> str:
    """A table scrolls sideways in its own box rather than squeezing its cells."""
    return '<div class="table-scroll">' + self.renderToken(tokens, idx, options, env)


def _render_table_close(self, tokens, idx, options, env) -> str:
    return self.renderToken(tokens, idx, options, env) + "</div>\n"


def _render_header_cell(self, tokens, idx, options, env) -> str:
    """A table's header cells name their columns (a Markdown table has no other headers)."""
    tokens[idx].attrSet("scope", "col")
    return self.renderToken(tokens, idx, options, env)


#: How many texts a renderer keeps rendered, the most recently used: for a text rendered again
#: soon (a paper's view made again, a text several papers share). The views a build keeps hold
#: what their pages show. Kept for every text, the cache held every text a worker rendered, as
#: source and as HTML, to the end of the build: at 20,000 papers 120 MB of a cold build's peak
#: of 990 MB, and more the larger the site.
TEXTS_KEPT = 8192


class Markdown:
    """A configured Markdown renderer; one per build, its recent results cached by text."""

    def __init__(self, allow_html: bool = False):
        self.allow_html = allow_html
        self.block = functools.lru_cache(maxsize=TEXTS_KEPT)(self._block)
        self.inline = functools.lru_cache(maxsize=TEXTS_KEPT)(self._inline)

    @functools.cached_property
    def md(self):
        """The markdown-it parser, made (and imported) when a text first needs it: a small
        rebuild finds most of its texts in the cache."""
        from markdown_it import MarkdownIt
        from mdit_py_plugins.dollarmath import dollarmath_plugin
        from mdit_py_plugins.footnote import footnote_plugin

        def math(content: str, options: dict) -> str:
            return self.formula(content.strip(), bool(options.get("display_mode")))

        def display_in_line(renderer, tokens, idx, options, env) -> str:
            mathml = self.formula(tokens[idx].content.strip(), True)
            return f'<span class="math display">{mathml}</span>'

        md = (
            MarkdownIt("commonmark", {"html": self.allow_html, "typographer": False})
            .enable(["table", "strikethrough"])
            .use(footnote_plugin)
            .use(dollarmath_plugin, allow_space=False, allow_digits=False,
                 double_inline=True, renderer=math)
        )
        # `$$...$$` inside a paragraph stays a span: a <div> there would end the paragraph.
        md.add_render_rule("math_inline_double", display_in_line)
        md.add_render_rule("table_open", _render_table_open)
        md.add_render_rule("table_close", _render_table_close)
        md.add_render_rule("th_open", _render_header_cell)
        return md

    def formula(self, source: str, display: bool) -> str:
        """MathML for a formula in a text (:func:`render_math`)."""
        return render_math(source, display)

    def _block(self, text: str, doc_id: str = "") -> str:
        """HTML for a Markdown text; ``doc_id`` keeps footnote ids unique within a page."""
        out = self.md.render(text, {"docId": doc_id} if doc_id else {})
        return self._clean(out)

    def _inline(self, text: str) -> str:
        """HTML for one line of Markdown without the paragraph around it (a table cell)."""
        return self._clean(self.md.renderInline(text.strip()))

    def _clean(self, out: str) -> str:
        if not self.allow_html:
            return out  # nothing raw can be in it: markdown-it escaped every tag
        return nh3.clean(out, tags=_HTML_TAGS | _MATHML_TAGS,
                         attributes={"*": _MATHML_ATTRIBUTES | {"class", "id", "title"},
                                     "a": {"href"}, "img": {"src", "alt"},
                                     "th": {"style", "scope"}, "td": {"style"}},
                         url_schemes={"http", "https", "mailto"}, link_rel=None)


@functools.lru_cache(maxsize=TEXTS_KEPT)
def render_title(text: str) -> str:
    """A title as HTML: escaped text in which ``$...$`` math is rendered."""
    parts, last = [], 0
    for match in _TITLE_MATH.finditer(text):
        parts.append(html.escape(text[last:match.start()], quote=False))
        parts.append(render_math(match.group(1)))
        last = match.end()
    parts.append(html.escape(text[last:], quote=False))
    return "".join(parts)
