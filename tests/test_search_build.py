"""The search step of a build: the `search` setting, the index it writes, and that the index
is as reproducible and as tidy as the pages, and changed in small units (the browser tests
search it for real)."""

import json

import lxml.html
import pytest
from click.testing import CliRunner

from digestgen.cli import main
from digestgen.configload import load_config
from digestgen.errors import Problem, SiteError
from digestgen.pages.render import Renderer
from digestgen.search import index, segments, site as site_index
from digestgen.search.postings import postings_of
from digestgen.search.terms import stem

PAPER = """\
    id: "2403.14715"
    title:
      en: Understanding Why Label Smoothing Degrades Selective Classification
      zh: 理解为何标签平滑会降低选择性分类的效果
    date: 2024-03-22
    abstract: {en: Label smoothing is a popular regularisation method., zh: 标签平滑是一种流行的正则化方法。}
"""
OTHER = """\
    id: "2310.02664"
    title: On Memorization in Diffusion Models
    date: 2024-03-21
"""


def build(site, *args):
    result = CliRunner().invoke(main, ["build", "--config", str(site.config_path), *args])
    assert result.exit_code == 0, result.output
    return result


def index_files(folder) -> dict[str, bytes]:
    """The search index files of an output folder, by path below it."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted((folder / "search").rglob("*")) if p.is_file()}


def listing(folder) -> dict:
    return json.loads((folder / "search/index.json").read_text())


def segment_papers(folder, segment: dict) -> list[tuple[str, dict]]:
    """The papers of a segment of the index, in its order: (page, titles)."""
    return [tuple(entry) for number in range(index.title_files(segment["papers"]))
            for entry in json.loads((folder / index.titles_path(segment["name"], number))
                                    .read_text())]


def papers_listed(folder) -> list[tuple[str, dict]]:
    """Every paper the index lists, in its order: (page, titles)."""
    return [entry for segment in listing(folder)["segments"]
            for entry in segment_papers(folder, segment)]


def found(folder, term: str) -> list[str]:
    """The pages of the papers the index files under ``term``."""
    pages = []
    for segment in listing(folder)["segments"]:
        listed = segment_papers(folder, segment)
        bucket = segments.bucket_of(term, segment["buckets"])
        data = (folder / f"search/{segment['name']}/{bucket:x}.bin").read_bytes()
        pages += [listed[n][0] for n in postings_of(data).get(term, [])]
    return pages


def write_papers(site, count: int) -> None:
    for n in range(1, count + 1):
        site.paper(f"p{n:02}.yaml", f"id: p{n:02}\ntitle: Paper {n}\n"
                                    f"date: 2024-{1 + n // 28:02}-{1 + n % 28:02}\n"
                                    f"abstract: Words of paper number {n}.\n")


@pytest.fixture
def small(monkeypatch):
    """Segments of about four papers, buckets of about 40 numbers."""
    monkeypatch.setattr(index, "SEGMENT_PAPERS", 4)
    monkeypatch.setattr(segments, "BUCKET_POSTINGS", 40)


def test_search_is_on_unless_the_config_turns_it_off(site):
    assert load_config(site.config_path).search is True
    site.write("digestgen.yaml", site.config_path.read_text() + "search: false\n")
    assert load_config(site.config_path).search is False


def test_search_must_be_true_or_false(site):
    site.write("digestgen.yaml", site.config_path.read_text() + "search: yes please\n")
    with pytest.raises(SiteError) as caught:
        load_config(site.config_path)
    assert [str(p) for p in caught.value.problems] == [
        f"{site.config_path}:3: 'search' must be true or false, not 'yes please'"]


def test_the_index_lists_each_paper_once_with_its_titles_and_the_manifest_lists_it(site):
    site.paper("2403.14715.yaml", PAPER)
    site.paper("2310.02664.yaml", OTHER)
    build(site)
    # Oldest first, each by its page in the default language, with its titles.
    assert papers_listed(site.output) == [
        ("papers/2310.02664/", {"en": "On Memorization in Diffusion Models"}),
        ("papers/2403.14715/", {
            "en": "Understanding Why Label Smoothing Degrades Selective Classification",
            "zh": "理解为何标签平滑会降低选择性分类的效果"})]
    # Chinese in overlapping pairs, English words by their stem.
    assert found(site.output, "平滑") == ["papers/2403.14715/"]
    assert found(site.output, stem("regularisation")) == ["papers/2403.14715/"]
    assert found(site.output, "memorization") == []
    assert found(site.output, stem("memorization")) == ["papers/2310.02664/"]
    # The titles' terms a second time, marked: in the titles, not in the abstracts.
    assert found(site.output, "^" + stem("smoothing")) == ["papers/2403.14715/"]
    assert found(site.output, "^平滑") == ["papers/2403.14715/"]
    assert found(site.output, "^" + stem("regularisation")) == []
    manifest = json.loads((site.output / ".digestgen-manifest.json").read_text())["files"]
    assert set(index_files(site.output)) <= set(manifest)
    # The page script makes the search box from its strings; only the indexed pages carry
    # the marks the indexer reads.
    html = site.page("en/papers/2403.14715/index.html")
    assert lxml.html.fromstring(html).xpath("//script[@src='/digest/assets/ui-en.js']")
    ui = (site.output / "assets/ui-en.js").read_text().removeprefix("globalThis.digestUI = ")
    assert json.loads(ui.rstrip().removesuffix(";"))["search"]["placeholder"] == \
        "Search papers, e.g. label smoothing"
    assert "<search" not in html
    marked = {str(path.relative_to(site.output)) for path in site.output.rglob("*.html")
              if "data-search" in path.read_text()}
    assert marked == {"papers/2310.02664/index.html", "papers/2403.14715/index.html"}


def test_what_the_page_skips_is_not_indexed(site):
    site.paper("2403.14715.yaml", PAPER + "    url: https://example.org/only-in-a-link\n")
    build(site)
    assert found(site.output, "理解") == ["papers/2403.14715/"]
    assert found(site.output, "example") == []  # the links line
    assert found(site.output, "bibtex") == []  # the citation box


def test_an_edit_rewrites_a_few_index_files_and_reads_one_page(site, small, monkeypatch):
    write_papers(site, 12)
    build(site)
    before = index_files(site.output)
    read = []
    facts = site_index._facts
    monkeypatch.setattr(site_index, "_facts", lambda page: read.append(page) or facts(page))
    site.paper("p05.yaml", "id: p05\ntitle: Paper 5\ndate: 2024-01-06\n"
                           "abstract: Words of paper number 5, and quokka.\n")
    build(site)
    after = index_files(site.output)
    assert [path.parts[-2] for path in read] == ["p05"]
    assert found(site.output, "quokka") == ["papers/p05/"]
    changed = {path for path in after if after[path] != before.get(path)}
    assert "search/index.json" in changed and 1 <= len(changed - {"search/index.json"}) <= 2


@pytest.mark.parametrize("change", ["edit", "title", "add-last", "add-first", "remove", "many",
                                    "every-page"])
def test_a_rebuild_writes_the_index_a_build_from_scratch_writes(site, small, tmp_path, change,
                                                                monkeypatch):
    write_papers(site, 12)
    build(site)
    if change == "edit":
        site.paper("p07.yaml", "id: p07\ntitle: Paper 7\ndate: 2024-01-08\nabstract: Other.\n")
    elif change == "title":
        site.paper("p07.yaml", "id: p07\ntitle: A new name\ndate: 2024-01-08\n"
                               "abstract: Words of paper number 7.\n")
    elif change == "add-last":
        site.paper("p13.yaml", "id: p13\ntitle: Paper 13\ndate: 2024-03-13\nabstract: New.\n")
    elif change == "add-first":
        site.paper("p00.yaml", "id: p00\ntitle: Paper 0\ndate: 2023-12-01\nabstract: Old.\n")
    elif change == "remove":
        (site.root / "content/papers/p06.yaml").unlink()
    elif change == "every-page":  # the site's title is on every page: all of them change
        monkeypatch.setattr(index, "PATCHED_MOST", 2)
        site.write("digestgen.yaml", site.config_path.read_text().replace("title:", "title: New",
                                                                           1))
    elif change == "many":  # a paper with many more words: its segment needs more buckets
        words = " ".join(f"word{n}" for n in range(120))
        site.paper("p03.yaml", f"id: p03\ntitle: Paper 3\ndate: 2024-01-04\nabstract: {words}\n")
    build(site)
    build(site, "--output", str(tmp_path / "fresh"))
    assert index_files(site.output) == index_files(tmp_path / "fresh")


def test_index_files_removed_by_hand_are_made_again(site, small, tmp_path):
    write_papers(site, 12)
    build(site)
    whole = index_files(site.output)
    bucket = next(path for path in whole if path.endswith(".bin"))
    (site.output / bucket).unlink()
    site.paper("p02.yaml", "id: p02\ntitle: Paper 2\ndate: 2024-01-03\nabstract: Changed.\n")
    build(site)
    (site.output / "search/index.json").unlink()
    build(site)
    build(site, "--output", str(tmp_path / "fresh"))
    assert index_files(site.output) == index_files(tmp_path / "fresh")


def test_a_first_build_reads_the_pages_in_workers_as_one_process_would(site, tmp_path,
                                                                       monkeypatch):
    write_papers(site, 30)
    monkeypatch.setattr(site_index, "PARALLEL_PAGES", 10)
    build(site, "--output", str(tmp_path / "workers"))
    monkeypatch.setenv("DIGESTGEN_JOBS", "1")
    build(site, "--output", str(tmp_path / "one"))
    assert index_files(tmp_path / "workers") == index_files(tmp_path / "one")


def test_a_build_that_fails_leaves_the_index_as_it_was(site, monkeypatch):
    write_papers(site, 3)
    build(site)
    before = index_files(site.output)
    render = Renderer.render

    def failing_render(self, job):
        if job.path.startswith("en/"):
            raise SiteError([Problem(site.root / "layouts/paper.html", 1, "broken")])
        return render(self, job)

    monkeypatch.setattr(Renderer, "render", failing_render)
    site.paper("p02.yaml", "id: p02\ntitle: Paper two, renamed\ndate: 2024-01-03\n")
    result = CliRunner().invoke(main, ["build", "--config", str(site.config_path)])
    assert result.exit_code == 1 and "paper.html:1: broken" in result.output
    assert index_files(site.output) == before


def test_a_site_without_papers_has_an_empty_index(site):
    build(site)
    assert listing(site.output) == {"segments": [], "titles": index.TITLES_PER_FILE,
                                    "version": index.VERSION}


def test_the_index_is_byte_identical_across_builds(site, tmp_path):
    site.paper("2403.14715.yaml", PAPER)
    site.paper("2310.02664.yaml", OTHER)
    build(site, "--output", str(tmp_path / "one"))
    build(site, "--output", str(tmp_path / "two"))
    one, two = index_files(tmp_path / "one"), index_files(tmp_path / "two")
    assert one and one == two


def test_search_off_writes_no_index_and_no_search_box(site):
    site.write("digestgen.yaml", site.config_path.read_text() + "search: false\n")
    site.paper("2403.14715.yaml", PAPER)
    build(site)
    assert not (site.output / "search").exists()
    assert "<search" not in site.page("index.html")
    assert '"search"' not in (site.output / "assets/ui-zh.js").read_text()  # nor its strings
    assert "data-search" not in site.page("papers/2403.14715/index.html")


def test_the_index_adds_far_fewer_files_than_papers(site):
    write_papers(site, 64)
    build(site)
    # One segment of 64 small papers: the listing, its papers, and a bucket.
    assert sorted(path.rsplit("/", 1)[-1] for path in index_files(site.output)) == [
        "0.bin", "index.json", "titles-0.json"]
    assert all((site.output / page / "index.html").is_file()
               for page, _ in papers_listed(site.output))


def test_a_spoilt_index_file_is_not_trusted_and_the_index_is_made_again(site, tmp_path):
    write_papers(site, 12)
    build(site)
    [segment] = listing(site.output)["segments"]
    assert segment["buckets"] == 1
    (site.output / f"search/{segment['name']}/0.bin").write_bytes(b"\xff")
    site.paper("p02.yaml", "id: p02\ntitle: Paper 2\ndate: 2024-01-03\nabstract: Changed.\n")
    build(site)
    build(site, "--output", str(tmp_path / "fresh"))
    assert index_files(site.output) == index_files(tmp_path / "fresh")
