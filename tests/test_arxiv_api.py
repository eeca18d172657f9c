"""The arXiv client against a local server replaying recorded arXiv responses."""

from __future__ import annotations

import datetime
import re
import socket

import pytest

from arxiv_server import ArxivServer, Reply, fixture, recorded
from arxiv_server import no_internet  # noqa: F401 (the fixture below)
from digestgen.arxiv.api import ArxivClient, FetchError, Policy, match_results, result_record
from digestgen.arxiv.ids import ArxivId, parse_arxiv_id

pytestmark = pytest.mark.usefixtures("no_internet")


def fast_policy(sleeps: list, **changes) -> Policy:
    """No spacing between requests, waits recorded instead of slept."""
    values = dict(delay=0, timeout=2, retries=3, backoff=1, sleep=sleeps.append)
    values.update(changes)
    return Policy(**values)


def lookup(server: ArxivServer, ids: list[ArxivId], sleeps: list | None = None, **options):
    policy = options.pop("policy", None) or fast_policy([] if sleeps is None else sleeps)
    client = ArxivClient(server.api_url, policy, **options)
    return match_results(ids, list(client.fetch(ids)))


def ids(*texts: str) -> list[ArxivId]:
    return [parse_arxiv_id(text) for text in texts]


def test_found_id_becomes_a_record_of_arxiv_fields():
    with ArxivServer() as server:
        server.queue(recorded("api-id-1605.08386.xml"))
        result = lookup(server, ids("1605.08386"))
    request, = server.requests
    assert request.path == "/api/query"
    assert request.query["id_list"] == "1605.08386"
    assert (request.query["start"], request.query["max_results"]) == ("0", "100")
    assert result.missing == []
    record = result_record(result.found[ArxivId("1605.08386")])
    assert record == {
        "id": "1605.08386",
        "title": "Heat-bath random walks with Markov bases",
        "authors": ["Caprice Stanley", "Tobias Windisch"],
        "url": "https://arxiv.org/abs/1605.08386",
        "pdf": "https://arxiv.org/pdf/1605.08386v1",
        "arxiv": {
            "version": 1,
            "primary_category": "math.CO",
            "categories": ["math.CO", "math.ST"],
            "published": datetime.date(2016, 5, 26),
            "updated": datetime.date(2016, 5, 26),
            "comment": "20 pages, 3 figures",
        },
        "abstract": record["abstract"],
    }
    assert record["abstract"].startswith("Graphs on lattice points are studied")
    assert list(record) == ["id", "title", "authors", "url", "pdf", "arxiv", "abstract"]


def test_english_text_is_tagged_when_the_source_language_is_not_english():
    with ArxivServer() as server:
        server.queue(recorded("api-id-1605.08386.xml"))
        result = lookup(server, ids("1605.08386"))
    record = result_record(result.found[ArxivId("1605.08386")], source_language="zh")
    assert record["title"] == {"en": "Heat-bath random walks with Markov bases"}
    assert set(record["abstract"]) == {"en"}


def test_an_id_arxiv_does_not_return_is_reported_missing():
    # The recorded answer to two ids: arXiv returned only one of them.
    asked = [ArxivId("0808.05394"), ArxivId("1707.08567")]
    with ArxivServer() as server:
        server.queue(recorded("api-id-0808.05394+1707.08567-partial.xml"))
        result = lookup(server, asked)
    assert server.requests[0].query["id_list"] == "0808.05394,1707.08567"
    assert result.missing == [ArxivId("0808.05394")]
    record = result_record(result.found[ArxivId("1707.08567")])
    assert "Dirk Wübben" in record["authors"]
    assert len(record["authors"]) == 34


def test_empty_result_leaves_every_id_missing():
    with ArxivServer() as server:
        server.queue(recorded("api-id-0000.0000-no-results.xml"))
        result = lookup(server, [ArxivId("0000.0000")])
    assert result.found == {} and result.missing == [ArxivId("0000.0000")]
    assert len(server.requests) == 1


