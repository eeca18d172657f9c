"""``digestgen add``: ids and feeds into record files, through a local arXiv stand-in."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import textwrap

import pytest
import yaml
from click.testing import CliRunner

from arxiv_server import FIXTURES, ArxivServer, Reply, fixture, recorded
from arxiv_server import no_internet  # noqa: F401 (the fixture below)
from digestgen.cli import main

PAGE = "api-search-testing-start0-max10.xml"

pytestmark = pytest.mark.usefixtures("no_internet")


@pytest.fixture
def server():
    with ArxivServer() as running:
        yield running


@pytest.fixture
def arxiv_site(site, server, monkeypatch):
    """A site whose ``arxiv_api`` is the local server, as the working folder."""
    monkeypatch.chdir(site.root)
    site.write("digestgen.yaml", f"""\
        title: Test Digest
        base_url: https://alice.github.io/digest/
        arxiv_api: {server.api_url}
        """)
    return site


def run(site, *args: str):
    result = CliRunner().invoke(main, ["add", "--config", str(site.config_path),
                                       "--delay", "0", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def paper(site, name: str) -> str:
    return (site.root / "content" / "papers" / name).read_text(encoding="utf-8")


def papers(site) -> list[str]:
    folder = site.root / "content" / "papers"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


EXPECTED_1605 = """\
id: '1605.08386'
title: Heat-bath random walks with Markov bases
date: 2024-03-22
authors:
  - Caprice Stanley
  - Tobias Windisch
url: https://arxiv.org/abs/1605.08386
pdf: https://arxiv.org/pdf/1605.08386v1
arxiv:
  version: 1
  primary_category: math.CO
  categories:
    - math.CO
    - math.ST
  published: 2016-05-26
  updated: 2016-05-26
  comment: 20 pages, 3 figures
abstract: >-
  Graphs on lattice points are studied whose edges come from a finite set of allowed
  moves of arbitrary length. We show that the diameter of these graphs on fibers of
  a fixed integer matrix can be bounded from above by a constant. We then study the
  mixing behaviour of heat-bath random walks on these graphs. We also state explicit
  conditions on the set of moves so that the heat-bath random walk, a generalization
  of the Glauber dynamics, is an expander in fixed dimension.
tags:
  - markov
"""


def test_add_writes_a_clean_record(arxiv_site, server):
    server.queue(recorded("api-id-1605.08386.xml"))
    result = run(arxiv_site, "https://arxiv.org/abs/1605.08386", "--date", "2024-03-22",
                 "--tag", "markov")
    assert result.exit_code == 0, result.output
    assert server.requests[0].query["id_list"] == "1605.08386"
    assert paper(arxiv_site, "1605.08386.yaml") == EXPECTED_1605
    assert result.stdout == "create content/papers/1605.08386.yaml\n1 new.\n"
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_ids_in_every_form_go_in_one_request(arxiv_site, server):
    # Ten ids of a recorded ten-result answer, written the ways people paste them.
    ids = re.findall(r"<id>http://arxiv.org/abs/([^<]+)</id>", fixture(PAGE).decode())
    pasted = [ids[0], f"arXiv:{ids[1]}", f"https://arxiv.org/abs/{ids[2]}",
              f"http://arxiv.org/pdf/{ids[3]}.pdf", f"https://export.arxiv.org/abs/{ids[4]}",
              *ids[5:]]
    server.queue(recorded(PAGE))
    result = run(arxiv_site, *pasted, "--date", "2024-03-22")
    assert result.exit_code == 0, result.output
    assert len(server.requests) == 1
    assert server.requests[0].query["id_list"] == ",".join(ids)
    bare = [re.sub(r"v\d+$", "", i).replace("/", "-") for i in ids]
    assert papers(arxiv_site) == sorted(f"{name}.yaml" for name in bare)
    assert result.stdout.endswith("10 new.\n")


def test_old_style_id_gets_a_slug_file(arxiv_site, server):
    server.queue(recorded("api-classic-id-math-0211159.xml"))
    result = run(arxiv_site, "math.GT/0211159", "--date", "2024-03-22")
    assert result.exit_code == 0, result.output
    assert server.requests[0].query["id_list"] == "math/0211159"
    text = paper(arxiv_site, "math-0211159.yaml")
    assert text.startswith("id: math/0211159\ntitle: The entropy formula for the Ricci flow")
    # arXiv lists the MSC class 53C among its categories: the record keeps arXiv's own.
    assert "  categories:\n    - math.DG\n" in text and "53C" not in text
    built = CliRunner().invoke(main, ["build", "-q", "--config", str(arxiv_site.config_path)])
    assert built.exit_code == 0, built.output  # add wrote only what build accepts


HAND_WRITTEN = """\
id: '1111.2011'
# The Chinese title was written by hand.
title:
  en: An old English title
  zh: 大连通极限下 Bethe 晶格上扩展节点的量子临界性
