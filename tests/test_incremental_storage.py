"""The build cache: stores read back what was kept, leave a paper's texts on disk until they
are read, and treat a torn, foreign or unwritable file as nothing kept."""

import gc
from datetime import date
from pathlib import Path

from digestgen.incremental.storage import (
    ShardedStore, decode_pickle, encode_pickle, encoded_parts, gc_paused, gc_running,
    read_mapped, write_atomic,
)
import digestgen.incremental.records  # noqa: F401 (registers how the cache pickles a paper)
from digestgen.content.records import Paper, Text

PAPER = Paper(id="2403.14715", title=Text({"en": "Label smoothing"}), date=date(2024, 3, 22),
              source=Path("content/papers/2403.14715.yaml"),
              abstract=Text({"en": "Label smoothing is popular.", "zh": "标签平滑很流行。"}))


def test_a_store_reads_back_what_it_kept(tmp_path):
    store = ShardedStore(tmp_path, "records")
    store.put("content/papers/2403.14715.yaml", PAPER)
    store.put("other", {"a": (1, 2)})
    store.save()
    again = ShardedStore(tmp_path, "records")
    again.load()
    assert again.get("content/papers/2403.14715.yaml") == PAPER
    assert again.get("other") == {"a": (1, 2)}


def test_a_store_read_lazily_reads_the_shards_it_is_asked_for_and_keeps_the_others(tmp_path):
    store = ShardedStore(tmp_path, "records")
    keys = [f"content/papers/{n}.yaml" for n in range(200)]
    for key in keys:
        store.put(key, key.upper())
    store.save()
    lazy = ShardedStore(tmp_path, "records")
    lazy.load(lazily=True)
    lazy.put(keys[0], "changed")
    assert lazy.get(keys[1]) == keys[1].upper()
    assert len(lazy.unread) == ShardedStore.SHARDS - len({store.shard_of(k) for k in keys[:2]})
    lazy.save()
    again = ShardedStore(tmp_path, "records")
    again.load()
    assert [again.get(key) for key in keys] == ["changed"] + [k.upper() for k in keys[1:]]
    lazy.drop_except(set(keys[1:]))  # reads every shard first: none is written half empty
    lazy.save()
    again.load()
    assert [again.get(key) for key in keys] == [None] + [k.upper() for k in keys[1:]]


def test_a_kept_paper_reads_its_texts_from_the_file_when_first_used(tmp_path):
    store = ShardedStore(tmp_path, "records")
    store.put("p", PAPER)
    store.save()
    again = ShardedStore(tmp_path, "records")
    again.load()
    paper = again.get("p")
    assert isinstance(vars(paper)["_blob"], memoryview)  # a view of the mapped file
    assert paper.abstract.values["zh"] == "标签平滑很流行。"
    assert decode_pickle(encode_pickle({"p": paper})) == {"p": PAPER}


def test_a_torn_or_foreign_shard_is_read_as_nothing_kept(tmp_path):
    store = ShardedStore(tmp_path, "records")
    store.put("p", PAPER)
    store.save()
    (path,) = tmp_path.glob("records-*.pickle")
    path.write_bytes(path.read_bytes()[:-1])  # the paper's texts cut short
    (tmp_path / "records-00.pickle").write_bytes(b"")
    again = ShardedStore(tmp_path, "records")
    again.load()
    assert again.get("p") is None


def test_a_file_that_cannot_be_written_is_skipped(tmp_path):
    (tmp_path / "cache").write_text("a file where a folder should be\n")
    assert write_atomic(tmp_path / "cache" / "build.json", b"{}") is False
    assert write_atomic(tmp_path / "ok" / "build.json", b"{}") is True
    assert (tmp_path / "ok" / "build.json").read_bytes() == b"{}"


def test_the_collector_is_paused_for_a_block_but_runs_within_gc_running():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_running():
            assert gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_running():
            assert gc.isenabled()
        assert not gc.isenabled()  # as it was
    finally:
        gc.enable()


def test_a_text_store_finds_each_text_by_key_without_reading_the_others(tmp_path):
    from digestgen.incremental.textstore import TextStore
    texts = {bytes([n]) * 20: f"<p>text {n} 中文 \udce9</p>" for n in range(0, 250, 7)}
    TextStore(tmp_path, "markdown").replace(texts)
    store = TextStore(tmp_path, "markdown")
    assert all(store.get(key) == text for key, text in texts.items())
    assert store.get(b"\x01" * 20) is None and store.get(b"short") is None
    assert len(store) == len(texts) and store.everything() == texts
    store.update({b"\x02" * 20: "in memory"})  # as FastMarkdown.adopt gives it
    assert store[b"\x02" * 20] == "in memory"
    assert TextStore(tmp_path, "markdown").get(b"\x02" * 20) is None  # not kept


def test_a_text_store_keeps_additions_beside_the_file_then_merges_them(tmp_path):
    from digestgen.incremental.textstore import TextStore
    TextStore(tmp_path, "markdown").replace({b"a" * 20: "first"})
    for n in range(TextStore.MERGE_AFTER + 1):
        TextStore(tmp_path, "markdown").add({bytes([n]) * 20: f"added {n}"})
    store = TextStore(tmp_path, "markdown")
    assert len(store.segments()) <= 1  # merged into the file once there were many
    assert store.everything() == {b"a" * 20: "first", **{
        bytes([n]) * 20: f"added {n}" for n in range(TextStore.MERGE_AFTER + 1)}}


def test_a_torn_or_foreign_text_file_is_read_as_nothing_kept(tmp_path):
    from digestgen.incremental.textstore import TextStore
    TextStore(tmp_path, "markdown").replace({b"a" * 20: "first", b"b" * 20: "second"})
    path = tmp_path / "markdown.texts"
    whole = path.read_bytes()
    for junk in (whole[:-1], whole + b"x", b"DGT1", b"", b"foreign bytes" * 10):
        path.write_bytes(junk)
        store = TextStore(tmp_path, "markdown")
        assert store.get(b"a" * 20) is None and len(store) == 0


def test_a_value_written_in_its_encoded_parts_is_the_value_encoded_whole(tmp_path):
    value = {"p": PAPER, "q": [PAPER, "text"]}
    assert write_atomic(tmp_path / "parts.pickle", encoded_parts(value)) is True
    assert (tmp_path / "parts.pickle").read_bytes() == encode_pickle(value)
    assert read_mapped(tmp_path / "parts.pickle") == value


def test_bytes_of_any_kind_are_written_whole(tmp_path):
    for data in (b"abc", bytearray(b"abc"), memoryview(b"abc"), [b"a", memoryview(b"bc")]):
        assert write_atomic(tmp_path / "f", data) is True
        assert (tmp_path / "f").read_bytes() == b"abc"