@pytest.mark.parametrize("name, bad_id, message", [
    ("api-id-abc-http400-error.xml", "abc", "incorrect id format for abc"),
    ("api-classic-id-INVALIDID-http400-error.xml", "INVALIDID",
     "incorrect id format for INVALIDID"),
])
def test_http_400_is_reported_with_arxivs_message_and_not_retried(name, bad_id, message):
    sleeps: list[float] = []
    with ArxivServer() as server:
        server.queue(recorded(name, status=400))
        with pytest.raises(FetchError) as error:
            lookup(server, [ArxivId(bad_id)], sleeps)
    assert f"HTTP 400 ({message})" in str(error.value)
    assert server.api_url in str(error.value)
    assert len(server.requests) == 1 and sleeps == []


def test_old_style_ids_classic_feed():
    with ArxivServer() as server:
        server.queue(recorded("api-classic-id-math-0211159.xml"))
        result = lookup(server, ids("math/0211159"))
    assert server.requests[0].query["id_list"] == "math/0211159"
    record = result_record(result.found[ArxivId("math/0211159")])
    assert record["id"] == "math/0211159"
    assert record["url"] == "https://arxiv.org/abs/math/0211159"
    assert record["pdf"] == "https://arxiv.org/pdf/math/0211159v1"
    assert record["arxiv"]["primary_category"] == "math.DG"
    assert record["arxiv"]["categories"] == ["math.DG"]  # not the MSC class 53C
    assert record["arxiv"]["published"] == datetime.date(2002, 11, 11)
    # The classic feed wraps the abstract at 80 columns; the record holds one line.
    assert "\n" not in record["abstract"]
    assert record["abstract"].startswith("We present a monotonic expression for the Ricci flow")


def test_old_style_id_with_affiliation_and_journal_ref():
    with ArxivServer() as server:
        server.queue(recorded("api-id-astro-ph-0601001.xml"))
        result = lookup(server, ids("astro-ph/0601001v1"))
    assert server.requests[0].query["id_list"] == "astro-ph/0601001v1"
    record = result_record(result.found[ArxivId("astro-ph/0601001", 1)])
    assert record["id"] == "astro-ph/0601001"
    assert record["arxiv"]["version"] == 1
    assert record["arxiv"]["journal_ref"]


def test_title_zero_stays_a_string():
    with ArxivServer() as server:
        server.queue(recorded("api-id-2104.12255v1-title-zero.xml"))
        result = lookup(server, ids("2104.12255v1"))
    assert result_record(result.found[ArxivId("2104.12255", 1)])["title"] == "0"


def test_doi_and_journal_ref_are_kept():
    with ArxivServer() as server:
        server.queue(recorded("api-classic-id-1710.08557.xml"))
        result = lookup(server, ids("1710.08557"))
    meta = result_record(result.found[ArxivId("1710.08557")])["arxiv"]
    assert meta["doi"] and meta["journal_ref"]
    assert "\n" not in result_record(result.found[ArxivId("1710.08557")])["title"]


def test_503_then_success_waits_once_and_retries():
    sleeps: list[float] = []
    with ArxivServer() as server:
        server.queue(Reply(503, b"busy"), recorded("api-id-1605.08386.xml"))
        result = lookup(server, ids("1605.08386"), sleeps)
    assert list(result.found) == [ArxivId("1605.08386")]
    assert len(server.requests) == 2
    assert sleeps == [1]


def test_back_off_grows_and_gives_up_after_the_last_retry():
    sleeps: list[float] = []
    with ArxivServer(default=lambda request: Reply(503, b"down")) as server:
        server.queue(Reply(429), Reply(502))
        with pytest.raises(FetchError) as error:
            lookup(server, ids("1605.08386"), sleeps)
    assert sleeps == [1, 2, 4]
    assert len(server.requests) == 4
    assert "HTTP 503; gave up after 4 tries" in str(error.value)


def test_retry_after_is_honoured_up_to_a_limit():
    sleeps: list[float] = []
    with ArxivServer() as server:
        server.queue(Reply(429, headers=(("Retry-After", "7"),)),
                     Reply(503, headers=(("Retry-After", "86400"),)),
                     recorded("api-id-1605.08386.xml"))
        result = lookup(server, ids("1605.08386"), sleeps)
    assert list(result.found) == [ArxivId("1605.08386")]
    assert sleeps == [7, 120]


def test_other_client_errors_are_not_retried():
    sleeps: list[float] = []
    with ArxivServer() as server:
        server.queue(Reply(404, b"not here"))
        with pytest.raises(FetchError, match="HTTP 404"):
            lookup(server, ids("1605.08386"), sleeps)
    assert len(server.requests) == 1 and sleeps == []


