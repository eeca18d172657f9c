"""A site on disk that a test writes file by file."""

from __future__ import annotations

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
