"""What a page shows, prepared in Python so that templates only lay it out.

A :class:`Views` turns the site model into view objects for one language at a time: texts picked
in the page language (or shown in another, marked untranslated), Markdown rendered once and
reused, and every link made absolute to the site's base path. What a view reads of the site
model it reads through :mod:`~digestgen.pages.reads`, which page keys digest too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from markupsafe import Markup

from ..formats import bibtex, scholarly
from .markup import Markdown, render_title
from ..content.model import Issue, Site, Term
from ..content.records import REVIEW_SECTIONS, Paper, Text, TextList, id_slug, is_arxiv_id
from .links import Links, arxiv_html_link, author_search, outside_label, secure_arxiv
from .pagination import ListPage, page_rel
from .reads import LinkReads, PaperLinkReads, issue_reads, paper_page_reads, paper_reads

#: A rendered heading at the start of a text, as a note that names itself begins.
_LEADING_HEADING = re.compile(r"\s*<h[1-6][^>]*>(?P<text>[^<]*)</h[1-6]>")
@dataclass(frozen=True)
class Shown:
    """A text as shown on a page: HTML, the language it is in, and whether that is not the
    page's language (the page then marks it untranslated)."""

    html: Markup
    lang: str
    untranslated: bool = False
    machine: str | None = None  # the model that wrote it, until a person has reviewed it

    @cached_property
    def marks(self) -> str:
        """The classes that mark the text on a page: "untranslated", "machine", both or none
        (made once: a paper's texts are shown on several pages)."""
        return " ".join(name for name, marked in (("untranslated", self.untranslated),
                                                   ("machine", self.machine)) if marked)


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    lang: str | None = None
    count: int | None = None


@dataclass(frozen=True)
class ReviewSection:
    key: str
    label: str
    lists: tuple[tuple[str, tuple[Markup, ...]], ...]  # (language, items), page language first
    machine: dict[str, str] = field(default_factory=dict, hash=False)  # language -> model
    untranslated: bool = False  # a language is missing: the page may mark the lists shown


@dataclass(frozen=True)
class PaperView:
    paper: Paper
    href: str
    title: Shown
    other_titles: tuple[Shown, ...]
    date: str
    issue: Link | None
    also_in: tuple[Link, ...]
    tldr: Shown | None
    abstracts: tuple[Shown, ...]
    review: tuple[ReviewSection, ...]
    notes: tuple[Shown, ...]
    categories: tuple[Link, ...]
    tags: tuple[Link, ...]
    edit_url: str | None = None
    tldrs: tuple[Shown, ...] = ()  # the shown tldr first, then its translations
    link: str | None = None  # the paper's page elsewhere (arXiv's always by https)
    link_label: str = ""  # what the link to the paper's page elsewhere says (its site)
    html_link: str | None = None  # arXiv's HTML version, for papers from December 2023 on
    authors: tuple[Link, ...] = ()  # each author, linked to arXiv's author search on arXiv papers
    cite_href: str = ""  # the paper's cite.bib
    source_language: str = "en"  # the language its record's plain strings are in

    @cached_property
    def bibtex(self) -> str:
        """The paper's BibTeX entry, as its cite.bib holds it."""
        return bibtex.single(self.paper, self.source_language)

    @cached_property
    def coins(self) -> str:
        """The ``title`` of the paper's COinS span."""
        return scholarly.coins(self.paper, self.source_language)


class RowView:
    """A paper as a row of a list shows it: the fields of its :class:`PaperView` that the
    built-in ``paper-row.html`` reads (address, titles, date, summary, COinS), made alone.
    Lists are rendered after the pages that show papers in full, when a paper's full view is
    no longer kept (:data:`VIEWS_KEPT`), and its abstracts, review, notes and authors cost
    several times what a row reads. A site's own row template may read any other field: the
    full view is made for that, on the first such read, and gives the same values."""

    def __init__(self, views: Views, paper: Paper, marks: dict[str, dict[str, str]]):
        self._views = views
        self.paper = paper
        self.href, self.title, self.other_titles, self.date = views.heading(paper, marks)
        self.tldr = views.pick(paper.tldr, views.markdown.inline, marks.get("tldr"))
        self.source_language = views.config.source_language

    @cached_property
    def coins(self) -> str:
        """As :attr:`PaperView.coins`."""
        return scholarly.coins(self.paper, self.source_language)

    def __getattr__(self, name: str):
        if name.startswith("_"):  # copying asks before _views is set
            raise AttributeError(name)
        return getattr(self._views.paper(self.paper), name)


