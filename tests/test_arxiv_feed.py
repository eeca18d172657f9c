"""Reading rss.arxiv.org announcement feeds: the recorded 1504-item day, empty and error feeds."""

from __future__ import annotations

import datetime
from collections import Counter
from pathlib import Path

import pytest

from arxiv_server import FIXTURES, ArxivServer, Reply, recorded
from arxiv_server import no_internet  # noqa: F401 (the fixture below)
from digestgen.arxiv.api import FetchError, Policy, PoliteSession
from digestgen.arxiv.feed import download_feed, item_record, parse_feed, select, split_authors
from digestgen.arxiv.ids import ArxivId
from digestgen.errors import SiteError

ALL = FIXTURES / "rss-all-archives-2024-11-28.xml"
EMPTY = FIXTURES / "rss-test-archive-empty-2024-11-28.xml"
ERROR = FIXTURES / "rss-error-bad-archive-astroph.xml"
DAY = datetime.date(2024, 11, 28)

pytestmark = pytest.mark.usefixtures("no_internet")


@pytest.fixture(scope="module")
def day():
    return parse_feed(ALL.read_bytes(), ALL)


def by_id(feed, paper_id):
    return next(item for item in feed.items if item.arxiv_id.id == paper_id)


def test_every_item_of_a_day_is_read(day):
    assert len(day.items) == 1504
    assert Counter(item.announce_type for item in day.items) == {
        "new": 926, "replace": 569, "cross": 9}
    assert day.date == DAY
    assert {item.date for item in day.items} == {DAY}
    assert all(item.arxiv_id.version and item.title and item.authors and item.categories
               for item in day.items)


def test_first_item(day):
    item = day.items[0]
    assert item.arxiv_id == ArxivId("2411.17700", 1)
    assert item.announce_type == "new"
    assert item.title.startswith("Exploring the Impact of Generative AI on Cross-Border")
    assert item.authors == ("Jun Cui",)
    assert item.categories == ("cs.CY",)
    assert item.abstract.startswith("This study investigates the influence of generative")
    assert item.line > 1


def test_affiliations_with_commas_are_not_authors(day):
    item = next(i for i in day.items if "Benjamin Rémy" in i.authors)
    assert item.authors == ("Mohammed Riadh Berramdane", "Alexandre Battiston",
                            "Michele Bardi", "Nicolas Blet", "Benjamin Rémy", "Matthieu Urbain")
    names = [name for i in day.items for name in i.authors]
    assert not [n for n in names if set(n) & set("(){}\\")]


def test_tex_accents_in_names_are_decoded(day):
    names = {name for item in day.items for name in item.authors}
    assert {"Paweł Niedbalski", "Jarosław Żygierewicz", "Guðmundur K. Stefánsson",
            "Özlem Tuğfe Demir"} <= names


def test_split_authors():
    assert split_authors(
        "Yuxiu Shao (School of Systems Science, Beijing, China), David Dahmen, "
        r"Pawe{\l} Ogniewski (Lab (B), Paris),Jun Cui") == [
        "Yuxiu Shao", "David Dahmen", "Paweł Ogniewski", "Jun Cui"]
    assert split_authors("") == []


def test_cross_list_record_has_primary_category_first(day):
    record = item_record(by_id(day, "2411.16552"))
    assert record == {
        "id": "2411.16552",
        "title": record["title"],
        "authors": record["authors"],
        "url": "https://arxiv.org/abs/2411.16552",
        "pdf": "https://arxiv.org/pdf/2411.16552v1",
        "arxiv": {"version": 1, "announce_type": "cross", "primary_category": "stat.AP",
                  "categories": ["stat.AP", "cs.LG", "econ.EM", "stat.ME", "stat.ML"]},
        "abstract": record["abstract"],
    }


def test_select_by_type_and_category(day):
    new_or_cross = select(day.items, types=["new", "cross"])
    assert len(new_or_cross) == 935
    learning = select(day.items, types=["new", "cross"], categories=["cs.LG"])
    assert learning and all("cs.LG" in item.categories for item in learning)
    assert all(item.announce_type in ("new", "cross") for item in learning)
    archive = select(day.items, categories=["cs"])
    assert all(any(c.startswith("cs.") for c in item.categories) for item in archive)
    assert set(learning) < set(archive)
    assert select(day.items) == list(day.items)


def test_empty_feed_has_no_items():
    feed = parse_feed(EMPTY.read_bytes(), EMPTY)
    assert feed.items == () and feed.date == DAY


def test_error_feed_is_reported_with_arxivs_message():
    with pytest.raises(SiteError) as error:
        parse_feed(ERROR.read_bytes(), ERROR)
    problem, = error.value.problems
    assert problem.line == 4
    assert "Feed error for query: http://rss.arxiv.org/rss/astroph" in problem.message
    assert "Bad archive 'astroph'" in problem.message


ITEM = """<item><title>T</title>
<description>{description}</description>
<category>cs.LG</category><dc:creator>A</dc:creator></item>"""


def feed_text(*items: str) -> bytes:
    return ('<?xml version="1.0"?>\n<rss xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'version="2.0"><channel><title>cs updates on arXiv.org</title>\n'
            + "\n".join(items) + "\n</channel></rss>").encode()


def test_bad_items_are_reported_by_line(tmp_path: Path):
    data = feed_text(
        ITEM.format(description="arXiv:2411.17700v1 Announce Type: new \nAbstract: ok"),
        ITEM.format(description="no header here"),
        ITEM.format(description="arXiv:2411.17701v1 Announce Type: withdrawn \nAbstract: x"),
        ITEM.format(description="arXiv:2411.1770v1 Announce Type: new \nAbstract: x"),
    )
    source = tmp_path / "cs.xml"
    with pytest.raises(SiteError) as error:
        parse_feed(data, source)
    assert [(p.line, p.message.split(" (")[0]) for p in error.value.problems] == [
        (7, "item description does not start with 'arXiv:ID Announce Type: TYPE ... "
            "Abstract:'"),
        (10, "unknown announce type 'withdrawn'"),
        (14, "'2411.1770v1': ids from 2015 have 5 digits after the dot"),
    ]


@pytest.mark.parametrize("data, message", [
    (b"<rss><channel>", "not well-formed XML"),
    (b"<feed xmlns='http://www.w3.org/2005/Atom'/>", "not an RSS feed"),
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><rss/>', "declares a DOCTYPE"),
])
def test_not_a_feed(tmp_path: Path, data: bytes, message: str):
    with pytest.raises(SiteError, match=message):
        parse_feed(data, tmp_path / "x.xml")


def test_download_with_a_retry():
    sleeps: list[float] = []
    policy = Policy(delay=0, timeout=2, retries=2, backoff=1, sleep=sleeps.append)
    with ArxivServer() as server:
        server.queue(Reply(503), recorded(EMPTY.name))
        data = download_feed(server.root + "/rss/test", PoliteSession(policy))
    assert data == EMPTY.read_bytes()
    assert [r.path for r in server.requests] == ["/rss/test", "/rss/test"]
    assert sleeps == [1]


def test_download_not_found_is_not_retried():
    policy = Policy(delay=0, timeout=2, retries=2, backoff=1, sleep=[].append)
    with ArxivServer() as server:
        with pytest.raises(FetchError, match="HTTP 404"):
            download_feed(server.root + "/rss/nope", PoliteSession(policy))
    assert len(server.requests) == 1
