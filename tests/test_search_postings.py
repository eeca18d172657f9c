"""The bytes of a bucket file, and changing one in place (search/postings.py)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from digestgen.search.postings import bucket_bytes, entries, patched, postings_of

TERMS = st.text(alphabet="ab学习é", min_size=1, max_size=4)
NUMBERS = st.lists(st.integers(0, 5000), min_size=1, max_size=30, unique=True).map(sorted)
POSTINGS = st.dictionaries(TERMS, NUMBERS, max_size=12)


def test_a_bucket_is_terms_in_byte_order_each_with_its_numbers_as_gaps():
    data = bucket_bytes({"b": [0, 1, 300], "a": [5]})
    # "a": length 1, "a", one number, 5; "b": three numbers 0, 1 (gap 1, less one: 0), 300
    # (gap 299, less one: 298 as a two-byte varint).
    assert data == b"\x01a\x01\x05" + b"\x01b\x03\x00\x00" + bytes([0xAA, 0x02])
    assert [name for name, _, _ in entries(data)] == [b"a", b"b"]


@given(POSTINGS)
def test_a_bucket_reads_back_as_it_was_written(postings):
    assert postings_of(bucket_bytes(postings)) == postings


@settings(max_examples=200)
@given(POSTINGS, st.dictionaries(TERMS, st.tuples(st.sets(st.integers(0, 5000), max_size=5),
                                                  st.sets(st.integers(0, 5000), max_size=5)),
                                 max_size=6))
def test_a_bucket_changed_in_place_is_the_bucket_written_whole(postings, changes):
    expected = {term: set(numbers) for term, numbers in postings.items()}
    for term, (added, removed) in changes.items():
        expected[term] = (expected.get(term, set()) - removed) | added
    whole = bucket_bytes({term: sorted(numbers) for term, numbers in expected.items()})
    assert patched(bucket_bytes(postings), changes) == whole


def test_a_term_left_without_papers_leaves_the_bucket():
    data = bucket_bytes({"a": [1], "b": [2]})
    assert postings_of(patched(data, {"a": (set(), {1})})) == {"b": [2]}
