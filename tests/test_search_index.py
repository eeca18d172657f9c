"""The search step of a build: the `search` setting, the Pagefind index it writes, and that the
index is as reproducible and as tidy as the pages (the browser tests search it for real)."""

import gzip
import json
import os
import subprocess
import sys
import tempfile

import lxml.html
import pytest
from click.testing import CliRunner

from digestgen.output import search
from digestgen.cli import main
from digestgen.configload import load_config
from digestgen.errors import Problem, SiteError
from digestgen.pages.render import Renderer
from digestgen.output.search import shard_size, split_shards
from digestgen.pages.reads import PageKind

from sitekit import build_in_own_process

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


def fragments(files) -> list[dict]:
    """The documents of an index (its fragment files: gzip, a signature, then JSON)."""
    texts = [gzip.decompress(data) for rel, data in sorted(files.items())
             if "/fragment/" in f"/{rel}"]
    return [json.loads(text[text.index(b"{"):]) for text in texts]


def papers_indexed(files) -> list[str]:
    """The paper pages an index finds, as the theme's script reads them: each document's
    anchors, named after the pages' folders."""
    return sorted(a["id"] for doc in fragments(files) for a in doc["anchors"])


def write_papers(site, count: int) -> None:
    for n in range(1, count + 1):
        site.paper(f"p{n}.yaml", f"id: p{n}\ntitle: Paper {n}\ndate: 2024-03-{n:02}\n")


def shards_indexed(monkeypatch) -> list[list[str]]:
    """The pages of each shard that builds from now on run Pagefind over, filled as they run."""
    indexed: list[list[str]] = []
    start_pagefind = search.start_pagefind

    def noting_shard(config, binary, shards):
        indexed.extend(sorted(pages) for pages in shards)
        return start_pagefind(config, binary, shards)

    monkeypatch.setattr(search, "start_pagefind", noting_shard)
    return indexed


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
    # A small site's index is one shard, which carries Pagefind's script.
    [only] = json.loads(files["shards.json"])["bundles"]
    entry = json.loads(files[f"{only}pagefind-entry.json"])
    # One index, with English stemming and Chinese in pairs, of the default language's paper
    # pages: two, not four, in one document.
    assert list(entry["languages"]) == ["en"]
    assert papers_indexed(files) == ["papers/2310.02664/", "papers/2403.14715/"]
    assert entry["languages"]["en"]["page_count"] == 1
    assert f"{only}pagefind.js" in files
    manifest = json.loads((site.output / ".digestgen-manifest.json").read_text())["files"]
    assert {f"pagefind/{rel}" for rel in files} <= set(manifest)
    # The page script makes the search box from its strings; only the indexed pages carry
    # the marks the indexer reads.
    html = site.page("en/papers/2403.14715/index.html")
    assert lxml.html.fromstring(html).xpath("//script[@src='/digest/assets/ui-en.js']")
    ui = (site.output / "assets/ui-en.js").read_text().removeprefix("globalThis.digestUI = ")
    assert json.loads(ui.rstrip().removesuffix(";"))["search"]["placeholder"] == \
        "Search papers, e.g. label smoothing"
    assert "<search" not in html
    marked = {str(path.relative_to(site.output)) for path in site.output.rglob("*.html")
              if "data-pagefind" in path.read_text()}
    assert marked == {"papers/2310.02664/index.html", "papers/2403.14715/index.html"}


def pages(count: int, start: int = 0) -> list[str]:
    return [f"papers/{n:05}/index.html" for n in range(start, start + count)]


def test_shards_are_runs_of_the_archive_of_about_the_shard_size(monkeypatch):
    monkeypatch.setattr(search, "SHARD_PAPERS", 30)
    shards = split_shards(pages(3000))
    assert sum(shards, []) == pages(3000)  # in order, each page once
    assert all(20 <= len(shard) <= 45 for shard in shards[:-1])  # an edit's re-index at most
    assert 80 <= len(shards) <= 120


def test_a_large_archive_has_larger_shards_not_more_of_them(monkeypatch):
    assert (search.SHARD_PAPERS, search.MAX_SHARDS) == (100, 128)
    assert [shard_size(n) for n in (0, 100, 12_800, 12_801, 25_600, 25_601, 100_000)] == \
        [100, 100, 100, 200, 200, 400, 800]
    monkeypatch.setattr(search, "SHARD_PAPERS", 30)
    monkeypatch.setattr(search, "MAX_SHARDS", 16)
    assert 8 <= len(split_shards(pages(3000))) <= 20  # of about 240 papers


