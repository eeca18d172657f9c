"""A staging tree's folders: which it needs, which are empty now, and their mtimes."""

import os

from digestgen.output.folders import folder_mtimes, folders_of, remove_empty, with_folders_above


def test_folders_of_files_are_their_folders_those_above_and_the_root():
    paths = ["index.html", "papers/2401.1/index.html", "en/papers/2401.1/index.html"]
    assert folders_of(paths) == {"", "papers", "papers/2401.1", "en", "en/papers",
                                 "en/papers/2401.1"}


def test_with_folders_above_adds_every_ancestor_but_the_root():
    assert with_folders_above({"en/tags/x", "papers", ""}) == {"en", "en/tags", "en/tags/x",
                                                               "papers"}


def test_remove_empty_removes_deepest_first_and_keeps_what_holds_files(tmp_path):
    (tmp_path / "a/b/c").mkdir(parents=True)
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept/index.html").write_text("x")
    touched = set()

    gone = remove_empty(tmp_path, ["a", "a/b", "a/b/c", "kept", "never-there"], touched)

    assert gone == {"a", "a/b", "a/b/c", "never-there"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept"]
    assert touched == {"", "a", "a/b"}  # the folders whose entries changed


def test_folder_mtimes_reads_touched_and_unrecorded_folders_and_trusts_the_rest(tmp_path):
    for folder in ("old", "new", "changed"):
        (tmp_path / folder).mkdir()
    recorded = {"old": 1, "changed": 2, "pruned": 3}

    dirs = folder_mtimes(tmp_path, recorded, {"", "old", "new", "changed"}, set(), {"changed"})

    assert dirs == {"old": 1,  # recorded and untouched: not read again
                    "new": os.stat(tmp_path / "new").st_mtime_ns,
                    "changed": os.stat(tmp_path / "changed").st_mtime_ns}


def test_folder_mtimes_of_the_recorded_folders_drops_those_pruned(tmp_path):
    (tmp_path / "kept").mkdir()
    recorded = {"kept": 1, "pruned": 3, "gone-since": 4}

    dirs = folder_mtimes(tmp_path, recorded, None, {"pruned"}, {"kept", "gone-since", ""})

    assert dirs == {"kept": os.stat(tmp_path / "kept").st_mtime_ns}
