"""The two trees of an output: each always holds exactly what its manifest says, whatever the
previous trees held, and the live one changes only by one atomic exchange."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from digestgen.output.manifest import MANIFEST, TreeRecords
from digestgen.output.survey import survey_folders, survey_output
from digestgen.output.staging import Staging
from digestgen.output.treefiles import outlast


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def generation(output: Path, files: dict[str, bytes], keep: tuple[str, ...] = (),
               keep_all: bool = False) -> Staging:
    """One build: ``files`` written, the live files in ``keep`` kept as they are (all at once
    with ``keep_all``, as a site's pages are)."""
    staging = Staging(output)
    live = staging.live.files if staging.live else {}
    for rel, data in files.items():
        staging.write(rel, data)
    if keep_all:
        staging.keep_all({rel: live[rel] for rel in keep})
    for rel in keep if not keep_all else ():
        staging.keep(rel, live[rel])
    staging.settle_pages()
    staging.commit()
    return staging


def assert_matches_manifest(folder: Path) -> None:
    listed = json.loads((folder / MANIFEST).read_text())["files"]
    for rel, digest in listed.items():
        assert hashlib.sha256((folder / rel).read_bytes()).hexdigest()[:32] == digest, rel


def test_each_tree_keeps_its_own_bytes_while_files_are_shared(tmp_path):
    out = tmp_path / "site"
    spare = tmp_path / ".site.staging"
    generation(out, {"a/index.html": b"a1", "b/index.html": b"b1", "c.css": b"c1"})
    generation(out, {"a/index.html": b"a2"}, keep=("b/index.html", "c.css"))  # links
    assert (out / "b/index.html").stat().st_nlink == 2
    generation(out, {"b/index.html": b"b3"}, keep=("a/index.html", "c.css"))
    assert tree(out) == {MANIFEST: (out / MANIFEST).read_bytes(), "a/index.html": b"a2",
                         "b/index.html": b"b3", "c.css": b"c1"}
    assert (spare / "b/index.html").read_bytes() == b"b1"  # the shared file was not written
    assert_matches_manifest(out)
    assert_matches_manifest(spare)


def test_only_files_whose_bytes_differ_are_written(tmp_path):
    out = tmp_path / "site"
    pages = {f"p{n}/index.html": f"page {n}".encode() for n in range(20)}
    generation(out, pages)
    generation(out, pages)
    inodes = {rel: (out / rel).stat().st_ino for rel in pages}
    staging = generation(out, {**pages, "p3/index.html": b"changed"})
    assert staging.written == {"p3/index.html"}
    generation(out, {**pages, "p3/index.html": b"changed"})
    # Unchanged pages are the very files of two builds ago (the spare tree), not copies.
    assert {rel: (out / rel).stat().st_ino for rel in pages if rel != "p3/index.html"} == \
        {rel: ino for rel, ino in inodes.items() if rel != "p3/index.html"}


def test_files_and_folders_may_trade_places(tmp_path):
    out = tmp_path / "site"
    generation(out, {"x": b"file", "y/z.html": b"inner"})
    generation(out, {"x": b"file", "y/z.html": b"inner"})
    generation(out, {"x/inner.html": b"now a folder", "y": b"now a file"})
    assert tree(out) == {MANIFEST: (out / MANIFEST).read_bytes(),
                         "x/inner.html": b"now a folder", "y": b"now a file"}
    generation(out, {"x": b"file again", "y/z.html": b"inner again"})
    assert tree(out)["x"] == b"file again" and tree(out)["y/z.html"] == b"inner again"
    assert_matches_manifest(out)


def test_foreign_files_are_found_without_a_record_of_the_folders(tmp_path):
    out = tmp_path / "site"
    generation(out, {"a/index.html": b"a"})
    (out / "a/mine.txt").write_text("by hand")
    (tmp_path / ".site.trees.pickle").unlink()  # as an older digestgen left the output
    generation(out, {"a/index.html": b"a2"})
    assert (out / "a/mine.txt").read_text() == "by hand"
    generation(out, {"a/index.html": b"a3"})
    assert (out / "a/mine.txt").read_text() == "by hand"


def test_the_record_of_the_trees_an_older_digestgen_wrote_is_removed(tmp_path):
    out = tmp_path / "site"
    generation(out, {"a/index.html": b"a"})
    (tmp_path / ".site.trees.json").write_text('{"trees": []}')  # JSON until December 2026
    generation(out, {"a/index.html": b"a2"})
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.staging", ".site.trees.pickle",
                                                          "site"]


