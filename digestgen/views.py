"""What a page shows, prepared in Python so that templates only lay it out.

A :class:`Views` turns the site model into view objects for one language at a time: texts picked
in the page language (or shown in another, marked untranslated), Markdown rendered once and
reused, and every link made absolute to the site's base path.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from markupsafe import Markup

from .formats import bibtex, scholarly
from .markup import Markdown, render_title
from .model import Issue, Site, Term
from .records import REVIEW_SECTIONS, Paper, Text, TextList


@dataclass(frozen=True)
class Shown:
    """A text as shown on a page: HTML, the language it is in, and whether that is not the
    page's language (the page then marks it untranslated)."""

    html: Markup
    lang: str
    untranslated: bool = False
    machine: str | None = None  # the model that wrote it, until a person has reviewed it


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


@dataclass(frozen=True)
class EntryView:
    number: int
    paper: PaperView
    reappears: bool


@dataclass(frozen=True)
class TermView:
    """A tag or category as its page knows it; its papers are the page's rows."""

    kind: str  # "tags" or "categories"
    name: str


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


class Links:
    """URLs of pages and assets below the site's base path (``/digest/issues/...``)."""

    def __init__(self, site: Site):
        self.base = site.config.base_path
        self.base_url = site.config.base_url
        self.default = site.config.default_language

    def path(self, lang: str, rel: str = "") -> str:
        """The output path of a page folder, relative to the site root."""
        return rel if lang == self.default else f"{lang}/{rel}"

    def page(self, lang: str, rel: str = "") -> str:
        return self.base + self.path(lang, rel)

    def absolute(self, lang: str, rel: str = "") -> str:
        return self.base_url + self.path(lang, rel)

    def asset(self, rel: str) -> str:
        return self.base + rel

    @staticmethod
    def paper(paper: Paper) -> str:
        return f"papers/{paper.slug}/"

    @staticmethod
    def issue(issue: Issue) -> str:
        return f"issues/{issue.id}/"

    @staticmethod
    def term(term: Term) -> str:
        return f"{term.kind}/{term.name}/"


