"""``digestgen deploy``: a site from ``init``, built by ``build``, in a real git repository,
pushed to a real local bare repository; the result is checked out and compared with the build."""

from __future__ import annotations

import filecmp
import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from digestgen.cli import main
from digestgen.config import CACHE_NAME
from digestgen.output.staging import MANIFEST
from digestgen.scaffold import EXAMPLE_PAPER, init_site

SECOND_PAPER = """\
id: "2310.02664"
title: {en: On Memorization in Diffusion Models, zh: 关于扩散模型记忆化的研究}
date: 2024-03-22
"""


def git(cwd: Path, *args: str) -> str:
    # No optional locks: `git status` here must not rewrite the index it is asked about.
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
                          env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"})
    return done.stdout.strip()


@pytest.fixture(autouse=True)
def plain_git(tmp_path_factory, monkeypatch):
    """git with no personal or system configuration, and a fixed identity."""
    home = tmp_path_factory.mktemp("home")
    (home / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Editor")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "editor@example.org")


def build(source: Path) -> None:
    result = CliRunner().invoke(main, ["build", "-q", "--config", str(source / "digestgen.yaml")])
    assert result.exit_code == 0, result.output


def new_site(folder: Path, built: bool = True) -> Path:
    """A digest from ``digestgen init`` in a git repository on main, committed, built."""
    init_site(folder)
    config = folder / "digestgen.yaml"  # deploy refuses init's placeholder address
    config.write_text(config.read_text().replace("https://USER.github.io/REPO/",
                                                 "https://editor.github.io/digest/"))
    git(folder, "init", "--quiet")
    git(folder, "add", ".")
    git(folder, "commit", "--quiet", "-m", "Start the digest")
    if built:
        build(folder)
    return folder


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A built site's repository with a bare ``origin``; the current folder."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    source = new_site(tmp_path / "source")
    git(source, "remote", "add", "origin", str(remote))
    monkeypatch.chdir(source)
    return source


def run_deploy(*args: str):
    return CliRunner().invoke(main, ["deploy", *args])


def checkout(remote: Path, into: Path, branch: str = "gh-pages") -> Path:
    git(remote.parent, "clone", "--quiet", "--branch", branch, str(remote), str(into))
    return into


def same_files(built: Path, published: Path) -> bool:
    """True when both folders hold the same files with the same bytes, leaving out git's
    folder and the build's manifest."""
    compare = filecmp.dircmp(built, published, ignore=[".git", MANIFEST])
    if compare.left_only or compare.right_only or compare.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(built, published, compare.common_files, shallow=False)
    return not mismatch and not errors and all(
        same_files(built / name, published / name) for name in compare.common_dirs)


def repository_state(source: Path) -> tuple:
    """What deploy must not change: HEAD, the branch, the index, the working tree's status.
    digestgen's own cache folder is left out: any command that reads the configuration may
    cache it there once its file has settled (configload), and whether it has by the time
    deploy runs depends on how fast the machine is."""
    status = "\n".join(
        line for line in git(source, "status", "--porcelain", "--ignored",
                             "--untracked-files=all").splitlines()
        if f"{CACHE_NAME}/" not in line)
    index = hashlib.sha256((source / ".git" / "index").read_bytes()).hexdigest()
    return git(source, "rev-parse", "HEAD"), git(source, "symbolic-ref", "HEAD"), index, status


def edit(repo: Path, name: str, old: str, new: str) -> None:
    """Change a source file a while after the last build: the sources are dated two minutes
    back and the build one, beyond any file system's clock granularity."""
    now = time.time()
    for path in repo.rglob("*"):
        age = 60 if "site" in path.relative_to(repo).parts[:1] else 120
        os.utime(path, (now - age, now - age))
    path = repo / name
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_first_deploy_publishes_the_build_and_leaves_the_repository_alone(repo, tmp_path):
    (repo / "notes.txt").write_text("uncommitted work\n")  # a dirty working tree stays dirty
    before = repository_state(repo)
    files = sum(1 for p in (repo / "site").rglob("*") if p.is_file() and p.name != MANIFEST)
    result = run_deploy()
    assert result.exit_code == 0, result.output
    assert f"Committed {files} files of site/ to gh-pages" in result.output
    assert "Pushed gh-pages to origin." in result.output
    assert repository_state(repo) == before
    published = checkout(tmp_path / "remote.git", tmp_path / "published")
    assert same_files(repo / "site", published)
    assert (published / "papers/2403.14715/index.html").is_file()
    assert (published / ".nojekyll").read_bytes() == b""
    assert git(published, "rev-list", "--count", "HEAD") == "1"
    assert git(published, "log", "-1", "--format=%s").startswith("Publish the site built from "
                                                                 "main at ")
    assert git(repo, "rev-parse", "gh-pages") == git(published, "rev-parse", "HEAD")


def test_a_new_build_is_one_new_commit_on_top_of_the_previous_one(repo, tmp_path):
    assert run_deploy().exit_code == 0
    first = git(repo, "rev-parse", "gh-pages")
    (repo / EXAMPLE_PAPER).unlink()
    (repo / "content/papers/2310.02664.yaml").write_text(SECOND_PAPER, encoding="utf-8")
    build(repo)
    result = run_deploy("--message", "Publish the 2024-03-22 issue")
    assert result.exit_code == 0, result.output
    published = checkout(tmp_path / "remote.git", tmp_path / "published")
    assert git(published, "rev-parse", "HEAD^") == first
    assert git(published, "log", "-1", "--format=%B") == "Publish the 2024-03-22 issue"
    assert not (published / "papers/2403.14715").exists()  # gone from the build, gone here
    assert (published / "papers/2310.02664/index.html").is_file()
    assert same_files(repo / "site", published)


def test_nojekyll_is_added_when_the_build_has_none(repo, tmp_path):
    (repo / "site" / ".nojekyll").unlink(missing_ok=True)
    assert run_deploy().exit_code == 0
    assert git(tmp_path / "remote.git", "cat-file", "-s", "gh-pages:.nojekyll") == "0"


def test_the_same_site_gives_the_same_tree_and_no_empty_commit(repo, tmp_path, monkeypatch):
    assert run_deploy().exit_code == 0
    tip = git(repo, "rev-parse", "gh-pages")
    again = run_deploy()
    assert again.exit_code == 0, again.output
    assert f"gh-pages already holds this build ({tip[:12]}); no new commit." in again.output
    assert git(tmp_path / "remote.git", "rev-parse", "gh-pages") == tip
    # Another repository publishing a copy of the same files, written later, gets the same tree.
    other = new_site(tmp_path / "other", built=False)
    shutil.copytree(repo / "site", other / "site", copy_function=shutil.copy)
    monkeypatch.chdir(other)
    assert run_deploy().exit_code == 0
    assert (git(other, "rev-parse", "gh-pages^{tree}")
            == git(repo, "rev-parse", "gh-pages^{tree}"))


def test_cname_on_the_branch_is_kept_when_the_build_has_none(repo, tmp_path):
    assert run_deploy().exit_code == 0
    # The custom domain was set on the published branch, as GitHub's settings page does it.
    editor = checkout(tmp_path / "remote.git", tmp_path / "editor")
    (editor / "CNAME").write_text("digest.example.org\n")
    git(editor, "add", "CNAME")
    git(editor, "commit", "--quiet", "-m", "Create CNAME")
    git(editor, "push", "--quiet", "origin", "gh-pages")
    edit(repo, "digestgen.yaml", "en: Paper Digest", "en: Label Smoothing Digest")
    build(repo)
    result = run_deploy()
    assert result.exit_code == 0, result.output
    assert "Kept CNAME from the previous gh-pages commit." in result.output
    git(editor, "pull", "--quiet")
    assert (editor / "CNAME").read_text() == "digest.example.org\n"
    assert "Label Smoothing Digest" in (editor / "en" / "index.html").read_text(encoding="utf-8")
    # A CNAME that the build itself has (from static/) wins.
    (repo / "static").mkdir()
    (repo / "static" / "CNAME").write_text("papers.example.org\n")
    build(repo)
    assert "Kept CNAME" not in run_deploy().output
    git(editor, "pull", "--quiet")
    assert (editor / "CNAME").read_text() == "papers.example.org\n"


def test_someone_elses_push_becomes_the_parent(repo, tmp_path):
    assert run_deploy().exit_code == 0
    editor = checkout(tmp_path / "remote.git", tmp_path / "editor")
    (editor / "google1234.html").write_text("google-site-verification: google1234.html")
    git(editor, "add", ".")
    git(editor, "commit", "--quiet", "-m", "Verify the site")
    git(editor, "push", "--quiet", "origin", "gh-pages")
    theirs = git(editor, "rev-parse", "HEAD")
    edit(repo, EXAMPLE_PAPER, "date: 2024-03-22", "date: 2024-03-25")
    build(repo)
    result = run_deploy()
    assert result.exit_code == 0, result.output
    assert git(tmp_path / "remote.git", "rev-parse", "gh-pages^") == theirs


def test_diverged_local_and_remote_branches_are_refused(repo, tmp_path):
    assert run_deploy().exit_code == 0
    editor = checkout(tmp_path / "remote.git", tmp_path / "editor")
    (editor / "a.txt").write_text("a")
    git(editor, "add", ".")
    git(editor, "commit", "--quiet", "-m", "Remote change")
    git(editor, "push", "--quiet", "origin", "gh-pages")
    tree = git(repo, "rev-parse", "gh-pages^{tree}")
    local = git(repo, "commit-tree", tree, "-p", "gh-pages", "-m", "A local commit only")
    git(repo, "update-ref", "refs/heads/gh-pages", local)
    remote_tip = git(tmp_path / "remote.git", "rev-parse", "gh-pages")
    result = run_deploy()
    assert result.exit_code == 1
    assert "the local branch gh-pages and gh-pages on origin have diverged" in result.output
    assert git(tmp_path / "remote.git", "rev-parse", "gh-pages") == remote_tip
    assert git(repo, "rev-parse", "gh-pages") == local


def test_a_missing_build_is_refused(repo, tmp_path):
    (repo / "site" / "index.html").unlink()
    result = run_deploy()
    assert result.exit_code == 1
    assert "no built site in" in result.output
    assert "run `digestgen build` first" in result.output
    shutil.rmtree(repo / "site")
    assert "no built site in" in run_deploy().output
    assert git(tmp_path / "remote.git", "branch", "--list") == ""
    assert git(repo, "branch", "--list", "gh-pages") == ""


def test_a_build_older_than_its_sources_is_refused(repo, tmp_path):
    edit(repo, EXAMPLE_PAPER, "date: 2024-03-22", "date: 2024-03-25")
    result = run_deploy()
    assert result.exit_code == 1
    assert ("out of date: content/papers/2403.14715.yaml changed after it was built; "
            "run `digestgen build` first") in result.output
    assert git(tmp_path / "remote.git", "branch", "--list") == ""
    build(repo)
    result = run_deploy()
    assert result.exit_code == 0, result.output
    assert (tmp_path / "remote.git" / "refs/heads/gh-pages").is_file()


def test_a_rebuild_that_changed_no_page_counts_as_up_to_date(repo):
    # Saving a file without changing it makes the next build write no page at all (builds
    # are incremental); deploy must still see that build as newer than the file.
    edit(repo, EXAMPLE_PAPER, "date: 2024-03-22", "date: 2024-03-22")
    assert "out of date" in run_deploy().output
    build(repo)
    result = run_deploy()
    assert result.exit_code == 0, result.output


def test_a_repository_without_remotes_updates_the_local_branch_only(repo):
    git(repo, "remote", "remove", "origin")
    result = run_deploy()
    assert result.exit_code == 0, result.output
    assert "no remote: only the local gh-pages branch was updated" in result.output
    assert git(repo, "ls-tree", "--name-only", "gh-pages", "papers/2403.14715/") == (
        "papers/2403.14715/cite.bib\npapers/2403.14715/index.html")
    assert git(repo, "symbolic-ref", "--short", "HEAD") == "main"


def test_remote_and_branch_can_be_chosen(repo, tmp_path):
    mirror = tmp_path / "mirror.git"
    git(tmp_path, "init", "--quiet", "--bare", str(mirror))
    git(repo, "remote", "add", "mirror", str(mirror))
    result = run_deploy("--remote", "mirror", "--branch", "pages")
    assert result.exit_code == 0, result.output
    assert "Pushed pages to mirror." in result.output
    assert git(mirror, "branch", "--list", "--format=%(refname:short)") == "pages"
    assert git(tmp_path / "remote.git", "branch", "--list") == ""
    unknown = run_deploy("--remote", "upstream")
    assert unknown.exit_code == 1
    assert "no remote named 'upstream' (this repository has mirror, origin)" in unknown.output


def test_deploying_from_the_target_branch_is_refused(repo):
    git(repo, "switch", "--quiet", "-c", "gh-pages")
    result = run_deploy()
    assert result.exit_code == 1
    assert "the current branch is gh-pages" in result.output
    assert git(repo, "rev-parse", "gh-pages") == git(repo, "rev-parse", "main")


def test_outside_a_git_repository_deploy_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    site = new_site(tmp_path / "plain", built=False)
    shutil.rmtree(site / ".git")
    build(site)
    monkeypatch.chdir(site)
    result = run_deploy()
    assert result.exit_code == 1
    assert "is not inside a git repository" in result.output
    assert "Traceback" not in result.output


def test_help_says_when_a_build_is_out_of_date():
    result = run_deploy("--help")
    assert "modified after the newest file or folder in output_dir" in result.output
    assert "--remote NAME" in result.output and "--branch TEXT" in result.output


def test_a_machine_without_a_git_identity_still_publishes(repo, tmp_path, monkeypatch):
    """A CI runner often has no user.name: the commit gets a neutral author instead."""
    for who in ("AUTHOR", "COMMITTER"):
        for key in ("NAME", "EMAIL"):
            monkeypatch.delenv(f"GIT_{who}_{key}")
    with open(os.environ["GIT_CONFIG_GLOBAL"], "a") as config:
        config.write("[user]\n\tuseConfigOnly = true\n")
    result = run_deploy()
    assert result.exit_code == 0, result.output
    assert git(tmp_path / "remote.git", "log", "-1", "--format=%an <%ae>", "gh-pages") == (
        "digestgen deploy <deploy@digestgen.invalid>")