def test_a_foreign_file_changed_in_place_is_carried_with_its_new_bytes(tmp_path):
    out = tmp_path / "site"
    generation(out, {"a/index.html": b"a"})
    (out / "notes.txt").write_text("first")
    generation(out, {"a/index.html": b"a"})
    generation(out, {"a/index.html": b"a"})
    with open(out / "notes.txt", "r+") as handle:  # same folder, same size: only the bytes
        handle.write("FIRST")
    os.utime(out / "notes.txt", ns=(1, 2_000_000_000))
    generation(out, {"a/index.html": b"b"})
    assert (out / "notes.txt").read_text() == "FIRST"


def test_a_failed_build_leaves_the_live_tree_untouched(tmp_path):
    out = tmp_path / "site"
    generation(out, {"a/index.html": b"a"})
    generation(out, {"a/index.html": b"a"})
    before = tree(out)
    staging = Staging(out)
    staging.write("a/index.html", b"new")
    staging.discard()
    assert tree(out) == before
    generation(out, {"a/index.html": b"after"})
    assert tree(out)["a/index.html"] == b"after"


def test_unsafe_paths_are_refused(tmp_path):
    staging = Staging(tmp_path / "site")
    for rel in ("../x", "/etc/x", "a/../../x", "a\\b"):
        with pytest.raises(ValueError):
            staging.write(rel, b"x")


def test_a_cold_build_leaves_a_spare_tree_of_links_to_its_files(tmp_path):
    out = tmp_path / "site"
    pages = {f"p{n}/deep/index.html": f"page {n}".encode() for n in range(30)}
    generation(out, {**pages, "c.css": b"c", "p1/deep/index.html": b"written twice"})
    spare = tmp_path / ".site.staging"
    assert tree(spare) == tree(out) and not (tmp_path / ".site.twin").exists()
    assert (out / "p1/deep/index.html").read_bytes() == b"written twice"
    assert all((out / rel).stat().st_ino == (spare / rel).stat().st_ino for rel in pages)
    kept = tuple(rel for rel in [*pages, "c.css"] if rel != "p1/deep/index.html")
    staging = generation(out, {"p1/deep/index.html": b"edited"}, keep=kept, keep_all=True)
    assert not staging._fresh and staging.base_files  # the spare tree was trusted
    assert staging.written == {"p1/deep/index.html"}
    assert (spare / "p1/deep/index.html").read_bytes() == b"written twice"  # not written into
    assert tree(out) == {MANIFEST: (out / MANIFEST).read_bytes(), **pages, "c.css": b"c",
                         "p1/deep/index.html": b"edited"}
    assert_matches_manifest(out)
    assert_matches_manifest(spare)


@pytest.mark.parametrize("twin", ["removed", "unfinished"])
def test_the_first_build_after_a_cold_one_makes_a_whole_tree_and_carries_foreign_files(tmp_path,
                                                                                        twin):
    out = tmp_path / "site"
    pages = {f"p{n}/deep/index.html": f"page {n}".encode() for n in range(30)}
    generation(out, {**pages, "c.css": b"c"})  # cold: its spare tree is then lost
    if twin == "removed":  # (as a build killed before it was in place leaves it)
        shutil.rmtree(tmp_path / ".site.staging")
    else:  # as a build killed while linking it leaves it: not trusted, and removed
        (tmp_path / ".site.staging").rename(tmp_path / ".site.twin")
        half = tmp_path / ".site.twin/p7/deep/index.html"
        half.unlink()  # (a link to the live page)
        half.write_bytes(b"wrong")
    (out / "p3/deep/mine.txt").write_text("by hand")
    (out / "robots.txt").write_text("mine too")
    (out / "p5/deep/index.html").unlink()  # removed by hand: written again
    staging = generation(out, {"p1/deep/index.html": b"edited", "p5/deep/index.html": b"page 5"},
                         keep=tuple(rel for rel in [*pages, "c.css"] if rel not in
                                    ("p1/deep/index.html", "p5/deep/index.html")),
                         keep_all=True)
    assert staging._fresh
    assert staging.written == {"p1/deep/index.html", "p5/deep/index.html"}
    assert tree(out) == {MANIFEST: (out / MANIFEST).read_bytes(), **pages, "c.css": b"c",
                         "p1/deep/index.html": b"edited", "p3/deep/mine.txt": b"by hand",
                         "robots.txt": b"mine too"}
    assert (out / "p2/deep/index.html").stat().st_nlink == 2  # linked, not copied
    assert not (tmp_path / ".site.twin").exists()
    assert_matches_manifest(out)
    assert_matches_manifest(tmp_path / ".site.staging")
    # The new tree's folders were recorded: a file put in one later is found and carried.
    (out / "p4/deep/late.txt").write_text("later")
    generation(out, {"p1/deep/index.html": b"again"}, keep=("p2/deep/index.html",),
               keep_all=True)
    assert (out / "p4/deep/late.txt").read_text() == "later"
    assert (out / "p3/deep/mine.txt").read_text() == "by hand"
    assert (out / "robots.txt").read_text() == "mine too"


