"""Every page is valid HTML, as the W3C's Nu HTML Checker (the ``vnu-jar`` npm package, run with
Java) reads it: the demo site, and a site with a page of every kind, long lists in pages, notes,
an issue's introduction, a machine-written text and a one-language site's pages.

The checker is run once over all the sites' HTML. Without ``vnu`` or Java the test is skipped,
unless DIGESTGEN_REQUIRE_LINTERS=1 (as in CI, see .ci/run) makes that a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from digestgen.build import build, configure
from digestgen.configload import load_config

from sitekit import SiteFolder
from test_pagination import CONFIG as LONG_CONFIG, PAPERS, long_paper

REPO = Path(__file__).resolve().parents[1]
INSTALL = "apt-get install default-jre-headless; npm install -g vnu-jar"


def checker() -> list[str]:
    """The command that runs the checker, or a skip (a failure in CI) saying what is missing."""
    vnu, java = shutil.which("vnu"), shutil.which("java")
    if vnu is None or java is None:
        message = f"{'vnu' if vnu is None else 'java'} is not installed ({INSTALL})"
        if os.environ.get("DIGESTGEN_REQUIRE_LINTERS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return [vnu, "--errors-only", "--skip-non-html", "--format", "gnu"]


def built(root: Path) -> Path:
    config = configure(load_config(root / "digestgen.yaml"), output=root / "site")
    build(config)
    return root / "site"


def every_kind_of_page(root: Path) -> Path:
    """A bilingual site with long lists (pages of tags, categories and the archive), a paper
    with notes and review, one with a machine-written title, and an issue with an intro."""
    site = SiteFolder(root)
    site.write("digestgen.yaml", LONG_CONFIG.replace("search: false", "search: true"))
    for n in range(PAPERS):
        site.paper(f"2403.{10000 + n}.yaml", long_paper(n))
    site.paper("notes.md", "---\nid: notes\ntitle: {en: Notes paper, zh: 笔记}\n"
                           "date: 2024-03-21\ntags: [beta]\nmachine: {title.zh: some-model}\n"
                           "review:\n  method: {en: [A *method*.], zh: [一种方法。]}\n---\n"
                           "Some *notes* with $x^2$ and a footnote[^1].\n\n[^1]: The note.\n\n"
                           "::: zh\n中文笔记。\n:::\n")
    site.issue("2024-03-21.yaml", "title: {en: Big day, zh: 大日子}\nintro: Hello, see "
                                  "[the first paper](#item-1).\n")
    return built(root)


def one_language(root: Path) -> Path:
    site = SiteFolder(root)
    site.write("digestgen.yaml", "title: Digest\nbase_url: https://a.github.io/d/\n"
                                 "languages: [en]\nsearch: false\n")
    site.paper("2403.10001.yaml", 'id: "2403.10001"\ntitle: One paper\ndate: 2024-03-22\n'
                                  "abstract: An *abstract*.\ntags: [alpha]\n")
    return built(root)


def test_every_page_of_every_kind_is_valid_html(tmp_path):
    command = checker()
    shutil.copytree(REPO / "content", tmp_path / "demo/content")
    shutil.copy(REPO / "digestgen.yaml", tmp_path / "demo/digestgen.yaml")
    sites = [built(tmp_path / "demo"), every_kind_of_page(tmp_path / "all"),
             one_language(tmp_path / "one")]
    pages = [page for site in sites for page in site.rglob("*.html")]
    assert any("/page/2/" in str(page) for page in pages)  # lists in pages are checked too
    result = subprocess.run([*command, *map(str, sites)], capture_output=True, text=True,
                            timeout=600, check=False)
    errors = [line.replace(str(tmp_path) + "/", "") for line in
              (result.stdout + result.stderr).splitlines() if line.strip()]
    assert errors == [], "\n".join(errors[:40])
    assert result.returncode == 0
