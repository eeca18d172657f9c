"""A segment's bucket files, made whole and changed in place (search/segments.py)."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from digestgen.search import segments
from digestgen.search.segments import (
    bucket_count, bucket_of, changed_buckets, postings_of_papers, segment_buckets,
    segment_postings, term_hash,
)

WORDS = [f"w{n}" for n in range(300)] + [chr(0x4E00 + n) + chr(0x4E10 + n) for n in range(300)]


def papers(count: int, seed: int) -> list[set[str]]:
    rng = random.Random(seed)
    return [set(rng.sample(WORDS, rng.randint(1, 60))) for _ in range(count)]


def test_the_term_hash_is_fnv_1a_of_the_utf8_bytes():
    # Reference values of FNV-1a (32 bits): the search box must compute the same.
    assert term_hash("") == 0x811C9DC5
    assert term_hash("a") == 0xE40C292C
    assert term_hash("foobar") == 0xBF9CF968


def test_a_segment_has_a_power_of_two_of_buckets_each_about_the_set_size():
    assert bucket_count(0) == 1 and bucket_count(segments.BUCKET_POSTINGS) == 1
    assert bucket_count(segments.BUCKET_POSTINGS + 1) == 2
    assert bucket_count(5 * segments.BUCKET_POSTINGS) == 8


def test_each_term_is_in_the_bucket_its_hash_names(monkeypatch):
    monkeypatch.setattr(segments, "BUCKET_POSTINGS", 500)
    postings = postings_of_papers(papers(200, 1))
    buckets = segment_buckets(postings)
    assert len(buckets) > 4
    for number, data in enumerate(buckets):
        for term in segment_postings([data]):
            assert bucket_of(term, len(buckets)) == number
    assert segment_postings(buckets) == postings


def test_a_title_s_term_is_in_the_bucket_of_the_same_term_unmarked():
    for term in ("calibrat", "平滑", "w7"):
        assert {bucket_of(term, 64), bucket_of("^" + term, 64)} == {term_hash(term) & 63}


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.lists(st.tuples(st.integers(0, 149), st.integers(0, 10_000)),
                                        min_size=1, max_size=5))
def test_a_segment_changed_in_place_is_the_segment_made_whole(seed, edits):
    segments.BUCKET_POSTINGS, kept = 400, segments.BUCKET_POSTINGS
    try:
        before = papers(150, seed)
        buckets = segment_buckets(postings_of_papers(before))
        after = list(before)
        for number, other in edits:
            after[number] = papers(1, other)[0]
        edited = {number for number, _ in edits}
        result = changed_buckets(buckets.__getitem__, len(buckets), sum(map(len, before)),
                                 {n: before[n] for n in edited}, {n: after[n] for n in edited})
        whole = segment_buckets(postings_of_papers(after))
        if result is None:  # the segment needs another number of buckets
            assert bucket_count(sum(map(len, after))) != len(buckets)
            return
        changed, total = result
        assert total == sum(map(len, after))
        assert [changed.get(n, data) for n, data in enumerate(buckets)] == whole
    finally:
        segments.BUCKET_POSTINGS = kept


def test_an_edit_of_a_few_words_rewrites_only_their_buckets(monkeypatch):
    monkeypatch.setattr(segments, "BUCKET_POSTINGS", 300)
    before = papers(100, 7)
    buckets = segment_buckets(postings_of_papers(before))
    edited = before[3] | {"w299", "zz-new"}
    read: list[int] = []
    changed, _ = changed_buckets(lambda n: read.append(n) or buckets[n], len(buckets),
                                 sum(map(len, before)), {3: before[3]}, {3: edited})
    assert read == sorted(changed)  # only the buckets that change are read
    assert len(buckets) >= 16
    assert set(changed) <= {bucket_of(t, len(buckets)) for t in edited - before[3]}
