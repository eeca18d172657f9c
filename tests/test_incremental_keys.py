"""Page keys: the last build's keys, patched after an edit of a few papers, are the keys a
build from scratch computes; and they are not patched when the edit may change many."""

from __future__ import annotations

import pytest

from digestgen.configload import load_config
from digestgen.incremental.records import load_content_cached
from digestgen.incremental.state import BuildState
from digestgen.content.model import build_model
from digestgen.incremental.keys import PageKeys
from digestgen.pages.render import Renderer
from digestgen.pages.theme import load_theme

CONFIG = "title: Keys\nbase_url: https://example.org/\nsearch: false\n"


def paper(n: int, day: int, tags: str = "[alpha]", abstract: str = "An abstract.") -> str:
    return (f'id: "2403.{10000 + n}"\ntitle: {{en: Paper {n}, zh: 论文{n}}}\n'
            f"date: 2024-03-{day:02d}\n"
            f"arxiv: {{version: 1, primary_category: cs.LG, categories: [cs.LG]}}\n"
            f"abstract: {{en: {abstract}}}\ntags: {tags}\n")


@pytest.fixture
def site(site):
    site.write("digestgen.yaml", CONFIG)
    for n in range(8):
        site.paper(f"2403.{10000 + n}.yaml", paper(n, 20 + n % 3, "[alpha]" if n % 2 else "[beta]"))
    site.issue("2024-03-21.yaml", "title: {en: A day}\n")
    return site


class Keyed:
    """The keys of every page of ``site`` as it is now, computed in full, and what a build
    keeps of them for the next."""

    def __init__(self, site, kept_rows: object = None):
        config = load_config(site.config_path)
        loaded = load_content_cached(config)
        self.site = build_model(config, loaded.content)
        self.renderer = Renderer(self.site, load_theme(config))
        self.jobs = self.renderer.jobs()
        self.keys = PageKeys(self.site, loaded.digests, "base", kept_rows)
        self.structure = self.keys.structure()

    def row_of(self, lang, paper) -> str:
        facts = self.renderer.facts
        rows = {**self.renderer.rows, "bib": facts.entries, "coverage": facts.coverage}
        return rows[lang].row(paper)

    def full(self) -> dict[str, str | None]:
        return self.keys.anew(self.jobs, self.row_of)

    def patched(self, last: Keyed, last_keys: dict) -> dict[str, str | None] | None:
        return self.keys.patched(self.jobs, self.structure, BuildState(
            keys=last_keys, base=last.keys.base, structure=last.structure,
            digests=last.keys.digests), self.row_of)


def edited(site, change) -> tuple[dict, dict | None, dict]:
    """The keys before ``change``, patched after it, and computed in full after it."""
    before = Keyed(site)
    before_keys = before.full()
    rows = before.keys.rows.current()
    change()
    after = Keyed(site, rows)
    patched = after.patched(before, before_keys)
    return before_keys, patched, Keyed(site, rows).full()


def test_after_an_abstract_edit_the_patched_keys_are_the_full_keys(site):
    before, patched, full = edited(site, lambda: site.paper(
        "2403.10004.yaml", paper(4, 21, "[beta]", abstract="Edited.")))
    assert patched == full
    changed = {path for path in full if full[path] != before[path]}
    # The paper's pages, its issue's, and the home page and feed that show the issue; no list
    # (no row shows the abstract), the feeds of the paper's topics (their entries show the
    # abstract); no BibTeX file and not the statistics (no entry and no count shows it).
    assert changed == {f"{lang}{rel}" for lang in ("", "en/") for rel in (
        "papers/2403.10004/index.html", "issues/2024-03-21/index.html", "index.html",
        "feed.xml", "tags/beta/feed.xml", "categories/cs.LG/feed.xml")}


