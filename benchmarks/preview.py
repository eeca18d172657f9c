#!/usr/bin/env python3
"""Live preview as an editor lives it: ``digestgen serve`` against ``hugo server``.

    python benchmarks/preview.py [--papers 1000] [--edits 10] [--work /tmp/digestbench]
                                 [--json FILE]

Both servers run on the same corpus (``../shared/bench``: ``gen_corpus.py`` and its Hugo mirror
``hugo_mirror.py``, made in ``--work`` unless there), digestgen with the corpus's configuration
(the search index on) and Hugo as ``hugo server`` runs by default (pages rendered to memory,
fast render, live reload). Once both serve, each edit writes a new English title into one
paper's file (another paper each time; for Hugo its mirror's ``.en.md``), then fetches that
paper's English page again and again until the new title shows: the latency is the time from
the write to that answer. The tools take turns, edit by edit. Prints the medians side by side
and their ratio; ``--json`` writes every latency.

digestgen's preview keeps its build in ``CORPUS/.digestgen-cache/preview/`` (a first run
builds it: the start is timed apart from the edits), so a second run starts from it.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_BENCH = REPO.parent / "shared" / "bench"
#: Seconds between two fetches of a page that does not show the change yet.
POLL = 0.002
#: Seconds an edit may take to show before the run gives up.
GIVE_UP = 120.0
#: Seconds a server may take to start (a first digestgen start builds the whole site).
START = 3600.0
#: Seconds between edits: the previous one's background work (digestgen's search index, Hugo's
#: rebuild of other pages) may go on, as it does while an editor reads the page.
BETWEEN = 1.0


def shared_bench():
    path = SHARED_BENCH / "bench.py"
    if not path.is_file():
        sys.exit(f"{path} not found: the shared bench folder must be at ../shared/bench")
    spec = importlib.util.spec_from_file_location("shared_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError):
        return None  # not serving yet, or a page cut short while being replaced: ask again


def wait_for(url: str, test, timeout: float, poll: float = POLL) -> float:
    """Fetch ``url`` until ``test(body)``; when it passed (time.perf_counter)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        body = fetch(url)
        if body is not None and test(body):
            return time.perf_counter()
        time.sleep(poll)
    raise SystemExit(f"gave up waiting for {url}")


class Tool:
    """One server: how it starts, which file holds a paper's English title, its page's URL."""

    def __init__(self, name: str, command: list[str], cwd: Path, env: dict | None = None):
        self.name, self.command, self.cwd, self.env = name, command, cwd, env
        self.process: subprocess.Popen | None = None
        self.log = open(cwd.parent / f"{name}-serve.log", "w", encoding="utf-8")

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, cwd=self.cwd, env=self.env,
                                        stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


