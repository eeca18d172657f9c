"""What pages show, prepared in Python per language."""

from markupsafe import Markup

from digestgen.configload import load_config
from digestgen.content.load import load_content
from digestgen.content.model import build_model
from digestgen.pages.plaintext import FastMarkdown
from digestgen.pages.theme import load_theme
from digestgen.pages.views import Shown, Views, fragments_into

# Every field a view renders as Markdown, in two languages, none of it plain prose.
PAPER = """\
---
id: "2403.10001"
title: {en: A paper, zh: 一篇论文}
date: 2024-03-20
tldr: {en: "Loss *drops*.", zh: "损失**下降**。"}
abstract:
  en: "We bound $L_1$ loss[^1].\\n\\n[^1]: Under noise."
  zh: "我们给出 $L_1$ 的界。"
review:
  method: {en: ["Uses `SGD`."], zh: ["使用 *SGD*。"]}
---
Notes with a [link](https://example.org).

::: zh
中文*笔记*。
:::
"""


def views_of(site, markdown):
    config = load_config(site.config_path)
    model = build_model(config, load_content(config))
    strings = load_theme(config).strings
    return model, {lang: Views(model, strings, markdown, lang) for lang in ("en", "zh")}


def test_rendering_a_papers_markdown_first_leaves_no_text_for_its_views_to_render(site):
    site.paper("2403.10001.md", PAPER)
    markdown = FastMarkdown()
    model, views = views_of(site, markdown)
    paper = model.papers[0]
    views["en"].render_markdown(paper)
    markdown.md = None  # markdown-it is not reachable: every text must be rendered already
    zh = views["zh"].paper(paper)
    assert [a.lang for a in zh.abstracts] == ["zh", "en"]
    assert 'href="#fn-2403.10001-abstract-1"' in zh.abstracts[1].html  # the paper's footnotes
    assert [str(n.html) for n in zh.notes] == ["<p>中文<em>笔记</em>。</p>\n", "<p>Notes with a "
                                               '<a href="https://example.org">link</a>.</p>\n']
    assert zh.review[0].lists == (("zh", ("使用 <em>SGD</em>。",)),
                                  ("en", ("Uses <code>SGD</code>.",)))
    assert [str(t.html) for t in zh.tldrs] == ["损失<strong>下降</strong>。", "Loss <em>drops</em>."]
    assert views["en"].paper(paper).abstracts[0].lang == "en"


def test_links_within_an_intro_lead_to_its_issue_when_the_intro_is_shown_elsewhere():
    intro = Shown(Markup('<p>See <a href="#item-4">paper 4</a> and '
                         '<a href="https://example.org/#top">this</a>; '
                         'a quote: &quot;href=&quot;#x&quot;</p>'), "en")
    moved = fragments_into(intro, "/digest/issues/2024-03-22/")
    assert moved.html == ('<p>See <a href="/digest/issues/2024-03-22/#item-4">paper 4</a> and '
                          '<a href="https://example.org/#top">this</a>; '
                          'a quote: &quot;href=&quot;#x&quot;</p>')
    assert moved.lang == "en"
    assert fragments_into(None, "/digest/") is None
