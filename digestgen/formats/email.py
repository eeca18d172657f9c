"""An issue as an HTML e-mail: every paper in both languages, linked to its page on the site.

The e-mail is rendered by the theme's ``email.html`` (a site's ``layouts/email.html`` overrides
it) with autoescaping on: every text is escaped. Texts are shown as plain paragraphs, as mail
programs show neither MathML nor the site's styles; links are absolute, made from
``base_url``, and only http(s) links of a record are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from markupsafe import Markup

from ..config import SiteConfig
from ..content.model import Issue, Site
from ..content.records import Paper, Text
from ..pages.theme import load_theme
from ..pages.links import Links
from ..pages.reads import link_reads
from ..pages.views import Views


@dataclass(frozen=True)
class Line:
    lang: str
    text: str


@dataclass(frozen=True)
class Paragraphs:
    lang: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Href:
    label: str
    href: str


@dataclass(frozen=True)
class EmailPaper:
    number: int
    titles: tuple[Line, ...]  # the lead language's first
    tldr: tuple[Line, ...]
    abstract: tuple[Paragraphs, ...]
    page_url: str
    links: tuple[Href, ...]


def render_email(config: SiteConfig, site: Site, issue: Issue, lang: str) -> str:
    """The HTML of ``issue`` as an e-mail leading with ``lang``."""
    theme = load_theme(config)
    links = Links(site)
    order = tuple(dict.fromkeys([lang, *config.languages, config.source_language]))
    shown = Views(site, theme.strings, None, lang).issue_title(link_reads(issue))
    title = Markup(shown.html).striptags()
    intro = issue.file.intro if issue.file else None
    return theme.template("email.html").render(
        lang=lang, s=theme.strings.get(lang, theme.strings["en"]), title=title,
        site_title=config.title, home_url=links.absolute(lang),
        issue_url=links.absolute(lang, Links.issue(issue)),
        intro=[Line(code, part) for code, text in _in_order(intro, order)
               for part in _paragraphs(text)],
        papers=[_paper(entry.number, entry.paper, order, links.absolute(lang, Links.paper(
            entry.paper))) for entry in issue.entries],
    )


def _paper(number: int, paper: Paper, order: tuple[str, ...], page_url: str) -> EmailPaper:
    links = [Href(_label(href, label), href)
             for label, href in (("abstract", paper.link), ("PDF", paper.pdf_link))
             if href and urlsplit(href).scheme in ("http", "https")]
    return EmailPaper(
        number=number,
        titles=tuple(Line(code, " ".join(text.split()))
                     for code, text in _in_order(paper.title, order)),
        tldr=tuple(Line(code, " ".join(text.split()))
                   for code, text in _in_order(paper.tldr, order)),
        abstract=tuple(Paragraphs(code, _paragraphs(text))
                       for code, text in _in_order(paper.abstract, order)),
        page_url=page_url,
        links=tuple(links),
    )


def _label(href: str, kind: str) -> str:
    """``arXiv`` for an arXiv abstract, ``PDF`` for a PDF, else the link's host."""
    host = (urlsplit(href).hostname or "").removeprefix("www.")
    if kind == "PDF":
        return kind
    return "arXiv" if host == "arxiv.org" or host.endswith(".arxiv.org") else host


def _in_order(text: Text | None, order: tuple[str, ...]) -> list[tuple[str, str]]:
    """The languages of ``text`` in ``order`` (others after), skipping empty ones."""
    if text is None:
        return []
    codes = [c for c in order if c in text] + [c for c in text.languages() if c not in order]
    return [(code, text[code]) for code in codes if text[code].strip()]


def _paragraphs(text: str) -> tuple[str, ...]:
    """Paragraphs split at blank lines, each on one line."""
    parts = (" ".join(part.split()) for part in text.replace("\r\n", "\n").split("\n\n"))
    return tuple(part for part in parts if part)