def test_after_a_title_edit_the_patched_keys_reach_the_bibtex_files(site):
    before, patched, full = edited(site, lambda: site.paper(
        "2403.10004.yaml", paper(4, 21, "[beta]").replace("Paper 4,", "Retitled,")))
    assert patched == full
    changed = {path for path in full if full[path] != before[path]}
    assert {"papers/2403.10004/cite.bib", "papers.bib", "en/papers.bib",
            "issues/2024-03-21/papers.bib"} <= changed
    assert "papers/2403.10003/cite.bib" not in changed
    assert "stats/index.html" not in changed  # the title is in the same languages


def test_after_a_translation_the_patched_keys_reach_the_statistics(site):
    before, patched, full = edited(site, lambda: site.paper(
        "2403.10004.yaml", paper(4, 21, "[beta]", abstract="An abstract., zh: 摘要")))
    assert patched == full
    changed = {path for path in full if full[path] != before[path]}
    assert {"stats/index.html", "en/stats/index.html"} <= changed
    assert "papers.bib" not in changed


def test_after_a_title_edit_the_patched_keys_reach_the_lists(site):
    before, patched, full = edited(site, lambda: site.paper(
        "2403.10004.yaml", paper(4, 21, "[beta]").replace("Paper 4,", "Retitled,")))
    assert patched == full
    changed = {path for path in full if full[path] != before[path]}
    assert {"tags/beta/index.html", "en/categories/cs.LG/index.html"} <= changed
    assert "tags/alpha/index.html" not in changed


def test_a_paper_edited_in_an_issue_that_is_no_longer_on_the_home_page(site):
    for day in range(23, 32):  # with 03-21 and 03-22, they push 03-20 off the home page
        site.paper(f"2403.{10000 + day}.yaml", paper(day, day))
    before, patched, full = edited(site, lambda: site.paper(
        "2403.10003.yaml", paper(3, 20, "[alpha]", abstract="Edited.")))
    assert patched == full
    assert patched["index.html"] == before["index.html"]
    assert patched["papers/2403.10003/index.html"] != before["papers/2403.10003/index.html"]


@pytest.mark.parametrize("change", [
    "tag",  # another list holds the paper
    "date",  # another issue holds it
    "issue file",  # every paper of the issue shows its title
    "new paper",
    "removed paper",
])
def test_edits_that_change_more_than_the_paper_are_keyed_in_full(site, change):
    def edit():
        if change == "tag":
            site.paper("2403.10004.yaml", paper(4, 21, "[gamma]"))
        elif change == "date":
            site.paper("2403.10004.yaml", paper(4, 22, "[beta]"))
        elif change == "issue file":
            site.issue("2024-03-21.yaml", "title: {en: Another day}\n")
        elif change == "new paper":
            site.paper("2403.10099.yaml", paper(99, 21))
        else:
            (site.root / "content/papers/2403.10004.yaml").unlink()

    assert edited(site, edit)[1] is None


def test_keys_of_another_base_are_not_patched(site):
    before = Keyed(site)
    before_keys = before.full()
    after = Keyed(site, before.keys.rows.current())
    after.keys.base = "another theme"
    assert after.patched(before, before_keys) is None


def test_a_key_covers_whatever_its_view_reads(site, monkeypatch):
    """Keys are derived from the views' reads: a view that reads one more thing (here, a paper
    page that also links the newest issue) has keys that change with it, with no change to
    the keys' code."""
    from digestgen.pages import views
    from digestgen.pages.reads import link_reads, paper_reads

    plain = Keyed(site).full()

    def reading_more(site_model, paper):
        reads = paper_reads(site_model, paper)
        newest = link_reads(site_model.issues[0])
        return reads._replace(also_in=(*reads.also_in, newest))

    monkeypatch.setattr(views, "paper_reads", reading_more)
    monkeypatch.setattr("digestgen.incremental.keys.paper_reads", reading_more)
    before = Keyed(site).full()
    site.issue("2024-03-22.yaml", "title: {en: The newest day}\n")
    after = Keyed(site).full()
    # Every paper page now shows the newest issue's title: each key changed with it.
    papers = [path for path in after  # (a cite.bib reads the record only)
              if "/papers/" in f"/{path}" and path.endswith("index.html")]
    assert papers and all(after[path] != before[path] for path in papers)
    assert all(before[path] != plain[path] for path in papers)
