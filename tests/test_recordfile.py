"""The shared record-file writer: clean YAML, merges that keep people's text, all-or-nothing writes."""

from __future__ import annotations

import datetime

import pytest
import yaml

from digestgen.errors import SiteError
from digestgen.recordio.recordfile import (
    describe, dump_record, file_stem, find_papers, id_problem, plan_record, write_records,
)
from digestgen.recordio.recordmerge import merge_record

LONG = ("Label smoothing (LS) is a popular regularisation method for training deep neural "
        "network classifiers due to its effectiveness in improving test accuracy.")


def paper(**extra):
    record = {"id": "2403.14715", "title": {"en": "Understanding Label Smoothing", "zh": "理解"},
              "date": datetime.date(2024, 3, 22)}
    record.update(extra)
    return record


def test_dump_orders_keys_and_writes_readable_yaml():
    record = {"notes": "first line\nsecond line\n", "abstract": {"zh": "标签平滑", "en": LONG},
              "arxiv": {"categories": ["cs.LG"], "version": 1}, "draft": False,
              "title": "T", "date": datetime.date(2024, 3, 22), "id": "2403.14715"}
    text = dump_record(record)
    keys = [line.split(":")[0] for line in text.splitlines() if line[:1].isalpha()]
    assert keys == ["id", "title", "date", "arxiv", "abstract", "draft", "notes"]
    assert "date: 2024-03-22\n" in text  # a YAML date, not a quoted string
    assert "  version: 1\n  categories:\n" in text
    assert "  en: >-\n    Label smoothing" in text  # long text as a folded block
    assert "  zh: 标签平滑" in text  # Unicode as is, never \u escapes
    assert "notes: |\n  first line\n  second line\n" in text
    assert yaml.safe_load(text) == record


def test_dump_falls_back_to_quoting_when_a_block_would_change_the_text():
    record = {"id": "x", "title": "  leading spaces and a very long title " * 3 + "  "}
    assert yaml.safe_load(dump_record(record)) == record


@pytest.mark.parametrize("paper_id, stem", [("2403.14715", "2403.14715"),
                                            ("math/0211159", "math-0211159"),
                                            ("when-does-label-smoothing-help", None)])
def test_valid_ids_and_their_file_names(paper_id, stem):
    assert id_problem(paper_id) is None
    assert file_stem(paper_id) == (stem or paper_id)


@pytest.mark.parametrize("paper_id", ["../etc/passwd", "/abs", "a..b", "Upper", "a b", "", "-x"])
def test_ids_that_could_escape_or_misname_a_file_are_refused(paper_id):
    assert id_problem(paper_id)
    with pytest.raises(ValueError):
        file_stem(paper_id)


def test_merge_fills_gaps_keeps_what_a_person_wrote_and_reports_it():
    existing = {"id": "1", "title": "My own title", "tags": ["mine"]}
    incoming = {"id": "1", "title": {"en": "Arxiv title", "zh": "中文标题"}, "tags": ["x"],
                "abstract": "text", "arxiv": {"version": 2}}
    result = merge_record(existing, incoming)
    assert result.record["title"] == {"en": "My own title", "zh": "中文标题"}
    assert result.record["tags"] == ["mine"]
    assert result.record["abstract"] == "text"
    assert [c.path for c in result.changes] == ["title.zh", "abstract", "arxiv"]
    assert [(c.path, c.existing, c.incoming) for c in result.conflicts] == [
        ("title.en", "My own title", "Arxiv title"), ("tags", ["mine"], ["x"])]
    assert existing == {"id": "1", "title": "My own title", "tags": ["mine"]}  # not mutated


def test_owned_fields_take_the_incoming_value():
    existing = {"id": "1", "arxiv": {"version": 1, "comment": "old"}, "title": "Old"}
    incoming = {"id": "1", "arxiv": {"version": 2}, "title": {"en": "New"}}
    result = merge_record(existing, incoming, owned=frozenset({"arxiv", "title.en"}))
    assert result.record["arxiv"] == {"version": 2}
    assert result.record["title"] == "New"
    assert not result.conflicts


