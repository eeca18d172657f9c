"""Incremental builds: a rebuild writes only the files whose bytes changed, and what it leaves
is byte for byte what a build from scratch writes."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import digestgen
from digestgen.build import build, configure
from digestgen.incremental.storage import ShardedStore, code_version
from digestgen.cli import main
from digestgen.configload import load_config
from digestgen.errors import Problem, SiteError
from digestgen.incremental.records import load_content_cached
from digestgen.content.load import load_content
from digestgen.output.manifest import MANIFEST, TreeRecords
from digestgen.pages.render import Renderer
from digestgen.pages.themefiles import builtin_layouts

from sitekit import SiteFolder, build_in_own_process

CONFIG = "title: Test Digest\nbase_url: https://alice.github.io/digest/\nsearch: false\n"
OLD = 946684800  # 2000-01-01: files the rebuild does not write keep this mtime


def paper(n: int, day: int, tags: str = "[alpha]", cats: str = "[cs.LG, cs.CL]") -> str:
    return (f'id: "2403.{10000 + n}"\ntitle:\n  en: Paper number {n} on label smoothing\n'
            f"  zh: 第{n}篇论文\ndate: 2024-03-{day:02d}\n"
            f"arxiv: {{version: 1, primary_category: cs.LG, categories: {cats}}}\n"
            f"tldr: {{zh: 第{n}篇的摘要。, en: Summary {n}.}}\n"
            f"abstract:\n  en: Abstract of paper {n} with $L_{n}$ loss.\n  zh: 第{n}篇摘要。\n"
            f"tags: {tags}\n")


@pytest.fixture
def site(site):
    site.write("digestgen.yaml", CONFIG)
    for n in range(12):
        site.paper(f"2403.{10000 + n}.yaml", paper(n, 20 + n % 4,
                                                   "[alpha]" if n % 2 else "[beta, alpha]"))
    site.paper("notes.md", "---\nid: notes\ntitle: Notes paper\ndate: 2024-03-21\n"
                           "tags: [beta]\n---\nSome *notes*.\n\n::: zh\n中文笔记。\n:::\n")
    site.issue("2024-03-22.yaml", "title: {en: Big day, zh: 大日子}\nintro: Hello.\n")
    site.write("static/CNAME", "digest.example.org\n")
    return site


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def edit_paper(site, paper_id: str, old: str, new: str) -> None:
    """Replace ``old`` with ``new`` in the paper file of ``paper_id``."""
    path = site.root / f"content/papers/{paper_id}.yaml"
    path.write_text(path.read_text().replace(old, new))


def run_build(site, output: Path | None = None, drafts: bool = False):
    config = configure(load_config(site.config_path), output=output or site.output)
    return build(config, drafts=drafts)


def cold_build(site, tmp_path: Path) -> dict[str, bytes]:
    """The site built from scratch: a copy of it without any cache, into a new folder."""
    copy = tmp_path / "cold"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site.root, copy, ignore=shutil.ignore_patterns(
        ".digestgen-cache", "site", ".site.*"))
    config = configure(load_config(copy / "digestgen.yaml"), output=tmp_path / "cold-site")
    shutil.rmtree(tmp_path / "cold-site", ignore_errors=True)
    build(config)
    return tree(tmp_path / "cold-site")


def age_outputs(site) -> None:
    """Give every file of both trees an old mtime: a file written later shows a new one. (Not
    the manifests: a tree whose manifest changed is not trusted, and written afresh.)"""
    for folder in (site.output, site.root / ".site.staging"):
        for path in folder.rglob("*"):
            if path.is_file() and path.name != MANIFEST:
                os.utime(path, (OLD, OLD))


def stats(folder: Path) -> dict[Path, tuple]:
    """What any write under ``folder`` changes: inodes, sizes, mtimes, ctimes."""
    return {p: (s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns)
            for p in folder.rglob("*") for s in [p.lstat()]}


def written_since_aged(site) -> set[str]:
    return {rel for rel in tree(site.output) if rel != MANIFEST
            and (site.output / rel).stat().st_mtime > OLD + 1}


def rebuild_and_check(site, tmp_path: Path) -> set[str]:
    """Rebuild after a change; the result must equal a cold build, and exactly the files
    whose bytes changed must have been written. Returns the written files."""
    before = tree(site.output)
    age_outputs(site)
    result = run_build(site)
    after = tree(site.output)
    assert after == cold_build(site, tmp_path)
    changed = {rel for rel in after if before.get(rel) != after[rel]} - {MANIFEST}
    assert written_since_aged(site) == changed
    assert result.written == len(changed)
    return changed


def test_editing_one_paper_writes_only_the_pages_that_show_it(site, tmp_path):
    run_build(site)
    run_build(site)  # a second generation: the spare tree is the first one
    edit_paper(site, "2403.10005", "Abstract of paper 5", "Edited abstract 5")
    changed = rebuild_and_check(site, tmp_path)
    assert {"papers/2403.10005/index.html",
            "issues/2024-03-21/index.html", "en/issues/2024-03-21/index.html"} <= changed
    # The English tree's brief page of the paper shows no abstract: it stays as it was.
    assert "en/papers/2403.10005/index.html" not in changed
    assert "papers/2403.10004/index.html" not in changed
    assert "assets/digest.css" not in changed and "CNAME" not in changed
    # And once more, now that both trees are old generations.
    edit_paper(site, "2403.10005", "Edited abstract 5", "Twice edited 5")
    assert "papers/2403.10005/index.html" in rebuild_and_check(site, tmp_path)


def test_a_machine_mark_and_its_acceptance_reach_every_page_that_shows_the_text(site, tmp_path):
    run_build(site)
    run_build(site)
    edit_paper(site, "2403.10005", "tags: [alpha]",
               "tags: [alpha]\nmachine: {tldr.en: m-1, abstract.zh: m-1}")
    changed = rebuild_and_check(site, tmp_path)
    marked = {"papers/2403.10005/index.html", "en/papers/2403.10005/index.html",
              "issues/2024-03-21/index.html", "en/tags/alpha/index.html"}
    assert marked <= changed
    for rel in marked:
        assert "machine-written (m-1)" in (site.output / rel).read_text() \
            or "机器生成（m-1）" in (site.output / rel).read_text()
    # The editor corrects the summary and accepts it.
    edit_paper(site, "2403.10005", "tldr.en: m-1, ", "")
    edit_paper(site, "2403.10005", "en: Summary 5.", "en: Summary five.")
    assert marked <= rebuild_and_check(site, tmp_path)
    assert "m-1" not in (site.output / "en/tags/alpha/index.html").read_text()
    assert "m-1" in (site.output / "papers/2403.10005/index.html").read_text()  # abstract.zh


def test_a_changed_translate_section_renders_no_page_again(site, tmp_path):
    run_build(site)
    site.write("digestgen.yaml", CONFIG + "translate: {command: draft, timeout: 5}\n")
    assert run_build(site).rendered == 0


def test_the_first_rebuild_after_a_cold_build_matches_too(site, tmp_path):
    run_build(site)
    site.paper("2403.10003.yaml", paper(3, 23, "[gamma]"))  # a new tag, an old one emptier
    changed = rebuild_and_check(site, tmp_path)
    assert "tags/gamma/index.html" in changed and "en/tags/gamma/index.html" in changed


def test_the_first_rebuild_after_a_cold_build_keeps_files_put_in_by_hand(site, tmp_path):
    run_build(site)  # from scratch: it leaves a spare tree of links to its files
    mine = {"googleabc.html": b"verification", "papers/2403.10001/notes.txt": b"mine"}
    for rel, data in mine.items():
        (site.output / rel).write_bytes(data)
    # Into the spare tree the cold build left, then into the cold build's tree.
    for old, new in (("Abstract of paper 5", "Edited 5"), ("Edited 5", "Edited again 5")):
        edit_paper(site, "2403.10005", old, new)
        run_build(site)
        built = tree(site.output)
        assert {rel: built.pop(rel) for rel in mine} == mine
        assert built == cold_build(site, tmp_path)
        # Kept pages are the live ones linked, not copies.
        assert (site.output / "papers/2403.10004/index.html").stat().st_nlink == 2


def test_adding_and_removing_papers_and_issues(site, tmp_path):
    run_build(site)
    run_build(site)
    for n in (0, 4, 8):  # the papers of 2024-03-20
        (site.root / f"content/papers/2403.{10000 + n}.yaml").unlink()
    site.paper("2403.10099.yaml", paper(99, 25))
    changed = rebuild_and_check(site, tmp_path)
    assert "issues/2024-03-25/index.html" in changed
    assert not (site.output / "issues/2024-03-20").exists()
    assert not (site.output / "papers/2403.10000").exists()


def test_a_changed_template_or_configuration_renders_everything_again(site, tmp_path):
    run_build(site)
    run_build(site)
    site.write("layouts/paper.html", '{% extends "builtin:paper.html" %}\n'
                                     '{% block content %}<p class="mine">x</p>{{ super() }}'
                                     "{% endblock %}\n")
    changed = rebuild_and_check(site, tmp_path)
    assert all(rel in changed for rel in tree(site.output)
               if rel.startswith("papers/") and rel.endswith(".html"))
    site.write("digestgen.yaml", CONFIG.replace("Test Digest", "Renamed Digest"))
    changed = rebuild_and_check(site, tmp_path)
    assert "issues/2024-03-22/index.html" in changed


def test_a_changed_string_of_the_page_script_is_written_to_its_languages_script(site, tmp_path):
    run_build(site)
    run_build(site)
    site.write("layouts/i18n/en.yaml", "star: Keep it\n")
    changed = rebuild_and_check(site, tmp_path)
    assert "assets/ui-en.js" in changed and "assets/ui-zh.js" not in changed
    assert '"star":"Keep it"' in site.page("assets/ui-en.js")


def test_a_sites_macros_that_read_the_page_show_each_page_its_own(site, tmp_path):
    # The built-in library of macros is made once a language (its macros read only s and
    # site); one that reads the page is made for each page, in a cold build and after edits.
    builtin = (builtin_layouts() / "_macros.html").read_text()
    macro = "{% macro titles(p) -%}\n"
    site.write("layouts/_macros.html",
               builtin.replace(macro, macro + "<i>{{ page.url|default('row') }}</i>"))
    run_build(site)
    for paper_id in ("2403.10005", "2403.10006"):
        for lang in ("", "en/"):
            shown = (site.output / f"{lang}papers/{paper_id}/index.html").read_text()
            assert f"{lang}papers/{paper_id}/</i>" in shown
    edit_paper(site, "2403.10005", "Paper number 5 on", "Retitled paper 5 on")
    rebuild_and_check(site, tmp_path)


def test_a_changed_title_reaches_the_tag_and_category_lists_that_show_it(site, tmp_path):
    run_build(site)
    run_build(site)
    edit_paper(site, "2403.10005", "Paper number 5 on", "Retitled paper 5 on")
    changed = rebuild_and_check(site, tmp_path)
    assert {"tags/alpha/index.html", "en/categories/cs.LG/index.html"} <= changed
    assert "Retitled paper 5" in (site.output / "en/tags/alpha/index.html").read_text()


def test_rows_made_while_rendering_take_a_changed_title_to_the_lists(site, tmp_path,
                                                                      monkeypatch):
    """As in the builds of a large site: rows made while rendering, right after their issue
    page (none while planning), from views that are not all kept."""
    monkeypatch.setattr("digestgen.incremental.rowdigests.ROWS_TO_PLAN", 0)
    monkeypatch.setattr("digestgen.pages.views.VIEWS_KEPT", 2)
    run_build(site)
    edit_paper(site, "2403.10005", "Paper number 5 on", "Retitled paper 5 on")
    changed = rebuild_and_check(site, tmp_path)
    assert {"tags/alpha/index.html", "en/categories/cs.LG/index.html"} <= changed
    assert "Retitled paper 5" in (site.output / "en/tags/alpha/index.html").read_text()


def test_a_changed_title_reaches_the_pages_of_the_papers_beside_it(site, tmp_path):
    run_build(site)
    edit_paper(site, "2403.10005", "Paper number 5 on", "Retitled paper 5 on")
    changed = rebuild_and_check(site, tmp_path)
    neighbours = [rel for rel in changed if rel.startswith("en/papers/")
                  and "2403.10005" not in rel]
    assert len(neighbours) == 2, changed  # the papers before and after it link to it by title
    for rel in neighbours:
        assert "Retitled paper 5" in (site.output / rel).read_text()


def timed_build(site) -> str:
    """The lines a build prints of where its time went (``DIGESTGEN_TIMINGS``)."""
    package_root = Path(digestgen.__file__).parent.parent  # the code under test, installed or not
    done = subprocess.run([sys.executable, "-m", "digestgen", "build", "-q"], cwd=site.root,
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(package_root),
                               "DIGESTGEN_TIMINGS": "1"})
    return done.stderr


def test_an_edit_of_one_paper_keys_that_paper_again_and_takes_the_others_keys(site, tmp_path):
    # The work of an edit follows what changed: every other paper's key is the last build's,
    # even for the pages keyed again (its issue's, the home page's, its neighbours').
    assert "page keys (13 of 13 papers keyed)" in timed_build(site)
    edit_paper(site, "2403.10005", "Paper number 5 on", "Retitled paper 5 on")
    assert "page keys (1 of 13 papers keyed)" in timed_build(site)
    assert tree(site.output) == cold_build(site, tmp_path)
    # A new paper changes which papers each issue and list holds: every key is made again.
    site.paper("2403.10099.yaml", paper(99, 25))
    assert "page keys (14 of 14 papers keyed)" in timed_build(site)
    assert tree(site.output) == cold_build(site, tmp_path)
    # So does an issue file's edit (its label is in the keys of its papers) and a deleted paper.
    site.issue("2024-03-22.yaml", "title: {en: Bigger day, zh: 更大的日子}\n")
    assert "page keys (14 of 14 papers keyed)" in timed_build(site)
    (site.root / "content/papers/2403.10003.yaml").unlink()
    assert "page keys (13 of 13 papers keyed)" in timed_build(site)
    assert tree(site.output) == cold_build(site, tmp_path)
    edit_paper(site, "2403.10004", "Abstract of paper 4", "Edited abstract 4")
    assert "page keys (1 of 13 papers keyed)" in timed_build(site)
    assert tree(site.output) == cold_build(site, tmp_path)


def test_each_change_to_the_row_template_reaches_every_list(site, tmp_path):
    run_build(site)
    for mark in ("first", "second"):  # the second: compiled templates are kept between builds
        site.write("layouts/paper-row.html", f'<li class="{mark}">{{{{ p.href }}}}</li>\n')
        changed = rebuild_and_check(site, tmp_path)
        assert "tags/beta/index.html" in changed
        assert f'<li class="{mark}">' in (site.output / "tags/beta/index.html").read_text()
        assert not any(rel.startswith("papers/") for rel in changed)


def test_an_edit_no_row_shows_renders_the_paper_and_its_issue_not_the_lists(site, tmp_path):
    run_build(site)
    edit_paper(site, "2403.10005", "Abstract of paper 5", "Edited abstract 5")
    result = run_build(site)
    # In both languages: the paper's page, its issue's, and the home page and feed that show
    # the issue; none of the tag and category pages that list the paper, no BibTeX file and
    # not the statistics (none shows the abstract). Besides, the feeds of its three topics,
    # whose entries show the abstract.
    assert result.rendered == 8 + 3 * 2
    assert tree(site.output) == cold_build(site, tmp_path)


BIB_FILES = {"papers/2403.10005/cite.bib", "papers.bib", "en/papers.bib",
             "issues/2024-03-21/papers.bib", "en/issues/2024-03-21/papers.bib"}
STATS = {"stats/index.html", "en/stats/index.html"}


def test_the_bibtex_files_and_statistics_follow_the_edits_they_show(site, tmp_path):
    run_build(site)
    edit_paper(site, "2403.10005", "Paper number 5 on", "Paper number 5 about")
    changed = rebuild_and_check(site, tmp_path)  # a title: a field of the paper's entry
    assert BIB_FILES <= changed and not changed & STATS
    edit_paper(site, "2403.10005", "  zh: 第5篇摘要。\n", "")
    changed = rebuild_and_check(site, tmp_path)  # an abstract in one language less: a count
    assert STATS <= changed and not changed & BIB_FILES
    edit_paper(site, "2403.10005", "date: 2024-03-21", "date: 2024-03-20")
    changed = rebuild_and_check(site, tmp_path)  # a date: another issue, and the order of keys
    assert STATS | {"papers.bib", "issues/2024-03-20/papers.bib"} <= changed


def test_a_row_template_that_shows_the_abstract_takes_abstract_edits_to_the_lists(site, tmp_path):
    site.write("layouts/paper-row.html",
               '<li>{{ p.title.html }}: {% for a in p.abstracts %}{{ a.html }}{% endfor %}</li>\n')
    run_build(site)
    run_build(site)
    edit_paper(site, "2403.10005", "Abstract of paper 5", "Edited abstract 5")
    changed = rebuild_and_check(site, tmp_path)
    assert {"tags/alpha/index.html", "en/categories/cs.LG/index.html"} <= changed
    assert "Edited abstract 5" in (site.output / "en/tags/alpha/index.html").read_text()


def test_a_new_version_of_digestgen_renders_every_page_again(site, monkeypatch):
    first = run_build(site)
    monkeypatch.setattr("digestgen.incremental.storage.FORMAT", "a later version")  # in code_version
    code_version.cache_clear()
    try:
        again = run_build(site)
    finally:
        monkeypatch.undo()
        code_version.cache_clear()
    assert again.rendered == first.rendered > 30


def test_drafts_and_base_url_options_are_part_of_what_a_build_depends_on(site, tmp_path):
    site.paper("draft.yaml", "id: draft-one\ntitle: Draft\ndate: 2024-03-22\ndraft: true\n")
    run_build(site)
    assert not (site.output / "papers/draft-one").exists()
    run_build(site, drafts=True)
    assert (site.output / "papers/draft-one/index.html").is_file()
    runner = CliRunner()
    assert runner.invoke(main, ["build", "-q", "--config", str(site.config_path),
                                "--base-url", "https://bob.example/x/"]).exit_code == 0
    assert 'href="/x/archive/"' in site.page("index.html")
    assert runner.invoke(main, ["build", "-q", "--config", str(site.config_path)]).exit_code == 0
    assert 'href="/digest/archive/"' in site.page("index.html")
    assert not (site.output / "papers/draft-one").exists()


def imported_by_build_command(site, *modules: str) -> list[str]:
    """Which of ``modules`` a ``digestgen build`` of ``site``, run as a command, imports."""
    code = ("import sys; from digestgen.cli import main\n"
            f"try: main(['build', '-q', '--output', {str(site.output)!r}])\n"
            "except SystemExit as exit: assert not exit.code, exit.code\n"
            f"print(sorted(m for m in {modules!r} if m in sys.modules))")
    package_root = Path(digestgen.__file__).parent.parent  # the code under test, installed or not
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=site.root, check=True,
                          env={**os.environ, "PYTHONPATH": str(package_root)})
    return ast.literal_eval(done.stdout)


def test_an_edit_whose_formulas_are_known_imports_only_what_it_renders_with(site, tmp_path):
    run_build(site)
    edit_paper(site, "2403.10005", "Abstract of paper 5", "Edited abstract 5")
    # Its abstract is rendered again, by markdown-it; its formula was rendered before, and
    # nothing reads Markdown documents or indexes pages.
    assert imported_by_build_command(
        site, "markdown_it", "latex2mathml", "digestgen.formats.digest",
        "digestgen.search.site") == ["markdown_it"]
    assert tree(site.output) == cold_build(site, tmp_path)


def test_a_build_with_nothing_changed_writes_nothing(site, tmp_path):
    run_build(site)
    run_build(site)
    time.sleep(2.1)  # inputs written just now may change again unseen: wait until they are old
    run_build(site)
    before = stats(site.root)
    result = run_build(site)
    assert result.written == 0 and result.rendered == 0
    assert stats(site.root) == before
    assert result.papers == 13 and len(result.site.papers) == 13
    # As a command it reads no content and needs neither the YAML parser nor the templates.
    assert imported_by_build_command(site, "yaml", "jinja2", "markdown_it") == []
    assert stats(site.root) == before
    # Touching an input is a change again: the build runs (and finds nothing to write).
    os.utime(site.root / "content/papers/notes.md")
    assert run_build(site).written == 0


def test_files_put_into_the_output_by_hand_are_kept_and_removed_pages_come_back(site, tmp_path):
    run_build(site)
    run_build(site)
    (site.output / "googleabc.html").write_text("verification")
    (site.output / "papers/extra").mkdir()
    (site.output / "papers/extra/file.txt").write_text("mine")
    (site.output / "papers/2403.10001/index.html").unlink()
    run_build(site)
    assert (site.output / "googleabc.html").read_text() == "verification"
    assert (site.output / "papers/extra/file.txt").read_text() == "mine"
    assert (site.output / "papers/2403.10001/index.html").is_file()
    (site.output / "googleabc.html").unlink()  # removed by hand: it must stay removed
    site.paper("2403.10099.yaml", paper(99, 25))
    run_build(site)
    run_build(site)
    assert not (site.output / "googleabc.html").exists()
    assert (site.output / "papers/extra/file.txt").read_text() == "mine"


def test_files_put_in_every_folder_right_after_a_build_are_kept(site):
    """A folder's mtime has the resolution of the file system's clock: a file put in within the
    tick in which the build last changed the folder (a deploy script writing a CNAME right
    after it) would leave the mtime the build recorded, and the next build would not carry the
    file over. A build returns only once the clock is past every mtime it recorded."""
    run_build(site)
    run_build(site)  # the first rebuild after a cold one makes every folder anew
    output = site.output.resolve()
    recorded = TreeRecords(output).get(output).dirs
    for rel in recorded:
        (output / rel / "mine.txt").write_text(rel)
    assert [rel for rel, mtime in recorded.items()
            if (output / rel).stat().st_mtime_ns == mtime] == []
    edit_paper(site, "2403.10003", "Abstract of paper 3", "Changed 3")
    run_build(site)
    edit_paper(site, "2403.10004", "Abstract of paper 4", "Changed 4")
    run_build(site)
    assert all((output / rel / "mine.txt").read_text() == rel for rel in recorded)


def test_a_failed_build_keeps_the_site_and_the_next_one_matches_a_cold_build(site, tmp_path):
    run_build(site)
    run_build(site)
    before = tree(site.output)
    site.write("layouts/term.html", "{{ no_such_thing.attribute }}\n")
    edit_paper(site, "2403.10002", "Abstract of paper 2", "Changed 2")
    with pytest.raises(SiteError):
        run_build(site)
    assert tree(site.output) == before
    (site.root / "layouts/term.html").unlink()
    run_build(site)
    assert tree(site.output) == cold_build(site, tmp_path)


def test_an_edit_before_a_build_that_failed_while_rendering_reaches_the_next(site, tmp_path,
                                                                           monkeypatch):
    run_build(site)
    run_build(site)
    edit_paper(site, "2403.10005", "Paper number 5 on", "Retitled paper 5 on")

    def fail(renderer, job):
        raise SiteError([Problem(Path("layouts/paper.html"), 1, "it broke")])

    with monkeypatch.context() as patch:
        patch.setattr(Renderer, "render", fail)
        with pytest.raises(SiteError):
            run_build(site)  # it read the edited paper, and kept its record for the next build
    changed = rebuild_and_check(site, tmp_path)
    assert {"papers/2403.10005/index.html", "tags/alpha/index.html"} <= changed


# Root reads any file whatever its mode; without these two capabilities it is bound by file
# permissions like anyone else, yet still reads the interpreter and packages installed as root.
PERMISSION_BYPASS = "-dac_override,-dac_read_search"


def without_permission_bypass(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run digestgen as root stripped of the capabilities that let it ignore file modes."""
    command = ["setpriv", f"--bounding-set={PERMISSION_BYPASS}",
               sys.executable, "-m", "digestgen", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False)


