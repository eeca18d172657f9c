"""Metadata for reference managers and link previews (SPEC 4.1): Highwire Press ``citation_*``
tags and a JSON-LD ``ScholarlyArticle`` for a paper page, a COinS span per paper on lists, and
the Open Graph locale of a language. Everything here is plain text or data; templates escape it.
"""

from __future__ import annotations

import datetime as dt
import json

from ..content.records import Paper, is_arxiv_id
from .bibtex import original
from .percent import urlencode

#: Open Graph locales (``language_TERRITORY``) of the usual codes; others are derived.
_LOCALES = {"zh": "zh_CN", "en": "en_US", "ja": "ja_JP", "ko": "ko_KR", "fr": "fr_FR",
            "de": "de_DE", "es": "es_ES", "pt": "pt_BR", "ru": "ru_RU", "it": "it_IT"}


def og_locale(code: str) -> str:
    """``zh`` -> ``zh_CN``; ``zh-TW`` -> ``zh_TW``; an unknown code as it is."""
    lang, _, region = code.replace("_", "-").partition("-")
    if region:
        return f"{lang.lower()}_{region.upper()}"
    return _LOCALES.get(lang.lower(), lang.lower())


def slash_date(day: dt.date) -> str:
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"


def citation_tags(paper: Paper, source_language: str, page_url: str) -> list[tuple[str, str]]:
    """The Highwire Press tags of ``paper`` as (name, content), in the order Zotero and Google
    Scholar document them."""
    info = paper.arxiv
    tags = [("citation_title", title_text(paper, source_language))]
    tags += [("citation_author", author) for author in paper.authors]
    tags.append(("citation_publication_date", slash_date(info.published or paper.date)))
    tags.append(("citation_online_date", slash_date(info.updated or info.published or paper.date)))
    if is_arxiv_id(paper.id):
        tags.append(("citation_arxiv_id", paper.id))
    if paper.pdf_link:
        tags.append(("citation_pdf_url", paper.pdf_link))
    tags.append(("citation_abstract_html_url", paper.link or page_url))
    if info.doi:
        tags.append(("citation_doi", info.doi))
    if info.journal_ref:
        tags.append(("citation_journal_title", info.journal_ref))
    return tags


def plain(text: str) -> str:
    """A text on one line (its source: math stays ``$...$``, as reference managers keep it)."""
    return " ".join(text.split())


def title_text(paper: Paper, source_language: str) -> str:
    return plain(original(paper.title, source_language))


#: The longest headline search engines show of an article.
HEADLINE_LENGTH = 110


def json_ld(paper: Paper, source_language: str, page_url: str) -> str:
    """The paper as a schema.org ``ScholarlyArticle``, as JSON safe inside ``<script>``."""
    info, title = paper.arxiv, title_text(paper, source_language)
    data: dict = {
        "@context": "https://schema.org", "@type": "ScholarlyArticle",
        "headline": title[:HEADLINE_LENGTH],
        # The whole title once more only where the headline cuts it: every paper page in
        # every language carries this.
        **({"name": title} if len(title) > HEADLINE_LENGTH else {}),
        "author": [{"@type": "Person", "name": author} for author in paper.authors],
        "datePublished": (info.published or paper.date).isoformat(),
        "url": page_url,
    }
    if info.updated:
        data["dateModified"] = info.updated.isoformat()
    # No abstract: the page shows it, and a copy here would publish it once more per page.
    same = [link for link in (paper.link, f"https://doi.org/{info.doi}" if info.doi else None)
            if link]
    if same:
        data["sameAs"] = same
    if is_arxiv_id(paper.id):
        data["identifier"] = f"arXiv:{paper.id}"
    if paper.categories or paper.tags:
        data["keywords"] = [*paper.categories, *paper.tags]
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    # Nothing in it may end the script element or open a comment in it.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def coins(paper: Paper, source_language: str) -> str:
    """The ``title`` of a COinS span (OpenURL 1.0 KEV) describing ``paper``."""
    info = paper.arxiv
    pairs = [("ctx_ver", "Z39.88-2004"),
             ("rft_val_fmt", "info:ofi/fmt:kev:mtx:journal"),
             ("rft.genre", "article" if info.journal_ref else "preprint"),
             ("rft.atitle", title_text(paper, source_language))]
    if info.journal_ref:
        pairs.append(("rft.jtitle", info.journal_ref))
    pairs += [("rft.au", author) for author in paper.authors]
    pairs.append(("rft.date", (info.published or paper.date).isoformat()))
    if is_arxiv_id(paper.id):
        pairs.append(("rft_id", f"info:arxiv/{paper.id}"))
    if info.doi:
        pairs.append(("rft_id", f"info:doi/{info.doi}"))
    if paper.link:
        pairs.append(("rft_id", paper.link))
    return urlencode(pairs)
