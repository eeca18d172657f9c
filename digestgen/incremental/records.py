"""Loading content fast: records reused from the cache, the rest parsed on every core.

:func:`load_content_cached` gives what :func:`digestgen.content.load.load_content` gives (the same
records, the same problems; ``tests/test_incremental.py`` holds them side by side), but a paper
file whose bytes did not change since the last build is not parsed again: its validated record is
kept in ``.digestgen-cache/`` with a hash of the file's bytes. Files that must be parsed are split
among worker processes when there are many. Only files without problems are cached, so every
problem is reported afresh, exactly as the plain loader words it.

The cache keeps a record's texts (:data:`BODY_FIELDS`) as one blob, an out-of-band buffer that
:func:`~digestgen.incremental.storage.read_mapped` leaves on disk until it is used, unpickled
when one of them is first read: a rebuild reads every record from the cache but shows the texts
of a few.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Union

from .storage import (
    ShardedStore, decode_pickle, dumps, encode_pickle, gc_paused, register_reducer, settled,
)
from ..config import SiteConfig
from ..errors import Problem, SiteError
from ..content.load import (
    RECORD_SUFFIXES, Content, assemble_content, load_issue_files, read_source, split_languages,
)
from ..parallel import fork_map, worker_count
from ..content.records import PAPER_FIELDS, Paper
from ..content.validate import paper_from_data
from ..content.yamlsrc import decode_text

if TYPE_CHECKING:
    from .inputs import FileStat

#: A file's stat as listed: the system's, or the fields an input survey keeps of it.
AnyStat = Union[os.stat_result, "FileStat"]

#: Below this many files to parse, forking workers costs more than it saves.
PARALLEL_MIN = 200


@dataclass(frozen=True)
class Entry:
    """A paper file as last parsed: its stat, the hash of its bytes, and its record."""

    stat: tuple[int, int, int, int]
    digest: str
    trusted: bool  # the stat was stable when read: an equal stat means equal bytes
    paper: Paper


@dataclass(frozen=True)
class Loaded:
    content: Content
    digests: dict[str, str]  # content file (as text) -> hash of its bytes, for page keys
    ids: dict[str, str] = field(default_factory=dict)  # paper file (source_name) -> paper id


def file_stat(path: Path) -> tuple[int, int, int, int]:
    return _stat_key(os.stat(path))


def _stat_key(info: AnyStat) -> tuple[int, int, int, int]:
    return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)


def _record_entries(folder: Path, listing: list[tuple[str, AnyStat | None]] | None = None) \
        -> list[tuple[str, AnyStat | None]]:
    """The files :func:`digestgen.content.load.record_files` lists, in its order, as path strings with
    their stat: from ``listing`` (names and stats of what the folder holds, sorted by name)
    when given, else read with the listing, so that the cache costs no extra lookup per file."""
    if listing is None:
        listing = _listing(folder)
    found = []
    prefix = os.path.join(folder, "")  # joined by hand below: os.path.join per file costs more
    for name, info in listing:
        dot = name.rfind(".")
        suffix = name[dot:] if 0 < dot < len(name) - 1 else ""
        if suffix in RECORD_SUFFIXES and not name.startswith((".", "_")) \
                and (info is None or stat.S_ISREG(info.st_mode)):
            found.append((prefix + name, info))
    return found


def _listing(folder: Path) -> list[tuple[str, os.stat_result | None]]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return []
    listing = []
    for entry in entries:
        try:
            listing.append((entry.name, entry.stat()))
        except OSError:
            if entry.is_file():  # a file that cannot be read is reported when it is parsed
                listing.append((entry.name, None))
    return listing


def parse_paper(path: Path, config: SiteConfig) -> tuple[Paper | None, list[Problem], Entry | None]:
    """One paper file as :func:`digestgen.content.load.load_content` reads it, and its cache entry
    (None when it has problems or changed while being read)."""
    try:
        before = file_stat(path)
        raw = path.read_bytes()
        digest = hashlib.sha1(raw).hexdigest()
    except OSError:
        before, digest, raw = None, "", None
    problems: list[Problem] = []
    try:
        # The bytes just hashed are the ones parsed: a file is read once, not twice.
        text = None if raw is None else decode_text(path, raw, before[0])
        source = read_source(path, text)
    except SiteError as exc:
        return None, exc.problems, None
    notes = None
    if source.body is not None:
        notes = split_languages(source.body, path, source.body_line, config, problems)
    paper = paper_from_data(source.front, path, config, problems, notes)
    entry = None
    if paper is not None and not problems and before is not None:
        try:
            after = file_stat(path)
        except OSError:
            after = None
        if after == before:
            trusted = settled(before[1], before[3])
            entry = Entry(before, digest, trusted, paper)
    return paper, problems, entry


def load_content_cached(config: SiteConfig, drafts: bool = False,
                        store: ShardedStore | None = None,
                        listing: list[tuple[str, AnyStat | None]] | None = None) -> Loaded:
    """Every paper and issue of the site, validated; drafts only when ``drafts``. Raises
    :class:`SiteError` with every problem, as :func:`digestgen.content.load.load_content` does.
    ``listing``: the names and stats of what the papers folder holds, when known."""
    folder = config.content_dir / "papers"
    if store is None:  # nothing kept: a store in memory only
        store = ShardedStore(None, "records")
    store.read_all()  # (workers read its shards whole)
    # path (as text) -> (record, problems, hash of the file's bytes)
    results: dict[str, tuple[Paper | None, list[Problem], str | None]] = {}
    todo: list[Path] = []
    keys: list[str] = []
    for key, entry_now in _record_entries(folder, listing):
        entry = store.get(key)
        if entry is not None and entry.trusted and entry_now is not None \
                and _stat_key(entry_now) == entry.stat:
            results[key] = (entry.paper, [], entry.digest)
        else:
            todo.append(Path(key))
        keys.append(key)
    live = set(keys)
    _parse_all(todo, config, store, results, live)
    store.drop_except(live)

    problems: list[Problem] = []
    papers: list[Paper] = []
    digests: dict[str, str] = {}
    ids: dict[str, str] = {}
    for key in keys:
        paper, found, digest = results[key]
        problems.extend(found)
        if paper is not None:
            papers.append(paper)
            name = paper.source_name()  # (one string for both: the snapshot keeps them)
            digests[name] = digest or ""
            ids[name] = paper.id
    issues = load_issue_files(config, problems)
    for issue in issues:
        digests[str(issue.source)] = file_digest(issue.source)
    return Loaded(assemble_content(config, papers, issues, problems, drafts), digests, ids)


def _parse_all(todo: list[Path], config: SiteConfig, store: ShardedStore,
               results: dict, live: set[str]) -> None:
    """Parse ``todo`` (in workers when many), filling ``results`` and the store."""
    workers = worker_count()
    if len(todo) < PARALLEL_MIN or workers == 1:
        for path in todo:
            _note(path, parse_paper(path, config), store, results)
        return
    by_shard: dict[int, list[Path]] = {}
    for path in todo:
        by_shard.setdefault(store.shard_of(str(path)), []).append(path)
    shards = sorted(by_shard)
    shares = [[s for n, s in enumerate(shards) if n % workers == k] for k in range(workers)]

    def work(share: list[int]) -> list[tuple[int, bytes, bytes]]:
        """Parse the files of some shards; write those shards of the cache (the same bytes
        carry the records back)."""
        done = []
        with gc_paused():
            for shard in share:
                entries = {k: v for k, v in store.shards[shard].items() if k in live}
                loose = {}
                for path in by_shard[shard]:
                    paper, problems, entry = parse_paper(path, config)
                    if entry is not None:
                        entries[str(path)] = entry
                    else:
                        loose[path] = (paper, problems, file_digest(path))
                blob = encode_pickle(entries)
                store.write_shard(shard, blob)
                done.append((shard, blob, dumps(loose)))
        return done

    for done in fork_map(work, shares):
        with gc_paused():
            for shard, blob, loose_blob in done:
                store.shards[shard] = decode_pickle(blob)
                loose = pickle.loads(loose_blob)
                for path in by_shard[shard]:
                    if path in loose:
                        results[str(path)] = loose[path]
                    else:
                        entry = store.shards[shard][str(path)]
                        results[str(path)] = (entry.paper, [], entry.digest)


def _note(path: Path, outcome, store: ShardedStore, results: dict) -> None:
    paper, problems, entry = outcome
    results[str(path)] = (paper, problems, entry.digest if entry else file_digest(path))
    if entry is not None:
        store.put(str(path), entry)


def file_digest(path: Path) -> str:
    """The hash of a content file's bytes, as page keys take it ("" when it cannot be read)."""
    try:
        return hashlib.sha1(path.read_bytes()).hexdigest()
    except OSError:
        return ""