date: 2024-03-20
authors:
  - J. Murray
arxiv:
  version: 1
  announce_type: new
  primary_category: cond-mat.str-el
tldr:
  zh: 一句话总结。
abstract:
  en: An old abstract.
  zh: 人工翻译的摘要。
review:
  motivation:
    zh:
      - 动机。
tags:
  - criticality
notes: My own notes.
"""


def test_second_add_updates_only_what_arxiv_owns(arxiv_site, server):
    path = arxiv_site.paper("1111.2011.yaml", HAND_WRITTEN)
    server.queue(recorded("api-classic-id-1111.2011v2.xml"))
    result = run(arxiv_site, "1111.2011", "--tag", "other")  # no --date: the record exists
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    record = yaml.safe_load(text)
    assert record["title"] == {
        "en": "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large "
              "Connectivity Limit",
        "zh": "大连通极限下 Bethe 晶格上扩展节点的量子临界性"}
    assert record["abstract"]["zh"] == "人工翻译的摘要。"
    assert record["abstract"]["en"].startswith("Theoretical description of anisotropic")
    assert record["authors"] == ["James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"]
    assert record["arxiv"]["version"] == 2
    assert record["arxiv"]["announce_type"] == "new"  # not arXiv API data: kept
    assert record["arxiv"]["doi"] == "10.1103/PhysRevB.85.115117"
    for key in ("date", "tldr", "review", "tags", "notes"):
        assert record[key] == yaml.safe_load(HAND_WRITTEN)[key], key
    assert "# The Chinese title was written by hand." in text
    out = result.stdout
    assert "update content/papers/1111.2011.yaml: " in out
    assert "  arxiv.version: 1 -> 2\n" in out
    assert "  title.en: An old English title -> Quantum Criticality" in out
    assert "tags differs; kept the existing text (incoming: ['other'])" in out
    assert out.endswith("1 updated.\n")


def test_dry_run_shows_the_update_and_writes_nothing(arxiv_site, server):
    path = arxiv_site.paper("1111.2011.yaml", HAND_WRITTEN)
    server.queue(recorded("api-classic-id-1111.2011v2.xml"))
    result = run(arxiv_site, "1111.2011", "--dry-run")
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == HAND_WRITTEN
    assert "would update content/papers/1111.2011.yaml: " in result.stdout
    assert "  arxiv.version: 1 -> 2\n" in result.stdout
    assert result.stdout.endswith("Dry run, nothing was written: 1 updated.\n")
    assert papers(arxiv_site) == ["1111.2011.yaml"]


def test_adding_again_changes_nothing(arxiv_site, server):
    server.queue(recorded("api-id-1605.08386.xml"), recorded("api-id-1605.08386.xml"))
    run(arxiv_site, "1605.08386", "--date", "2024-03-22")
    before = paper(arxiv_site, "1605.08386.yaml")
    result = run(arxiv_site, "1605.08386v1")
    assert result.exit_code == 0, result.output
    assert paper(arxiv_site, "1605.08386.yaml") == before
    assert result.stdout == "1 unchanged.\n"


def test_missing_id_is_reported_and_the_rest_written(arxiv_site, server):
    server.queue(recorded("api-id-0808.05394+1707.08567-partial.xml"))
    result = run(arxiv_site, "0808.0539", "1707.08567", "--date", "2024-03-22")
    assert result.exit_code == 1
    assert "Not found on arXiv (no record written): 0808.0539" in result.stderr
    assert papers(arxiv_site) == ["1707.08567.yaml"]
    assert "  - Dirk Wübben\n" in paper(arxiv_site, "1707.08567.yaml")


def test_empty_answer_reports_every_id(arxiv_site, server):
    server.queue(recorded("api-id-0000.0000-no-results.xml"))
    result = run(arxiv_site, "2401.00001", "--date", "2024-03-22")
    assert result.exit_code == 1
    assert "Not found on arXiv (no record written): 2401.00001" in result.stderr
    assert result.stdout == ""  # said once, not beside "Nothing to do."
    assert papers(arxiv_site) == []


def test_http_400_writes_nothing(arxiv_site, server):
    server.queue(recorded("api-id-0000.0000-no-results.xml"),
                 recorded("api-id-abc-http400-error.xml", status=400))
    result = run(arxiv_site, "2401.00001", "--date", "2024-03-22")
    assert result.exit_code == 1
    server.queue(recorded("api-id-abc-http400-error.xml", status=400))
    result = run(arxiv_site, "1605.08386", "--date", "2024-03-22")
    assert result.exit_code == 1
    assert "HTTP 400 (incorrect id format for abc)" in result.stderr
    assert "Nothing was written." in result.stderr
    assert papers(arxiv_site) == []


def test_bad_ids_fail_before_any_request(arxiv_site, server):
    result = run(arxiv_site, "2403.14715", "abc", "0808.05394", "--date", "2024-03-22")
    assert result.exit_code == 2
    assert "'abc' is not an arXiv id" in result.stderr
    assert "'0808.05394': ids from before 2015 have 4 digits after the dot" in result.stderr
    assert server.requests == [] and papers(arxiv_site) == []


def test_new_records_need_a_date(arxiv_site, server):
    result = run(arxiv_site, "2403.14715", "math/0211159")
    assert result.exit_code == 2
    assert "--date YYYY-MM-DD is required for new records" in result.stderr
    assert "2403.14715, math/0211159" in result.stderr
    assert server.requests == []


def test_arxiv_itself_needs_the_full_delay(site):
    result = CliRunner().invoke(main, ["add", "--config", str(site.config_path),
                                       "--delay", "1", "2403.14715", "--date", "2024-03-22"])
    assert result.exit_code == 2
    assert "--delay must be at least 3 s for arXiv itself" in result.stderr


ALL_FEED = str(FIXTURES / "rss-all-archives-2024-11-28.xml")


def test_feed_file_makes_records_of_the_selected_papers(arxiv_site, server):
    result = run(arxiv_site, "--feed", ALL_FEED, "--type", "new,cross",
                 "--category", "cs.LG", "--tag", "daily")
    assert result.exit_code == 0, result.output
    assert server.requests == []  # a feed file needs no request
    names = papers(arxiv_site)
    assert len(names) == 147 and "2411.16552.yaml" in names
    assert result.stdout.endswith("147 new.\n")
    record = yaml.safe_load(paper(arxiv_site, "2411.16552.yaml"))
    assert record["date"].isoformat() == "2024-11-28"
    assert record["arxiv"] == {
        "version": 1, "announce_type": "cross", "primary_category": "stat.AP",
        "categories": ["stat.AP", "cs.LG", "econ.EM", "stat.ME", "stat.ML"]}
    assert record["tags"] == ["daily"]


def test_feed_with_explicit_date_and_dry_run(arxiv_site):
    result = run(arxiv_site, "--feed", ALL_FEED, "--type", "cross", "--date", "2024-11-29",
                 "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("would create content/papers/") == 9
    assert result.stdout.endswith("Dry run, nothing was written: 9 new.\n")
    assert papers(arxiv_site) == []


FEED = """\
<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
     version="2.0"><channel><title>math updates on arXiv.org</title>