def test_server_that_never_answers_times_out():
    sleeps: list[float] = []
    policy = fast_policy(sleeps, timeout=0.3, retries=1)
    with ArxivServer() as server:
        server.queue(Reply(hang=True), Reply(hang=True))
        with pytest.raises(FetchError) as error:
            lookup(server, ids("1605.08386"), policy=policy)
    assert "no answer within 0.3 s; gave up after 2 tries" in str(error.value)
    assert len(server.requests) == 2 and sleeps == [1]


def test_refused_connection_is_retried_then_reported():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps: list[float] = []
    client = ArxivClient(f"http://127.0.0.1:{port}/api/query", fast_policy(sleeps, retries=2))
    with pytest.raises(FetchError, match="could not connect; gave up after 3 tries"):
        list(client.fetch(ids("1605.08386")))
    assert sleeps == [1, 2]


def test_no_test_request_leaves_the_machine():
    client = ArxivClient("https://export.arxiv.org/api/query", fast_policy([], retries=0))
    with pytest.raises(FetchError, match="could not connect"):
        list(client.fetch(ids("1605.08386")))


def search_page(request) -> Reply:
    """The recorded ``testing`` search, ten results a page, chosen by ``start``."""
    return recorded(f"api-search-testing-start{request.query['start']}-max10.xml")


def ids_in(*names: str) -> list[ArxivId]:
    found = []
    for name in names:
        text = fixture(name).decode()
        for entry_id in re.findall(r"<id>(https?://arxiv.org/abs/[^<]+)</id>", text):
            found.append(parse_arxiv_id(entry_id))
    return found


PAGES = [f"api-search-testing-start{start}-max10.xml" for start in (0, 10, 20)]


def test_results_are_paged_when_a_batch_exceeds_the_page_size():
    asked = ids_in(*PAGES)
    assert len(asked) == 30
    with ArxivServer(default=search_page) as server:
        result = lookup(server, asked, page_size=10, batch_size=30)
    assert [r.query["start"] for r in server.requests] == ["0", "10", "20"]
    assert {r.query["max_results"] for r in server.requests} == {"10"}
    assert result.missing == [] and len(result.found) == 30


def test_a_retry_resumes_at_the_page_that_failed():
    asked = ids_in(*PAGES)
    sleeps: list[float] = []
    with ArxivServer(default=search_page) as server:
        server.queue(search_page(_start(0)), Reply(503))
        result = lookup(server, asked, sleeps, page_size=10, batch_size=30)
    assert [r.query["start"] for r in server.requests] == ["0", "10", "10", "20"]
    assert len(result.found) == 30 and sleeps == [1]


def _start(start: int):
    from arxiv_server import Request
    return Request("/api/query", {"start": str(start)})


def test_ids_are_batched_one_request_per_batch():
    asked = ids_in(PAGES[0])
    with ArxivServer(default=lambda request: recorded(PAGES[0])) as server:
        lookup(server, asked, batch_size=4)
    assert [len(r.query["id_list"].split(",")) for r in server.requests] == [4, 4, 2]
    assert ",".join(r.query["id_list"] for r in server.requests) == ",".join(map(str, asked))


def test_requests_are_spaced_by_the_delay():
    now = [100.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    policy = Policy(delay=3, timeout=2, retries=0, sleep=sleep, clock=lambda: now[0])
    asked = ids_in(PAGES[0])[:3]
    with ArxivServer(default=lambda request: recorded(PAGES[0])) as server:
        lookup(server, asked, policy=policy, batch_size=1)
    assert len(server.requests) == 3
    assert sleeps == [3, 3]


def test_endpoint_with_its_own_query_string():
    with ArxivServer() as server:
        server.queue(recorded("api-id-1605.08386.xml"))
        client = ArxivClient(server.api_url + "?mirror=1", fast_policy([]))
        assert len(list(client.fetch(ids("1605.08386")))) == 1
    assert server.requests[0].query["mirror"] == "1"
    assert server.requests[0].query["id_list"] == "1605.08386"


def test_a_versioned_request_matches_only_that_version():
    with ArxivServer() as server:
        server.queue(recorded("api-id-1605.08386.xml"))
        result = lookup(server, ids("1605.08386v2"))
    assert result.missing == [ArxivId("1605.08386", 2)]
