"""The search step of a build: the `search` setting, the Pagefind index it writes, and that the
index is as reproducible and as tidy as the pages (the browser tests search it for real)."""

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from digestgen.cli import main
from digestgen.config import load_config
from digestgen.errors import SiteError

PAPER = """\
    id: "2403.14715"
    title:
      en: Understanding Why Label Smoothing Degrades Selective Classification
      zh: 理解为何标签平滑会降低选择性分类的效果
    date: 2024-03-22
    abstract: {en: Label smoothing is a popular regularisation method., zh: 标签平滑是一种流行的正则化方法。}
"""
OTHER = """\
    id: "2310.02664"
    title: On Memorization in Diffusion Models
    date: 2024-03-21
"""


def build(site, *args):
    result = CliRunner().invoke(main, ["build", "--config", str(site.config_path), *args])
    assert result.exit_code == 0, result.output
    return result


def bundle(folder):
    """The search index files of an output folder, by relative path."""
    index = folder / "pagefind"
    return {p.relative_to(index).as_posix(): p.read_bytes()
            for p in sorted(index.rglob("*")) if p.is_file()}


def test_search_is_on_unless_the_config_turns_it_off(site):
    assert load_config(site.config_path).search is True
    site.write("digestgen.yaml", site.config_path.read_text() + "search: false\n")
    assert load_config(site.config_path).search is False


def test_search_must_be_true_or_false(site):
    site.write("digestgen.yaml", site.config_path.read_text() + "search: yes please\n")
    with pytest.raises(SiteError) as caught:
        load_config(site.config_path)
    assert [str(p) for p in caught.value.problems] == [
        f"{site.config_path}:3: 'search' must be true or false, not 'yes please'"]


def test_the_index_covers_each_paper_once_and_the_manifest_lists_it(site):
    site.paper("2403.14715.yaml", PAPER)
    site.paper("2310.02664.yaml", OTHER)
    build(site)
    files = bundle(site.output)
    entry = json.loads(files["pagefind-entry.json"])
    # One index, segmented as Chinese, of the default language's paper pages: two, not four.
    assert list(entry["languages"]) == ["zh"]
    assert entry["languages"]["zh"]["page_count"] == 2
    assert "pagefind.js" in files
    manifest = json.loads((site.output / ".digestgen-manifest.json").read_text())["files"]
    assert {f"pagefind/{rel}" for rel in files} <= set(manifest)
    html = site.page("en/papers/2403.14715/index.html")
    assert "<search class=\"search\" hidden>" in html and 'data-bundle="/digest/pagefind/"' in html


def test_a_rebuild_leaves_no_stale_index_files(site, tmp_path):
    site.paper("2403.14715.yaml", PAPER)
    build(site)
    site.paper("2310.02664.yaml", OTHER)
    build(site)
    build(site, "--output", str(tmp_path / "fresh"))
    assert bundle(site.output).keys() == bundle(tmp_path / "fresh").keys()


def test_the_index_is_byte_identical_across_builds(site, tmp_path):
    site.paper("2403.14715.yaml", PAPER)
    site.paper("2310.02664.yaml", OTHER)
    build(site, "--output", str(tmp_path / "one"))
    build(site, "--output", str(tmp_path / "two"))
    one, two = bundle(tmp_path / "one"), bundle(tmp_path / "two")
    assert one and one == two


def test_search_off_writes_no_index_and_no_search_box(site):
    site.write("digestgen.yaml", site.config_path.read_text() + "search: false\n")
    site.paper("2403.14715.yaml", PAPER)
    build(site)
    assert not (site.output / "pagefind").exists()
    assert "<search" not in site.page("index.html")
    assert "data-pagefind" not in site.page("papers/2403.14715/index.html")


def test_a_missing_pagefind_binary_is_reported_not_a_traceback(site, tmp_path):
    site.paper("2403.14715.yaml", PAPER)
    broken = tmp_path / "broken"
    (broken / "pagefind_bin_extended").mkdir(parents=True)
    (broken / "pagefind_bin_extended" / "__init__.py").write_text("raise ImportError('gone')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(broken), *sys.path])}
    done = subprocess.run([sys.executable, "-m", "digestgen", "build", "--config",
                           str(site.config_path)], capture_output=True, text=True, env=env)
    assert done.returncode == 1
    assert f"{site.config_path}: search needs the Pagefind binary" in done.stderr
    assert "Traceback" not in done.stderr
    assert not site.output.exists()