class Views:
    """View objects of one site in one language, each made once."""

    def __init__(self, site: Site, strings: dict[str, dict], markdown: Markdown, lang: str):
        self.site, self.lang, self.markdown = site, lang, markdown
        self.config = site.config
        self.links = Links(site)
        self.s = strings[lang]
        order = [lang, self.config.source_language, *self.config.languages]
        self.fallback = tuple(dict.fromkeys(order))
        self._papers: dict[str, PaperView] = {}
        self._issues: dict[str, IssueView] = {}

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

    def every(self, text: Text | None, render,
              machine: dict[str, str] | None = None) -> tuple[Shown, ...]:
        if text is None:
            return ()
        return tuple(Shown(Markup(render(text[code])), code, False, (machine or {}).get(code))
                     for code in self._languages(text))

    def with_translations(self, text: Text | None, render,
                          machine: dict[str, str] | None = None) -> tuple[Shown, ...]:
        """The text as :meth:`pick` shows it, then its other languages: the texts a reader
        may show side by side or one at a time."""
        shown = self.pick(text, render, machine)
        if shown is None:
            return ()
        return (shown, *(s for s in self.every(text, render, machine) if s.lang != shown.lang))

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
        view = self._papers.get(paper.id)
        if view is None:
            view = self._papers[paper.id] = self._paper(paper)
        return view

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

    def _paper(self, paper: Paper) -> PaperView:
        marks = machine_marks(paper)
        title = self.pick(paper.title, render_title, marks.get("title"))
        issue = self.site.issue_of.get(paper.id)
        also = [i for i in self.site.appearances.get(paper.id, ()) if i is not issue]
        render = self.markdown_renderers(paper)
        return PaperView(
            paper=paper, href=self.links.page(self.lang, Links.paper(paper)), title=title,
            other_titles=tuple(t for t in self.every(paper.title, render_title,
                                                     marks.get("title"))
                               if t.lang != title.lang),
            date=self.date(paper.date),
            issue=self.issue_link(issue) if issue else None,
            also_in=tuple(self.issue_link(i) for i in also),
            tldr=self.pick(paper.tldr, render["tldr"], marks.get("tldr")),
            abstracts=self.every(paper.abstract, render["abstract"], marks.get("abstract")),
            review=tuple(self._review(key, paper.review[key], render["review"],
                                      marks.get(f"review.{key}", {}))
                         for key in REVIEW_SECTIONS if key in paper.review),
            notes=self.every(paper.notes, render["notes"], marks.get("notes")),
            categories=tuple(Link(c, self.links.page(self.lang, f"categories/{c}/"))
                             for c in paper.categories),
            tags=tuple(Link(t, self.links.page(self.lang, f"tags/{t}/")) for t in paper.tags),
            edit_url=self.edit_url(paper.source),
            tldrs=self.with_translations(paper.tldr, render["tldr"], marks.get("tldr")),
            cite_href=self.links.asset(Links.paper(paper) + "cite.bib"),
            source_language=self.config.source_language,
        )

    def _review(self, key: str, section: TextList, render: Callable[[str], str],
                machine: dict[str, str]) -> ReviewSection:
        codes = [c for c in self.fallback if c in section.values]
        codes += [c for c in section.values if c not in codes]
        lists = tuple((code, tuple(Markup(render(item))
                                   for item in section.values[code])) for code in codes)
        return ReviewSection(key, self.s[f"review_{key}"], lists,
                             {code: model for code, model in machine.items() if code in codes})

    def issue_title(self, issue: Issue) -> Shown:
        if issue.file is not None and issue.file.title is not None:
            return self.pick(issue.file.title, render_title)
        start = issue.key.start
        iso_year, week, _ = start.isocalendar()
        pattern = self.s[f"issue_title_{self.config.issue_period}"]
        label = pattern.format(date=self.date(start), week=week, month=start.month,
                               year=iso_year if self.config.issue_period == "week" else start.year,
                               month_name=self.month_name(start))
        return Shown(Markup.escape(label), self.lang)

    def issue_link(self, issue: Issue) -> Link:
        title = self.issue_title(issue)
        return Link(title.html, self.links.page(self.lang, Links.issue(issue)), title.lang,
                    len(issue.entries))

    def issue(self, issue: Issue) -> IssueView:
        view = self._issues.get(issue.id)
        if view is None:
            view = self._issues[issue.id] = self._issue(issue)
        return view

    def _issue(self, issue: Issue) -> IssueView:
        intro = issue.file.intro if issue.file else None
        position = self.issue_positions.get(issue.id)
        issues = self.site.issues
        newer = issues[position - 1] if position else None
        older = issues[position + 1] if position is not None and position + 1 < len(issues) \
            else None
        href = self.links.page(self.lang, Links.issue(issue))
        shown_intro = self.pick(intro, self.block(f"intro-{issue.id}"))
        return IssueView(
            issue=issue, href=href, title=self.issue_title(issue), date=self.date(issue.key.start),
            intro=shown_intro, card_intro=fragments_into(shown_intro, href),
            entries=tuple(EntryView(e.number, self.paper(e.paper), e.reappears)
                          for e in issue.entries),
            newer=self.issue_link(newer) if newer else None,
            older=self.issue_link(older) if older else None,
        )

    @cached_property
    def issue_positions(self) -> dict[str, int]:
        return {issue.id: n for n, issue in enumerate(self.site.issues)}

    def term_links(self, terms: tuple[Term, ...]) -> tuple[Link, ...]:
        return tuple(Link(t.name, self.links.page(self.lang, Links.term(t)), None, len(t.papers))
                     for t in terms)

    def edit_url(self, source) -> str | None:
        repo = self.config.repo_url
        if not repo:
            return None
        rel = source.relative_to(self.config.root).as_posix()
        repo = repo.rstrip("/")
        if "/tree/" in repo:  # https://github.com/o/r/tree/BRANCH/SUBDIR
            return repo.replace("/tree/", "/edit/", 1) + "/" + rel
        return f"{repo}/edit/main/{rel}"
