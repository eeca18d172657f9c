"""The indexers a build starts end with it, even when the build is killed with SIGKILL (which
lets it clean nothing up): none is left running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

#: A build whose indexer is a stand-in that runs until it is ended: what a long Pagefind run
#: would be at the moment the build is killed.
BUILD_WITH_SLOW_INDEXER = """
import sys
from digestgen.output import search
from digestgen.cli import main
search.PAGEFIND_PACKAGE = "slow_indexer"
main(["build", "-q"])
"""
SLOW_INDEXER = """
from pathlib import Path
def get_executable():
    return Path(__file__).with_name("slow-indexer")
"""


def indexers_of(pid: int) -> list[int]:
    """The stand-in indexers whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                name, fields = (entry / "stat").read_text().rsplit(")", 1)
            except OSError:
                continue
            if int(fields.split()[1]) == pid and name.endswith(("(sleep", "(slow-indexer")):
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its parent has yet to reap it


@pytest.mark.skipif(sys.platform != "linux", reason="reads processes from Linux's /proc")
def test_a_killed_build_leaves_no_indexer_running(tmp_path):
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "slow_indexer.py").write_text(SLOW_INDEXER, encoding="utf-8")
    (tools / "slow-indexer").write_text("#!/bin/sh\nexec sleep 600\n", encoding="utf-8")
    (tools / "slow-indexer").chmod(0o755)
    root = tmp_path / "site"
    (root / "content/papers").mkdir(parents=True)
    (root / "digestgen.yaml").write_text("title: T\nbase_url: https://a.b/\n", encoding="utf-8")
    (root / "content/papers/a.yaml").write_text("id: a\ntitle: A\ndate: 2024-03-22\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(tools), *filter(None, [os.environ.get("PYTHONPATH")])])}
    build = subprocess.Popen([sys.executable, "-c", BUILD_WITH_SLOW_INDEXER], cwd=root, env=env,
                             start_new_session=True)
    try:
        indexers: list[int] = []
        while not indexers and build.poll() is None:
            indexers = indexers_of(build.pid)
            time.sleep(0.05)
        assert indexers, f"the build ended ({build.returncode}) before it started an indexer"
        os.kill(build.pid, signal.SIGKILL)
        build.wait()
        deadline = time.monotonic() + 30  # the signal is immediate; this only bounds a failure
        while any(map(running, indexers)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(map(running, indexers)), "an indexer outlived the killed build"
    finally:
        build.kill()
        build.wait()
        try:
            os.killpg(build.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