<pubDate>Fri, 22 Mar 2024 00:00:00 -0400</pubDate>
<item><title>Heat-bath random walks with Markov bases</title>
<link>https://arxiv.org/abs/1605.08386</link>
<description>arXiv:1605.08386v1 Announce Type: replace-cross 
Abstract: Graphs on lattice points.</description>
<category>math.CO</category><category>math.ST</category>
<pubDate>Fri, 22 Mar 2024 00:00:00 -0400</pubDate>
<arxiv:announce_type>replace-cross</arxiv:announce_type>
<dc:creator>Caprice Stanley (Somewhere, Else), Tobias Windisch</dc:creator></item>
</channel></rss>
"""


def test_feed_url_completed_from_the_api(arxiv_site, server):
    server.queue(Reply(200, FEED.encode(), content_type="application/rss+xml"),
                 recorded("api-id-1605.08386.xml"))
    result = run(arxiv_site, "--feed", server.root + "/rss/math", "--fetch")
    assert result.exit_code == 0, result.output
    assert [r.path for r in server.requests] == ["/rss/math", "/api/query"]
    assert server.requests[1].query["id_list"] == "1605.08386v1"
    expected = EXPECTED_1605.replace("  version: 1\n",
                                     "  version: 1\n  announce_type: replace-cross\n")
    assert paper(arxiv_site, "1605.08386.yaml") == expected.replace("tags:\n  - markov\n", "")


def test_a_later_announcement_keeps_the_records_date_and_announce_type(arxiv_site):
    path = arxiv_site.paper("1605.08386.yaml", EXPECTED_1605.replace(
        "  version: 1\n", "  version: 1\n  announce_type: new\n"))
    later = FEED.replace("v1 Announce", "v2 Announce").replace("Fri, 22 Mar", "Mon, 25 Mar")
    feed = arxiv_site.write("math.xml", later)
    result = run(arxiv_site, "--feed", str(feed))
    assert result.exit_code == 0, result.output
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert record["date"].isoformat() == "2024-03-22"
    assert record["arxiv"]["announce_type"] == "new"
    assert record["arxiv"]["version"] == 2
    assert record["authors"] == ["Caprice Stanley", "Tobias Windisch"]
    assert record["abstract"] == "Graphs on lattice points."
    assert "  arxiv.version: 1 -> 2\n" in result.stdout
    assert "arxiv.announce_type differs; kept the existing text (incoming: replace-cross)" \
        in result.stdout


def test_error_feed_url_is_reported(arxiv_site, server):
    server.queue(recorded("rss-error-bad-archive-astroph.xml"))
    url = server.root + "/rss/astroph"
    result = run(arxiv_site, "--feed", url)
    assert result.exit_code == 1
    assert f"{url}:4: arXiv answered with an error feed" in result.stderr
    assert "Bad archive 'astroph'" in result.stderr
    assert papers(arxiv_site) == []


def test_empty_feed_adds_nothing(arxiv_site):
    result = run(arxiv_site, "--feed", str(FIXTURES / "rss-test-archive-empty-2024-11-28.xml"))
    assert result.exit_code == 0
    assert "The feed lists no papers" in result.stderr
    assert result.stdout == "Nothing to do.\n"


def test_feed_options_need_a_feed(arxiv_site):
    result = run(arxiv_site, "2403.14715", "--type", "new")
    assert result.exit_code == 2 and "--type works only with --feed" in result.stderr
    result = run(arxiv_site, "--feed", ALL_FEED, "--type", "old")
    assert result.exit_code == 2 and "unknown announce type 'old'" in result.stderr


def test_a_built_site_shows_added_papers(arxiv_site, server):
    server.queue(recorded("api-id-1605.08386.xml"))
    assert run(arxiv_site, "1605.08386", "--date", "2024-03-22").exit_code == 0
    assert run(arxiv_site, "--feed", ALL_FEED, "--category", "math.GT").exit_code == 0
    asked = len(server.requests)
    result = CliRunner().invoke(main, ["build", "--config", str(arxiv_site.config_path)])
    assert result.exit_code == 0, result.output
    assert len(server.requests) == asked  # nothing is fetched during build
    page = arxiv_site.page("papers/1605.08386/index.html")
    assert "Heat-bath random walks with Markov bases" in page
    assert "Caprice Stanley" in page
    assert "Heat-bath random walks" in arxiv_site.page("issues/2024-03-22/index.html")
    day = arxiv_site.page("issues/2024-11-28/index.html")
    assert "2411.15345" in day


def test_help_lists_the_options():
    result = CliRunner().invoke(main, ["add", "--help"])
    assert result.exit_code == 0
    for option in ("--feed", "--type", "--category", "--fetch", "--date", "--tag",
                   "--dry-run", "--delay", "--timeout"):
        assert option in result.output
    assert textwrap.dedent("""\
        arXiv owns title (English), authors, abstract (English), url, pdf and arxiv.*;""") \
        in result.output


def run_on_terminal(site, *args: str) -> tuple[int, str]:
    """``digestgen add`` in a real process whose stderr is a terminal (a pseudo-terminal)."""
    master, slave = os.openpty()
    command = [sys.executable, "-c", "from digestgen.cli import run; run()", "add",
               "--delay", "0", *args]
    with subprocess.Popen(command, cwd=site.root, stdout=subprocess.PIPE, stderr=slave,
                          stdin=subprocess.DEVNULL) as process:
        os.close(slave)
        seen = b""
        while True:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the terminal closed when the process ended
                    chunk = b""
                if not chunk and process.poll() is not None:
                    break
                seen += chunk
            elif process.poll() is not None:
                break
        process.wait(timeout=30)
    os.close(master)
    return process.returncode, seen.decode(errors="replace")


@pytest.mark.parametrize("quiet", [False, True])
def test_progress_bar_only_on_a_terminal_and_not_with_quiet(arxiv_site, server, quiet):
    ids = re.findall(r"<id>http://arxiv.org/abs/([^<]+)</id>", fixture(PAGE).decode())
    server.queue(recorded(PAGE))
    status, terminal = run_on_terminal(arxiv_site, *ids, "--date", "2024-03-22",
                                       *(["-q"] if quiet else []))
    assert status == 0, terminal
    assert len(papers(arxiv_site)) == 10
    if quiet:
        assert "arXiv" not in terminal
    else:
        assert re.search(r"arXiv\s+\[#+\]\s+100%", terminal), terminal