@dataclass(frozen=True)
class Neighbours:
    """Where a paper page leads within its issue: the row it has there, the papers before and
    after it."""

    row: str
    prev: Link | None
    next: Link | None


@dataclass(frozen=True)
class EntryView:
    number: int
    paper: PaperView | RowView  # RowView on the home page and in the feed: Views.issue_with_rows
    reappears: bool


@dataclass(frozen=True)
class TermView:
    """A tag or category as its page knows it; its papers are the page's rows."""

    kind: str  # "tags" or "categories"
    name: str


@dataclass(frozen=True)
class Pager:
    """The links between the pages of a long list: the previous and next page, and a link to
    each page near this one, to the first and to the last (None stands for a gap)."""

    number: int
    count: int
    prev: str | None
    next: str | None
    pages: tuple[Link | None, ...]


@dataclass(frozen=True)
class IssueView:
    issue: Issue
    href: str
    title: Shown
    date: str
    intro: Shown | None
    entries: tuple[EntryView, ...] = field(repr=False)
    card_intro: Shown | None = None  # the intro on other pages: its #links lead into the issue
    newer: Link | None = None
    older: Link | None = None


def fragments_into(shown: Shown | None, page: str) -> Shown | None:
    """``shown`` with its links to places on its own page (``#item-2``) made links to those
    places on ``page``, so that they still lead there when shown on another page."""
    if shown is None or 'href="#' not in shown.html:
        return shown
    # Rendered Markdown escapes every quote in text, so this matches attributes only.
    html = Markup(str(shown.html).replace('href="#', f'href="{page}#'))
    return dataclasses.replace(shown, html=html)


def machine_marks(paper: Paper) -> dict[str, dict[str, str]]:
    """The paper's ``machine`` entries by field: ``{"title": {"zh": MODEL}, ...}``."""
    marks: dict[str, dict[str, str]] = {}
    for key, model in paper.machine.items():
        name, _, lang = key.rpartition(".")
        marks.setdefault(name, {})[lang] = model
    return marks


#: How many paper views, and how many issue views, one language keeps. Pages that show a paper
#: are rendered near each other (its issue page, then its own page: see
#: :func:`~.jobs.site_jobs`; the rows of lists are made right after
#: the issue page: :func:`~digestgen.rendering.make_rows_of_issue`),
#: so a view made again is rare, and keeping every view of a large archive would cost several
#: kilobytes a paper in every worker.
VIEWS_KEPT = 1024
#: The same for issue views, which hold the views of their papers.
ISSUE_VIEWS_KEPT = 32


def keep_recent(views: dict, key: str, make, most: int):
    """The view ``views`` holds under ``key``, else ``make()``, kept there; past ``most``
    views, the one kept longest is dropped."""
    view = views.get(key)
    if view is None:
        view = views[key] = make()
        if len(views) > most:
            del views[next(iter(views))]
    return view


class UIStrings(dict):
    """A language's UI strings (key -> text), each also an attribute. Templates read them as
    ``s.key``, and Jinja tries an attribute before an item: on a plain dict every such read
    raised and caught an AttributeError, a few dozen times a page. A key that names a method
    of dict stays an item only, as it was."""

    def __init__(self, strings: dict):
        super().__init__(strings)
        self.__dict__.update((key, text) for key, text in strings.items()
                             if not hasattr(dict, key))