def can_drop_permission_bypass() -> bool:
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("setpriv"):
        return False
    probe = subprocess.run(["setpriv", f"--bounding-set={PERMISSION_BYPASS}", "true"],
                           capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not can_drop_permission_bypass(),
                    reason="needs root and setpriv, to run a build bound by file permissions")
def test_paper_files_that_cannot_be_stat_ed_fail_the_build_and_keep_the_site(tmp_path):
    # A papers folder that may be listed but not searched (r without x): every name in it is
    # seen, none can be stat-ed or read. The build must say so, not publish a site without them.
    mysite = SiteFolder(tmp_path / "mysite")
    mysite.write("digestgen.yaml", CONFIG)
    mysite.paper("2403.10001.yaml", paper(1, 20))
    mysite.paper("2403.10002.yaml", paper(2, 21))
    first = without_permission_bypass("build", "-q", cwd=mysite.root)
    assert first.returncode == 0, first.stderr
    before = tree(mysite.output)
    assert "papers/2403.10001/index.html" in before
    papers = mysite.root / "content/papers"
    papers.chmod(0o644)
    try:
        failed = without_permission_bypass("build", "-q", cwd=mysite.root)
    finally:
        papers.chmod(0o755)
    assert failed.returncode == 1
    assert "content/papers/2403.10001.yaml: cannot read" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert tree(mysite.output) == before


