"""``digestgen import`` and ``export`` as a user runs them, and round trips of generated records."""

from __future__ import annotations

import contextlib
import datetime
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from digestgen.cli import main
from digestgen.formats.digest import read_digest
from digestgen.formats.digest_writer import write_digest
from digestgen.formats.markdown import is_chinese, parser, slugify
from digestgen.recordio.recordfile import dump_record

SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"
ISSUES = {"2024-03-22": "000_817fa717bd144da2.txt", "2024-02-06": "003_206638408ad647e1.txt",
          "2024-04-02": "004_fbee1b0c84a24bdb.txt"}
REVIEWS = ["001_34e046805fc706ca.txt", "002_dc86f078fee1e88e.txt"]


@pytest.fixture
def seeds() -> Path:
    return SEEDS


def run(site, *args: str):
    """Run ``digestgen ARGS`` from the site's folder, as its editor would."""
    site.root.mkdir(parents=True, exist_ok=True)
    with contextlib.chdir(site.root):
        return CliRunner().invoke(main, [*args, "--config", str(site.config_path)],
                                  catch_exceptions=False)


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file()}


def import_seeds(site, seeds: Path) -> None:
    for day, name in ISSUES.items():
        result = run(site, "import", str(seeds / name), "--date", day)
        assert result.exit_code == 0, result.output
    result = run(site, "import", *(str(seeds / name) for name in REVIEWS), "--date", "2020-02-08")
    assert result.exit_code == 0, result.output


def test_seeds_become_papers_and_issues_and_build(site, seeds):
    import_seeds(site, seeds)
    content = site.root / "content"
    papers = sorted(p.name for p in (content / "papers").iterdir())
    assert len(papers) == 18
    assert "when-does-label-smoothing-help.yaml" in papers
    assert sorted(p.name for p in (content / "issues").iterdir()) == [
        "2024-02-06.yaml", "2024-03-22.yaml", "2024-04-02.yaml"]
    issue = yaml.safe_load((content / "issues" / "2024-04-02.yaml").read_text())
    assert issue == {"papers": ["2404.01367", "2311.18403", "2401.14707", "2308.11480",
                                "2306.06805", "2305.15708", "2304.01973", "2211.14513",
                                "2210.01742"]}
    text = (content / "papers" / "2310.02664.yaml").read_text(encoding="utf-8")
    assert text.startswith("id: '2310.02664'\ntitle:\n  en: On Memorization in Diffusion Models.\n"
                           "  zh: 关于扩散模型记忆化的研究\ndate: 2024-03-22\n"
                           "url: http://arxiv.org/abs/2310.02664\narxiv:\n  version: 1\n"
                           "  announce_type: new\n  primary_category: cs.LG\n")
    assert "\\u" not in text and "abstract_truncated: true\n" in text
    review = yaml.safe_load((content / "papers" / "when-does-label-smoothing-help.yaml")
                            .read_text(encoding="utf-8"))
    assert review["date"] == datetime.date(2019, 6, 6)  # the review's own date beats --date
    assert review["abstract"].startswith("The generalization")  # English only: a plain string
    other = yaml.safe_load((content / "papers" / "exploring-the-memorization-generalization-"
                            "continuum-in-deep-learning.yaml").read_text(encoding="utf-8"))
    assert other["date"] == datetime.date(2020, 2, 8)
    result = run(site, "build", "-q")
    assert result.exit_code == 0, result.output
    page = site.page("issues/2024-04-02/index.html")
    assert "Bigger is not Always Better" in page and "大并非总是更好" in page


def test_importing_twice_changes_nothing(site, seeds):
    import_seeds(site, seeds)
    before = snapshot(site.root / "content")
    result = run(site, "import", *(str(seeds / n) for n in ISSUES.values()), "--date",
                 "2024-04-02")
    assert result.exit_code == 0
    result = run(site, "import", str(seeds / ISSUES["2024-03-22"]), "--date", "2024-03-22")
    assert "wrote 0 files" in result.output and "create" not in result.output
    assert snapshot(site.root / "content") == before


