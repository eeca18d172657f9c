"""The state a build keeps for the next (page keys, row digests, file hashes): kept as a full
file and a patch of what changed since, it reads back as it was written, a patch never applies
to another full file, and builds that keep it as patches write what builds from scratch write.
"""

from __future__ import annotations

import shutil

import pytest

from digestgen.configload import load_config
from digestgen.incremental.state import BuildState, StateFiles
from test_incremental import cold_build, edit_paper, run_build, site, tree  # noqa: F401


def state(keys: dict, digests: dict, structure: str = "s") -> BuildState:
    rows = {"base": "b", "languages": ("zh", "en"), "keys": {"p1": "k1", "p2": "k2"},
            "digests": {"zh": {"p1": b"1"}, "en": {"p1": b"2"}}}
    return BuildState(fingerprint="f", manifest=[1, 2, 3], papers=2, issues=1, files=3,
                      keys=keys, rows=rows, base="base", structure=structure, digests=digests,
                      paper_keys={"p1": "k1", "p2": "k2"})


def kept(files: StateFiles) -> tuple:
    read = files.read()
    return read.keys, read.rows, read.digests, read.paper_keys, read.structure


@pytest.fixture
def files_of(site, monkeypatch):  # noqa: F811
    """A maker of the state files of one output (each read as a later build reads them)."""
    site.write("digestgen.yaml", "title: T\nbase_url: https://a.example/\n")
    monkeypatch.setattr(StateFiles, "PATCH_SHARE", 10.0)  # every small change as a patch
    config = load_config(site.config_path)
    return lambda: StateFiles(config, site.output)


@pytest.fixture
def state_files(files_of):
    return files_of()


def test_a_patched_state_reads_back_as_it_was_written(files_of):
    state_files = files_of()
    first = state({"a.html": "1", "b.html": "2"}, {"p1.yaml": "d1", "p2.yaml": "d2"})
    state_files.write(first)
    state_files.read()
    second = state({"a.html": "1", "b.html": "3", "c.html": "4"}, {"p1.yaml": "d1",
                                                                   "p2.yaml": "e2"})
    second.rows["digests"]["en"]["p2"] = b"9"
    state_files.write(second)
    assert state_files.patch.exists()
    fresh = files_of()
    assert kept(fresh) == (second.keys, second.rows, second.digests, second.paper_keys, "s")
    # Patches add up: a third build's patch is of the same full file.
    third = state({**second.keys, "a.html": "5"}, second.digests)
    third.rows = second.rows
    fresh.write(third)
    assert kept(state_files) == (third.keys, third.rows, third.digests, third.paper_keys, "s")


def test_a_patch_of_another_full_file_is_not_applied(state_files, tmp_path):
    state_files.write(state({"a.html": "1"}, {"p1.yaml": "d1"}))
    state_files.read()
    state_files.write(state({"a.html": "2"}, {"p1.yaml": "d1"}))
    shutil.copy(state_files.patch, tmp_path / "old-patch")
    # A new structure: the full file is written again, and the patch removed.
    now = state({"a.html": "3"}, {"p1.yaml": "d1"}, structure="t")
    state_files.write(now)
    assert not state_files.patch.exists()
    shutil.copy(tmp_path / "old-patch", state_files.patch)
    assert kept(state_files)[0] == {"a.html": "3"}


def test_gone_entries_write_the_full_file(state_files):
    state_files.write(state({"a.html": "1", "b.html": "2"}, {"p1.yaml": "d1"}))
    state_files.write(state({"a.html": "1"}, {"p1.yaml": "d1"}))
    assert not state_files.patch.exists()
    assert kept(state_files)[0] == {"a.html": "1"}


def test_edits_kept_as_patches_reach_every_page_that_shows_them(site, tmp_path,  # noqa: F811
                                                                monkeypatch):
    monkeypatch.setattr(StateFiles, "PATCH_SHARE", 10.0)
    run_build(site)
    files = StateFiles(load_config(site.config_path), site.output)
    for n, title in enumerate(["Retitled paper 5 on", "Paper number 5 on", "Third 5 on"]):
        old = ["Paper number 5 on", "Retitled paper 5 on", "Paper number 5 on"][n]
        edit_paper(site, "2403.10005", old, title)
        run_build(site)
        assert files.patch.exists()
        assert tree(site.output) == cold_build(site, tmp_path)
        # The papers beside it in its issue link to it by its title.
        shown = [rel for rel, data in tree(site.output).items()
                 if rel.startswith("en/papers/") and "2403.10005" not in rel
                 and title.encode() in data]
        assert len(shown) == 2


