"""The content snapshot (digestgen.incremental.snapshot): after an edit of a few papers, a build
takes the last full load's content with those papers replaced, and builds byte for byte what a
build from scratch builds; any other change loads every file again."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import digestgen.incremental.records as records
from digestgen.errors import SiteError
from test_incremental import cold_build, edit_paper, run_build, site, tree  # noqa: F401 (site)


@pytest.fixture
def full_loads(monkeypatch) -> list[int]:
    """Counts the full loads of the site's content (one element each; not those of cold builds
    to compare with); file stats count as settled as soon as written, so that records are
    trusted as in a site edited by hand."""
    monkeypatch.setattr("digestgen.incremental.storage.RACY_SECONDS", 0.0)
    real, calls = records.load_content_cached, []

    def counted(config, *args, **kwargs):
        if "cold" not in config.root.parts:
            calls.append(1)
        return real(config, *args, **kwargs)

    monkeypatch.setattr(records, "load_content_cached", counted)
    return calls


def snapshot_files(site) -> list:
    return sorted((site.root / ".digestgen-cache").glob("content-*-published.pickle"))


def patch_file(site):
    return snapshot_files(site)[0].with_suffix(".patch.pickle")


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The names of the paper files an edit build reads (parses) again."""
    import digestgen.incremental.snapshot as snapshot
    real, names = snapshot.parse_paper, []
    monkeypatch.setattr(snapshot, "parse_paper",
                        lambda path, config: names.append(path.name) or real(path, config))
    return names


@pytest.fixture
def store_reads(monkeypatch) -> list[int]:
    """Counts the shards of the records store read (after a first full load)."""
    from digestgen.incremental.storage import ShardedStore
    real, reads = ShardedStore._read, []
    monkeypatch.setattr(ShardedStore, "_read",
                        lambda store, shard: reads.append(shard) or real(store, shard))
    return reads


def test_an_abstract_edit_reads_one_paper_file_and_builds_what_a_cold_build_builds(
        site, tmp_path, full_loads):
    run_build(site)
    assert len(full_loads) == 1 and len(snapshot_files(site)) == 1
    for n, text in enumerate(["Edited once.", "Edited twice."]):
        edit_paper(site, "2403.10003", "Abstract of paper 3", f"{text} Abstract of paper 3")
        run_build(site)
        assert len(full_loads) == 1, f"edit {n}: the content was loaded in full"
        assert tree(site.output) == cold_build(site, tmp_path)
    assert b"Edited twice." in (site.output / "papers/2403.10003/index.html").read_bytes()


@pytest.mark.parametrize("old, new", [
    ("date: 2024-03-23", "date: 2024-03-19"),  # another issue
    ("tags: [alpha]", "tags: [alpha]\ndraft: true"),  # left out
    ('id: "2403.10003"', 'id: "2403.10002"'),  # an id another file has: a problem
    ('id: "2403.10003"', 'id: "2403.20003"'),  # another page
    ("date: 2024-03-23", "date: 2024-13-23"),  # a problem
])
def test_an_edit_that_changes_where_a_paper_goes_loads_every_file_again(
        site, tmp_path, full_loads, old, new):
    run_build(site)
    edit_paper(site, "2403.10003", old, new)
    try:
        run_build(site)
        built = tree(site.output)
    except SiteError as exc:
        built = [str(problem) for problem in exc.problems]
    assert len(full_loads) == 2
    try:
        assert built == cold_build(site, tmp_path)
    except SiteError as exc:
        assert built == [str(problem).replace("/cold/", "/mysite/") for problem in exc.problems]


def test_added_removed_and_issue_files_load_every_file_again(site, tmp_path, full_loads):
    run_build(site)
    changes = [
        lambda: site.issue("2024-03-22.yaml", "title: {en: Bigger day, zh: 大日子}\n"),
        lambda: (site.root / "content/papers/2403.10005.yaml").unlink(),
        lambda: site.paper("2403.10099.yaml", (site.root / "content/papers/2403.10004.yaml")
                           .read_text().replace("2403.10004", "2403.10099")),
    ]
    for n, change in enumerate(changes, start=2):
        change()
        run_build(site)
        assert len(full_loads) == n
        assert tree(site.output) == cold_build(site, tmp_path)


def test_a_snapshot_that_cannot_be_read_is_not_trusted(site, tmp_path, full_loads):
    run_build(site)
    for junk in (b"", b"DGP1 torn", snapshot_files(site)[0].read_bytes()[:-10]):
        snapshot_files(site)[0].write_bytes(junk)
        edit_paper(site, "2403.10003", "Abstract of paper", "Abstract, again, of paper")
        run_build(site)
        assert tree(site.output) == cold_build(site, tmp_path)
    assert len(full_loads) == 4


def test_files_changed_recently_are_read_again_until_their_stats_vouch_for_them(
        site, tmp_path, full_loads, monkeypatch):
    """A file changed within the resolution of its mtime may change again under the same stat:
    the snapshot does not vouch for such a file (here: every paper file, all being recent)."""
    monkeypatch.setattr(records, "settled", lambda *times: False)
    import digestgen.incremental.snapshot as snapshot
    real, parsed = snapshot.parse_paper, []
    monkeypatch.setattr(snapshot, "parse_paper",
                        lambda path, config: parsed.append(path.name) or real(path, config))
    run_build(site)
    edit_paper(site, "2403.10003", "Abstract of paper 3", "Abstract of paper three")
    run_build(site)
    assert len(full_loads) == 1 and len(parsed) == 13  # every paper file, not only the edited
    assert tree(site.output) == cold_build(site, tmp_path)