def test_papers_added_at_the_end_change_only_the_last_shard(monkeypatch):
    monkeypatch.setattr(search, "SHARD_PAPERS", 30)
    before = split_shards(pages(3000))
    after = split_shards(pages(3030))  # a day's papers
    assert after[:len(before) - 1] == before[:-1]


def test_a_paper_added_or_removed_in_the_middle_changes_its_shard_and_few_others(monkeypatch):
    monkeypatch.setattr(search, "SHARD_PAPERS", 30)
    archive = pages(3000)
    before = split_shards(archive)
    for at in range(100, 3000, 290):
        for changed in (archive[:at] + ["papers/new/index.html"] + archive[at:],
                        archive[:at] + archive[at + 1:]):
            after = split_shards(changed)
            # Shards cut by position from the start would all change from there on (~70).
            assert len([s for s in after if s not in before]) <= 3, at


def test_a_large_index_is_split_into_shards_that_cover_each_paper_once(site, monkeypatch):
    monkeypatch.setattr(search, "SHARD_PAPERS", 2)
    write_papers(site, 8)
    build(site)
    files = bundle(site.output)
    bundles = json.loads(files["shards.json"])["bundles"]
    assert len(bundles) > 1
    assert papers_indexed(files) == sorted(f"papers/p{n}/" for n in range(1, 9))
    # Only the first shard carries Pagefind's script and wasm; the others are merged into it.
    assert [b for b in bundles if f"{b}pagefind.js" in files] == bundles[:1]
    assert not any(rel.startswith(bundles[1]) and rel.endswith((".js", ".css", ".pagefind"))
                   for rel in files)


def test_a_rebuild_indexes_again_only_the_shard_of_the_changed_paper(site, monkeypatch,
                                                                    tmp_path):
    monkeypatch.setattr(search, "SHARD_PAPERS", 2)
    write_papers(site, 8)
    build(site)
    before = bundle(site.output)
    indexed = shards_indexed(monkeypatch)
    site.paper("p3.yaml", "id: p3\ntitle: Paper three, renamed\ndate: 2024-03-23\n")
    build(site)
    assert len(indexed) == 1 and "papers/p3/index.html" in indexed[0]
    after = bundle(site.output)
    changed = {rel.split("/")[0] for rel in set(before) | set(after)
               if before.get(rel) != after.get(rel) and rel != "shards.json"}
    assert len(changed) == 1
    build(site, "--output", str(tmp_path / "cold"))
    assert bundle(tmp_path / "cold") == after


def test_shards_made_one_after_another_by_one_pagefind_are_as_if_each_had_its_own(
        site, monkeypatch, tmp_path):
    monkeypatch.setattr(search, "SHARD_PAPERS", 2)
    write_papers(site, 12)
    starts = []
    start_pagefind = search.start_pagefind

    def noting_start(config, binary, shards):
        starts.append(len(shards))
        return start_pagefind(config, binary, shards)

    monkeypatch.setattr(search, "start_pagefind", noting_start)
    monkeypatch.setattr(search, "worker_count", lambda: 2)
    build(site)
    shards = sum(starts)
    assert len(starts) == 2 and shards > 2  # a Pagefind process for each core, not each shard
    monkeypatch.setattr(search, "worker_count", lambda: 64)
    build(site, "--output", str(tmp_path / "alone"))
    assert starts[2:] == [1] * shards
    assert bundle(tmp_path / "alone") == bundle(site.output)


def test_a_large_change_rendered_by_workers_is_indexed_as_by_one_process(site, tmp_path):
    write_papers(site, 28)
    for n in range(29, 201):
        site.paper(f"p{n}.yaml", f"id: p{n}\ntitle: Paper {n}\ndate: 2024-04-{1 + n % 28:02}\n")
    for jobs, output in ((2, site.output), (1, tmp_path / "one")):
        done, shares = build_in_own_process(site, "--output", str(output), jobs=jobs)
        assert done.returncode == 0, done.stderr
        assert shares == {jobs}  # a cold build of 200 papers renders in as many processes
    files = bundle(site.output)
    assert len(papers_indexed(files)) == len(set(papers_indexed(files))) == 200
    assert files == bundle(tmp_path / "one")


