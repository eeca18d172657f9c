#!/usr/bin/env python3
"""What the search index costs a reader: the first search after opening the home page.

    python benchmarks/reader_search.py [--papers 5000] [--loads 3] [--work /tmp/digestbench]
                                       [--latency MS] [--mbps N] [--query Q ...] [--json FILE]

Builds the corpus (``../shared/bench``: ``gen_corpus.py``, made in ``--work`` unless there) with
its search index into ``--work``, serves the site from 127.0.0.1 under its base path (so no
network time: a reader on the internet waits longer, the more requests the more so), and opens
the home page in Chromium (``/usr/bin/chromium``, driven by Playwright) in a new profile for
each load, so that nothing is cached. ``--latency`` and ``--mbps`` make Chromium's network
slower (its DevTools network emulation: a round trip of that many milliseconds added to each
request, and a download speed), as a reader's connection is: then the number of requests made
one after another, and the bytes, show in the times. Each query is typed into the search box and sent; the time
is from sending it to the results showing. Then a second query (the next in the list) in the
same page: what a reader waits once the index has loaded. For each query: the median time of
the loads, the requests made to the index and their bytes.

The default queries are what the corpus has: a Chinese term, an English word and two English
words.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import platform
import statistics
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

from run import shared_bench  # this folder's: the shared bench folder's corpus and helpers

CHROMIUM = "/usr/bin/chromium"
QUERIES = ("对比学习", "transformer", "label smoothing")
#: Where the index is: requests below it are counted.
INDEX_FOLDER = "search/"
#: Seconds a search may take before the run gives up.
GIVE_UP = 120


def build_site(corpus: Path, output: Path) -> None:
    """The corpus built with its search index (its configuration's default) into ``output``."""
    subprocess.run([sys.executable, "-m", "digestgen", "build", "-q", "--config",
                    str(corpus / "digestgen.yaml"), "--output", str(output)], check=True)


def base_path(corpus: Path) -> str:
    """The site's path below its host (``/digest/``), from the corpus's configuration."""
    for line in (corpus / "digestgen.yaml").read_text(encoding="utf-8").splitlines():
        if line.startswith("base_url:"):
            path = urlsplit(line.partition(":")[2].strip()).path
            return path if path.endswith("/") else path + "/"
    return "/"


class SiteServer:
    """``site`` served from 127.0.0.1 under ``base`` (``/digest/`` serves ``site/``)."""

    def __init__(self, site: Path, base: str):
        class Handler(http.server.SimpleHTTPRequestHandler):
            def translate_path(self, path: str) -> str:
                inside = path.split("?", 1)[0].split("#", 1)[0]
                if not inside.startswith(base):
                    return str(site / "-not-found-")
                return super().translate_path("/" + inside[len(base):])

            def log_message(self, *args) -> None:
                pass

        handler = functools.partial(Handler, directory=str(site))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.home = f"http://127.0.0.1:{self.server.server_address[1]}{base}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def search(page, query: str) -> float:
    """Type ``query`` into the search box, send it, and wait for its results (not those of an
    earlier query, which are marked first): seconds."""
    page.evaluate("document.querySelectorAll('.search-results li')"
                  ".forEach((li) => li.setAttribute('data-earlier', ''))")
    page.fill("#search-q", query)
    started = page.evaluate("performance.now()")
    page.press("#search-q", "Enter")
    page.wait_for_function(
        "() => { const list = document.querySelector('.search-results');"
        " return list && !list.hidden && list.children.length > 0"
        " && !list.querySelector('li[data-earlier]'); }", timeout=GIVE_UP * 1000)
    return (page.evaluate("performance.now()") - started) / 1000


def measure(home: str, queries: tuple[str, ...], loads: int,
            network: dict | None = None) -> list[dict]:
    """Each query's first search (and the next query's search in the same page) over
    ``loads`` page loads, each in a new profile; ``network``: the conditions Chromium
    emulates (``Network.emulateNetworkConditions``), if any."""
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            for number, query in enumerate(queries):
                after = queries[(number + 1) % len(queries)]
                first, second, requests, sizes = [], [], [], []
                for _ in range(loads):
                    context = browser.new_context()
                    page = context.new_page()
                    if network:
                        session = context.new_cdp_session(page)
                        session.send("Network.enable")
                        session.send("Network.emulateNetworkConditions", network)
                    seen: list[int] = []
                    page.on("response", lambda response, seen=seen: seen.append(
                        int(response.headers.get("content-length", 0)))
                        if INDEX_FOLDER in response.url else None)
                    page.goto(home)
                    first.append(search(page, query))
                    requests.append(len(seen))
                    sizes.append(sum(seen))
                    second.append(search(page, after))
                    context.close()
                results.append({"query": query, "first_s": statistics.median(first),
                                "first_all_s": first, "requests": statistics.median(requests),
                                "kb": statistics.median(sizes) / 1024, "then": after,
                                "then_s": statistics.median(second)})
        finally:
            browser.close()
    return results


def table(papers: int, results: list[dict]) -> str:
    lines = ["| papers | query | first search s | index requests | index KB | "
             "then another query s |", "|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {papers:,} | {r['query']} | {r['first_s']:.2f} | {r['requests']:.0f} | "
                     f"{r['kb']:.0f} | {r['then']}: {r['then_s']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=5000)
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/digestbench"))
    parser.add_argument("--query", action="append", dest="queries",
                        help="a query (repeat for more); the defaults suit the corpus")
    parser.add_argument("--latency", type=float, default=0,
                        help="milliseconds added to each request's round trip")
    parser.add_argument("--mbps", type=float, default=0,
                        help="download speed in megabits a second (0: as fast as it goes)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not Path(CHROMIUM).is_file():
        sys.exit(f"{CHROMIUM} not found: install Chromium (apt install chromium)")
    queries = tuple(args.queries or QUERIES)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    corpus, _, _ = shared_bench().prepare(work, args.papers)
    site = work / f"reader-{args.papers}"
    build_site(corpus, site)
    server = SiteServer(site, base_path(corpus))
    try:
        network = {"offline": False, "latency": args.latency, "uploadThroughput": -1,
                   "downloadThroughput": args.mbps * 125_000 if args.mbps else -1} \
            if args.latency or args.mbps else None
        results = measure(server.home, queries, args.loads, network)
    finally:
        server.close()
    print(table(args.papers, results))
    emulated = f"; network emulated: {args.latency:g} ms a round trip, " \
        f"{args.mbps:g} Mbit/s" if network else ""
    print(f"\nMachine: {platform.machine()}, Python {platform.python_version()}; "
          f"medians of {args.loads} page loads, each in a new browser profile{emulated}.")
    if args.json:
        args.json.write_text(json.dumps({"papers": args.papers, "network": network,
                                         "results": results},
                                        ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
