"""Long lists cut into pages: ``tags/<tag>/``, ``categories/<c>/`` and ``archive/``.

Page 1 of a list is the list's own URL; page *n* > 1 is ``<list>page/<n>/``. There is no
``page/1/``: every link to the first page is the list's URL, so the first page has one address.
Pages are cut from the list's own order (newest first), so a new paper or issue moves the
others along: every page of that list is rendered again, each from the rows it shows.
"""

from __future__ import annotations

from typing import NamedTuple

#: Papers on one page of a tag or category.
TERM_PAGE_PAPERS = 50
#: Issues on one page of the archive (a line each).
ARCHIVE_PAGE_ISSUES = 100


class ListPage(NamedTuple):
    """One page of a list: what the list is about (a term, or None for the archive), the
    list's own folder (``tags/llm/``), this page's number (from 1) and how many there are."""

    subject: object
    rel: str
    number: int
    count: int

    @property
    def page_rel(self) -> str:
        """This page's folder."""
        return page_rel(self.rel, self.number)

    def part(self, items: tuple | list, size: int) -> tuple | list:
        """The items of a list of ``size`` a page that this page shows."""
        return items[(self.number - 1) * size:self.number * size]


def page_count(items: int, size: int) -> int:
    """How many pages a list of ``items`` takes (one even when it is empty)."""
    return max(1, -(-items // size))


def page_rel(rel: str, number: int) -> str:
    """The folder of page ``number`` of the list at ``rel``."""
    return rel if number == 1 else f"{rel}page/{number}/"


def list_pages(subject: object, rel: str, items: int, size: int) -> list[ListPage]:
    """Every page of the list at ``rel`` of ``items``."""
    count = page_count(items, size)
    return [ListPage(subject, rel, number, count) for number in range(1, count + 1)]
