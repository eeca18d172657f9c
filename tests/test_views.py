"""What pages show, prepared in Python per language."""

from markupsafe import Markup

from digestgen.configload import load_config
from digestgen.content.load import load_content
from digestgen.content.model import build_model
from digestgen.pages.plaintext import FastMarkdown
from digestgen.pages.theme import load_theme
from digestgen.pages.reads import PageKind
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


def test_links_elsewhere_say_where_they_lead():
    from digestgen.pages.links import arxiv_html_link, outside_label, secure_arxiv
    assert outside_label("http://arxiv.org/abs/2403.14715") == "arXiv"
    assert outside_label("https://www.example.org/a/very/long/path") == "example.org"
    for url in ("https://arxiv.org/abs/1", "https://www.arxiv.org/abs/1", "HTTPS://ArXiv.org/x",
                "http://export.arxiv.org/abs/1", "https://arxiv.org"):
        assert outside_label(url) == "arXiv", url
    assert outside_label("https://arxiv.org.example.com/abs/1") == "arxiv.org.example.com"
    assert outside_label("http://arxiv.example.org/abs/1") == "arxiv.example.org"
    assert secure_arxiv("http://arxiv.org/abs/2403.14715") == "https://arxiv.org/abs/2403.14715"
    assert secure_arxiv("http://example.org/x") == "http://example.org/x"  # not ours to change
    assert arxiv_html_link("2312.00001") == "https://arxiv.org/html/2312.00001"
    assert arxiv_html_link("2311.99999") is None  # before arXiv made HTML versions
    assert arxiv_html_link("math/0211159") is None and arxiv_html_link("c-score") is None


def test_a_note_loses_only_a_leading_heading_that_names_the_notes(site):
    notes = "## Notes\n\nFirst.\n\n## Notes on method\n\nSecond.\n\n::: zh\n## 笔记\n\n中文。\n:::\n"
    site.paper("p.md", f"---\nid: p\ntitle: P\ndate: 2024-03-20\n---\n{notes}")
    site.paper("q.md", "---\nid: q\ntitle: Q\ndate: 2024-03-20\n---\n## Setup\n\nText.\n")
    model, views = views_of(site, FastMarkdown())
    p, q = (views["en"].paper(paper) for paper in sorted(model.papers, key=lambda x: x.id))
    english = next(n.html for n in p.notes if n.lang == "en")
    assert english.startswith("<p>First.</p>") and "<h2>Notes on method</h2>" in english
    assert next(n.html for n in p.notes if n.lang == "zh").startswith("<p>中文。</p>")
    assert q.notes[0].html.startswith("<h2>Setup</h2>")  # a heading of its own stays


def two_day_site(site, papers_a_day: int = 3):
    site.write("digestgen.yaml", "title: T\nbase_url: https://example.org/\nsearch: false\n")
    for day in (20, 21):
        for n in range(papers_a_day):
            number = 10000 + day * 10 + n
            site.paper(f"2403.{number}.yaml",
                       f'id: "2403.{number}"\ntitle: {{en: Paper {number}}}\n'
                       f"date: 2024-03-{day}\nabstract: {{en: An abstract.}}\n")


def test_each_issue_page_comes_right_before_the_pages_of_its_papers(site):
    """Pages that show a paper are rendered together, so its view need not be kept long."""
    from digestgen.pages.render import Renderer
    two_day_site(site)
    config = load_config(site.config_path)
    model = build_model(config, load_content(config))
    jobs = [job for job in Renderer(model, load_theme(config)).jobs()
            if job.lang == "en" and job.kind in (PageKind.ISSUE, PageKind.PAPER)]
    order = [(job.kind.name, job.subject.id) for job in jobs]
    issue_of = model.issue_of
    for at, job in enumerate(jobs):
        if job.kind is PageKind.PAPER:
            before = [j for j in jobs[:at] if j.kind is PageKind.ISSUE]
            assert before[-1].subject.id == issue_of[job.subject.id].id, order
    assert sum(kind == "PAPER" for kind, _ in order) == len(model.papers) == 6


def test_views_keep_only_the_most_recent_papers_and_issues(site, monkeypatch):
    """A large archive's views are not all kept: memory stays flat as it grows."""
    from digestgen.pages import views as views_module
    two_day_site(site, papers_a_day=4)
    monkeypatch.setattr(views_module, "ISSUE_VIEWS_KEPT", 1)
    model, views = views_of(site, FastMarkdown())
    en = views["en"]
    papers = [views_module.keep_recent(en._papers, p.id, lambda p=p: en._paper(p), 3)
              for p in model.papers]
    assert len(en._papers) == 3 and list(en._papers) == [p.id for p in model.papers[-3:]]
    first = en.paper(model.papers[0])  # made again when asked for again, equal to the first
    assert first == papers[0] and first is not papers[0]
    for issue in model.issues:
        en.issue(issue)
    assert list(en._issues) == [model.issues[-1].id]