@pytest.mark.skipif(not can_drop_permission_bypass(),
                    reason="needs root and setpriv, to run a build bound by file permissions")
def test_a_read_only_template_cache_still_builds_a_changed_template(site, tmp_path):
    site.write("layouts/paper.html", PAPER_TEMPLATE.replace("MARK", "one"))
    first = without_permission_bypass("build", "-q", cwd=site.root)
    assert first.returncode == 0, first.stderr
    cache = site.root / ".digestgen-cache/templates"
    site.write("layouts/paper.html", PAPER_TEMPLATE.replace("MARK", "two"))
    cache.chmod(0o555)
    try:
        done = without_permission_bypass("build", "-q", cwd=site.root)
    finally:
        cache.chmod(0o755)
    assert done.returncode == 0, done.stderr
    assert '<p class="mine">two</p>' in site.page("papers/2403.10002/index.html")
    assert tree(site.output) == cold_build(site, tmp_path)


def test_a_spare_tree_left_by_a_killed_build_is_not_trusted(site, tmp_path):
    run_build(site)
    run_build(site)
    spare = site.root / ".site.staging"
    (spare / MANIFEST).unlink()  # as a build killed while writing into it leaves it
    half = spare / "papers/2403.10004/index.html"
    half.unlink()  # it may be a hard link to the live page: digestgen never writes into those
    half.write_text("half written")
    (spare / "junk.html").write_text("junk")
    site.paper("2403.10099.yaml", paper(99, 25))
    run_build(site)
    assert tree(site.output) == cold_build(site, tmp_path)