class Views:
    """View objects of one site in one language, each made once (the most recent of them
    kept: :data:`VIEWS_KEPT`)."""

    def __init__(self, site: Site, strings: dict[str, dict], markdown: Markdown, lang: str):
        self.site, self.lang, self.markdown = site, lang, markdown
        self.config = site.config
        self.links = Links(site)
        self.s = UIStrings(strings[lang])
        self.strings = strings
        order = [lang, self.config.source_language, *self.config.languages]
        self.fallback = tuple(dict.fromkeys(order))
        self._papers: dict[str, PaperView] = {}
        self._issues: dict[str, IssueView] = {}
        self._issue_links: dict[str, Link] = {}

    # -- texts ---------------------------------------------------------------------------

    def _languages(self, text: Text) -> list[str]:
        """The languages of ``text``, the page's first, then the fallback order."""
        known = [code for code in self.fallback if code in text]
        return known + [code for code in text.languages() if code not in known]

    def pick(self, text: Text | None, render, machine: dict[str, str] | None = None
             ) -> Shown | None:
        """``text`` in the page language, else in the first fallback; ``machine`` maps the
        languages a model wrote to the model (see :func:`machine_marks`)."""
        if text is None:
            return None
        code = self._languages(text)[0]
        return Shown(Markup(render(text[code])), code, code != self.lang,
                     (machine or {}).get(code))

    def picked(self, first: Shown) -> Shown:
        """The first text of a group (:meth:`every`) as :meth:`pick` shows it alone: marked
        untranslated only when it is not in the page language."""
        untranslated = first.lang != self.lang
        if first.untranslated == untranslated:
            return first
        return Shown(first.html, first.lang, untranslated, first.machine)

    def every(self, text: Text | None, render,
              machine: dict[str, str] | None = None) -> tuple[Shown, ...]:
        """``text`` in each of its languages, shown as one group (class ``bi``): when the group
        lacks a language of the site, each text carries the untranslated mark, and the page
        shows the marks only while the group lacks the language the reader reads."""
        if text is None:
            return ()
        lacking = self.lacks_a_language(text)
        return tuple(Shown(Markup(render(text[code])), code, lacking, (machine or {}).get(code))
                     for code in self._languages(text))

    def lacks_a_language(self, text: Text) -> bool:
        return any(code not in text for code in self.config.languages)

    def with_translations(self, text: Text | None, render,
                          machine: dict[str, str] | None = None) -> tuple[Shown, ...]:
        """The text in the language :meth:`pick` takes, then its other languages: the texts a
        reader may show side by side or one at a time."""
        return self.every(text, render, machine)

    def block(self, doc_id: str):
        return lambda source: self.markdown.block(source, doc_id)

    def date(self, day: dt.date) -> str:
        return self.s["date_format"].format(year=day.year, month=day.month, day=day.day,
                                            month_name=self.month_name(day))

    def month_name(self, day: dt.date) -> str:
        months = self.s.get("months") or []
        return months[day.month - 1] if len(months) == 12 else str(day.month)

    # -- papers and issues ---------------------------------------------------------------

    def paper(self, paper: Paper) -> PaperView:
        return keep_recent(self._papers, paper.id, lambda: self._paper(paper), VIEWS_KEPT)

    def markdown_renderers(self, paper: Paper) -> dict[str, Callable[[str], str]]:
        """How each Markdown field of ``paper`` is rendered (footnote ids are the paper's)."""
        slug = paper.slug
        return {"tldr": self.markdown.inline, "abstract": self.block(f"{slug}-abstract"),
                "notes": self.block(f"{slug}-notes"), "review": self.markdown.inline}

    def render_markdown(self, paper: Paper) -> None:
        """Render each Markdown text of ``paper`` in every language as its view will, into
        the Markdown renderer's caches, without making the view."""
        render = self.markdown_renderers(paper)
        for name in ("tldr", "abstract", "notes"):
            text = getattr(paper, name)
            if text is not None:
                for source in text.values.values():
                    render[name](source)
        for section in paper.review.values():
            for items in section.values.values():
                for item in items:
                    render["review"](item)

    def row(self, paper: Paper) -> PaperView | RowView:
        """What a row of a list shows of ``paper``: its full view while that is kept, else
        the few fields a row reads (:class:`RowView`)."""
        view = self._papers.get(paper.id)
        return view if view is not None else RowView(self, paper, machine_marks(paper))

    def heading(self, paper: Paper, marks: dict[str, dict[str, str]]
                ) -> tuple[str, Shown, tuple[Shown, ...], str]:
        """The address of ``paper``'s page, its title, its title in other languages and its
        date, as every view of it shows them (``marks``: :func:`machine_marks`)."""
        title, *other_titles = self.every(paper.title, render_title, marks.get("title"))
        return (self.links.page(self.lang, Links.paper(paper)), title, tuple(other_titles),
                self.date(paper.date))

    def _paper(self, paper: Paper) -> PaperView:
        _, issue, also = paper_reads(self.site, paper)
        marks = machine_marks(paper)
        href, title, other_titles, date = self.heading(paper, marks)
        render = self.markdown_renderers(paper)
        tldrs = self.with_translations(paper.tldr, render["tldr"], marks.get("tldr"))
        return PaperView(
            paper=paper, href=href, title=title, other_titles=other_titles, date=date,
            issue=self.issue_link(issue) if issue else None,
            also_in=tuple(self.issue_link(i) for i in also),
            tldr=self.picked(tldrs[0]) if tldrs else None,
            abstracts=self.every(paper.abstract, render["abstract"], marks.get("abstract")),
            review=tuple(self._review(key, paper.review[key], render["review"],
                                      marks.get(f"review.{key}", {}))
                         for key in REVIEW_SECTIONS if key in paper.review),
            notes=tuple(map(self.without_own_heading,
                            self.every(paper.notes, render["notes"], marks.get("notes")))),
            categories=tuple(Link(c, self.links.page(self.lang, f"categories/{c}/"))
                             for c in paper.categories),
            tags=tuple(Link(t, self.links.page(self.lang, f"tags/{t}/")) for t in paper.tags),
            edit_url=self.edit_url(paper.source),
            tldrs=tldrs,
            link=secure_arxiv(paper.link), link_label=outside_label(paper.link),
            html_link=arxiv_html_link(paper.id),
            authors=self.authors(paper),
            cite_href=self.links.asset(Links.paper(paper) + "cite.bib"),
            source_language=self.config.source_language,
        )

    @staticmethod
    def authors(paper: Paper) -> tuple[Link, ...]:
        """Each author, linked to arXiv's author search on an arXiv paper."""
        if not is_arxiv_id(paper.id):
            return tuple(Link(name, "") for name in paper.authors)
        return tuple(Link(name, author_search(name)) for name in paper.authors)

    def without_own_heading(self, note: Shown) -> Shown:
        """A note without the heading it may begin with when that says what the page's own
        heading above it says ("## Notes", "## 笔记")."""
        match = _LEADING_HEADING.match(note.html)
        if match and match["text"].strip().casefold() in self.notes_labels:
            return dataclasses.replace(note, html=Markup(note.html[match.end():].lstrip()))
        return note

    @cached_property
    def notes_labels(self) -> set[str]:
        return {strings.get("notes", "").casefold() for strings in self.strings.values()}

    def neighbours(self, paper: Paper) -> Neighbours | None:
        """The paper's row in its issue and the papers before and after it there."""
        issue, row, before, after = paper_page_reads(self.site, paper)
        if issue is None:
            return None
        prev, next_ = (self.paper_link(link) if link else None for link in (before, after))
        return Neighbours(f"{self.links.page(self.lang, f'issues/{issue}/')}#ref-{row}",
                          prev, next_)

    def paper_link(self, link: PaperLinkReads) -> Link:
        # The paper's title as its view shows it, when the view is kept (it is, near its issue).
        view = self._papers.get(link.id)
        title = view.title if view is not None else self.every(link.title, render_title)[0]
        return Link(title.html, self.links.page(self.lang, f"papers/{id_slug(link.id)}/"),
                    title.lang)

    def _review(self, key: str, section: TextList, render: Callable[[str], str],
                machine: dict[str, str]) -> ReviewSection:
        codes = [c for c in self.fallback if c in section.values]
        codes += [c for c in section.values if c not in codes]
        lists = tuple((code, tuple(Markup(render(item))
                                   for item in section.values[code])) for code in codes)
        return ReviewSection(key, self.s[f"review_{key}"], lists,
                             {code: model for code, model in machine.items() if code in codes},
                             any(code not in section.values for code in self.config.languages))

    def issue_title(self, issue: LinkReads) -> Shown:
        if issue.file is not None and issue.file.title is not None:
            return self.pick(issue.file.title, render_title)
        start = issue.start
        iso_year, week, _ = start.isocalendar()
        pattern = self.s[f"issue_title_{self.config.issue_period}"]
        label = pattern.format(date=self.date(start), week=week, month=start.month,
                               year=iso_year if self.config.issue_period == "week" else start.year,
                               month_name=self.month_name(start))
        return Shown(Markup.escape(label), self.lang)

    def issue_link(self, issue: LinkReads) -> Link:
        """A link to ``issue``, made once (by id: the views are of one site): every paper of
        the issue links to it."""
        link = self._issue_links.get(issue.id)
        if link is None:
            title = self.issue_title(issue)
            link = self._issue_links[issue.id] = Link(
                title.html, self.links.page(self.lang, Links.issue(issue)), title.lang,
                issue.count)
        return link

    def issue(self, issue: Issue) -> IssueView:
        """The view of ``issue``. Its papers' views are kept again (a kept issue view holds
        views dropped since): its papers' own pages and rows come next."""
        view = keep_recent(self._issues, issue.id, lambda: self._issue(issue),
                           ISSUE_VIEWS_KEPT)
        for entry in view.entries:
            keep_recent(self._papers, entry.paper.paper.id, lambda e=entry: e.paper, VIEWS_KEPT)
        return view

    def issue_with_rows(self, issue: Issue) -> IssueView:
        """``issue`` as the home page and the feed show it among the newest: its view while
        that is kept, else one whose papers are rows (:meth:`row`). They read a paper's titles
        and summary only; making the full views of the twenty newest issues' papers for the
        feed, long dropped when it is rendered, took a quarter of a second of an edit of a
        1,000-paper site. Not kept: its papers' views are not full ones."""
        view = self._issues.get(issue.id)
        return view if view is not None else self._issue(issue, self.row)

    def _issue(self, issue: Issue,
               paper_view: Callable[[Paper], PaperView | RowView] | None = None) -> IssueView:
        paper_view = paper_view or self.paper
        shown, entries, newer, older = issue_reads(self.site, issue)
        intro = shown.file.intro if shown.file else None
        href = self.links.page(self.lang, Links.issue(shown))
        shown_intro = self.pick(intro, self.block(f"intro-{shown.id}"))
        return IssueView(
            issue=issue, href=href, title=self.issue_title(shown), date=self.date(shown.start),
            intro=shown_intro, card_intro=fragments_into(shown_intro, href),
            entries=tuple(EntryView(e.number, paper_view(e.paper), e.reappears)
                          for e in entries),
            newer=self.issue_link(newer) if newer else None,
            older=self.issue_link(older) if older else None,
        )

    def term_links(self, terms: tuple[Term, ...]) -> tuple[Link, ...]:
        return tuple(Link(t.name, self.links.page(self.lang, Links.term(t)), None, len(t.papers))
                     for t in terms)

    def pager(self, page: ListPage, near: int = 2) -> Pager | None:
        """How page ``page`` of a list links to the others; None for a list of one page."""
        if page.count == 1:
            return None
        def href(number: int) -> str:
            return self.links.page(self.lang, page_rel(page.rel, number))
        shown = [n for n in range(1, page.count + 1)
                 if n in (1, page.count) or abs(n - page.number) <= near]
        links: list[Link | None] = []
        for n in shown:
            if links and links[-1] is not None and int(links[-1].label) < n - 1:
                links.append(None)
            links.append(Link(str(n), href(n)))
        return Pager(page.number, page.count,
                     href(page.number - 1) if page.number > 1 else None,
                     href(page.number + 1) if page.number < page.count else None, tuple(links))

    def edit_url(self, source) -> str | None:
        repo = self.config.repo_url
        if not repo:
            return None
        rel = source.relative_to(self.config.root).as_posix()
        repo = repo.rstrip("/")
        if "/tree/" in repo:  # https://github.com/o/r/tree/BRANCH/SUBDIR
            return repo.replace("/tree/", "/edit/", 1) + "/" + rel
        return f"{repo}/edit/main/{rel}"