def test_a_persons_edits_are_kept_and_the_differences_listed(site, seeds):
    import_seeds(site, seeds)
    path = site.root / "content" / "papers" / "2403.14715.yaml"
    edited = path.read_text(encoding="utf-8").replace(
        "  zh: 理解为何标签平滑会降低选择性分类的效果以及如何解决这个问题",
        "  zh: 标签平滑为何损害选择性分类  # my translation").replace("arxiv:\n", "tags:\n  - ls\narxiv:\n")
    path.write_text(edited, encoding="utf-8")
    result = run(site, "import", str(seeds / ISSUES["2024-03-22"]), "--date", "2024-03-22")
    assert result.exit_code == 0
    assert "content/papers/2403.14715.yaml: title.zh differs; kept the existing text" \
        in result.output
    assert path.read_text(encoding="utf-8") == edited


def test_import_fills_what_a_hand_written_paper_lacks(site, seeds):
    site.paper("ls.yaml", "# written by hand\nid: '2403.14715'\ntitle: My title\n"
                          "date: 2024-03-22\ntags: [ls]\n")
    result = run(site, "import", str(seeds / ISSUES["2024-03-22"]), "--date", "2024-03-22")
    assert result.exit_code == 0, result.output
    assert "update content/papers/ls.yaml: title.zh, authors" not in result.output
    assert "update content/papers/ls.yaml: title.zh, arxiv, tldr, abstract" in result.output
    record = yaml.safe_load((site.root / "content" / "papers" / "ls.yaml").read_text())
    assert record["title"] == {"en": "My title",
                               "zh": "理解为何标签平滑会降低选择性分类的效果以及如何解决这个问题"}
    assert record["tags"] == ["ls"] and record["abstract_truncated"] is True
    assert not (site.root / "content" / "papers" / "2403.14715.yaml").exists()
    assert (site.root / "content" / "papers" / "ls.yaml").read_text().startswith(
        "# written by hand\n")


def test_dry_run_shows_the_files_and_writes_nothing(site, seeds):
    result = run(site, "import", str(seeds / ISSUES["2024-03-22"]), "--date", "2024-03-22",
                 "--dry-run")
    assert result.exit_code == 0
    assert "+++ content/papers/2403.14715.yaml" in result.output
    assert "+  zh: 关于扩散模型记忆化的研究" in result.output
    assert "would write 3 files (3 new)" in result.output
    assert not (site.root / "content").exists()


def test_broken_documents_are_errors_and_nothing_is_written(site, seeds, tmp_path):
    broken = tmp_path / "2024-05-01-broken.md"
    text = (seeds / ISSUES["2024-03-22"]).read_text(encoding="utf-8")
    broken.write_text(text.replace("    [http://arxiv.org/abs/2310.02664]"
                                   "(http://arxiv.org/abs/2310.02664)\n", ""), encoding="utf-8")
    neither = tmp_path / "notes.md"
    neither.write_text("# My notes\n\nNothing to import.\n", encoding="utf-8")
    undated = tmp_path / "undated.md"
    shutil.copy(seeds / ISSUES["2024-02-06"], undated)
    result = CliRunner().invoke(main, ["import", str(seeds / ISSUES["2024-04-02"]), str(broken),
                                       str(neither), str(undated),
                                       "--config", str(site.config_path)])
    assert result.exit_code == 1
    errors = result.output
    assert f"{broken}:24: detail section [^2] has no link paragraph" in errors
    assert f"{neither}:1: neither a digest issue" in errors
    assert f"{undated}: no date: pass --date YYYY-MM-DD" in errors
    assert "Traceback" not in errors
    assert not (site.root / "content").exists()


def test_date_from_the_file_name(site, seeds, tmp_path):
    named = tmp_path / "digest-2024-02-06.md"
    shutil.copy(seeds / ISSUES["2024-02-06"], named)
    assert run(site, "import", str(named)).exit_code == 0
    assert (site.root / "content" / "issues" / "2024-02-06.yaml").exists()