def test_a_cache_folder_that_cannot_be_made_costs_time_not_the_build(site, tmp_path):
    (site.root / ".digestgen-cache").write_text("a file where the cache folder would go\n")
    first = run_build(site)
    edit_paper(site, "2403.10002", "Abstract of paper 2", "Changed 2")
    result = run_build(site)
    assert result.rendered == first.rendered  # every page again: no state was kept
    assert tree(site.output) == cold_build(site, tmp_path)


def compiled_templates(site) -> set[str]:
    return {p.name for p in (site.root / ".digestgen-cache/templates").iterdir()}


PAPER_TEMPLATE = ('{% extends "builtin:paper.html" %}\n{% block content %}<p class="mine">MARK'
                  '</p>{{ super() }}{% endblock %}\n')


def test_templates_compiled_by_other_code_are_not_used_and_are_removed(site, tmp_path,
                                                                        monkeypatch):
    site.write("layouts/paper.html", PAPER_TEMPLATE.replace("MARK", "one"))
    run_build(site)
    before = compiled_templates(site)
    assert before and all(code_version()[:16] in name for name in before)
    from digestgen.incremental import templates
    monkeypatch.setattr(templates, "code_version", lambda: "0" * 40)  # as an upgrade would
    site.write("layouts/paper.html", PAPER_TEMPLATE.replace("MARK", "two"))
    run_build(site)
    after = compiled_templates(site)
    assert after and all("0" * 16 in name for name in after)
    assert tree(site.output) == cold_build(site, tmp_path)