def test_after_a_small_change_pagefind_indexes_while_the_other_pages_render(site,
                                                                            monkeypatch):
    write_papers(site, 3)
    build(site)
    events: list[str] = []
    start_pagefind, render = search.start_pagefind, Renderer.render

    def noting_start(config, binary, shards):
        events.append("pagefind")
        return start_pagefind(config, binary, shards)

    def noting_render(self, job):
        events.append(job.path)
        return render(self, job)

    monkeypatch.setattr(search, "start_pagefind", noting_start)
    monkeypatch.setattr(Renderer, "render", noting_render)
    site.paper("p2.yaml", "id: p2\ntitle: Paper two, renamed\ndate: 2024-03-02\n")
    build(site)
    # The paper's page in the default language is what the index reads; its other pages (and
    # its issue's) render while Pagefind runs.
    assert events[:2] == ["papers/p2/index.html", "pagefind"]
    assert "en/papers/p2/index.html" in events[2:]


def rename_paper_two_and_build(site):
    """The CLI's build after paper p2's title changed."""
    site.paper("p2.yaml", "id: p2\ntitle: Paper two, renamed\ndate: 2024-03-02\n")
    return CliRunner().invoke(main, ["build", "--config", str(site.config_path)])


def assert_left_as_it_was(site, bundle_before):
    """A failed build left the index and the pages as they were."""
    assert bundle(site.output) == bundle_before
    assert "Paper two, renamed" not in site.page("papers/p2/index.html")


def test_a_build_that_fails_while_pagefind_runs_stops_it_and_leaves_the_site_as_it_was(
        site, monkeypatch):
    write_papers(site, 3)
    build(site)
    before = bundle(site.output)
    render = Renderer.render

    def failing_render(self, job):
        if job.kind is not PageKind.PAPER:
            raise SiteError([Problem(site.root / "layouts/issue.html", 1, "broken")])
        return render(self, job)

    monkeypatch.setattr(Renderer, "render", failing_render)
    result = rename_paper_two_and_build(site)
    assert result.exit_code == 1 and "issue.html:1: broken" in result.output
    assert_left_as_it_was(site, before)
    assert not (site.output.parent / f".{site.output.name}.search").exists()


def test_a_pagefind_run_that_fails_is_reported_and_leaves_the_site_as_it_was(
        site, monkeypatch, tmp_path):
    write_papers(site, 3)
    build(site)
    before = bundle(site.output)
    failing = tmp_path / "pagefind"
    failing.write_text("#!/bin/sh\necho 'Indexing 1 page'\necho 'Error: no space left' >&2\n"
                       "exit 3\n")
    failing.chmod(0o755)
    monkeypatch.setattr(search, "pagefind_binary", lambda config: failing)
    result = rename_paper_two_and_build(site)
    assert result.exit_code == 1
    assert f"{site.config_path}: building the search index failed: Error: no space left" \
        in result.output
    assert "Traceback" not in result.output
    assert_left_as_it_was(site, before)
    assert not (site.output.parent / f".{site.output.name}.search").exists()


def test_a_page_the_index_cannot_read_fails_the_build_and_leaves_the_site_as_it_was(
        site, monkeypatch):
    # The documents are made while Pagefind reads them, in a thread of their own: what goes
    # wrong there reaches the build, which stops Pagefind rather than wait for it.
    write_papers(site, 3)
    build(site)
    before = bundle(site.output)
    paper_part = search.paper_part

    def failing_part(rel, page):
        if rel == "papers/p2/index.html":
            raise SiteError([Problem(site.output / rel, 1, "unreadable")])
        return paper_part(rel, page)

    monkeypatch.setattr(search, "paper_part", failing_part)
    result = rename_paper_two_and_build(site)
    assert result.exit_code == 1 and "index.html:1: unreadable" in result.output
    assert_left_as_it_was(site, before)


def test_the_pagefind_version_is_the_installed_packages():
    from importlib import metadata
    assert search._pagefind_version() == metadata.version("pagefind_bin_extended")


def test_a_days_new_papers_index_again_only_the_last_shard_and_new_ones(site, monkeypatch,
                                                                        tmp_path):
    monkeypatch.setattr(search, "SHARD_PAPERS", 6)
    write_papers(site, 20)
    build(site)
    before = json.loads(bundle(site.output)["shards.json"])["bundles"]
    indexed = shards_indexed(monkeypatch)
    for n in range(21, 27):
        site.paper(f"p{n}.yaml", f"id: p{n}\ntitle: Paper {n}\ndate: 2024-03-21\n")
    build(site)
    after = json.loads(bundle(site.output)["shards.json"])["bundles"]
    assert len(before) > 2 and after[:len(before) - 1] == before[:-1]
    assert len(indexed) == len(after) - len(before) + 1
    assert {f"papers/p{n}/index.html" for n in range(21, 27)} <= set(sum(indexed, []))
    build(site, "--output", str(tmp_path / "cold"))
    assert bundle(tmp_path / "cold") == bundle(site.output)