class Edits:
    """New English titles for papers, in digestgen's files and in Hugo's mirror, undone at
    the end."""

    def __init__(self, corpus: Path, hugo_dir: Path):
        self.corpus, self.hugo_dir = corpus, hugo_dir
        self.saved: dict[Path, str] = {}
        self.papers = [path for path in sorted((corpus / "content/papers").glob("*.yaml"))
                       if self.editable(path)]

    def editable(self, path: Path) -> bool:
        """The paper's English title is a plain or quoted scalar in both files (not a block
        scalar, where the marker could not go first)."""
        text = "\n" + path.read_text(encoding="utf-8")
        slug = re.search(r"^id: '?([^'\n]+)'?$", text, re.M)[1].replace("/", "-")
        mirror = self.hugo_dir / "content/papers" / f"{slug}.en.md"
        for body, before in ((text, "\ntitle:\n  en: "), (mirror.read_text(encoding="utf-8")
                                                         if mirror.is_file() else "", "\ntitle: ")):
            at = body.find(before)
            if at < 0 or body[at + len(before)] in ">|":
                return False
        return True

    def paper(self, n: int) -> tuple[str, Path, Path]:
        path = self.papers[(n * 7919) % len(self.papers)]
        paper_id = re.search(r"^id: '?([^'\n]+)'?$", path.read_text(encoding="utf-8"), re.M)[1]
        slug = paper_id.replace("/", "-")
        return paper_id, path, self.hugo_dir / "content/papers" / f"{slug}.en.md"

    def write(self, path: Path, before: str, marker: str) -> None:
        """Put ``marker`` at the start of the value that follows ``before`` (inside its
        quotes, when it is quoted)."""
        text = self.saved.setdefault(path, path.read_text(encoding="utf-8"))
        at = text.index(before) + len(before)
        at += text[at] in "'\""
        path.write_text(text[:at] + marker + " " + text[at:], encoding="utf-8")

    def undo(self) -> None:
        for path, text in self.saved.items():
            path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--work", type=Path, default=Path("/tmp/digestbench"))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--corpus", type=Path,
                        help="a corpus made earlier (its Hugo mirror goes to --work)")
    parser.add_argument("--port", type=int, default=8731,
                        help="digestgen's port (the preview's pages hold its address: a start "
                             "on the port of the last run starts from that run's build)")
    args = parser.parse_args()
    bench = shared_bench()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.corpus is None:
        corpus, hugo_dir, _ = bench.prepare(args.work.resolve(), args.papers)
    else:
        corpus, hugo_dir = args.corpus.resolve(), args.work.resolve() / f"hugo-{args.papers}"
        if not (hugo_dir / "hugo.yaml").exists():
            subprocess.run([sys.executable, SHARED_BENCH / "hugo_mirror.py", corpus, hugo_dir],
                           check=True)
    with socket.socket() as probe:  # digestgen would move to another port, unknown here
        if probe.connect_ex(("127.0.0.1", args.port)) == 0:
            sys.exit(f"port {args.port} is in use: choose another with --port")
    dg_port, hugo_port = args.port, free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    tools = {
        "digestgen": Tool("digestgen", [sys.executable, "-m", "digestgen", "serve", "--port",
                                        str(dg_port)], corpus, env),
        "hugo": Tool("hugo", [bench.hugo_binary(), "server", "--source", str(hugo_dir),
                              "--port", str(hugo_port), "--bind", "127.0.0.1",
                              "--baseURL", f"http://127.0.0.1:{hugo_port}/"], hugo_dir),
    }
    urls = {"digestgen": f"http://127.0.0.1:{dg_port}/digest/en/papers/{{slug}}/",
            "hugo": f"http://127.0.0.1:{hugo_port}/en/papers/{{slug}}/"}
    edits = Edits(corpus, hugo_dir)
    latencies: dict[str, list[float]] = {name: [] for name in tools}
    started: dict[str, float] = {}
    try:
        first_id, _, _ = edits.paper(0)
        for name, tool in tools.items():
            began = time.perf_counter()
            tool.start()
            url = urls[name].format(slug=first_id.replace("/", "-"))
            started[name] = wait_for(url, lambda body: True, START, poll=0.1) - began
            print(f"{name} serves after {started[name]:.1f} s", flush=True)
        for n in range(1, args.edits + 1):
            paper_id, dg_file, hugo_file = edits.paper(n)
            slug = paper_id.replace("/", "-")
            order = list(tools) if n % 2 else list(reversed(tools))
            for name in order:
                marker = f"Edited{n}x{name[0]}"
                if name == "digestgen":
                    file, before = dg_file, "\ntitle:\n  en: "
                else:
                    file, before = hugo_file, "\ntitle: "
                url = urls[name].format(slug=slug)
                wait_for(url, lambda body: True, GIVE_UP)  # the page is there
                began = time.perf_counter()
                edits.write(file, before, marker)
                seen = wait_for(url, lambda body, m=marker: m in body, GIVE_UP)
                latencies[name].append(seen - began)
                print(f"edit {n} {name}: {1000 * (seen - began):.0f} ms", flush=True)
                time.sleep(BETWEEN)
    finally:
        edits.undo()
        for tool in tools.values():
            tool.stop()
    medians = {name: statistics.median(values) for name, values in latencies.items()}
    print(f"\n{args.papers:,} papers, {args.edits} edits each, medians:")
    print("| papers | digestgen serve (ms) | hugo server (ms) | digestgen ÷ Hugo |")
    print("|---|---|---|---|")
    print(f"| {args.papers:,} | {1000 * medians['digestgen']:.0f} | "
          f"{1000 * medians['hugo']:.0f} | {medians['digestgen'] / medians['hugo']:.2f} |")
    if args.json:
        args.json.write_text(json.dumps({"papers": args.papers, "latencies_s": latencies,
                                         "medians_s": medians, "start_s": started}, indent=1))


if __name__ == "__main__":
    main()