def test_templates_that_cannot_be_kept_cost_time_not_the_build(site, tmp_path, monkeypatch):
    import jinja2.bccache

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jinja2.bccache.tempfile, "NamedTemporaryFile", disk_full)
    site.write("layouts/paper.html", PAPER_TEMPLATE.replace("MARK", "one"))
    run_build(site)
    site.write("layouts/paper.html", PAPER_TEMPLATE.replace("MARK", "two"))
    run_build(site)
    assert compiled_templates(site) == set()
    assert '<p class="mine">two</p>' in site.page("papers/2403.10002/index.html")
    assert tree(site.output) == cold_build(site, tmp_path)


def test_page_keys_that_cannot_be_saved_are_not_trusted_later(site, tmp_path, monkeypatch):
    run_build(site)
    from digestgen.incremental import state as incremental
    real = incremental.write_pickle
    monkeypatch.setattr(incremental, "write_pickle", lambda path, value: False)
    edit_paper(site, "2403.10002", "Abstract of paper 2", "Changed 2")
    run_build(site)  # its page keys are lost: those of the build before must not be used
    monkeypatch.setattr(incremental, "write_pickle", real)
    edit_paper(site, "2403.10002", "Changed 2", "Abstract of paper 2")
    run_build(site)
    assert tree(site.output) == cold_build(site, tmp_path)