def test_ui_strings_read_as_attributes_and_items():
    from digestgen.pages.views import UIStrings
    s = UIStrings({"feed": "Feed", "items": "Items", "get": "Get"})
    assert s.feed == s["feed"] == "Feed"
    assert s["items"] == "Items" and s["get"] == "Get"
    assert callable(s.items) and s.get("feed") == "Feed"  # dict's methods stay what they are
    assert dict(s) == {"feed": "Feed", "items": "Items", "get": "Get"}


def test_a_row_shows_what_the_full_view_shows_without_making_it(site):
    """Lists are rendered when a paper's full view is long gone: a row makes only what it
    reads, and anything else a site's row template reads comes from the full view."""
    site.paper("2403.10001.md", PAPER)
    model, views = views_of(site, FastMarkdown())
    paper, zh = model.papers[0], views["zh"]
    row = zh.row(paper)
    shown = (row.href, row.title, row.other_titles, row.date, row.tldr, row.coins)
    assert not zh._papers  # the row made no full view
    full = zh.paper(paper)
    assert shown == (full.href, full.title, full.other_titles, full.date, full.tldr, full.coins)
    assert row.tldr.lang == "zh" and not row.tldr.untranslated
    assert row.abstracts == full.abstracts and row.tags == full.tags  # read from the full view
    assert zh.row(paper) is full  # while the full view is kept, rows use it


def test_rows_are_made_right_after_their_issue_from_the_views_it_made(site, monkeypatch):
    """Lists are rendered after every page of papers, when few views are left: the rows they
    show are made right after each issue page, from its papers' views, none made again."""
    from digestgen.build import build, configure
    from digestgen.pages import views as views_module
    two_day_site(site, papers_a_day=4)
    for path in (site.root / "content/papers").iterdir():
        path.write_text(path.read_text() + "tags: [every]\n")
    monkeypatch.setattr(views_module, "VIEWS_KEPT", 4)  # an issue's papers, not the site's
    # As in the first build of a large site: no row is made while planning, all while rendering.
    monkeypatch.setattr("digestgen.incremental.rowdigests.ROWS_TO_PLAN", 0)
    from digestgen.pages.render import Renderer
    made, rendering = [], []

    class CountedRowView(views_module.RowView):
        def __init__(self, views, paper, marks):
            if rendering[-1] is PageKind.TERM:  # (the home page and feed show rows too)
                made.append(paper.id)
            super().__init__(views, paper, marks)

    real_render = Renderer.render

    def render(renderer, job):
        rendering.append(job.kind)
        return real_render(renderer, job)

    monkeypatch.setattr(views_module, "RowView", CountedRowView)
    monkeypatch.setattr(Renderer, "render", render)
    build(configure(load_config(site.config_path), output=site.output))
    assert PageKind.TERM in rendering and made == [], made
    listed = (site.output / "tags/every/index.html").read_text()
    assert listed.count('class="paper-item"') == 8 and "Paper 10200" in listed


def test_home_and_feed_show_papers_as_their_full_views_do_without_making_them(site, monkeypatch,
                                                                               tmp_path):
    """The feed is rendered long after its issues' pages, when their papers' views are
    dropped, and an edit renders the home page without the pages of most of its issues: they
    make only what they read of papers (rows: titles, summary), and write the same bytes as
    they do from full views."""
    from digestgen.build import build, configure
    from digestgen.pages import views as views_module
    for day in (20, 21):
        for n in range(3):
            site.paper(f"2403.1{day}{n}.md", PAPER.replace("2403.10001", f"2403.1{day}{n}")
                       .replace("2024-03-20", f"2024-03-{day}")
                       .replace("A paper", f"Paper {n} of day {day}"))
    model, fresh = views_of(site, FastMarkdown())
    _, full = views_of(site, FastMarkdown())
    for lang in ("en", "zh"):
        for issue in model.issues:
            shown = fresh[lang].issue_with_rows(issue)
            assert not fresh[lang]._papers  # no full view made
            expected = full[lang].issue(issue)
            assert [(e.number, e.paper.title, e.paper.other_titles, e.paper.tldr)
                    for e in shown.entries] == \
                [(e.number, e.paper.title, e.paper.other_titles, e.paper.tldr)
                 for e in expected.entries]
            assert (shown.title, shown.intro) == (expected.title, expected.intro)

    def feeds(output):
        build(configure(load_config(site.config_path), output=output))
        return [(output / rel).read_bytes()
                for rel in ("feed.xml", "en/feed.xml", "index.html", "en/index.html")]

    kept = feeds(tmp_path / "kept")
    monkeypatch.setattr(views_module, "VIEWS_KEPT", 1)
    monkeypatch.setattr(views_module, "ISSUE_VIEWS_KEPT", 1)
    dropped = feeds(tmp_path / "dropped")
    assert dropped == kept
    assert "Paper 2 of day 21" in kept[1].decode() and "损失" in kept[0].decode()
    assert "Paper 2 of day 21" in kept[3].decode()
