"""A site on disk that a test writes file by file."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

CONFIG = """\
title: Test Digest
base_url: https://alice.github.io/digest/
"""


class SiteFolder:
    """A site on disk that a test writes file by file."""

    def __init__(self, root: Path):
        self.root = root
        self.write("digestgen.yaml", CONFIG)

    @property
    def config_path(self) -> Path:
        return self.root / "digestgen.yaml"

    @property
    def output(self) -> Path:
        return self.root / "site"

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def paper(self, name: str, text: str) -> Path:
        return self.write(f"content/papers/{name}", text)

    def issue(self, name: str, text: str) -> Path:
        return self.write(f"content/issues/{name}", text)

    def page(self, rel: str) -> str:
        return (self.output / rel).read_text(encoding="utf-8")


#: `digestgen build` that also prints, for each render, how many processes it was split into.
_BUILD_NOTING_SHARES = """
import sys
from digestgen import rendering
from digestgen.cli import main
shares = rendering.shares
def noting_shares(jobs):
    parts = shares(jobs)
    print("render shares:", len(parts), file=sys.stderr)
    return parts
rendering.shares = noting_shares
main(["build", "--config", *sys.argv[1:]])
"""


def build_in_own_process(site: SiteFolder, *args: str, jobs: int) \
        -> tuple[subprocess.CompletedProcess, set[int]]:
    """Build ``site`` (with the options ``args``) in a process of its own that renders in up to
    ``jobs`` processes; what it printed, and how many processes its renders took. A test that
    needs forked workers builds this way: once the browser tests have run, their threads keep
    the test process from forking (a fork would copy only the calling thread)."""
    done = subprocess.run([sys.executable, "-c", _BUILD_NOTING_SHARES, str(site.config_path),
                           *args], capture_output=True, text=True,
                          env={**os.environ, "DIGESTGEN_JOBS": str(jobs)}, check=False)
    shares = {int(line.split(":")[1]) for line in done.stderr.splitlines()
              if line.startswith("render shares:")}
    return done, shares


def commented_section(config_text: str, key: str) -> list[str]:
    """The lines of the commented-out ``key:`` section of a configuration that ``init`` wrote,
    uncommented: ``# key:`` and the ``#   ...`` lines under it."""
    lines = config_text.splitlines()
    start = lines.index(f"# {key}:")
    section = [lines[start][2:]]
    for line in lines[start + 1:]:
        if not line.startswith("#   "):
            break
        section.append(line[2:])
    return section
