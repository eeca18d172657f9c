"""The survey of a build's inputs: a folder of many files, stat-ed in parts by forked
processes, is listed as it is in one, with the same fingerprint; what changes an input changes
the fingerprint; an entry that cannot be stat-ed leaves none."""

from __future__ import annotations

import os
import threading

import pytest

from digestgen import parallel
from digestgen.configload import load_config
from digestgen.incremental import inputs, storage
from digestgen.incremental.inputs import FileStat, survey_inputs

CONFIG = "title: T\nbase_url: https://a.example/\nlanguages: [zh, en]\n"


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "RACY_SECONDS", 0.0)  # files written now count as settled
    (tmp_path / "digestgen.yaml").write_text(CONFIG, encoding="utf-8")
    papers = tmp_path / "content/papers"
    (papers / "old").mkdir(parents=True)
    for number in range(30):
        (papers / f"2403.{number:05d}.yaml").write_text("x" * number, encoding="utf-8")
    (papers / "old/2301.00001.yaml").write_text("old", encoding="utf-8")
    return tmp_path


@pytest.fixture
def shares_made(monkeypatch):
    """Folders of more than 4 entries stat-ed in 3 parts; the number of parts of each folder
    split is noted."""
    made: list[int] = []
    forking = parallel.fork_map

    def noted(work, shares):
        made.append(len(shares))
        return forking(work, shares)

    monkeypatch.setattr(parallel, "fork_map", noted)
    # (A build forks only with no other thread running; tests before may have left one, which
    # the workers here, that only stat and exit, do not touch.)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(inputs, "PART_MIN", 4)
    monkeypatch.setenv(parallel.JOBS_VARIABLE, "3")
    return made


def surveyed(site, monkeypatch, parts: bool):
    if not parts:
        monkeypatch.setenv(parallel.JOBS_VARIABLE, "1")
    config = load_config(site / "digestgen.yaml")
    return survey_inputs(config, "drafts=False")


def as_found(survey) -> list:
    listing = survey.papers
    return [(name, listing.stat(index)) for index, name in enumerate(listing.names)]


@pytest.mark.skipif(not parallel.can_fork(), reason="stat-ing in parts needs os.fork")
def test_a_folder_stat_ed_in_parts_is_listed_as_in_one(site, monkeypatch, shares_made):
    in_parts = surveyed(site, monkeypatch, parts=True)
    # content/papers first (31 entries), then the theme's folders of more than 4 entries; its
    # subfolder, of one entry, is stat-ed in one.
    assert shares_made[0] == 3 and set(shares_made) == {3}
    split = len(shares_made)
    in_one = surveyed(site, monkeypatch, parts=False)
    assert len(shares_made) == split
    assert as_found(in_parts) == as_found(in_one)
    assert in_parts.fingerprint is not None
    assert in_parts.fingerprint == in_one.fingerprint
    assert in_parts.columns == in_one.columns
    assert "old/2301.00001.yaml" in in_parts.papers.names
    info = os.stat(site / "content/papers/2403.00007.yaml")
    index = in_parts.papers.names.index("2403.00007.yaml")
    assert in_parts.papers.stat(index) == FileStat(info.st_mode, 7, info.st_mtime_ns,
                                                   info.st_ctime_ns, info.st_ino)


@pytest.mark.parametrize("parts", [True, False], ids=["in parts", "in one"])
def test_an_entry_that_cannot_be_stat_ed_leaves_no_fingerprint(site, monkeypatch, shares_made,
                                                                 parts):
    # Links to themselves: listed, but stat-ing one fails (too many levels of links), even as
    # root. Ten of them, among 41 entries: some in each part.
    loops = [f"2403.9999{digit}.yaml" for digit in range(10)]
    for name in loops:
        os.symlink(name, site / "content/papers" / name)
    survey = surveyed(site, monkeypatch, parts)
    listing = survey.papers
    assert sorted(name for index, name in enumerate(listing.names)
                  if listing.stat(index) is None) == loops
    assert survey.fingerprint is None
    assert survey.columns["papers"] is None
    assert dict(survey.paper_files)["2403.99995.yaml"] is None


@pytest.mark.parametrize("parts", [True, False], ids=["in parts", "in one"])
def test_an_entry_gone_while_listed_is_left_out(site, monkeypatch, shares_made, parts):
    # A link to nothing is listed but is no file (as if removed between listing and stat).
    os.symlink("nowhere", site / "content/papers/2403.88888.yaml")
    survey = surveyed(site, monkeypatch, parts)
    assert "2403.88888.yaml" not in survey.papers.names
    assert len(survey.papers.names) == 32  # 30 papers, the folder old/ and the file in it
    assert survey.fingerprint is not None
    assert all(len(column) == 32 for column in survey.columns["papers"])


