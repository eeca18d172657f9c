"""Random sequences of edits to the golden site: after each, an incremental build writes byte for
byte what a build from scratch writes (or both fail).

Edits add, change, delete and rename paper and issue files, and change a template, a UI string
and the configuration; :mod:`test_incremental` holds the single edits it checks by hand.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digestgen.build import build, configure
from digestgen.configload import load_config
from digestgen.errors import SiteError
from golden.refresh import SITE, differences, tree

DATES = ("2024-03-22", "2024-02-06", "2024-05-01", "2024-05-02")
NEW_ISSUES = ("2024-05-01", "2024-05-02")
PAPERS = tuple(f"2405.{n:05d}" for n in range(6)) + ("2403.10001", "math/0211159")
TAGS = ("calibration", "llm", "fresh")


@st.composite
def paper_records(draw) -> str:
    """A paper file: a new or known id, on a date of a known issue or a new one."""
    paper_id = draw(st.sampled_from(PAPERS))
    title = draw(st.sampled_from(["A title", "Another title $x^2$", "标题"]))
    tags = draw(st.lists(st.sampled_from(TAGS), unique=True, max_size=2))
    categories = draw(st.lists(st.sampled_from(["cs.LG", "math.GT", "cs.NE"]), unique=True,
                               max_size=2))
    tldr = draw(st.sampled_from(["", "tldr: {en: Short., zh: 短。}\n", "tldr: {zh: 只有中文}\n"]))
    abstract = draw(st.sampled_from(["", "abstract: An abstract with $a_1$.\n"]))
    return (f"id: '{paper_id}'\ntitle: {{en: '{title}', zh: '{title} 中'}}\n"
            f"date: {draw(st.sampled_from(DATES))}\n"
            f"arxiv: {{version: 1, categories: [{', '.join(categories)}]}}\n"
            f"tags: [{', '.join(tags)}]\n{tldr}{abstract}")


def paper_name(record: str) -> str:
    return record.split("'")[1].replace("/", "-") + ".yaml"


issue_records = st.sampled_from(["title: {en: New issue, zh: 新一期}\n",
                                 "intro: An intro linking [below](#item-1).\n",
                                 "title: Plain\nintro: {zh: 简介}\n"])
edits = st.one_of(
    st.tuples(st.just("write paper"), paper_records()),
    st.tuples(st.just("delete paper"), st.sampled_from(PAPERS)),
    st.tuples(st.just("rename paper"), st.sampled_from(PAPERS)),
    st.tuples(st.just("write issue"), st.sampled_from(NEW_ISSUES + ("2024-03-22",)),
              issue_records),
    st.tuples(st.just("delete issue"), st.sampled_from(NEW_ISSUES)),
    st.tuples(st.just("rename issue"), st.sampled_from(NEW_ISSUES + ("2024-02-06",))),
    st.tuples(st.just("template"), st.sampled_from(
        ["", '{% extends "builtin:paper-row.html" %}', '<li>{{ p.title.html }}</li>\n'])),
    st.tuples(st.just("ui string"), st.sampled_from(
        ["", "home: 首页\n", "home: 回到首页\n", "star: 收藏\n"])),  # (star: assets/ui-zh.js)
    st.tuples(st.just("config"), st.sampled_from(["A description.", "Another one."])),
)


def paper_file(root: Path, paper_id: str) -> Path | None:
    """The file that holds ``paper_id`` (under whatever name it was renamed to)."""
    for path in (root / "content/papers").iterdir():
        if f"id: '{paper_id}'" in path.read_text() or f"id: {paper_id}\n" in path.read_text():
            return path
    return None


def issue_file(root: Path, issue_id: str) -> Path | None:
    return next((root / "content/issues").glob(f"{issue_id}.*"), None)


def apply(root: Path, edit: tuple) -> None:
    kind, *args = edit
    papers, issues = root / "content/papers", root / "content/issues"
    if kind == "write paper":
        old = paper_file(root, args[0].split("'")[1])
        (old or papers / paper_name(args[0])).write_text(args[0])
    elif kind in ("delete paper", "rename paper"):
        old = paper_file(root, args[0])
        if old is not None and kind == "delete paper":
            old.unlink()
        elif old is not None:  # same record, another file name
            renamed = old.name.removeprefix("renamed-")
            old.rename(papers / (renamed if renamed != old.name else f"renamed-{old.name}"))
    elif kind == "write issue":
        old = issue_file(root, args[0])
        (old or issues / f"{args[0]}.yaml").write_text(args[1])
    elif kind == "delete issue":
        old = issue_file(root, args[0])
        if old is not None:
            old.unlink()
    elif kind == "rename issue":  # .yaml <-> .md (front matter only)
        old = issue_file(root, args[0])
        if old is not None and old.suffix == ".yaml":
            old.with_suffix(".md").write_text(f"---\n{old.read_text()}---\n")
            old.unlink()
        elif old is not None:
            old.with_suffix(".yaml").write_text(old.read_text().strip("-\n") + "\n")
            old.unlink()
    elif kind in ("template", "ui string"):
        path = root / ("layouts/paper-row.html" if kind == "template" else "layouts/i18n/zh.yaml")
        if args[0]:
            path.write_text(args[0])
        else:
            path.unlink(missing_ok=True)
    else:
        path = root / "digestgen.yaml"
        path.write_text("\n".join(line if not line.startswith("description:")
                                  else f"description: {args[0]}"
                                  for line in path.read_text().splitlines()) + "\n")


def outcome(root: Path, output: Path) -> dict[str, bytes] | str:
    """What a build of ``root`` into ``output`` leaves there, or that it failed."""
    try:
        build(configure(load_config(root / "digestgen.yaml"), output=output))
    except SiteError:
        return "failed"
    return tree(output)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edits, min_size=1, max_size=5))
def test_after_any_edits_an_incremental_build_equals_a_cold_build(steps):
    with tempfile.TemporaryDirectory() as scratch:
        root, cold = Path(scratch) / "site", Path(scratch) / "cold"
        shutil.copytree(SITE, root)
        outcome(root, root / "site")
        for edit in steps:
            apply(root, edit)
            incremental = outcome(root, root / "site")
            shutil.rmtree(cold, ignore_errors=True)
            shutil.copytree(root, cold, ignore=shutil.ignore_patterns(
                ".digestgen-cache", "site", ".site.*"))
            from_scratch = outcome(cold, cold / "site")
            assert incremental == from_scratch, f"after {edit!r} of {steps!r}:\n" + (
                differences(from_scratch, incremental) if "failed" not in (incremental,
                                                                            from_scratch)
                else f"incremental: {incremental}, cold: {from_scratch}")
