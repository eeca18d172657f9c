"""The addresses a page links to: the site's own pages and assets (:class:`Links`) and
arXiv's pages about a paper."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..content.model import Issue, Site, Term
from ..content.records import Paper
from ..formats.percent import quote_plus
from .reads import LinkReads

#: arXiv makes HTML versions of the papers submitted from December 2023 on.
_NEW_STYLE_ID = re.compile(r"(?P<yymm>\d{4})\.\d{4,5}(?:v\d+)?")
#: How links to arXiv begin (most links are): told apart without parsing the URL.
_ARXIV_PREFIXES = tuple(f"{scheme}://{host}/" for scheme in ("https", "http")
                        for host in ("arxiv.org", "www.arxiv.org", "export.arxiv.org"))


def outside_label(url: str | None) -> str:
    """What a link to a paper's page elsewhere says: "arXiv", else the site's host name."""
    if not url:
        return ""
    if url.startswith(_ARXIV_PREFIXES):
        return "arXiv"
    host = (urlsplit(url).hostname or url).removeprefix("www.")
    return "arXiv" if host in ("arxiv.org", "export.arxiv.org") else host


def secure_arxiv(url: str | None) -> str | None:
    """``url``, by https when it is an http link to arXiv."""
    if url and url.startswith(("http://arxiv.org/", "http://www.arxiv.org/")):
        return "https://" + url[len("http://"):]
    return url


def arxiv_html_link(paper_id: str) -> str | None:
    match = _NEW_STYLE_ID.fullmatch(paper_id)
    if match is None or match["yymm"] < "2312":
        return None
    return f"https://arxiv.org/html/{paper_id}"


def author_search(name: str) -> str:
    return "https://arxiv.org/search/?searchtype=author&query=" + quote_plus(name)



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
    def issue(issue: Issue | LinkReads) -> str:
        return f"issues/{issue.id}/"

    @staticmethod
    def term(term: Term) -> str:
        return f"{term.kind}/{term.name}/"
