"""Grouping papers into issues, ordering tables, and issue-file checks."""

import pytest
from click.testing import CliRunner

from digestgen.incremental import records as fastload
from digestgen.incremental import storage as cache
from digestgen.build import load_site
from digestgen.cli import main
from digestgen.configload import load_config
from digestgen.errors import SiteError
from digestgen.content.periods import issue_key, parse_issue_id


def paper(site, pid, date, **extra):
    lines = [f'id: "{pid}"', f"title: Paper {pid}", f"date: {date}"]
    lines += [f"{k}: {v}" for k, v in extra.items()]
    site.paper(pid.replace("/", "-") + ".yaml", "\n".join(lines) + "\n")


def model(site):
    return load_site(load_config(site.config_path))


def table(issue):
    return [entry.paper.id for entry in issue.entries]


def test_papers_of_one_day_form_one_issue_newest_id_first(site):
    paper(site, "2403.00001", "2024-03-22")
    paper(site, "2403.14715", "2024-03-22")
    paper(site, "2310.02664", "2024-03-22")
    paper(site, "math/0211159", "2024-03-22")
    paper(site, "2402.03478", "2024-03-21")
    s = model(site)
    assert [i.id for i in s.issues] == ["2024-03-22", "2024-03-21"]
    assert table(s.issues[0]) == ["2403.14715", "2403.00001", "2310.02664", "math/0211159"]
    assert [e.number for e in s.issues[0].entries] == [1, 2, 3, 4]


@pytest.mark.parametrize("period, issue_id", [("week", "2024-W12"), ("month", "2024-03")])
def test_weekly_and_monthly_issues(site, period, issue_id):
    site.write("digestgen.yaml", f"title: T\nbase_url: https://a.b/\nissue_period: {period}\n")
    paper(site, "2403.00001", "2024-03-18")
    paper(site, "2403.00002", "2024-03-24")
    (issue,) = model(site).issues
    assert issue.id == issue_id


def test_issue_ids_and_periods_agree():
    import datetime as dt
    key = issue_key(dt.date(2024, 12, 30), "week")  # ISO week 1 of 2025
    assert key.id == "2025-W01"
    assert parse_issue_id("2025-W01", "week") == key
    assert parse_issue_id("2024-13", "month") is None
    assert parse_issue_id("2024-03-22", "week") is None


def test_an_issue_file_orders_the_table_and_brings_back_an_earlier_paper(site):
    paper(site, "2401.00001", "2024-01-10")
    paper(site, "2403.00001", "2024-03-22")
    paper(site, "2403.00002", "2024-03-22")
    paper(site, "2403.00003", "2024-03-22")
    site.issue("2024-03-22.yaml", "papers: ['2403.00001', '2401.00001']\n")
    s = model(site)
    march = s.issues[0]
    assert table(march) == ["2403.00001", "2401.00001", "2403.00003", "2403.00002"]
    assert [e.reappears for e in march.entries] == [False, True, False, False]
    assert s.issue_of["2401.00001"].id == "2024-01-10"
    assert [i.id for i in s.appearances["2401.00001"]] == ["2024-01-10", "2024-03-22"]


def test_issue_file_problems_are_reported_at_their_lines(site):
    paper(site, "2403.00001", "2024-03-22")
    paper(site, "2403.00009", "2024-03-25")
    bad = site.issue("2024-03-22.yaml", "papers:\n  - '2403.00009'\n  - nope\n")
    empty = site.issue("2024-03-23.yaml", "title: Nothing\n")
    with pytest.raises(SiteError) as caught:
        model(site)
    assert [str(p) for p in caught.value.problems] == [
        f"{bad}:2: paper '2403.00009' is dated 2024-03-25, after issue 2024-03-22",
        f"{bad}:3: unknown paper id 'nope'",
        f"{empty}:1: issue '2024-03-23' has no papers: no paper is dated in it",
    ]


def test_a_draft_issue_leaves_out_its_papers(site):
    paper(site, "2403.00001", "2024-03-22")
    paper(site, "2403.00002", "2024-03-21")
    site.issue("2024-03-22.yaml", "draft: true\n")
    assert [p.id for p in model(site).papers] == ["2403.00002"]


def test_tags_and_categories_list_their_papers_newest_first(site):
    paper(site, "2403.00001", "2024-03-21", tags="[llm]",
          arxiv="{primary_category: cs.LG, categories: [cs.CL]}")
    paper(site, "2403.00002", "2024-03-22", tags="[llm, theory]")
    s = model(site)
    assert {t.name: [p.id for p in t.papers] for t in s.tags} == {
        "llm": ["2403.00002", "2403.00001"], "theory": ["2403.00002"]}
    assert [c.name for c in s.categories] == ["cs.CL", "cs.LG"]


def test_the_model_of_a_built_site_comes_from_the_records_the_build_cached(site, monkeypatch):
    monkeypatch.setattr(cache, "RACY_SECONDS", 0.0)  # files written now count as settled
    paper(site, "2403.14715", "2024-03-22")
    assert CliRunner().invoke(main, ["build", "--config", str(site.config_path)]).exit_code == 0

    def parse_again(*args, **kwargs):
        raise AssertionError("a paper was parsed again")

    with monkeypatch.context() as patch:
        patch.setattr(fastload, "parse_paper", parse_again)
        assert [list(p.title.values.values()) for p in model(site).papers] == [["Paper 2403.14715"]]
    # A paper edited since is read from its file.
    paper(site, "2403.14715", "2024-03-22", tags="[edited]")
    assert [p.tags for p in model(site).papers] == [("edited",)]