def test_a_shard_with_a_removed_file_is_made_again(site):
    site.paper("2403.14715.yaml", PAPER)
    build(site)
    [only] = json.loads(bundle(site.output)["shards.json"])["bundles"]
    (site.output / "pagefind" / only / "pagefind.js").unlink()
    build(site)
    assert (site.output / "pagefind" / only / "pagefind.js").is_file()


def test_a_site_without_papers_has_an_empty_index(site):
    build(site)
    assert json.loads(bundle(site.output)["shards.json"]) == {
        "bundles": [], "language": "en", "sources": {}}


def test_indexing_leaves_nothing_behind_and_clears_what_a_killed_build_left(
        site, monkeypatch, tmp_path):
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    site.paper("2403.14715.yaml", PAPER)
    work = site.output.parent / f".{site.output.name}.search"
    (work / "0/pages/papers/x").mkdir(parents=True)  # as a killed build leaves Pagefind's input
    build(site)
    assert not work.exists()
    assert list(temp.iterdir()) == []
    assert (site.output / "pagefind/shards.json").is_file()


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
    assert '"search"' not in (site.output / "assets/ui-zh.js").read_text()  # nor its strings
    assert "data-pagefind" not in site.page("papers/2403.14715/index.html")


def test_a_missing_pagefind_binary_is_reported_not_a_traceback(site, tmp_path):
    site.paper("2403.14715.yaml", PAPER)
    broken = tmp_path / "broken"
    (broken / "pagefind_bin_extended").mkdir(parents=True)
    (broken / "pagefind_bin_extended" / "__init__.py").write_text("raise ImportError('gone')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(broken), *sys.path])}
    done = subprocess.run([sys.executable, "-m", "digestgen", "build", "--config",
                           str(site.config_path)], capture_output=True, text=True, env=env,
                           check=False)
    assert done.returncode == 1
    assert f"{site.config_path}: search needs the Pagefind binary" in done.stderr
    assert "Traceback" not in done.stderr
    assert not site.output.exists()


def test_the_index_reads_chinese_and_japanese_as_overlapping_pairs_of_characters():
    html = ('<meta content="特征可视化" data-pagefind-meta="title_zh[content]">'
            "<h1>特征可视化（FV）of <i>deep</i> nets</h1><p>一。かなカナ</p>")
    def words(*chars: str) -> str:
        return " ".join(map(search.pair_word, chars))
    assert search.index_html(html) == (
        '<meta content="特征可视化" data-pagefind-meta="title_zh[content]">'  # left alone
        f"<h1> {words('特征', '征可', '可视', '视化')} （FV）of <i>deep</i> nets</h1>"
        f"<p> {words('一')} 。 {words('かな', 'なカ', 'カナ')} </p>")
    assert search.pair_word("等人") == "qxhlejeolk"  # 7b49 4eba, in the letters a to p


@pytest.mark.parametrize("languages, indexed", [
    ("[zh, en]", "en"), ("[en, zh]", "en"), ("[ja]", "en"), ("[de, zh]", "de")])
def test_the_index_is_built_in_a_language_with_stemming(site, languages, indexed):
    site.write("digestgen.yaml", f"title: T\nbase_url: https://a.github.io/d/\n"
                                 f"languages: {languages}\n")
    assert search.index_language(load_config(site.config_path)) == indexed


def test_the_index_adds_far_fewer_files_than_papers_and_each_paper_leads_to_its_page(site):
    for n in range(1, 65):
        site.paper(f"p{n}.yaml", f"id: p{n}\ntitle: Paper {n}\ndate: 2024-{1 + n // 28:02}-"
                                 f"{1 + n % 28:02}\n")
    build(site)
    files = bundle(site.output)
    # Pagefind writes a file for each document it indexes: papers share documents.
    assert len(files) < 64 / 2
    assert not [rel for rel in files if "-ui." in rel or "highlight" in rel]  # unused by the theme
    # Each paper is found by its anchor in a document, named after its page, and only there.
    indexed = papers_indexed(files)
    assert indexed == sorted(f"papers/p{n}/" for n in range(1, 65))
    assert all((site.output / path / "index.html").is_file() for path in indexed)
    docs = fragments(files)
    assert 2 <= len(docs) <= 64 / 8
    paper = next(doc for doc in docs if any(a["id"] == "papers/p7/" for a in doc["anchors"]))
    assert paper["meta"]["papers/p7/title_en"] == "Paper 7"