# -- records as the cache keeps them --------------------------------------------------------

#: The fields of a paper that only the pages and rows showing it read. (The rest, and its
#: categories, are what the site model and page keys read of every paper in every build.)
BODY_FIELDS = ("title", "arxiv", "authors", "url", "pdf", "tldr", "abstract",
               "abstract_truncated", "review", "venue", "field", "citations", "references",
               "notes", "machine")
HEAD_FIELDS = tuple(name for name in PAPER_FIELDS if name not in BODY_FIELDS)


def _reduce_paper(paper: Paper) -> tuple:
    """A paper as the cache pickles it: an :class:`_UnpickledPaper` whose fields the unpickler
    sets itself (no function of ours called per paper: a fifth less time to read one back),
    the fields only the pages read kept as one blob."""
    fields = paper.__dict__
    if "_blob" in fields:  # read back, its texts not read since: its fields are its state
        state = dict(fields)
        state.pop("_source_path", None)
        state["_blob"] = pickle.PickleBuffer(fields["_blob"])
        return object.__new__, (_UnpickledPaper,), state
    state = {name: getattr(paper, name) for name in HEAD_FIELDS if name != "source"}
    state["_source"] = paper.source_name()
    state["_categories"] = paper.categories
    # Parsed, or read back and its texts read since:
    body = tuple(getattr(paper, name) for name in BODY_FIELDS)
    state["_blob"] = pickle.PickleBuffer(pickle.dumps(body, protocol=pickle.HIGHEST_PROTOCOL))
    return object.__new__, (_UnpickledPaper,), state


class _UnpickledPaper(Paper):
    """A :class:`Paper` read back from the cache, its body still a blob until first read (then
    the blob is let go: a paper keeps its texts once, not twice)."""

    @property
    def source(self) -> Path:
        path = self.__dict__.get("_source_path")
        if path is None:
            # A path unpickled whole is parsed part by part; joined to its (shared) folder it
            # is not. Made on first use: most builds use the path of few records.
            folder, name = os.path.split(self.__dict__["_source"])
            path = self.__dict__["_source_path"] = _folder(folder) / name
        return path

    def source_name(self) -> str:
        return self.__dict__["_source"]

    @property
    def categories(self) -> tuple[str, ...]:
        return self.__dict__["_categories"]

    def _body(self) -> dict:
        values = self.__dict__.get("_values")
        if values is None:
            body = pickle.loads(self.__dict__.pop("_blob"))
            values = self.__dict__["_values"] = dict(zip(BODY_FIELDS, body))
        return values


for _name in BODY_FIELDS:
    setattr(_UnpickledPaper, _name, property(lambda self, name=_name: self._body()[name]))


_folder = functools.lru_cache(maxsize=64)(Path)
register_reducer(Paper, _reduce_paper)
register_reducer(_UnpickledPaper, _reduce_paper)