@pytest.fixture
def models_built(monkeypatch) -> list[int]:
    """Counts the site models built for the site (not for cold builds)."""
    import digestgen.content.model as model
    real, calls = model.build_model, []

    def counted(config, content):
        if "cold" not in config.root.parts:
            calls.append(1)
        return real(config, content)

    monkeypatch.setattr(model, "build_model", counted)
    return calls


def test_an_abstract_edit_takes_the_kept_site_model(site, tmp_path, full_loads, models_built):
    run_build(site)
    edit_paper(site, "2403.10003", "Abstract of paper 3", "Abstract of paper three")
    run_build(site)
    assert (len(full_loads), len(models_built)) == (1, 1)
    assert tree(site.output) == cold_build(site, tmp_path)


@pytest.mark.parametrize("old, new", [("tags: [alpha]", "tags: [gamma]"),
                                      ("categories: [cs.LG, cs.CL]", "categories: [cs.LG]")])
def test_an_edit_of_tags_or_categories_builds_the_site_model_again(
        site, tmp_path, full_loads, models_built, old, new):
    run_build(site)
    edit_paper(site, "2403.10003", old, new)
    run_build(site)
    assert tree(site.output) == cold_build(site, tmp_path)
    # The model built after that edit is kept: an abstract edit after it builds none.
    edit_paper(site, "2403.10003", "Abstract of paper 3", "Abstract of paper three")
    run_build(site)
    assert tree(site.output) == cold_build(site, tmp_path)
    assert (len(full_loads), len(models_built)) == (1, 2)


def test_a_site_moved_to_another_folder_loads_every_file_again(site, tmp_path, full_loads):
    """Moved whole, its files keep their stats; the snapshot's records name the old folder."""
    run_build(site)
    site.root = site.root.rename(site.root.with_name("moved"))
    run_build(site)
    assert len(full_loads) == 2
    assert tree(site.output) == cold_build(site, tmp_path)


def test_papers_edited_one_after_another_are_each_read_once(
        site, tmp_path, full_loads, parsed, store_reads):
    """Each edit build reads the file just edited, and takes those edited before from the patch
    kept with the snapshot, without a look in the records store."""
    run_build(site)
    del store_reads[:]
    edits = [("2403.10003", "3"), ("2403.10005", "5"), ("2403.10008", "8"), ("2403.10003", "3")]
    for n, (paper_id, number) in enumerate(edits):
        edit_paper(site, paper_id, f"Abstract of paper {number}",
                   f"Edit {n}. Abstract of paper {number}")
        run_build(site)
        assert parsed == [f"{paper_id}.yaml"], f"edit {n}"
        del parsed[:]
    assert len(full_loads) == 1 and store_reads == []
    assert tree(site.output) == cold_build(site, tmp_path)
    assert b"Edit 0. Edit 3. Abstract of paper 3" in (site.output / "papers/2403.10003/index.html").read_bytes()
    # A full load (a paper added) writes a new snapshot, and leaves no patch.
    site.paper("2403.10099.yaml", (site.root / "content/papers/2403.10001.yaml").read_text()
               .replace("2403.10001", "2403.10099"))
    run_build(site)
    assert len(full_loads) == 2 and not patch_file(site).exists()
    assert tree(site.output) == cold_build(site, tmp_path)


@pytest.mark.parametrize("same_snapshot", [True, False], ids=["its snapshot", "another"])
def test_a_patch_is_taken_only_with_its_own_snapshot(site, tmp_path, full_loads,
                                                    same_snapshot):
    """A record in the patch stands for its file while the file's stat is the one recorded
    (here a record made up for the stat of the file as it is), and only for the snapshot the
    patch was made with."""
    from digestgen.configload import load_config
    from digestgen.incremental.records import Entry, file_stat, parse_paper
    from digestgen.incremental.storage import read_mapped, write_pickle
    run_build(site)
    edit_paper(site, "2403.10003", "Abstract of paper 3", "Abstract of paper three")
    run_build(site)
    key = read_patch(site)
    # A record of the file with another title, kept for the file as it is.
    path = Path(key)
    text = path.read_text()
    path.write_text(text.replace("Paper number 3 on", "Made up 3 on"))
    made_up = parse_paper(path, load_config(site.config_path))[0]
    path.write_text(text)
    assert made_up is not None and made_up.title.values["en"].startswith("Made up")
    token = read_mapped(snapshot_files(site)[0]).token if same_snapshot else "another"
    # (Its hash too: pages are keyed by the hash of their papers' files.)
    write_pickle(patch_file(site), (token, {key: Entry(file_stat(path), "0" * 40, True,
                                                       made_up)}))
    edit_paper(site, "2403.10005", "Abstract of paper 5", "Abstract of paper five")
    run_build(site)
    shown = (site.output / "en/papers/2403.10003/index.html").read_bytes()
    assert (b"Made up" in shown) == same_snapshot
    if not same_snapshot:
        assert tree(site.output) == cold_build(site, tmp_path)
    assert len(full_loads) == 1


def read_patch(site) -> str:
    """The one file the patch holds a record of."""
    from digestgen.incremental.storage import read_pickle
    token, entries = read_pickle(patch_file(site))
    (key,) = entries
    return key


def test_a_patch_that_cannot_be_read_is_not_trusted(site, tmp_path, full_loads):
    run_build(site)
    edit_paper(site, "2403.10003", "Abstract of paper 3", "Abstract of paper three")
    run_build(site)
    patch_file(site).write_bytes(b"not a pickle")
    edit_paper(site, "2403.10003", "Abstract of paper three", "Abstract of paper 3, again")
    run_build(site)
    assert b"paper 3, again" in (site.output / "papers/2403.10003/index.html").read_bytes()
    assert len(full_loads) == 1  # the snapshot is still taken; only the patch is not
    assert tree(site.output) == cold_build(site, tmp_path)
