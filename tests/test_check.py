"""`digestgen check`: build validation, internal links and anchors, translation coverage."""

from click.testing import CliRunner

from digestgen.check import PageParser, check_links
from digestgen.cli import main

TRANSLATED = """\
    id: "2403.14715"
    title: {en: Label Smoothing and Selective Classification, zh: 标签平滑与选择性分类}
    date: 2024-03-22
    tldr: {en: LS hurts selective classification., zh: 标签平滑损害选择性分类。}
    abstract: {en: Label smoothing is popular., zh: 标签平滑很流行。}
"""
ENGLISH_ONLY = """\
    id: "2310.02664"
    title: On Memorization in Diffusion Models
    date: 2024-03-22
    abstract: Memorization happens on small datasets.
"""


def check(site, *args):
    return CliRunner().invoke(main, ["check", "--config", str(site.config_path), *args])


def test_a_complete_site_passes(site):
    site.paper("2403.14715.yaml", TRANSLATED)
    result = check(site, "--strict")
    assert result.exit_code == 0, result.output
    assert "Checked 1 paper in 1 issue: " in result.output
    assert "Every internal link and anchor resolves." in result.output
    assert result.output.rstrip().endswith("No problems found.")
    assert not site.output.exists()  # check writes nothing into the site


def test_coverage_counts_each_language_and_field_and_lists_the_gaps(site):
    site.paper("2403.14715.yaml", TRANSLATED)
    site.paper("2310.02664.yaml", ENGLISH_ONLY)
    result = check(site)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    table = lines[lines.index("Translation coverage of 2 papers:"):][:4]
    assert table == [
        "Translation coverage of 2 papers:",
        "  language  title  tldr  abstract",
        "  zh          1/2   1/2       1/2",
        "  en          2/2   1/2       2/2",
    ]
    assert "Missing translations (4 warnings):" in lines
    assert "warning: zh title missing in 1 of 2 papers: 2310.02664" in lines
    assert "warning: zh tldr missing in 1 of 2 papers: 2310.02664" in lines
    assert "warning: en tldr missing in 1 of 2 papers: 2310.02664" in lines
    assert "warning: zh abstract missing in 1 of 2 papers: 2310.02664" in lines
    assert lines[-1] == "0 errors, 4 warnings."


def test_strict_turns_missing_translations_into_a_failure(site):
    site.paper("2403.14715.yaml", TRANSLATED)
    site.paper("2310.02664.yaml", ENGLISH_ONLY)
    result = check(site, "--strict")
    assert result.exit_code == 1
    assert "error: zh title missing in 1 of 2 papers: 2310.02664" in result.output
    assert result.output.splitlines()[-1] == \
        "4 errors, 0 warnings (--strict counts missing translations as errors)."


def test_long_lists_of_papers_are_capped(site):
    for n in range(12):
        site.paper(f"p{n:02}.yaml", f"id: p{n:02}\ntitle: Paper {n}\ndate: 2024-03-22\n")
    lines = check(site).output.splitlines()
    assert ("warning: zh title missing in 12 of 12 papers: "
            "p11, p10, p09, p08, p07, p06, p05, p04, p03, p02 and 2 more") in lines


def test_drafts_count_only_with_drafts(site):
    site.paper("2403.14715.yaml", TRANSLATED)
    site.paper("2310.02664.yaml", ENGLISH_ONLY + "    draft: true\n")
    assert "No problems found." in check(site, "--strict").output
    result = check(site, "--strict", "--drafts")
    assert result.exit_code == 1 and "missing in 1 of 2 papers: 2310.02664" in result.output


def test_broken_links_and_anchors_are_errors_with_their_page_and_source(site):
    site.paper("2403.14715.yaml", TRANSLATED)
    notes = site.paper("2310.02664.md", """\
        ---
        id: "2310.02664"
        title: {en: On Memorization, zh: 关于记忆化}
        date: 2024-03-22
        tldr: {en: Small data memorizes., zh: 小数据集会记忆。}
        abstract: {en: Memorization., zh: 记忆化。}
        ---
        Compare [the other paper](/digest/papers/2403.14715/), its
        [row](/digest/issues/2024-03-22/#ref-2) and [summary](../2403.14715/#main).

        Broken: [outside](/papers/2403.14715/), [gone](/digest/papers/nope/),
        [anchor](/digest/issues/2024-03-22/#item-9) and [here](#no-such-id).
        """)
    result = check(site)
    assert result.exit_code == 1
    out = result.output
    assert "Broken links (4 errors):" in out
    expected = [
        "link /papers/2403.14715/: leads outside the site's base path /digest/",
        "link /digest/papers/nope/: no such page or file in the built site",
        "link /digest/issues/2024-03-22/#item-9: no element with id 'item-9' on "
        "/digest/issues/2024-03-22/",
        "link #no-such-id: no element with id 'no-such-id' on this page",
    ]
    lines = out.splitlines()
    for message in expected:
        [line] = [line for line in lines if message in line]
        # Shown on the paper's full record, at the root, alone: the English tree's page of
        # the paper is a brief one that points there, without the notes.
        assert line.startswith("papers/2310.02664/index.html:"), line
        assert line.endswith(f" (from {notes})"), line
    # The valid links of the same notes are not reported.
    assert "#ref-2" not in out and "#main" not in out
    assert lines[-1] == "4 errors, 0 warnings."


def test_an_issue_file_naming_an_unknown_paper_fails_the_check(site):
    site.paper("2403.14715.yaml", TRANSLATED)
    issue = site.issue("2024-03-22.yaml", "title: Friday\npapers:\n  - '2403.14715'\n  - nope\n")
    result = check(site)
    assert result.exit_code == 1
    assert f"{issue}:4: unknown paper id 'nope'" in result.output
    assert "Traceback" not in result.output


def test_the_report_is_the_same_every_time(site):
    site.paper("2403.14715.yaml", TRANSLATED)
    site.paper("2310.02664.yaml", ENGLISH_ONLY)
    assert check(site).output == check(site).output


def test_a_site_under_a_project_path_links_only_below_that_path(site):
    site.paper("2403.14715.yaml", TRANSLATED)
    site.paper("2310.02664.yaml", ENGLISH_ONLY + "    tags: [diffusion]\n")
    site.issue("2024-03-22.yaml", "intro: Two papers on **memorization**.\n")
    base_url = "https://x.github.io/repo/"
    result = CliRunner().invoke(main, ["build", "--config", str(site.config_path),
                                       "--base-url", base_url])
    assert result.exit_code == 0, result.output

    internal = 0
    for page in sorted(site.output.rglob("*.html")):
        parser = PageParser()
        parser.feed(page.read_text(encoding="utf-8"))
        for href, _ in parser.links:
            if href.startswith(base_url):
                href = href[len("https://x.github.io"):]
            if "://" in href:
                continue  # arXiv and other sites
            internal += 1
            assert href.startswith(("/repo/", "#")), (page, href)
    report = check_links(site.output, base_url)
    assert report.broken == () and report.links == internal > 100

    checked = check(site, "--base-url", base_url, "--strict")
    assert "Every internal link and anchor resolves." in checked.output