def test_a_parallel_build_equals_a_build_in_one_process(site, tmp_path, monkeypatch):
    for n in range(100, 260):
        site.paper(f"2403.{10000 + n}.yaml", paper(n, 1 + n % 28, "[alpha]"))
    done, shares = build_in_own_process(site, jobs=2)
    assert done.returncode == 0, done.stderr
    assert shares == {2}
    monkeypatch.setenv("DIGESTGEN_JOBS", "1")
    config = configure(load_config(site.config_path), output=tmp_path / "one")
    build(config)
    assert tree(tmp_path / "one") == tree(site.output)
    monkeypatch.setenv("DIGESTGEN_JOBS", "2")
    edit_paper(site, "2403.10150", "Abstract of paper", "Edited abstract")
    rebuild_and_check(site, tmp_path)


def test_a_first_build_whose_markdown_starts_early_equals_one_in_one_process(site, tmp_path,
                                                                            monkeypatch):
    from digestgen.rendering import EARLY_MIN_PAPERS
    for n in range(100, 100 + EARLY_MIN_PAPERS):
        site.paper(f"2403.{10000 + n}.yaml", paper(n, 1 + n % 28, "[alpha]"))
    done, shares = build_in_own_process(site, jobs=2)  # no output yet: Markdown starts early
    assert done.returncode == 0, done.stderr
    assert shares == {2}
    monkeypatch.setenv("DIGESTGEN_JOBS", "1")
    config = configure(load_config(site.config_path), output=tmp_path / "one")
    build(config)
    assert tree(tmp_path / "one") == tree(site.output)
    monkeypatch.setenv("DIGESTGEN_JOBS", "2")
    edit_paper(site, "2403.10150", "Abstract of paper", "Edited abstract")
    rebuild_and_check(site, tmp_path)