def test_a_manifest_made_from_the_live_one_is_the_manifest_written_in_full(tmp_path):
    out = tmp_path / "site"
    pages = {f"p{n}/é\"x.html": f"page {n}".encode() for n in range(20)}
    generation(out, pages)
    generation(out, {**pages, "p3/é\"x.html": b"changed", "p9/é\"x.html": b"changed too"})
    full = tmp_path / "full"
    generation(full, {**pages, "p3/é\"x.html": b"changed", "p9/é\"x.html": b"changed too"})
    assert (out / MANIFEST).read_bytes() == (full / MANIFEST).read_bytes()


def test_the_spare_trees_files_come_from_the_record_of_how_they_differ(tmp_path):
    out = tmp_path / "site"
    spare = tmp_path / ".site.staging"
    generation(out, {"a.html": b"a1", "b.html": b"b1", "c.html": b"c1"})
    generation(out, {"a.html": b"a2", "b.html": b"b1", "d.html": b"d2"})
    listed = json.loads((spare / MANIFEST).read_text())["files"]
    assert Staging(out).base_files == listed == {
        "a.html": hashlib.sha256(b"a1").hexdigest()[:32],
        "b.html": hashlib.sha256(b"b1").hexdigest()[:32],
        "c.html": hashlib.sha256(b"c1").hexdigest()[:32]}
    generation(out, {"a.html": b"a3", "b.html": b"b1", "d.html": b"d2"})
    # A live manifest changed by hand is not what the record was made against.
    text = (out / MANIFEST).read_text()
    (out / MANIFEST).write_text(text.replace(hashlib.sha256(b"b1").hexdigest()[:32], "0" * 32))
    listed = json.loads((spare / MANIFEST).read_text())["files"]
    assert Staging(out).base_files == listed


def test_outlast_returns_once_the_file_system_clock_is_past_a_folder_mtime(tmp_path):
    """A build waits, at the end, until an entry put in one of its folders would change the
    folder's mtime: here the newest mtime is 80 ms ahead, as a coarse clock's tick would be."""
    probe = tmp_path / "lock"
    probe.write_text("")  # (a build's lock file)
    ahead = time.time_ns() + 80_000_000
    started = time.monotonic()
    outlast(ahead, probe)
    assert time.monotonic() - started >= 0.05
    (tmp_path / "mine.txt").write_text("mine")
    assert os.stat(tmp_path).st_mtime_ns > ahead


def test_a_twin_with_a_link_that_failed_is_not_left_as_a_spare_tree(tmp_path):
    out = tmp_path / "site"
    staging = Staging(out)
    staging.write("a/index.html", b"a")
    worker = os.fork()  # a worker rendering into it, whose link fails
    if worker == 0:
        staging.twin.link(str(tmp_path / "gone"), "b.html")
        os._exit(0)
    os.waitpid(worker, 0)
    staging.write("c/index.html", b"c")
    staging.commit()
    assert tree(out) == {MANIFEST: (out / MANIFEST).read_bytes(), "a/index.html": b"a",
                         "c/index.html": b"c"}
    assert not (tmp_path / ".site.twin").exists() and not (tmp_path / ".site.staging").exists()
    generation(out, {"a/index.html": b"a2"}, keep=("c/index.html",), keep_all=True)
    assert tree(out)["a/index.html"] == b"a2" and tree(out)["c/index.html"] == b"c"
    assert_matches_manifest(tmp_path / ".site.staging")


def test_the_survey_finds_removed_pages_and_foreign_files_from_the_folders_that_changed(tmp_path):
    out = tmp_path / "site"
    pages = {f"papers/{n}/index.html": n.encode() for n in ("a", "b", "c", "d")}
    generation(out, {**pages, "index.html": b"home", "papers/c/cite.bib": b"@misc"})
    probe = tmp_path / "probe"
    probe.touch()
    outlast(max(p.stat().st_mtime_ns for p in out.rglob("*")), probe)  # changes show in mtimes
    shutil.rmtree(out / "papers/b")  # a whole folder gone
    (out / "papers/c/cite.bib").unlink()  # one file gone, its folder still there
    (out / "index.html").unlink()  # a file of the root gone
    (out / "papers/d/notes.txt").write_text("mine")  # a file put there by hand
    records = TreeRecords(out)
    folders = survey_folders(out, records)
    assert folders.changed.keys() == {"papers", "papers/c", "papers/d"}
    assert folders.gone == {"papers/b"}
    live = survey_output(out, records, folders)
    assert live.missing == {"papers/b/index.html", "papers/c/cite.bib", "index.html"}
    assert set(live.foreign) == {"papers/d/notes.txt"}
    # The same as found without the folders looked at first.
    again = survey_output(out, TreeRecords(out))
    assert (again.missing, again.foreign, again.dirs) == (live.missing, live.foreign, live.dirs)
    assert generation(out, pages, keep_all=True).live.missing == live.missing
    assert tree(out)["papers/b/index.html"] == b"b"


