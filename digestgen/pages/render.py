"""Rendering the site model to pages: HTML per language, feeds, sitemap and small files.

``Renderer.pages()`` yields :class:`~.jobs.Page` values (an output-relative path and its bytes)
in a fixed order, that of its jobs (:mod:`.jobs`); nothing here touches the disk, so a failed
render leaves no trace. The sitemap's files are :mod:`.sitemaps`', the citation files, topic
feeds and statistics :mod:`.more_pages`'.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from ..config import SiteConfig
from ..errors import Problem, SiteError
from ..formats import scholarly
from .markup import Markdown
from .plaintext import FastMarkdown
from ..content.model import Issue, Site
from ..content.records import Paper
from .pagination import ARCHIVE_PAGE_ISSUES, TERM_PAGE_PAPERS, ListPage, list_pages
from .theme import Theme, striptags
from .links import Links
from .reads import PageKind, archive_reads, feed_reads, home_reads
from .views import Link, Pager, TermView, Views
from . import more_pages, sitemaps
from .jobs import READING_LIST, SHOW_STYLE, UI_STRINGS, Job, Page, site_jobs


@dataclass(frozen=True)
class RowPage:
    """What a row of a paper list knows of its page: the language only."""

    lang: str
    indexed: bool = False  # a row is on no page the search index reads


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
    ui_strings: str  # the script of the page script's UI strings in this language
    show_control: bool = True  # the language display control (none where nothing is bilingual)
    pager: Pager | None = None  # on a page of a long list: its links to the list's other pages
    locale: str = ""  # Open Graph's, and those of the other languages
    locale_alternates: tuple[str, ...] = ()
    #: Read by the search index (a default-language paper page, search on): only such a page
    #: carries the marks only the indexer reads (data-search-*).
    indexed: bool = False


class Rows:
    """The rows of one language's paper lists: ``render(paper)`` makes one, once per build.
    (A build hands the renderer rows kept between builds instead: same strings, made less.)"""

    def __init__(self, lang: str, render: Callable[[Paper], str]):
        self.render, self.made = render, {}

    def row(self, paper: Paper) -> Markup:
        row = self.made.get(paper.id)
        if row is None:
            row = self.made[paper.id] = Markup(self.render(paper))
        return row


class LocalSite:
    """The configuration as the pages of one language show it (``site`` in templates): its
    ``lang``, its ``title`` and ``description`` in that language, every other key as
    configured."""

    def __init__(self, config: SiteConfig, lang: str):
        self.config, self.lang = config, lang
        self.title = config.title_in(lang)
        self.description = config.description_in(lang)

    def __getattr__(self, name: str):
        if name.startswith("_"):  # copying and pickling ask before config is set
            raise AttributeError(name)
        # Kept as an attribute of this object, which Python then finds at once: a page reads
        # some keys (site.languages, site.search) a few times, and the configuration is fixed.
        value = getattr(self.config, name)
        setattr(self, name, value)
        return value


class Renderer:
    """Pages of one site. ``markdown`` renders its texts; ``rows(lang, render)`` gives what
    makes the rows of its lists in ``lang`` (:class:`Rows` unless given)."""

    def __init__(self, site: Site, theme: Theme, markdown: Markdown | None = None,
                 rows: Callable[[str, Callable[[Paper], str]], Rows] = Rows):
        self.site, self.theme, self.config = site, theme, site.config
        self.markdown = markdown or FastMarkdown(site.config.markdown.html)
        self.local = {lang: LocalSite(site.config, lang) for lang in site.config.languages}
        self.views = {lang: Views(site, theme.strings, self.markdown, lang)
                      for lang in self.config.languages}
        self.rows = {lang: rows(lang, functools.partial(self.paper_row, lang))
                     for lang in self.config.languages}
        self.facts = more_pages.PaperFacts(self.config.source_language, rows)
        self.links = Links(site)
        self._script_strings: dict[str, Markup] = {}  # per language: see script_strings
        self._frames: dict[str, dict] = {}  # per language: see frame

    def render_markdown(self, paper: Paper) -> None:
        """Render the Markdown texts of ``paper`` (see :meth:`Views.render_markdown`), so that
        they are known to ``markdown`` before any page shows them."""
        self.views[self.config.default_language].render_markdown(paper)

    # -- the whole site --------------------------------------------------------------------

    def pages(self) -> Iterator[Page]:
        for job in self.jobs():
            yield self.render(job)

    def jobs(self) -> list[Job]:
        """Every page of the site, in a fixed order, as work to do (:func:`.jobs.site_jobs`)."""
        return site_jobs(self)

    @functools.cached_property
    def paper_rels(self) -> dict[str, str]:
        """Each paper's folder (:meth:`Links.paper`) by id, in the site's order: made once,
        not for each of the pages and sitemap entries of a paper (four jobs per paper; at
        20,000 papers making each again cost a tenth of a second of every build)."""
        return {paper.id: Links.paper(paper) for paper in self.site.papers}

    def render(self, job: Job) -> Page:
        """The page of ``job``."""
        kind, lang, subject = job.kind, job.lang, job.subject
        if kind is PageKind.ISSUE:
            return self.issue(subject, lang)
        if kind is PageKind.PAPER:
            return self.paper(subject, lang)
        if kind is PageKind.TERM:
            return self.term(subject, lang)
        if kind is PageKind.HOME:
            return self.home(lang)
        if kind is PageKind.ARCHIVE:
            return self.archive(lang, subject)
        if kind is PageKind.FEED:
            return self.feed(lang)
        if kind is PageKind.READING_LIST:
            return self.reading_list(lang)
        if kind is PageKind.NOT_FOUND:
            return self.not_found()
        if kind is PageKind.SITEMAP:
            return sitemaps.sitemap(self, *subject)
        if kind is PageKind.SITEMAP_INDEX:
            return sitemaps.sitemap_index(self, *subject)
        if kind in more_pages.KINDS:
            return more_pages.render(self, job)
        if kind is PageKind.ROBOTS:
            return Page("robots.txt", self.render_text("robots.txt", {
                "sitemap": self.config.base_url + "sitemap.xml"}))
        if kind is PageKind.UI_STRINGS:
            return self.ui_strings(lang)
        if kind is PageKind.SHOW_STYLE:
            # One file for every page: the rules depend on the configured languages only.
            return Page(SHOW_STYLE, self.render_text("show.css",
                                                     {"languages": self.config.languages}))
        return Page(".nojekyll", b"")

    # -- pages -----------------------------------------------------------------------------

    def home(self, lang: str) -> Page:
        v = self.views[lang]
        reads = home_reads(self.site)
        issues = [v.issue_with_rows(issue) for issue in reads.issues]
        return self.html("home.html", lang, "", self.local[lang].title, issues=issues,
                         paper_count=reads.papers, issue_count=reads.issue_count)

    @functools.cached_property
    def archive_pages(self) -> list[ListPage]:
        return list_pages(None, "archive/", len(self.site.issues), ARCHIVE_PAGE_ISSUES)

    @functools.cached_property
    def term_pages(self) -> list[ListPage]:
        return [page for term in self.site.terms
                for page in list_pages(term, Links.term(term), len(term.papers),
                                       TERM_PAGE_PAPERS)]

    def archive(self, lang: str, page: ListPage) -> Page:
        """A page of the archive: its issues by year; the first also lists tags and
        categories."""
        v = self.views[lang]
        reads = archive_reads(self.site, page)
        years: dict[int, list] = {}
        for issue in reads.issues:
            years.setdefault(issue.start.year, []).append(v.issue_link(issue))
        return self.html("archive.html", lang, page.page_rel,
                         self.numbered(lang, v.s["archive"], page), pager=v.pager(page),
                         years=list(years.items()), tags=v.term_links(reads.tags),
                         categories=v.term_links(reads.categories))

    def issue(self, issue: Issue, lang: str) -> Page:
        view = self.views[lang].issue(issue)
        return self.html("issue.html", lang, Links.issue(issue), str(view.title.html),
                         issue=view,
                         issue_bib=self.links.page(lang, Links.issue(issue) + "papers.bib"))

    def paper(self, paper: Paper, lang: str) -> Page:
        """A paper's full record at the root; in another language tree a brief page in that
        language that points to it (and names it canonical), so the archive is published
        once, not once per language."""
        view, home = self.views[lang].paper(paper), self.config.default_language
        brief = lang != home
        url = self.links.absolute(home, Links.paper(paper))  # the full record's
        extra = dict(canonical=url, full_record=self.links.page(home, Links.paper(paper)),
                     full_lang=home) if brief else {}
        return self.html("paper-brief.html" if brief else "paper.html", lang, Links.paper(paper),
                         str(view.title.html), indexed=self.config.search and not brief,
                         paper=view,
                         neighbours=self.views[lang].neighbours(paper), og_type="article",
                         og_description=striptags(view.tldr.html) if view.tldr else None,
                         citation_tags=scholarly.citation_tags(
                             paper, self.config.source_language, url),
                         json_ld=scholarly.json_ld(paper, self.config.source_language, url),
                         **extra)

    def term(self, page: ListPage, lang: str) -> Page:
        """A page of a tag's or category's papers."""
        v, term = self.views[lang], page.subject
        label = v.s["tag" if term.kind == "tags" else "category"]
        # The page shows its papers only as rows: its key (pagekeys) hashes the rows.
        return self.html("term.html", lang, page.page_rel,
                         self.numbered(lang, f"{label}: {term.name}", page), pager=v.pager(page),
                         term=TermView(term.kind, term.name), label=label,
                         total=len(term.papers),
                         topic_feed=self.links.page(lang, Links.term(term) + "feed.xml"),
                         rows=[self.rows[lang].row(p)
                               for p in page.part(term.papers, TERM_PAGE_PAPERS)])

    def numbered(self, lang: str, title: str, page: ListPage) -> str:
        """The title of page ``page`` of a list called ``title``."""
        if page.number == 1:
            return title
        return self.views[lang].s["page_title"].format(title=title, n=page.number,
                                                       count=page.count)

    def paper_row(self, lang: str, paper: Paper) -> str:
        """One paper as lists show it. The row sees nothing of the page it is on (it is reused
        on every list): ``page`` holds only the language."""
        v = self.views[lang]
        return self.render_str("paper-row.html", {
            "p": v.row(paper), "s": v.s, "site": self.local[lang],
            "page": RowPage(lang)})

    def reading_list(self, lang: str) -> Page:
        title = self.views[lang].s["reading_list"]
        return self.html("reading-list.html", lang, READING_LIST, title)

    def not_found(self) -> Page:
        """One page for every missing path: in every language (the browser keeps the one of
        the path asked for), on no page of the navigation, with nothing to switch."""
        lang = self.config.default_language
        title = " · ".join(dict.fromkeys(self.views[code].s["not_found"]
                                         for code in self.config.languages))
        info = dataclasses.replace(self.page_info(lang, "", title), url="", rel="404.html",
                                   alternates=(), show_control=False)
        homes = [(code, self.page_info(code, "", title)) for code in self.config.languages]
        data = self.render_text("404.html", {
            "page": info, "s": self.views[lang].s, "site": self.local[lang],
            "asset": self.links.asset, "script_strings": self.script_strings(lang),
            "homes": homes, "og_type": "website",
            "og_description": None,
            "strings": {code: self.views[code].s for code in self.config.languages}})
        return Page("404.html", data)

    def feed(self, lang: str) -> Page:
        v = self.views[lang]
        newest = feed_reads(self.site).issues
        data = self.render_text("feed.xml", {
            "lang": lang, "s": v.s, "site": self.local[lang],
            "issues": [(v.issue_with_rows(i), self.links.absolute(lang, Links.issue(i)))
                       for i in newest],
            "self_url": self.links.absolute(lang, "feed.xml"),
            "home_url": self.links.absolute(lang, ""),
            "updated": newest[0].key.start.isoformat() if newest else "1970-01-01",
        })
        return Page(self.links.path(lang, "feed.xml"), data)

    # -- plumbing --------------------------------------------------------------------------

    def page_info(self, lang: str, rel: str, title: str, pager: Pager | None = None,
                  canonical: str | None = None, indexed: bool = False) -> PageInfo:
        """What page ``rel`` of ``lang`` knows about itself; its canonical URL is its own
        unless given."""
        links, languages = self.links, self.config.languages
        return PageInfo(
            lang=lang, rel=rel, title=title, url=links.page(lang, rel),
            canonical=links.absolute(lang, rel) if canonical is None else canonical,
            alternates=tuple(Link(label, links.page(code, rel), code)
                             for code, label in self.language_names),
            translations=(*(Link(code, links.absolute(code, rel), code) for code in languages),
                          Link("x-default", links.absolute(self.config.default_language, rel),
                               "x-default")),
            pager=pager, indexed=indexed, **self.frame(lang))

    @functools.cached_property
    def language_names(self) -> tuple[tuple[str, str], ...]:
        """Each language's code and name, as the language switch shows them."""
        return tuple((code, self.theme.strings[code].get("language_name", code))
                     for code in self.config.languages)

    def frame(self, lang: str) -> dict:
        """What every page of ``lang`` knows alike (:class:`PageInfo`'s fields): made once."""
        made = self._frames.get(lang)
        if made is None:
            made = self._frames[lang] = self._frame(lang)
        return made

    def _frame(self, lang: str) -> dict:
        s, page = self.views[lang].s, functools.partial(self.links.page, lang)
        return dict(
            nav=(Link(s["home"], page("")), Link(s["archive"], page("archive/")),
                 Link(s["reading_list"], page(READING_LIST)), Link(s["stats"], page("stats/"))),
            feed=page("feed.xml"), home=page(""), search=page("archive/"),
            ui_strings=self.links.asset(UI_STRINGS.format(lang=lang)),
            locale=scholarly.og_locale(lang),
            locale_alternates=tuple(scholarly.og_locale(code) for code in self.config.languages
                                    if code != lang),
        )

    def html(self, template: str, lang: str, rel: str, title: str, pager: Pager | None = None,
             canonical: str | None = None, indexed: bool = False, **context) -> Page:
        context.setdefault("og_type", "website")
        context.setdefault("og_description", None)
        info = self.page_info(lang, rel, title, pager, canonical, indexed)
        context.update(page=info, s=self.views[lang].s, site=self.local[lang],
                       asset=self.links.asset, script_strings=self.script_strings(lang))
        data = self.render_text(template, context)
        return Page(self.links.path(lang, rel) + "index.html", data)

    def ui_strings(self, lang: str) -> Page:
        """The page script's UI strings in ``lang`` as a script of their own, which every page
        of the language loads before the page script (base.html): on no page of their own."""
        return Page(UI_STRINGS.format(lang=lang),
                    f"globalThis.digestUI = {self.script_strings(lang)};\n".encode())

    def script_strings(self, lang: str) -> Markup:
        """The UI strings of the page script in ``lang`` (``_script-strings.html``), made once:
        the same on every page of the language."""
        made = self._script_strings.get(lang)
        if made is None:
            text = self.render_str("_script-strings.html", {
                "s": self.views[lang].s, "site": self.local[lang], "lang": lang})
            made = self._script_strings[lang] = Markup(text.strip())
        return made

    def render_text(self, name: str, context: dict) -> bytes:
        return self.render_str(name, context).encode("utf-8")

    def render_str(self, name: str, context: dict) -> str:
        template = self.theme.template(name)
        try:
            return template.render(context)
        except Exception as exc:  # a template is the site's code: whatever it raises, say where
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
