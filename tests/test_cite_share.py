"""Cite, save, share, subscribe (SPEC 4.1): BibTeX files read by a real BibTeX parser, the
metadata reference managers and link previews read, the feeds per topic as raw Atom, and the
statistics page's numbers."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import parse_qs

import bibtexparser
import lxml.html
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware
from click.testing import CliRunner
from lxml import etree
from sitekit import SiteFolder

from digestgen.build import load_site
from digestgen.cli import main
from digestgen.configload import load_config
from digestgen.formats import bibtex
from digestgen.content.records import Paper, Text

ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "https://alice.github.io/digest/"

PAPERS = {
    "2403.14715.yaml": """\
        id: "2403.14715"
        title:
          en: "BERT & Friends: 100% of #1 models_v2 need {braces} and $O(n^2)$ attention"
          zh: 伯特和朋友们
        date: 2024-03-22
        authors: [Guoxuan Xia, Ludwig van Beethoven, "Laurent, Olivier", José Ñúñez]
        arxiv: {version: 2, primary_category: cs.LG, categories: [cs.LG, cs.CV],
                published: 2024-03-20, updated: 2024-03-21,
                journal_ref: "J. Mach. Learn. Res. 25 (2024)", doi: 10.1000/jmlr_25.1}
        tldr: {en: A short summary & more., zh: 一句话总结。}
        abstract: {en: "An abstract <b>with</b> tags.", zh: 摘要。}
        tags: [label-smoothing]
    """,
    # Same first author, year and first word: keys clash.
    "2403.10001.yaml": """\
        id: "2403.10001"
        title: {en: Bert strikes again}
        date: 2024-03-22
        authors: [Guoxuan Xia]
        arxiv: {primary_category: cs.LG, categories: [cs.LG]}
        tags: [label-smoothing]
    """,
    "2403.10002.yaml": """\
        id: "2403.10002"
        title: {en: Bert returns}
        date: 2024-03-21
        authors: [Guoxuan Xia]
        arxiv: {primary_category: cs.CL, categories: [cs.CL]}
    """,
    "no-arxiv.yaml": """\
        id: no-arxiv
        title: {zh: 只有中文标题的论文}
        date: 2024-03-21
        url: https://example.org/paper?id=1&x=2
    """,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> SiteFolder:
    site = SiteFolder(tmp_path_factory.mktemp("cite"))
    site.write("digestgen.yaml", "title: Test Digest\nbase_url: " + BASE + "\n"
               "description: A digest of papers.\nsearch: false\n")
    for name, text in PAPERS.items():
        site.paper(name, text)
    result = CliRunner().invoke(main, ["build", "-q", "--config", str(site.config_path)])
    assert result.exit_code == 0, result.output
    return site


@pytest.fixture(scope="module")
def model(built):
    return load_site(load_config(built.config_path))


#: Fields that styles typeset verbatim (the url package, biblatex): read without decoding.
VERBATIM = ("url", "doi")


def parse_bib(path: Path):
    """The entries of ``path``, text fields decoded from LaTeX, verbatim fields as written."""
    text = path.read_text(encoding="utf-8")
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    raw = bibtexparser.parse_string(text)
    assert library.failed_blocks == [] and raw.failed_blocks == [], path
    for entry, written in zip(library.entries, raw.entries, strict=True):
        for name in VERBATIM:
            if name in written.fields_dict:
                entry.fields_dict[name].value = written.fields_dict[name].value
    return library


def expected_fields(paper) -> dict[str, str]:
    title = paper.title["en"] if "en" in paper.title else paper.title["zh"]
    fields = {"title": title, "year": str((paper.arxiv.published or paper.date).year)}
    if paper.authors:
        names = []
        for author in paper.authors:
            last, first = bibtex.split_name(author)
            names.append(f"{last}, {first}" if first else last)
        fields["author"] = " and ".join(names)
    if re.fullmatch(r"\d{4}\.\d{4,5}", paper.id):
        fields.update(eprint=paper.id, archivePrefix="arXiv")
    if paper.arxiv.primary_category:
        fields["primaryClass"] = paper.arxiv.primary_category
    if paper.link:
        fields["url"] = paper.link
    if paper.arxiv.doi:
        fields["doi"] = paper.arxiv.doi
    if paper.arxiv.journal_ref:
        fields["journal"] = paper.arxiv.journal_ref
    return fields


def decoded(value: str) -> str:
    """A decoded field as text: the braces that protect capitals dropped."""
    return value.replace("{", "").replace("}", "")


def test_every_bib_file_parses_and_every_field_is_the_record(built, model):
    by_id = {paper.id: paper for paper in model.papers}
    files = sorted(built.output.rglob("*.bib"))
    assert {f.relative_to(built.output).as_posix() for f in files} >= {
        "papers.bib", "en/papers.bib", "issues/2024-03-22/papers.bib",
        "en/issues/2024-03-21/papers.bib", "papers/2403.14715/cite.bib",
        "papers/no-arxiv/cite.bib"}
    assert not (built.output / "en/papers/2403.14715/cite.bib").exists()  # one URL per paper
    for path in files:
        library = parse_bib(path)
        keys = [entry.key for entry in library.entries]
        assert len(keys) == len(set(keys)), path
        for entry in library.entries:
            assert re.fullmatch(r"[a-z0-9]+", entry.key), entry.key
            url = entry.fields_dict["url"].value
            paper = next(p for p in by_id.values() if p.link == url)
            assert entry.entry_type == ("article" if paper.arxiv.journal_ref else "misc")
            got = {f.key: decoded(f.value) for f in entry.fields}
            want = expected_fields(paper)
            # The title's math stays math: the decoder reads it as it is.
            assert got == {k: decoded(v) for k, v in want.items()}, (path, paper.id)
    archive = parse_bib(built.output / "papers.bib")
    assert len(archive.entries) == len(model.papers)


def test_keys_are_name_year_word_with_suffixes_oldest_first(built):
    keys = {e.fields_dict["eprint"].value if "eprint" in e.fields_dict else "-": e.key
            for e in parse_bib(built.output / "papers.bib").entries}
    # 2403.10002 is the oldest of the three clashing papers: it keeps the plain key.
    assert keys["2403.10002"] == "xia2024bert"
    assert {keys["2403.14715"], keys["2403.10001"]} == {"xia2024berta", "xia2024bertb"}
    assert keys["-"] == "anon2024"  # no author, no ASCII word in the title
    raw = (built.output / "papers/2403.14715/cite.bib").read_text()
    assert raw.startswith("@article{xia2024bert,\n")
    assert r"{BERT} \& {Friends:} 100\% of \#1 models\_v2 need \{braces\} and $O(n^2)$" in raw
    assert "author = {Xia, Guoxuan and van Beethoven, Ludwig and Laurent, Olivier and " \
           "Ñúñez, José}" in raw


def test_cite_boxes_show_the_entry_and_link_the_file(built):
    # The full record (at the root) shows the entry; the English tree's brief page links it.
    brief = lxml.html.fromstring(built.page("en/papers/2403.14715/index.html"))
    assert brief.xpath("//a[@href='/digest/papers/2403.14715/cite.bib']")
    page = lxml.html.fromstring(built.page("papers/2403.14715/index.html"))
    box = page.xpath("//section[@class='cite-section']/div[@class='cite']")[0]
    assert box.xpath(".//pre[@class='bibtex']")[0].text_content() == \
        (built.output / "papers/2403.14715/cite.bib").read_text()
    assert box.xpath(".//a[@href='/digest/papers/2403.14715/cite.bib']")
    # The copy button works only with the script: the script adds it, named by its tag.
    assert not box.xpath(".//button")
    [script] = page.xpath("//script[@src='/digest/assets/cite.js']")
    assert (script.get("data-copy"), script.get("data-done")) == ("复制 BibTeX", "已复制")
    issue = lxml.html.fromstring(built.page("issues/2024-03-22/index.html"))
    # An issue's folded boxes hold no copy of the entries, only the link the script fetches.
    boxes = issue.xpath("//section[@class='detail']//details[@class='cite']")
    assert len(boxes) == 2 and not issue.xpath("//details[@class='cite']//pre")
    assert {a.get("href") for box in boxes for a in box.xpath(".//a")} >= {
        "/digest/papers/2403.14715/cite.bib"}
    assert issue.xpath("//a[@href='/digest/issues/2024-03-22/papers.bib']")


def meta(page, attr: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for element in page.iter("meta"):
        if element.get(attr):
            found.setdefault(element.get(attr), []).append(element.get("content"))
    return found


def test_paper_pages_carry_highwire_tags_and_json_ld(built):
    page = lxml.html.fromstring(built.page("papers/2403.14715/index.html"))
    tags = meta(page, "name")
    assert tags["citation_title"] == [
        "BERT & Friends: 100% of #1 models_v2 need {braces} and $O(n^2)$ attention"]
    assert tags["citation_author"] == ["Guoxuan Xia", "Ludwig van Beethoven", "Laurent, Olivier",
                                       "José Ñúñez"]
    assert tags["citation_publication_date"] == ["2024/03/20"]
    assert tags["citation_online_date"] == ["2024/03/21"]
    assert tags["citation_arxiv_id"] == ["2403.14715"]
    assert tags["citation_pdf_url"] == ["https://arxiv.org/pdf/2403.14715"]
    assert tags["citation_abstract_html_url"] == ["https://arxiv.org/abs/2403.14715"]
    assert tags["citation_doi"] == ["10.1000/jmlr_25.1"]
    assert tags["citation_journal_title"] == ["J. Mach. Learn. Res. 25 (2024)"]
    [script] = page.xpath("//script[@type='application/ld+json']")
    data = json.loads(script.text)
    assert data["@type"] == "ScholarlyArticle"
    # The title once: a headline, unless the title is longer than a headline may be.
    assert data["headline"] == tags["citation_title"][0] and "name" not in data
    assert [a["name"] for a in data["author"]] == tags["citation_author"]
    assert data["url"] == BASE + "papers/2403.14715/"
    # The page shows the abstract; a copy in the metadata would publish it once more.
    assert "abstract" not in data
    assert "</" not in script.text  # nothing in it can end the script
    plain = lxml.html.fromstring(built.page("papers/no-arxiv/index.html"))
    assert "citation_arxiv_id" not in meta(plain, "name")
    assert meta(plain, "name")["citation_abstract_html_url"] == [
        "https://example.org/paper?id=1&x=2"]


@pytest.mark.parametrize("rel, kind, description", [
    ("index.html", "website", "A digest of papers."),
    ("en/archive/index.html", "website", "A digest of papers."),
    ("issues/2024-03-22/index.html", "website", "A digest of papers."),
    ("en/papers/2403.14715/index.html", "article", "A short summary & more."),
    ("papers/2403.14715/index.html", "article", "一句话总结。"),
    ("tags/label-smoothing/index.html", "website", "A digest of papers."),
    ("en/categories/cs.LG/index.html", "website", "A digest of papers."),
    ("en/stats/index.html", "website", "A digest of papers."),
    ("404.html", "website", "A digest of papers."),
])
def test_every_page_carries_open_graph_and_twitter_tags(built, rel, kind, description):
    page = lxml.html.fromstring(built.page(rel))
    og, named = meta(page, "property"), meta(page, "name")
    english = rel.startswith("en/")
    assert og["og:type"] == [kind]
    assert og["og:description"] == [description]
    assert og["og:site_name"] == ["Test Digest"]
    assert og["og:title"] == [page.findtext(".//title").rsplit(" · ", 1)[0]]
    if rel != "404.html":
        assert og["og:url"] == [page.xpath("//link[@rel='canonical']/@href")[0]]
    assert og["og:locale"] == ["en_US" if english else "zh_CN"]
    assert og["og:locale:alternate"] == ["zh_CN" if english else "en_US"]
    assert named["twitter:card"] == ["summary"]


@pytest.mark.parametrize("rel, count", [
    ("issues/2024-03-22/index.html", 2), ("en/issues/2024-03-21/index.html", 2),
    ("tags/label-smoothing/index.html", 2), ("en/categories/cs.LG/index.html", 2),
])
def test_lists_carry_a_coins_span_per_paper(built, rel, count):
    spans = lxml.html.fromstring(built.page(rel)).xpath("//span[@class='Z3988']")
    assert len(spans) == count
    for span in spans:
        fields = parse_qs(span.get("title"))
        assert fields["ctx_ver"] == ["Z39.88-2004"]
        assert fields["rft.atitle"][0]
    first = parse_qs(lxml.html.fromstring(built.page("tags/label-smoothing/index.html"))
                     .xpath("//span[@class='Z3988']")[0].get("title"))
    assert first["rft.au"][0] == "Guoxuan Xia"


def test_topic_feeds_are_atom_newest_first_and_linked(built, model):
    for term in model.terms:
        for root in ("", "en/"):
            rel = f"{root}{term.kind}/{term.name}/feed.xml"
            feed = etree.parse(str(built.output / rel)).getroot()
            assert feed.tag == f"{ATOM}feed"
            assert feed.findtext(f"{ATOM}id") == f"{BASE}{root}{term.kind}/{term.name}/"
            assert feed.find(f"{ATOM}title").get("type") == "text"
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z", feed.findtext(f"{ATOM}updated"))
            assert feed.find(f"{ATOM}link[@rel='self']").get("href") == BASE + rel
            entries = feed.findall(f"{ATOM}entry")
            assert [e.findtext(f"{ATOM}id") for e in entries] == [
                f"{BASE}{root}papers/{p.slug}/" for p in term.papers]
            dates = [e.findtext(f"{ATOM}updated") for e in entries]
            assert dates == sorted(dates, reverse=True)
            for entry in entries:
                assert entry.find(f"{ATOM}title").get("type") == "text"
                assert entry.findtext(f"{ATOM}title")
                assert entry.find(f"{ATOM}link[@rel='alternate']").get("href") == \
                    entry.findtext(f"{ATOM}id")
                for element in entry:
                    if element.tag in (f"{ATOM}summary", f"{ATOM}content"):
                        assert element.get("type") in ("text", "html")
            page = lxml.html.fromstring(built.page(f"{root}{term.kind}/{term.name}/index.html"))
            [link] = page.xpath("//head/link[@type='application/atom+xml' and "
                                "contains(@href, '/feed.xml') and contains(@href, $name)]",
                                name=f"/{term.name}/")
            assert link.get("rel") == "alternate"
            assert link.get("href") == f"/digest/{rel}"


def test_stats_page_numbers_are_the_sites(built, model):
    for root in ("", "en/"):
        page = lxml.html.fromstring(built.page(f"{root}stats/index.html"))
        tables = page.xpath("//section[@class='stats-section']//table")
        per_issue = {row.xpath("th")[0].text_content(): int(row.xpath("td")[0].text)
                     for row in tables[0].xpath("tbody/tr")}
        assert per_issue == {issue.id: len(issue.entries) for issue in model.issues}
        categories = {row.xpath("th")[0].text_content(): int(row.xpath("td")[0].text)
                      for row in tables[1].xpath("tbody/tr")}
        assert categories == {t.name: len(t.papers) for t in model.categories}
        tags = {row.xpath("th")[0].text_content(): int(row.xpath("td")[0].text)
                for row in tables[2].xpath("tbody/tr")}
        assert tags == {t.name: len(t.papers) for t in model.tags}
        cells = {}
        for row in tables[3].xpath("tbody/tr"):
            cells[row.xpath("th")[0].text_content()] = [
                (int(td.get("data-count")), int(td.get("data-total"))) for td in row.xpath("td")]
        titles = cells["Titles" if root else "标题"]
        assert titles == [(2, 4), (3, 4)]  # zh, en: two papers have a Chinese title
        abstracts = cells["Abstracts" if root else "摘要"]
        assert abstracts == [(1, 1), (1, 1)]
        for svg in page.xpath("//svg[contains(@class, 'chart')]"):
            assert svg.get("role") == "img"
            ids = svg.get("aria-labelledby").split()
            assert [svg.xpath(f".//*[@id='{i}']")[0].tag for i in ids] == ["title", "desc"]
        assert page.xpath(f"//nav[@class='site-nav']/a[@href='/digest/{root}stats/']")


@pytest.mark.parametrize("title", [
    "Über naïve café: 50% off",
    "Unbalanced math $x{$ stays text",
    "A back\\slash, a ~tilde and a ^caret",
    "Braces {inside} and }reversed{",
    "Two $a$ and $b_1$ formulas",
])
def test_any_title_reads_back_from_the_entry(tmp_path, title):
    paper = Paper(id="2401.00001", title=Text({"en": title}), date=dt.date(2024, 1, 2),
                  source=Path("x.yaml"), authors=("A. Author",))
    path = tmp_path / "one.bib"
    path.write_text(bibtex.bib_file([paper], "en"), encoding="utf-8")
    [entry] = parse_bib(path).entries
    got = entry.fields_dict["title"].value
    # The decoder reads back every character written; only the protecting braces are extra.
    want = title.replace("^", "ˆ")  # (the decoder's spelling of \textasciicircum)
    assert decoded(got) == decoded(want)


def test_a_title_longer_than_a_headline_is_named_whole_in_the_json_ld():
    from digestgen.formats import scholarly
    long = "A " + "very " * 30 + "long title"
    paper = Paper(id="2401.00001", title=Text({"en": long}), date=dt.date(2024, 1, 2),
                  source=Path("x.yaml"), authors=("A. Author",))
    data = json.loads(scholarly.json_ld(paper, "en", BASE + "papers/2401.00001/"))
    assert data["headline"] == long[:110] and data["name"] == long
    short = Paper(id="2401.00002", title=Text({"en": "Short"}), date=dt.date(2024, 1, 2),
                  source=Path("x.yaml"), authors=())
    assert "name" not in json.loads(scholarly.json_ld(short, "en", BASE))