def test_merge_ignores_whitespace_at_the_ends_of_text():
    result = merge_record({"abstract": "Some text.\n"}, {"abstract": {"en": "Some text."}})
    assert not result.changes and not result.conflicts


def test_new_file_is_written_and_planning_again_changes_nothing(tmp_path):
    path = tmp_path / "papers" / "2403.14715.yaml"
    plan = plan_record(path, paper(abstract=LONG))
    assert plan.is_new and describe(plan, "P") == ["create P"]
    assert write_records([plan]) == [plan]
    again = plan_record(path, paper(abstract=LONG))
    assert not again.changes_file and describe(again) == []
    assert write_records([again]) == []


def test_update_rewrites_only_the_changed_keys_and_keeps_comments(tmp_path):
    path = tmp_path / "2403.14715.yaml"
    original = ("# read this one first\nid: '2403.14715'\ntitle:\n  en: Understanding Label "
                "Smoothing\ndate: 2024-03-22\n\n# my own tags\ntags: [ls, sc]  # short\n")
    path.write_text(original)
    plan = plan_record(path, paper(abstract="The abstract.", authors=["A. Person"]))
    write_records([plan])
    text = path.read_text()
    assert text == ("# read this one first\nid: '2403.14715'\ntitle:\n  en: Understanding Label "
                    "Smoothing\n  zh: 理解\ndate: 2024-03-22\nauthors:\n  - A. Person\n"
                    "abstract: The abstract.\n\n# my own tags\ntags: [ls, sc]  # short\n")


def test_update_that_would_drop_a_comment_leaves_the_file_and_says_so(tmp_path):
    path = tmp_path / "2403.14715.yaml"
    original = "id: '2403.14715'\ntitle: Mine  # keep\ndate: 2024-03-22\n"
    path.write_text(original)
    plan = plan_record(path, paper())
    assert plan.kept_because and "comment" in plan.kept_because
    lines = describe(plan, "P")
    assert lines[0].startswith("keep P as it is") and "title.zh" in lines[0]
    assert "title.en differs" in lines[1]
    write_records([plan])
    assert path.read_text() == original


def test_markdown_paper_keeps_its_body(tmp_path):
    path = tmp_path / "x.md"
    path.write_text("---\nid: x-y\ntitle: T\n---\nMy *notes*.\n\n::: zh\n笔记\n:::\n")
    plan = plan_record(path, {"id": "x-y", "title": "T", "venue": "NeurIPS"})
    write_records([plan])
    assert path.read_text() == ("---\nid: x-y\ntitle: T\nvenue: NeurIPS\n---\nMy *notes*.\n\n"
                                "::: zh\n笔记\n:::\n")


def test_write_is_all_or_nothing(tmp_path):
    good = plan_record(tmp_path / "a.yaml", {"id": "a", "title": "A"})
    stale_path = tmp_path / "b.yaml"
    stale_path.write_text("id: b\ntitle: B\n")
    stale = plan_record(stale_path, {"id": "b", "title": "B", "venue": "V"})
    stale_path.write_text("id: b\ntitle: B edited meanwhile\n")
    with pytest.raises(SiteError) as caught:
        write_records([good, stale])
    assert "changed while this run" in str(caught.value)
    assert not (tmp_path / "a.yaml").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.yaml"]  # no temporary files left


def test_dry_run_writes_nothing(tmp_path):
    plan = plan_record(tmp_path / "a.yaml", {"id": "a", "title": "A"})
    assert write_records([plan], dry_run=True) == [plan]
    assert not (tmp_path / "a.yaml").exists()


def test_find_papers_maps_ids_to_files(tmp_path):
    (tmp_path / "one.yaml").write_text("id: '2403.14715'\ntitle: T\n")
    (tmp_path / "two.md").write_text("---\nid: math/0211159\ntitle: T\n---\nbody\n")
    (tmp_path / "bad.yaml").write_text("id: [\n")
    found, problems = find_papers(tmp_path)
    assert found == {"2403.14715": tmp_path / "one.yaml", "math/0211159": tmp_path / "two.md"}
    assert [str(p).split(": ")[0].endswith("bad.yaml:2") for p in problems] == [True]
