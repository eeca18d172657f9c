"""The preview as ``serve`` keeps it in memory: after every edit, every file it serves is byte for
byte what a build from scratch of the same files (with the preview's address) writes, though
edits of content are rendered in memory and only the pages that changed are rendered."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from digestgen.build import build, configure
from digestgen.configload import load_config
from digestgen.livereload import FOLDER, LiveState, ServedFiles
from digestgen.output.manifest import MANIFEST
from digestgen.serve import PreviewBuilder, preview_output
from golden.refresh import SITE, differences, tree

PORT = 8123
NEW_PAPER = """\
id: '2405.00001'
title: {en: A New Paper on Calibration, zh: 新论文}
date: 2024-04-10
tags: [calibration]
arxiv: {version: 1, categories: [cs.LG]}
tldr: {en: Short and new.}
"""


class Preview:
    """The preview of a copy of the golden site, built and updated as ``serve`` does."""

    def __init__(self, root: Path):
        self.root = root
        self.config_path = root / "digestgen.yaml"
        self.said: list[str] = []
        self.state = LiveState("/golden/")
        self.files = ServedFiles(preview_output(load_config(self.config_path)))
        self.builder = PreviewBuilder(self.config_path, self.files, PORT, False, self.state,
                                      lambda text, err=False: self.said.append(text))
        assert self.builder.rebuild(), self.said

    def edit(self, *paths: Path) -> str:
        """Tell the preview that ``paths`` changed; what it said."""
        before = len(self.said)
        assert self.builder.rebuild(tuple(paths)), self.said[before:]
        self.builder.finish()
        return "\n".join(self.said[before:])

    def served(self, names: set[str]) -> dict[str, bytes]:
        """What the server answers for each of ``names`` (and every file of its output)."""
        found = {}
        for rel in sorted(names | set(tree(self.files.root))):
            page = self.files.find(rel)
            if page is not None and page is not FOLDER and rel != MANIFEST:
                found[rel] = page.data if isinstance(page.data, bytes) else page.data.read_bytes()
        return found


def cold_build(root: Path, scratch: Path) -> dict[str, bytes]:
    """A build from scratch of a copy of ``root``'s inputs, as the preview configures it."""
    if scratch.exists():
        shutil.rmtree(scratch)
    copy = scratch / "site"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".digestgen-cache"))
    config = load_config(copy / "digestgen.yaml")
    output = scratch / "out"
    build(configure(config, output=output, base_url=f"http://127.0.0.1:{PORT}/golden/"))
    return {rel: data for rel, data in tree(output).items() if rel != MANIFEST}


@pytest.fixture
def preview(tmp_path) -> Preview:
    root = tmp_path / "golden"
    shutil.copytree(SITE, root)
    return Preview(root)


def assert_same_as_cold(preview: Preview, scratch: Path) -> None:
    expected = cold_build(preview.root, scratch)
    served = preview.served(set(expected))
    assert served == expected, differences(expected, served)


def test_every_served_file_equals_a_cold_build_after_each_edit(preview, tmp_path):
    scratch = tmp_path / "cold"
    papers = preview.root / "content" / "papers"
    on_disk = tree(preview.files.root)

    paper = papers / "2403.14715.yaml"
    paper.write_text(paper.read_text(encoding="utf-8").replace("Label Smoothing",
                                                               "Edited Smoothing"),
                     encoding="utf-8")
    said = preview.edit(paper)
    assert "Updated" in said and "Built" not in said  # in memory, not a build on disk
    assert tree(preview.files.root) == on_disk  # nothing was written
    assert b"Edited Smoothing" in preview.served({"papers/2403.14715/index.html"})[
        "papers/2403.14715/index.html"]
    assert_same_as_cold(preview, scratch)

    paper.write_text(paper.read_text(encoding="utf-8").replace(  # now in another list
        "categories: [cs.LG, stat.ML]", "categories: [cs.LG, math.GT]"), encoding="utf-8")
    assert "Updated" in preview.edit(paper)
    assert_same_as_cold(preview, scratch)

    added = papers / "2405.00001.yaml"
    added.write_text(NEW_PAPER, encoding="utf-8")
    assert "Updated" in preview.edit(added)
    assert_same_as_cold(preview, scratch)

    gone = papers / "2404.05555.yaml"
    gone.unlink()
    assert "Updated" in preview.edit(gone)
    assert preview.files.find("papers/2404.05555/index.html") is None
    assert_same_as_cold(preview, scratch)

    issue = preview.root / "content" / "issues" / "2024-03-22.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace(
        "Label smoothing and calibration", "Smoothing edited"), encoding="utf-8")
    assert "Updated" in preview.edit(issue)
    assert_same_as_cold(preview, scratch)

    template = preview.root / "layouts" / "paper-row.html"
    template.write_text('<li class="edited">{{ p.title.html }}</li>\n', encoding="utf-8")
    assert "Built" in preview.edit(template)  # the theme changed: built on disk
    assert_same_as_cold(preview, scratch)

    paper.write_text(paper.read_text(encoding="utf-8").replace("Edited", "Twice edited"),
                     encoding="utf-8")
    assert "Updated" in preview.edit(paper)
    assert_same_as_cold(preview, scratch)

    backup = papers / "2403.14715.yaml~"  # an editor's: no build reads it
    backup.write_text("not: [a record", encoding="utf-8")
    said = preview.edit(backup)
    assert "Updated" not in said and "Built" not in said and "failed" not in said


def test_a_second_preview_of_an_unchanged_site_renders_nothing(preview):
    assert "nothing to render" not in preview.said[-1]
    again = Preview(preview.root)
    assert "nothing to render" in again.said[-1]
    assert again.files.root == preview.files.root
    assert again.files.root.is_relative_to(preview.root / ".digestgen-cache")


def test_content_with_problems_is_reported_and_the_last_good_pages_stay(preview, tmp_path):
    paper = preview.root / "content" / "papers" / "2403.14715.yaml"
    good = paper.read_text(encoding="utf-8")
    before = preview.served({"papers/2403.14715/index.html"})
    paper.write_text(good + "date: 2024-01-01\n", encoding="utf-8")
    assert not preview.builder.rebuild((paper,))
    assert "duplicate key 'date'" in preview.state.current().error
    assert preview.served({"papers/2403.14715/index.html"}) == before
    other = preview.root / "content" / "papers" / "2404.01367.yaml"
    other.write_text(other.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert not preview.builder.rebuild((other,))  # the first file is still broken
    paper.write_text(good.replace("Label Smoothing", "Fixed Smoothing"), encoding="utf-8")
    assert preview.builder.rebuild((paper,))
    preview.builder.finish()
    assert preview.state.current().error is None
    assert_same_as_cold(preview, tmp_path / "cold")
