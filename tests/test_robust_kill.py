"""A build killed at any moment (SIGKILL) leaves a complete site: the previous build or the new
one, every file of it, never a mix; and the next build succeeds (SPEC 2).

Real ``digestgen build`` processes on a generated corpus of 150 papers (about 800 files) are
killed at seeded random moments spread over a build's whole run time, measured first.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

GEN_CORPUS = Path(__file__).resolve().parent / "fixtures" / "gen_corpus.py"
PAPERS = 150
KILLS = 24
SEED = 20240322


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def start_build(root: Path) -> subprocess.Popen:
    # A session of its own, so that anything the build starts can be cleaned up with it.
    return subprocess.Popen([sys.executable, "-m", "digestgen", "build", "-q"], cwd=root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def finish(build: subprocess.Popen) -> None:
    """Wait for a build that was not killed; it must have succeeded."""
    _, stderr = build.communicate(timeout=120)
    assert build.returncode == 0, stderr.decode()


def run_for(build: subprocess.Popen, seconds: float) -> float | None:
    """Let ``build`` run for ``seconds``: how long it took when it ended before, else None (it
    still runs)."""
    started = time.monotonic()
    while (elapsed := time.monotonic() - started) < seconds:
        if build.poll() is not None:
            return elapsed
        time.sleep(0.005)
    return None if build.poll() is None else elapsed


def clean_up(build: subprocess.Popen) -> None:
    """Reap a killed build and any process it started (they belong to its session)."""
    build.communicate(timeout=60)
    try:
        os.killpg(build.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Corpus:
    """A generated site and a second version of it: another title on every page, one paper
    more and one paper fewer, so that a build both changes, adds and deletes files."""

    def __init__(self, root: Path):
        self.root = root
        self.config = root / "digestgen.yaml"
        self.config_a = self.config.read_text(encoding="utf-8")
        self.removed = self._unlisted_paper()
        self.removed_text = self.removed.read_text(encoding="utf-8")
        self.added = root / "content/papers/extra-paper.yaml"

    def _unlisted_paper(self) -> Path:
        listed = "".join(p.read_text(encoding="utf-8")
                         for p in (self.root / "content/issues").glob("*"))
        return next(p for p in sorted((self.root / "content/papers").glob("*.yaml"))
                    if p.stem not in listed)

    def use(self, version: str) -> None:
        if version == "A":
            self.config.write_text(self.config_a, encoding="utf-8")
            self.removed.write_text(self.removed_text, encoding="utf-8")
            self.added.unlink(missing_ok=True)
        else:
            self.config.write_text(self.config_a.replace("title:", "title: Renamed", 1),
                                   encoding="utf-8")
            self.removed.unlink(missing_ok=True)
            self.added.write_text("id: extra-paper\ntitle: {en: An added paper, zh: 新增论文}\n"
                                  "date: 2022-01-03\ntldr: Added between two builds.\n",
                                  encoding="utf-8")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    root = tmp_path_factory.mktemp("kill") / "corpus"
    subprocess.run([sys.executable, str(GEN_CORPUS), str(root), "--papers", str(PAPERS)], check=True,
                   stdout=subprocess.DEVNULL)
    return Corpus(root)


def reference_build(corpus: Corpus, version: str) -> tuple[dict[str, bytes], float]:
    corpus.use(version)
    started = time.monotonic()
    finish(start_build(corpus.root))
    return tree(corpus.root / "site"), time.monotonic() - started


def describe(found: dict[str, bytes], expected: dict[str, bytes]) -> str:
    missing = sorted(expected.keys() - found.keys())
    extra = sorted(found.keys() - expected.keys())
    changed = sorted(k for k in found.keys() & expected.keys() if found[k] != expected[k])
    return f"missing {missing[:5]}, extra {extra[:5]}, changed {changed[:5]}"


def test_a_killed_build_leaves_the_previous_site_or_the_new_one(corpus):
    trees = {}
    trees["A"], seconds_a = reference_build(corpus, "A")
    trees["B"], seconds_b = reference_build(corpus, "B")
    assert trees["A"] != trees["B"]
    # The builds below switch between A and B with a previous build in place, as these two did:
    # time one more such switch rather than the first, cold, build.
    again, seconds_again = reference_build(corpus, "A")
    assert again == trees["A"]
    corpus.use("B")
    finish(start_build(corpus.root))
    run_time = max(seconds_b, seconds_again)
    rng = random.Random(SEED)
    # One kill in each of KILLS equal slices of the run time, and a little past its end. The
    # run time is the last finished build's: on a machine whose load changes, the builds'
    # speed does too, and kills timed from the first builds alone would miss most later ones.
    slices = [1.1 * (n + rng.random()) / KILLS for n in range(KILLS)]
    rng.shuffle(slices)
    shown, finished = "B", 0
    for part in slices:
        delay = part * run_time
        target = "A" if shown == "B" else "B"
        corpus.use(target)
        build = start_build(corpus.root)
        took = run_for(build, delay)
        if took is None:
            os.kill(build.pid, signal.SIGKILL)  # the build process only: the harshest case
            found = tree(corpus.root / "site")
            clean_up(build)
        else:
            finish(build)
            finished += 1
            run_time = took
            found = tree(corpus.root / "site")
            assert found == trees[target], f"a finished build: {describe(found, trees[target])}"
        if found == trees[target]:
            shown = target
        else:
            assert found == trees[shown], \
                f"killed after {delay:.2f} s: {describe(found, trees[shown])}"
    assert finished < KILLS / 2, "most builds ended before their kill: the timing is off"
    target = "A" if shown == "B" else "B"
    corpus.use(target)
    finish(start_build(corpus.root))
    assert tree(corpus.root / "site") == trees[target]