def folders(tree: Path) -> dict[str, int]:
    return {p.relative_to(tree).as_posix(): p.stat().st_mtime_ns
            for p in tree.rglob("*") if p.is_dir()}


def test_folders_emptied_by_a_build_are_removed_and_the_record_stays_true(tmp_path):
    out = tmp_path / "site"
    pages = {"a/index.html": b"a", "b/index.html": b"b", "c/x/index.html": b"c"}
    generation(out, pages)
    generation(out, pages, keep=tuple(pages))  # the first build after a cold one
    generation(out, {"a/index.html": b"a2", "d/e/index.html": b"d"}, keep=("b/index.html",))
    assert sorted(tree(out)) == [MANIFEST, "a/index.html", "b/index.html", "d/e/index.html"]
    assert folders(out).keys() == {"a", "b", "d", "d/e"}  # c/x and c went with their page
    assert TreeRecords(out).get(out).dirs == folders(out)
    # The spare tree (the tree before) is recorded as it is too, and the next build uses it.
    spare = tmp_path / ".site.staging"
    assert TreeRecords(out).get(spare).dirs == folders(spare)
    generation(out, {"b/index.html": b"b2"}, keep=("a/index.html", "d/e/index.html"))
    assert sorted(tree(out)) == [MANIFEST, "a/index.html", "b/index.html", "d/e/index.html"]
    assert TreeRecords(out).get(out).dirs == folders(out)
    assert_matches_manifest(out)


def test_a_manifest_made_from_another_with_paths_added_and_gone_is_the_one_written_in_full():
    import random
    from digestgen.output.manifest import Listing, _patched, manifest_bytes
    rng = random.Random(7)
    # Paths whose escapes in JSON sort otherwise than they do ("é" is written \\u00e9).
    names = [f"{d}/{n}{i}.html" for d in ("a", "b", "z", "é", "~", "论文") for n in ("x", '"', "\\")
             for i in range(5)]
    for _ in range(300):
        before = {rel: f"h{rng.randrange(3)}" for rel in rng.sample(names, rng.randrange(1, 12))}
        after = {rel: digest for rel, digest in before.items() if rng.random() < 0.7}
        after.update((rel, f"h{rng.randrange(3)}") for rel in rng.sample(names, rng.randrange(4)))
        data = manifest_bytes(before)
        like = Listing(data, json.loads(data)["files"], [])  # as read back: in its order
        assert manifest_bytes(after, like) == manifest_bytes(after), (before, after)
        assert _patched(like, after, None) is not None  # made from it, not written in full


def test_a_manifest_whose_lines_are_not_sorted_is_written_in_full():
    from digestgen.output.manifest import Listing, _patched, manifest_bytes
    before = {"a/index.html": "1", "b/index.html": "2", "c/index.html": "3"}
    data = manifest_bytes(before)
    shuffled = data.replace(b'"a/index.html": "1",\n"b/index.html": "2"',
                            b'"b/index.html": "2",\n"a/index.html": "1"')
    assert shuffled != data
    like = Listing(shuffled, json.loads(shuffled)["files"], [])
    after = {**before, "a/index.html": "4", "ab/index.html": "5"}
    assert _patched(like, after, None) is None
    assert manifest_bytes(after, like) == manifest_bytes(after)


def test_a_folder_survey_made_against_another_tree_is_made_again(tmp_path):
    from digestgen.output.survey import FolderSurvey
    out = tmp_path / "site"
    generation(out, {"a/index.html": b"a", "b/index.html": b"b"})
    generation(out, {"a/index.html": b"a", "b/index.html": b"b"}, keep=("a/index.html",))
    shutil.rmtree(out / "b")
    records = TreeRecords(out)
    stale = FolderSurvey([0, 0, 0, 0, 0], {}, frozenset(), [])  # found nothing changed
    assert survey_output(out, records, stale).missing == {"b/index.html"}
