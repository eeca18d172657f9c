"""The whole index's files, written whole and changed in small units (search/index.py)."""

import json
import random

import pytest

from digestgen.search import index, segments
from digestgen.search.index import LiveIndex, PageFacts, index_files

WORDS = [f"w{n}" for n in range(200)] + [chr(0x4E00 + n) + chr(0x4E10 + n) for n in range(200)]


@pytest.fixture(autouse=True)
def small_segments(monkeypatch):
    """Segments of about 8 papers, buckets of about 60 numbers, title files of 3 papers: many
    of each."""
    monkeypatch.setattr(index, "SEGMENT_PAPERS", 8)
    monkeypatch.setattr(segments, "BUCKET_POSTINGS", 60)
    monkeypatch.setattr(index, "TITLES_PER_FILE", 3)


class Archive:
    """Papers with their terms, built and rebuilt like a site."""

    def __init__(self, count: int, seed: int = 1):
        self.rng = random.Random(seed)
        self.order = [f"papers/p{n:03d}/" for n in range(count)]
        self.terms = {page: self.some_terms() for page in self.order}
        self.titles = {page: {"en": f"Title of {page}", "zh": "标题"} for page in self.order}

    def some_terms(self) -> set[str]:
        return set(self.rng.sample(WORDS, self.rng.randint(3, 25)))

    def facts(self, page: str) -> PageFacts:
        return PageFacts(self.titles[page], self.terms[page])

    def whole(self) -> dict[str, bytes]:
        return index_files(self.order, self.facts)


def rebuilt(archive: Archive, live: dict[str, bytes], changed: set[str],
            before: dict[str, set[str]], asked: list | None = None) -> dict[str, bytes]:
    """The index rebuilt from the ``live`` one; what stays as it was is taken from it."""
    def facts(page):
        if asked is not None:
            asked.append(page)
        return archive.facts(page)
    files = index_files(archive.order, facts, LiveIndex(live.get, live.__contains__),
                        frozenset(changed),
                        before.__getitem__)
    return {path: live[path] if data is None else data for path, data in files.items()}


def test_the_listing_names_each_segment_with_its_papers_and_buckets():
    archive = Archive(40)
    files = archive.whole()
    listing = json.loads(files["search/index.json"])
    assert listing["version"] == index.VERSION
    assert sum(entry["papers"] for entry in listing["segments"]) == 40
    assert len(listing["segments"]) >= 3
    pages = []
    for entry in listing["segments"]:
        for number in range(index.title_files(entry["papers"])):
            listed = json.loads(files[f"search/{entry['name']}/titles-{number:x}.json"])
            assert len(listed) <= index.TITLES_PER_FILE
            pages += [page for page, _ in listed]
        assert all(f"search/{entry['name']}/{n:x}.bin" in files for n in range(entry["buckets"]))
    assert pages == archive.order


def test_an_edit_changes_a_few_buckets_of_its_segment_and_reads_no_other_paper():
    archive = Archive(40)
    live = archive.whole()
    page = archive.order[17]
    before = {page: set(archive.terms[page])}
    archive.terms[page] = archive.terms[page] | {"w199", "newword"}
    asked: list[str] = []
    opened: list[str] = []
    files = index_files(archive.order, lambda p: asked.append(p) or archive.facts(p),
                        LiveIndex(lambda path: opened.append(path) or live.get(path),
                                  live.__contains__),
                        frozenset({page}), before.__getitem__)
    assert asked == [page]
    # The listing, the titles beside the paper's, and the buckets that change.
    assert opened[0] == "search/index.json"
    assert len({path for path in opened if "/titles-" in path}) == 1
    assert not any(data is not None for path, data in files.items() if "/titles-" in path)
    read_buckets = {path for path in opened if path.endswith(".bin")}
    rewritten = {path for path, data in files.items() if data is not None
                 and path.endswith(".bin")}
    assert 1 <= len(rewritten) <= 2 and read_buckets == rewritten
    whole = archive.whole()
    assert {path: live[path] if data is None else data for path, data in files.items()} == whole


@pytest.mark.parametrize("change", ["edit", "title", "append", "insert", "remove", "grow"])
def test_a_rebuild_is_the_index_a_build_from_scratch_writes(change):
    archive = Archive(60, seed=3)
    live = archive.whole()
    changed, before = set(), {}
    if change == "edit":
        for page in archive.order[5:9]:
            before[page] = archive.terms[page]
            archive.terms[page] = archive.some_terms()
            changed.add(page)
    elif change == "title":
        archive.titles[archive.order[3]] = {"en": "A new title"}
        changed.add(archive.order[3])
        before[archive.order[3]] = archive.terms[archive.order[3]]
    elif change in ("append", "insert"):
        new = [f"papers/q{n}/" for n in range(5)]
        for page in new:
            archive.terms[page] = archive.some_terms()
            archive.titles[page] = {"en": page}
            changed.add(page)
        if change == "append":
            archive.order += new
        else:
            archive.order[20:20] = new
    elif change == "remove":
        del archive.order[30]
    elif change == "grow":  # one paper with many more terms: its segment needs more buckets
        page = archive.order[10]
        before[page] = archive.terms[page]
        archive.terms[page] = set(WORDS)
        changed.add(page)
    assert rebuilt(archive, live, changed, before) == archive.whole()


def test_a_live_index_of_another_version_is_not_read():
    archive = Archive(20)
    live = archive.whole()
    live["search/index.json"] = live["search/index.json"].replace(
        b'"version":%d' % index.VERSION, b'"version":0')
    asked: list[str] = []
    assert rebuilt(archive, live, set(), {}, asked) == archive.whole()
    assert sorted(asked) == sorted(archive.order)  # every paper's terms made again


def test_a_title_change_rewrites_the_title_file_that_holds_it_alone():
    archive = Archive(40)
    live = archive.whole()
    page = archive.order[17]
    archive.titles[page] = {"en": "Renamed"}
    files = index_files(archive.order, archive.facts, LiveIndex(live.get, live.__contains__),
                        frozenset({page}), {page: archive.terms[page]}.__getitem__)
    rewritten = [path for path, data in files.items() if "/titles-" in path and data is not None]
    assert len(rewritten) == 1 and ["papers/p017/", {"en": "Renamed"}] in json.loads(
        files[rewritten[0]])
    assert {path: live[path] if data is None else data for path, data in files.items()} \
        == archive.whole()


@pytest.mark.parametrize("kind", ["/titles-", ".bin"])
@pytest.mark.parametrize("edited", [False, True])
def test_a_file_removed_by_hand_is_made_again(kind, edited):
    archive = Archive(40)
    live = archive.whole()
    removed = [path for path in live if kind in path][4]
    del live[removed]
    changed, before = set(), {}
    if edited:  # a paper of the same segment edited too: the segment is not kept as it is
        segment = removed.split("/")[1]
        page = next(page for page in archive.order
                    if any(segment in path and page.encode() in data
                           for path, data in live.items() if "/titles-" in path))
        before[page] = archive.terms[page]
        archive.terms[page] = archive.terms[page] | {"w199"}
        changed.add(page)
    assert rebuilt(archive, live, changed, before) == archive.whole()
