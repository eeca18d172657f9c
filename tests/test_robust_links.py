"""The output, its staging folder and the files digestgen keeps beside them never follow a
symbolic link digestgen did not make: a build refuses it with ``PATH: message`` or replaces it,
and never reads or writes outside the output through it."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from test_robust_input import built, previous_build, refused, tree  # noqa: F401

from digestgen.cli import main

TAGGED = "id: good\ntitle: A good paper\ndate: 2024-03-22\ntags: [{tags}]\n"


def build(site) -> None:
    result = CliRunner().invoke(main, ["build", "-q"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def elsewhere(built):
    """A folder outside the site with a file in it, as a link's target."""
    folder = built.root.parent / "elsewhere"
    folder.mkdir()
    (folder / "secret.txt").write_text("not the site's", encoding="utf-8")
    return folder


def test_a_folder_of_the_output_replaced_by_a_link_is_refused(built, elsewhere):
    built.paper("good.yaml", TAGGED.format(tags="x"))
    build(built)
    (elsewhere / "x").mkdir()
    (elsewhere / "x/index.html").write_text("theirs", encoding="utf-8")
    before = tree(elsewhere)
    for path in sorted((built.output / "tags").rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    (built.output / "tags").rmdir()
    (built.output / "tags").symlink_to(elsewhere)
    built.paper("good.yaml", TAGGED.format(tags="x, y"))
    assert refused(built) == ["site/tags: is a symbolic link: digestgen never follows a link "
                              "in its output; remove it (the next build writes what belongs "
                              "there)"]
    assert tree(elsewhere) == before
    (built.output / "tags").unlink()
    build(built)
    assert (built.output / "tags/y/index.html").is_file()
    assert tree(elsewhere) == before


def test_a_page_of_the_output_replaced_by_a_link_is_refused(built, elsewhere):
    page = built.output / "papers/good/index.html"
    page.unlink()
    page.symlink_to(elsewhere / "secret.txt")
    built.paper("good.yaml", TAGGED.format(tags="x"))
    (problem,) = refused(built)
    assert problem.startswith("site/papers/good/index.html: is a symbolic link")
    assert (elsewhere / "secret.txt").read_text(encoding="utf-8") == "not the site's"


def test_a_link_in_the_staging_tree_is_never_written_through(built, elsewhere):
    for title in ("One", "Two"):  # two builds: the first one's tree is the spare one now
        built.paper("good.yaml", f"id: good\ntitle: {title}\ndate: 2024-03-22\n")
        build(built)
    spare = built.root / ".site.staging/papers/good"
    for path in spare.iterdir():
        path.unlink()
    spare.rmdir()
    spare.symlink_to(elsewhere)
    before = tree(elsewhere)
    built.paper("good.yaml", "id: good\ntitle: Three\ndate: 2024-03-22\n")
    (problem,) = refused(built)
    assert problem == (".site.staging/papers/good: is a symbolic link: digestgen never writes "
                       "through a link it did not make; the staging folder is removed, build "
                       "again")
    assert tree(elsewhere) == before
    build(built)
    assert "Three" in built.page("papers/good/index.html")
    assert tree(elsewhere) == before


def test_a_staging_folder_that_is_a_link_is_replaced(built, elsewhere):
    shutil.rmtree(built.root / ".site.staging")  # the spare tree the build left, replaced
    (built.root / ".site.staging").symlink_to(elsewhere, target_is_directory=True)
    before = tree(elsewhere)
    built.paper("good.yaml", "id: good\ntitle: Changed\ndate: 2024-03-22\n")
    build(built)
    assert "Changed" in built.page("papers/good/index.html")
    assert tree(elsewhere) == before


def test_a_lock_file_that_is_a_link_is_refused(built, elsewhere):
    lock = built.root / ".site.lock"
    lock.unlink()
    lock.symlink_to(elsewhere / "secret.txt")
    built.paper("good.yaml", "id: good\ntitle: Changed\ndate: 2024-03-22\n")
    result = CliRunner().invoke(main, ["build", "-q"])
    assert result.exit_code == 1
    assert result.stderr == ".site.lock: Too many levels of symbolic links\n"
    assert (elsewhere / "secret.txt").read_text(encoding="utf-8") == "not the site's"


def test_a_link_beside_the_output_is_never_written_through_by_the_search_index(built, elsewhere):
    # (Where earlier versions kept the search index's work folder.)
    built.write("digestgen.yaml", "title: T\nbase_url: https://a.b/\nsearch: true\n")
    (built.root / ".site.search").symlink_to(elsewhere, target_is_directory=True)
    before = tree(elsewhere)
    build(built)
    assert (built.output / "search/index.json").is_file()
    assert tree(elsewhere) == before


def test_a_link_in_the_staging_tree_is_never_removed_through(built, elsewhere):
    built.paper("gone.yaml", "id: gone\ntitle: Gone\ndate: 2024-03-22\n")
    for title in ("One", "Two"):  # two builds: the first one's tree is the spare one now
        built.paper("good.yaml", f"id: good\ntitle: {title}\ndate: 2024-03-22\n")
        build(built)
    spare = built.root / ".site.staging/papers/gone"
    for path in spare.iterdir():
        path.unlink()
    spare.rmdir()
    spare.symlink_to(elsewhere)
    (elsewhere / "index.html").write_text("theirs", encoding="utf-8")
    before = tree(elsewhere)
    (built.root / "content/papers/gone.yaml").unlink()
    (problem,) = refused(built)
    assert problem.startswith(".site.staging/papers/gone: is a symbolic link")
    assert tree(elsewhere) == before