def test_a_kept_model_comes_with_its_structure_and_pages_and_a_moved_paper_makes_them_again(
        site, tmp_path, monkeypatch):  # noqa: F811
    from digestgen.build import configure
    from digestgen.incremental.builds import IncrementalBuild
    from digestgen.incremental.keys import structure
    from digestgen.pages.pagination import ListPage
    from digestgen.pages.render import Renderer
    from digestgen.pages.theme import load_theme

    def same(subject: object) -> object:
        """A page's subject as compared: the model's records and terms by identity (a kept
        page must show the kept model's), what the renderer makes for them by value."""
        if isinstance(subject, ListPage):
            return ("list", same(subject.subject), *subject[1:])
        return subject if subject is None or isinstance(subject, tuple) else id(subject)

    def pages(jobs: list) -> list:
        return [(job.kind, job.lang, same(job.subject), job.path, job.weight) for job in jobs]

    def kept_and_made() -> tuple:
        """What a build takes of the snapshot (structure, pages; None when made), and what
        it would make of the model."""
        config = configure(load_config(site.config_path), output=site.output)
        builds = IncrementalBuild(config, site.output, False)
        assert builds.unchanged() is None
        model = builds.site_model(builds.load_content())
        renderer = Renderer(model, load_theme(config))
        kept_jobs = builds._snapshot.kept_jobs
        jobs = builds.jobs(renderer)
        assert kept_jobs is None or jobs is kept_jobs
        return ((builds._structure, kept_jobs and pages(kept_jobs)),
                (structure(model), pages(renderer.jobs())))

    # File stats count as settled as soon as written (as in a site edited by hand): the
    # snapshot is taken.
    monkeypatch.setattr("digestgen.incremental.storage.RACY_SECONDS", 0.0)
    run_build(site)
    edit_paper(site, "2403.10005", "Paper number 5 on", "Retitled paper 5 on")
    kept, made = kept_and_made()
    assert kept == made
    run_build(site)
    edit_paper(site, "2403.10005", "tags: [alpha]", "tags: [gamma]")
    kept, made = kept_and_made()
    assert kept == (None, None)  # the paper moved to another tag: the model is made again
    run_build(site)
    edit_paper(site, "2403.10005", "Retitled paper 5 on", "Paper number 5 on")
    kept, made = kept_and_made()
    assert kept == made  # (of the new snapshot, which has the new tag)
    run_build(site)
    assert tree(site.output) == cold_build(site, tmp_path)


def test_kept_maps_read_back_shard_by_shard_and_overlays_keep_what_changed(monkeypatch):
    from digestgen.incremental import keptmaps
    monkeypatch.setattr(keptmaps, "SHARD_ENTRIES", 3)  # many shards
    entries = {f"page-{n}.html": f"key {n}" for n in range(20)}
    meta, maps = keptmaps.decode_maps(keptmaps.encode_maps(("m",), {"keys": entries,
                                                                     "none": {}}))
    kept = maps["keys"]
    assert meta == ("m",) and len(kept) == 20 and kept.get("page-3.html") == "key 3"
    assert "page-99.html" not in kept and maps["none"].get("x") is None
    assert dict(kept) == entries and kept == entries
    changed = keptmaps.overlay(kept)
    changed["page-1.html"] = "new"
    changed["page-20.html"] = "added"
    changed.pop("page-2.html")
    changed.pop("page-99.html", None)
    again = keptmaps.overlay(changed)
    del again["page-20.html"]
    assert changed.changes == {"page-1.html": "new", "page-20.html": "added"}
    assert changed.removed == {"page-2.html"} and changed.base is kept and again.base is kept
    expected = {**entries, "page-1.html": "new", "page-20.html": "added"}
    del expected["page-2.html"]
    assert changed == expected and len(changed) == 20 and "page-2.html" not in changed
    del expected["page-20.html"]
    assert again == expected and len(again) == 19 and kept == entries


def test_entries_removed_through_an_overlay_are_kept_removed_by_the_patch(files_of):
    from digestgen.incremental.keptmaps import overlay
    files_of().write(state({"a.html": "1", "b.html": "2"}, {"p1.yaml": "d1"}))
    reader = files_of()
    last = reader.read()
    now = state(overlay(last.keys), last.digests)
    now.rows = {**last.rows, "keys": overlay(last.rows["keys"]),
                "digests": {lang: overlay(rows) for lang, rows in last.rows["digests"].items()}}
    now.paper_keys = overlay(last.paper_keys)
    now.keys["b.html"] = "3"
    del now.rows["digests"]["zh"]["p1"]
    del now.paper_keys["p2"]
    reader.write(now)
    assert reader.patch.exists()
    keys, rows, _, paper_keys, _ = kept(files_of())
    assert keys == {"a.html": "1", "b.html": "3"} and paper_keys == {"p1": "k1"}
    assert rows["digests"] == {"zh": {}, "en": {"p1": b"2"}}