def test_a_paper_that_reappears_keeps_its_first_date(site, seeds, tmp_path):
    earlier = [p.record for p in read_digest(seeds / ISSUES["2024-03-22"], (
        seeds / ISSUES["2024-03-22"]).read_text(encoding="utf-8")).papers]
    new = {"id": "2404.00001", "title": {"en": "A new paper", "zh": "一篇新论文"}}
    later = tmp_path / "2024-04-03.md"
    later.write_text(write_digest([earlier[1], new]), encoding="utf-8")
    again = tmp_path / "2024-04-04.md"
    again.write_text(write_digest([earlier[0]]), encoding="utf-8")
    import_seeds(site, seeds)
    result = run(site, "import", str(later), str(again))
    assert result.exit_code == 0 and "differs" not in result.output
    assert "no issue record" in result.output  # 2024-04-04 would have no paper of its own
    record = yaml.safe_load((site.root / "content" / "papers" / "2310.02664.yaml").read_text())
    assert record["date"] == datetime.date(2024, 3, 22)
    issue = yaml.safe_load((site.root / "content" / "issues" / "2024-04-03.yaml").read_text())
    assert issue == {"papers": ["2310.02664", "2404.00001"]}
    assert not (site.root / "content" / "issues" / "2024-04-04.yaml").exists()
    assert run(site, "build", "-q").exit_code == 0
    assert "On Memorization in Diffusion Models." in site.page("issues/2024-04-03/index.html")


def test_export_prints_the_seed_and_round_trips(site, seeds, tmp_path):
    import_seeds(site, seeds)
    exports = tmp_path / "exports"
    exports.mkdir()
    for day, name in ISSUES.items():
        result = run(site, "export", day, "--lang", "zh")
        assert result.exit_code == 0, result.output
        seed_rows = [l for l in (seeds / name).read_text(encoding="utf-8").splitlines()
                     if l.startswith("| [^")]
        assert [l for l in result.output.splitlines() if l.startswith("| [^")] == seed_rows
        (exports / f"{day}.md").write_text(result.output, encoding="utf-8")
    other = type(site)(tmp_path / "other")
    result = run(other, "import", *(str(p) for p in sorted(exports.iterdir())))
    assert result.exit_code == 0, result.output
    mine = snapshot(site.root / "content")
    theirs = snapshot(other.root / "content")
    assert theirs == {k: v for k, v in mine.items() if k in theirs}
    assert len(theirs) == 16 + 3


def test_export_in_english_and_unknown_issue(site, seeds):
    import_seeds(site, seeds)
    result = run(site, "export", "2024-03-22", "--lang", "en")
    assert result.output.startswith("# Summary\n")
    assert "[^2]: On Memorization in Diffusion Models. (arXiv:2310.02664v1 [cs.LG])" \
        in result.output
    result = run(site, "export", "2030-01-01")
    assert result.exit_code == 1 and "no issue '2030-01-01'" in result.output


# --- generated records ---------------------------------------------------------------------

CJK = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
LATIN = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                "  .,:;-+*_()<>|\\$#!`&'\"?/=[]~{}%é"), min_size=1, max_size=60)
CHINESE = st.text(st.sampled_from(CJK + "，。、（）ab12 $*"), min_size=2, max_size=60)


def one_line(text: str) -> str:
    return " ".join(text.split())