def test_what_changes_an_input_changes_the_fingerprint(site, monkeypatch):
    first = surveyed(site, monkeypatch, parts=False).fingerprint
    assert surveyed(site, monkeypatch, parts=False).fingerprint == first
    paper = site / "content/papers/2403.00003.yaml"
    info = os.stat(paper)
    paper.write_text("y" * 3, encoding="utf-8")  # the same size
    os.utime(paper, ns=(info.st_atime_ns, info.st_mtime_ns - 10_000_000_000))
    rewritten = surveyed(site, monkeypatch, parts=False).fingerprint
    assert rewritten not in (None, first)  # its ctime changed, whatever its mtime says
    (site / "content/papers/old/2301.00002.yaml").write_text("", encoding="utf-8")
    os.utime(site / "content/papers/old/2301.00002.yaml", ns=(0, 0))
    assert surveyed(site, monkeypatch, parts=False).fingerprint not in (None, first, rewritten)


@pytest.fixture
def listings(monkeypatch) -> list[str]:
    """The folders listed (os.listdir), as paths; names of folders of 4 entries or more are
    kept."""
    monkeypatch.setattr(inputs, "NAMES_KEPT_MIN", 4)
    real, listed = os.listdir, []

    def noted(folder=".", *args):
        listed.append(os.readlink(f"/proc/self/fd/{folder}") if isinstance(folder, int)
                      else str(folder))
        return real(folder, *args)

    monkeypatch.setattr(os, "listdir", noted)
    return listed


needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"),
                                reason="tells the folders listed by /proc/self/fd")


@needs_proc
def test_a_large_folder_unchanged_since_the_last_build_is_not_listed_again(
        site, monkeypatch, listings):
    first = surveyed(site, monkeypatch, parts=False)
    assert str(site / "content/papers") in listings
    del listings[:]
    again = surveyed(site, monkeypatch, parts=False)
    assert str(site / "content/papers") not in listings
    assert str(site / "content/papers/old") in listings  # (one entry: not kept)
    assert as_found(again) == as_found(first)
    assert again.fingerprint == first.fingerprint is not None


@needs_proc
@pytest.mark.parametrize("change", ["added", "removed", "renamed"])
def test_a_file_added_removed_or_renamed_in_a_kept_folder_is_found(site, monkeypatch, listings,
                                                                 change):
    papers = site / "content/papers"
    first = surveyed(site, monkeypatch, parts=False)
    if change == "added":
        (papers / "2403.77777.yaml").write_text("new", encoding="utf-8")
    elif change == "removed":
        (papers / "2403.00004.yaml").unlink()
    else:
        (papers / "2403.00004.yaml").rename(papers / "2403.00004.yml")
    now = surveyed(site, monkeypatch, parts=False)
    names = set(now.papers.names)
    assert ("2403.77777.yaml" in names) == (change == "added")
    assert ("2403.00004.yaml" in names) == (change not in ("removed", "renamed"))
    assert ("2403.00004.yml" in names) == (change == "renamed")
    assert now.fingerprint not in (None, first.fingerprint)
    assert as_found(surveyed(site, monkeypatch, parts=False)) == as_found(now)


@needs_proc
def test_a_folder_changed_within_the_clock_s_tick_is_listed_again(site, monkeypatch, listings):
    monkeypatch.setattr(storage, "RACY_SECONDS", 1e10)  # every folder changed just now
    surveyed(site, monkeypatch, parts=False)
    listed = list(listings)
    surveyed(site, monkeypatch, parts=False)
    assert str(site / "content/papers") in listed
    assert listings == listed * 2
    assert not (site / ".digestgen-cache/folders.pickle").exists()


@needs_proc
@pytest.mark.parametrize("kept", [b"not a pickle", "wrong shape"])
def test_kept_folder_names_that_cannot_be_read_are_listed_again(site, monkeypatch, listings,
                                                               kept):
    first = surveyed(site, monkeypatch, parts=False)
    path = site / ".digestgen-cache/folders.pickle"
    if kept == "wrong shape":  # the folder's stamp as it is, but no list of names
        info = os.stat(site / "content/papers")
        stamp = (info.st_ino, info.st_mtime_ns, info.st_ctime_ns)
        storage.write_pickle(path, {str(site / "content/papers"): (stamp, "not names")})
    else:
        path.write_bytes(kept)
    del listings[:]
    again = surveyed(site, monkeypatch, parts=False)
    assert str(site / "content/papers") in listings
    assert as_found(again) == as_found(first) and again.fingerprint == first.fingerprint