def test_a_template_error_in_a_worker_is_reported_at_its_line(site):
    for n in range(100, 260):
        site.paper(f"2403.{10000 + n}.yaml", paper(n, 1 + n % 28))
    bad = site.write("layouts/paper.html", "<p>\n{{ paper.no_such_field }}\n</p>\n")
    done, shares = build_in_own_process(site, jobs=2)
    assert shares == {2}
    assert done.returncode == 1
    assert f"{bad}:2: template error:" in done.stderr and "Traceback" not in done.stderr


# --- the cached loader reads what the plain loader reads ------------------------------------

def load_both(site):
    config = load_config(site.config_path)
    store = ShardedStore(site.root / ".digestgen-cache", "records-test")
    store.load()
    try:
        plain = load_content(config)
    except SiteError as exc:
        plain = [str(p) for p in exc.problems]
    try:
        cached = load_content_cached(config, store=store).content
        store.save()
    except SiteError as exc:
        cached = [str(p) for p in exc.problems]
    return plain, cached


def test_the_cached_loader_gives_the_same_records_and_problems(site, monkeypatch):
    for _ in range(2):  # cold cache, then warm
        plain, cached = load_both(site)
        assert plain == cached and plain.papers
    site.paper("bad.yaml", "id: bad\ntitle: {fr: Mauvais}\ndate: tomorrow\n")
    site.paper("dup.yaml", paper(3, 23))
    site.paper("broken.yaml", "id: [\n")
    for _ in range(2):
        plain, cached = load_both(site)
        assert plain == cached and len(plain) >= 4
    monkeypatch.setattr("digestgen.incremental.records.PARALLEL_MIN", 1)  # parse in workers as well
    monkeypatch.setenv("DIGESTGEN_JOBS", "2")
    # Threads that other tests left behind (the browser's) must not keep the workers away.
    monkeypatch.setattr("digestgen.parallel.threading.active_count", lambda: 1)
    shutil.rmtree(site.root / ".digestgen-cache")
    plain, cached = load_both(site)
    assert plain == cached


def test_the_search_index_is_made_again_only_when_an_indexed_page_changed(site, tmp_path):
    site.write("digestgen.yaml", CONFIG.replace("search: false", "search: true"))
    run_build(site)
    run_build(site)
    index = {rel for rel in tree(site.output) if rel.startswith("search/")}
    assert index
    site.issue("2024-03-22.yaml", "title: {en: Big day, zh: 大日子}\nintro: Changed intro.\n")
    changed = rebuild_and_check(site, tmp_path)  # issue pages only: the index is kept
    assert not any(rel.startswith("search/") for rel in changed)
    edit_paper(site, "2403.10005", "Abstract of paper 5", "Searchable words")
    changed = rebuild_and_check(site, tmp_path)
    assert any(rel.startswith("search/") for rel in changed)