def paragraph(strategy, chinese: bool):
    """Markdown text that is one paragraph in the expected script."""
    def ok(text: str) -> bool:
        tokens = parser().parse(text)
        return ([t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
                and tokens[1].content == text and is_chinese(text) == chinese
                and not text.startswith("arXiv:") and "[…]" not in text)
    return strategy.map(one_line).filter(ok)


TITLE_EN = LATIN.map(one_line).filter(lambda t: t and not is_chinese(t))
TITLE_ZH = CHINESE.map(one_line).filter(lambda t: t and is_chinese(t))


@st.composite
def records(draw):
    arxiv_paper = draw(st.booleans())
    title = {"en": draw(TITLE_EN)}
    if draw(st.booleans()):
        title["zh"] = draw(TITLE_ZH)
    record: dict = {}
    if arxiv_paper:
        record["id"] = (f"{draw(st.integers(15, 29)):02d}{draw(st.integers(1, 12)):02d}."
                        f"{draw(st.integers(0, 99999)):05d}")
        if draw(st.booleans()):
            record["url"] = f"http://arxiv.org/abs/{record['id']}"
        style = draw(st.sampled_from(["none", "feed", "old"]))
        if style == "feed":
            record["arxiv"] = {"version": draw(st.integers(1, 9)), "announce_type": draw(
                st.sampled_from(["new", "cross", "replace", "replace-cross"]))}
        elif style == "old":
            record["arxiv"] = {"version": draw(st.integers(1, 9)),
                               "announce_type": draw(st.sampled_from(["new", "replace", "cross"])),
                               "primary_category": draw(st.sampled_from(["cs.LG", "eess.IV"]))}
    else:
        record["id"] = slugify(title["en"])
        assume(record["id"])
        record["url"] = f"https://example.org/{record['id']}"
    record["title"] = title
    abstract = {}
    if draw(st.booleans()):
        abstract["en"] = draw(paragraph(LATIN, chinese=False))
    if draw(st.booleans()):
        abstract["zh"] = draw(paragraph(CHINESE, chinese=True))
    tldr = {}  # a summary with no abstract after it cannot be told from an abstract
    if abstract and draw(st.booleans()):
        tldr["zh"] = draw(paragraph(CHINESE, chinese=True))
    if abstract and draw(st.booleans()):
        tldr["en"] = draw(paragraph(LATIN, chinese=False))
    if tldr:
        record["tldr"] = tldr
    if abstract:
        record["abstract"] = abstract
    if "en" in abstract and draw(st.booleans()):
        record["abstract_truncated"] = True
    return record


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.filter_too_much])
@given(st.lists(records(), max_size=4, unique_by=lambda r: r["id"]),
       st.sampled_from(["zh", "en"]))
def test_generated_records_export_and_import_back(papers, lang):
    document = write_digest(papers, lang)
    assert [p.record for p in read_digest(Path("x.md"), document).papers] == papers


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["title", "tldr", "notes", "venue"]),
                       st.text(max_size=200), min_size=1),
       st.lists(st.text(min_size=1, max_size=30), max_size=3))
def test_generated_records_dump_to_yaml_that_reads_back(texts, authors):
    record = {"id": "x", **texts, "authors": authors, "date": datetime.date(2024, 1, 2)}
    dumped = dump_record(record)
    assert yaml.safe_load(dumped) == record
    strings = [*texts.values(), *authors]
    if all(text.isprintable() for text in strings) and not any("\\" in t for t in strings):
        assert "\\u" not in dumped and "\\x" not in dumped  # Unicode as is, never escaped


def test_a_bad_date_option_is_a_usage_error(site, seeds):
    result = run(site, "import", str(seeds / ISSUES["2024-03-22"]), "--date", "2024-13-01")
    assert result.exit_code == 2 and "'2024-13-01' is not a date" in result.output


def as_texts(record: dict) -> dict:
    """``record`` with every plain-string text written as ``{"en": ...}``, for comparing."""
    return {key: {"en": value} if key in ("title", "tldr", "abstract") and isinstance(value, str)
            else value for key, value in record.items()}


@settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])
@given(st.lists(records(), min_size=1, max_size=3, unique_by=lambda r: r["id"]))
def test_generated_site_exports_and_imports_into_an_empty_site(tmp_path_factory, papers):
    """Records on disk -> ``digestgen export`` -> ``digestgen import`` -> the same records."""
    from sitekit import SiteFolder

    root = tmp_path_factory.mktemp("roundtrip")
    site, other = SiteFolder(root / "a"), SiteFolder(root / "b")
    for paper in papers:
        record = dict(paper, date=datetime.date(2024, 5, 6))
        site.paper(f"{paper['id']}.yaml", dump_record(record))
    site.issue("2024-05-06.yaml", dump_record({"papers": [p["id"] for p in papers]}, "issue"))
    exported = run(site, "export", "2024-05-06")
    assert exported.exit_code == 0, exported.output
    document = root / "2024-05-06.md"
    document.write_text(exported.output, encoding="utf-8")
    result = run(other, "import", str(document))
    assert result.exit_code == 0, result.output
    for paper in papers:
        path = other.root / "content" / "papers" / f"{paper['id']}.yaml"
        assert as_texts(yaml.safe_load(path.read_text(encoding="utf-8"))) == \
            dict(paper, date=datetime.date(2024, 5, 6))
    issue = other.root / "content" / "issues" / "2024-05-06.yaml"
    assert yaml.safe_load(issue.read_text()) == {"papers": [p["id"] for p in papers]}
