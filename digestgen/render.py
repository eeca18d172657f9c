"""Rendering the site model to pages: HTML per language, feeds, sitemap and small files.

``Renderer.pages()`` yields :class:`Page` values (an output-relative path and its bytes) in a
fixed order; nothing here touches the disk, so a failed render leaves no trace.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .errors import Problem, SiteError
from .markup import Markdown
from .model import Issue, Site, Term
from .records import Paper
from .theme import Theme
from .views import Link, Links, Views

HOME_ISSUES = 10
FEED_ISSUES = 20


@dataclass(frozen=True)
class Page:
    path: str  # relative to the output root, "/"-separated
    data: bytes


@dataclass(frozen=True)
class PageInfo:
    """What every HTML page knows about itself: language, URL, translations, navigation."""

    lang: str
    rel: str
    title: str
    url: str
    canonical: str
    alternates: tuple[Link, ...]  # this page in each language, for the language switch
    translations: tuple[Link, ...]  # the same with absolute URLs, for hreflang links
    nav: tuple[Link, ...]
    feed: str
    home: str
    search: str


class Renderer:
    def __init__(self, site: Site, theme: Theme, markdown: Markdown | None = None):
        self.site, self.theme, self.config = site, theme, site.config
        self.markdown = markdown or Markdown(site.config.markdown.html)
        self.views = {lang: Views(site, theme.strings, self.markdown, lang)
                      for lang in self.config.languages}
        self.links = Links(site)

    # -- the whole site --------------------------------------------------------------------

    def pages(self) -> Iterator[Page]:
        for lang in self.config.languages:
            yield from self.language_pages(lang)
        yield from self.common_pages()

    def language_pages(self, lang: str) -> Iterator[Page]:
        yield self.home(lang)
        yield self.archive(lang)
        for issue in self.site.issues:
            yield self.issue(issue, lang)
        for paper in self.site.papers:
            yield self.paper(paper, lang)
        for term in self.site.terms:
            yield self.term(term, lang)
        yield self.feed(lang)

    def common_pages(self) -> Iterator[Page]:
        yield self.not_found()
        yield from self.sitemaps()
        yield Page("robots.txt", self.render_text("robots.txt", {
            "sitemap": self.config.base_url + "sitemap.xml"}))
        yield Page(".nojekyll", b"")

    # -- pages -----------------------------------------------------------------------------

    def home(self, lang: str) -> Page:
        v = self.views[lang]
        issues = [v.issue(i) for i in self.site.issues[:HOME_ISSUES]]
        return self.html("home.html", lang, "", self.config.title, issues=issues,
                         paper_count=len(self.site.papers), issue_count=len(self.site.issues))

    def archive(self, lang: str) -> Page:
        v = self.views[lang]
        years: dict[int, list] = {}
        for issue in self.site.issues:
            years.setdefault(issue.key.start.year, []).append(v.issue_link(issue))
        return self.html("archive.html", lang, "archive/", v.s["archive"],
                         years=list(years.items()), tags=v.term_links(self.site.tags),
                         categories=v.term_links(self.site.categories))

    def issue(self, issue: Issue, lang: str) -> Page:
        view = self.views[lang].issue(issue)
        return self.html("issue.html", lang, Links.issue(issue), str(view.title.html),
                         issue=view)

    def paper(self, paper: Paper, lang: str) -> Page:
        view = self.views[lang].paper(paper)
        return self.html("paper.html", lang, Links.paper(paper), str(view.title.html),
                         paper=view)

    def term(self, term: Term, lang: str) -> Page:
        v = self.views[lang]
        label = v.s["tag" if term.kind == "tags" else "category"]
        return self.html("term.html", lang, Links.term(term), f"{label}: {term.name}",
                         term=term, label=label, papers=[v.paper(p) for p in term.papers])

    def not_found(self) -> Page:
        lang = self.config.default_language
        page = self.html("404.html", lang, "", self.views[lang].s["not_found"])
        return Page("404.html", page.data)

    def feed(self, lang: str) -> Page:
        v = self.views[lang]
        newest = self.site.issues[:FEED_ISSUES]
        data = self.render_text("feed.xml", {
            "lang": lang, "s": v.s, "site": self.config,
            "issues": [(v.issue(i), self.links.absolute(lang, Links.issue(i))) for i in newest],
            "self_url": self.links.absolute(lang, "feed.xml"),
            "home_url": self.links.absolute(lang, ""),
            "updated": newest[0].key.start.isoformat() if newest else "1970-01-01",
        })
        return Page(self.links.path(lang, "feed.xml"), data)

    def sitemaps(self) -> Iterator[Page]:
        rels = ["", "archive/", *(Links.issue(i) for i in self.site.issues),
                *(Links.paper(p) for p in self.site.papers),
                *(Links.term(t) for t in self.site.terms)]
        chunk = 50_000 // len(self.config.languages)  # the protocol's limit per file
        groups = [rels[i:i + chunk] for i in range(0, len(rels), chunk)]
        names = ["sitemap.xml"] if len(groups) == 1 else \
            [f"sitemap-{n}.xml" for n in range(1, len(groups) + 1)]
        for name, group in zip(names, groups):
            yield Page(name, self.render_text("sitemap.xml", {
                "urls": [[Link(lang, self.links.absolute(lang, rel)) for lang in
                          self.config.languages] for rel in group],
                "default": self.config.default_language}))
        if len(groups) > 1:
            yield Page("sitemap.xml", self.render_text("sitemap-index.xml", {
                "sitemaps": [self.config.base_url + name for name in names]}))

    # -- plumbing --------------------------------------------------------------------------

    def page_info(self, lang: str, rel: str, title: str) -> PageInfo:
        s = self.views[lang].s
        return PageInfo(
            lang=lang, rel=rel, title=title, url=self.links.page(lang, rel),
            canonical=self.links.absolute(lang, rel),
            alternates=tuple(Link(self.theme.strings[code].get("language_name", code),
                                  self.links.page(code, rel), code)
                             for code in self.config.languages),
            translations=(*(Link(code, self.links.absolute(code, rel), code)
                            for code in self.config.languages),
                          Link("x-default", self.links.absolute(self.config.default_language, rel),
                               "x-default")),
            nav=(Link(s["home"], self.links.page(lang, "")),
                 Link(s["archive"], self.links.page(lang, "archive/"))),
            feed=self.links.page(lang, "feed.xml"), home=self.links.page(lang, ""),
            search=self.links.page(lang, "archive/"),
        )

    def html(self, template: str, lang: str, rel: str, title: str, **context) -> Page:
        context.update(page=self.page_info(lang, rel, title), s=self.views[lang].s,
                       site=self.config, asset=self.links.asset)
        data = self.render_text(template, context)
        return Page(self.links.path(lang, rel) + "index.html", data)

    def render_text(self, name: str, context: dict) -> bytes:
        template = self.theme.template(name)
        try:
            return template.render(context).encode("utf-8")
        except jinja2.TemplateError as exc:
            raise SiteError([_runtime_problem(exc, name)]) from None
        except (LookupError, TypeError, ValueError, AttributeError) as exc:
            raise SiteError([_runtime_problem(exc, name)]) from None


def _runtime_problem(exc: Exception, name: str) -> Problem:
    """Where in a template a render failed: the innermost template frame of the traceback."""
    path, line = Path("layouts") / name, None
    tb = sys.exc_info()[2]
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt")):
            path, line = Path(filename), tb.tb_lineno
        tb = tb.tb_next
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return Problem(path, line, f"template error: {message}")
