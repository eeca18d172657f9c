"""The sitemap: every page's URL in each language (``hreflang`` alternates), in files of at
most 50,000 URLs, and an index of them when there are several."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .links import Links
from .reads import PageKind
from .views import Link

if TYPE_CHECKING:
    from .jobs import Page
    from .render import Renderer


def sitemap_files(renderer: Renderer) -> list[tuple[PageKind, str, tuple[str, ...]]]:
    """Each sitemap file: ``(SITEMAP, name, page URLs)``, and when there are many, the
    index of them: ``(SITEMAP_INDEX, "sitemap.xml", names)``."""
    site = renderer.site
    rels = ["", *(page.page_rel for page in renderer.archive_pages), "stats/",
            *(Links.issue(i) for i in site.issues),
            *renderer.paper_rels.values(),
            *(page.page_rel for page in renderer.term_pages)]
    chunk = 50_000 // len(renderer.config.languages)  # the protocol's limit per file
    groups = [tuple(rels[i:i + chunk]) for i in range(0, len(rels), chunk)]
    if len(groups) == 1:
        return [(PageKind.SITEMAP, "sitemap.xml", groups[0])]
    names = tuple(f"sitemap-{n}.xml" for n in range(1, len(groups) + 1))
    return [*((PageKind.SITEMAP, name, group) for name, group in zip(names, groups)),
            (PageKind.SITEMAP_INDEX, "sitemap.xml", names)]


def sitemap(renderer: Renderer, name: str, rels: tuple[str, ...]) -> Page:
    from .jobs import Page
    config, links = renderer.config, renderer.links
    return Page(name, renderer.render_text("sitemap.xml", {
        "urls": [[Link(lang, links.absolute(lang, rel)) for lang in config.languages]
                 for rel in rels],
        "default": config.default_language}))


def sitemap_index(renderer: Renderer, name: str, names: tuple[str, ...]) -> Page:
    from .jobs import Page
    return Page(name, renderer.render_text("sitemap-index.xml", {
        "sitemaps": [renderer.config.base_url + n for n in names]}))
