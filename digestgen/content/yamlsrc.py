"""YAML that remembers where each value came from.

Content files are parsed into plain Python values, except that mappings become
:class:`YamlMap` and sequences :class:`YamlList`, which also hold the 1-based line of each key
or item. Validation can then report ``PATH:LINE`` for any field.

Values are built straight from the parser's events rather than from PyYAML's composed node
tree: the composer recurses once per nesting level (a few thousand ``[`` crash the process)
and its parser slows down quadratically with flow nesting, so depth must be checked while
reading, before either can happen. Aliases are counted at their full expanded size against a
budget, so an alias bomb is an error rather than an out-of-memory kill.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem, SiteError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_resolver = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
#: Tags a mapping or a sequence may carry: none, or its own (``!!python/...`` is refused).
_COLLECTION_TAGS = {None, "!", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}

#: A file larger than this is refused rather than read (a paper is a few kB, a config less).
MAX_FILE_BYTES = 4 * 1024 * 1024
MB = 1024 * 1024
#: Values a document may expand to; far beyond any real paper, far below a memory problem.
MAX_NODES = 200_000
#: Nesting depth past which a document is refused (real records are four or five deep).
MAX_DEPTH = 64


class YamlMap(dict):
    """A mapping that knows its own line and the line of each key."""

    line: int
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class YamlList(list):
    """A sequence that knows its own line and the line of each item."""

    line: int
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


def line_of(container: Any, key: Any) -> int | None:
    """The line of ``container[key]`` when the container came from YAML, else None."""
    if isinstance(container, (YamlMap, YamlList)):
        return container.line_of(key)
    return None


def read_text(path: Path) -> str:
    """The text of a file a person wrote; :class:`SiteError` when it cannot be read, is larger
    than :data:`MAX_FILE_BYTES`, or is not UTF-8 text (a byte-order mark is dropped)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # never more, however large the file
            size = os.fstat(handle.fileno()).st_size
    except FileNotFoundError:
        raise SiteError([Problem(path, None, "no such file")]) from None
    except OSError as exc:
        raise SiteError([Problem(path, None, f"cannot read: {exc.strerror}")]) from None
    return decode_text(path, raw, size)


def decode_text(path: Path, raw: bytes, size: int) -> str:
    """The text of a file's bytes ``raw`` (of ``size`` bytes on disk), as :func:`read_text`
    gives it, or its :class:`SiteError`; for a file whose bytes were read already."""
    if len(raw) > MAX_FILE_BYTES:
        raise SiteError([Problem(path, None, f"file is {max(size, len(raw)) // 1024} kB; "
                                 f"digestgen reads files of at most {MAX_FILE_BYTES // MB} MB")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SiteError([Problem(path, line, "not valid UTF-8 text")]) from None
    if "\x00" in text:
        raise SiteError([Problem(path, text[: text.index("\x00")].count("\n") + 1,
                                 "file holds a NUL byte: not a text file")])
    return text


def parse_yaml(text: str, path: Path, first_line: int = 1) -> Any:
    """Parse one YAML document; ``first_line`` is where it starts in the file (front matter)."""
    loader = None
    try:
        loader = _Loader(text)
        # The parser's own method as an iterator: a generator around it (yaml.parse) cost a
        # tenth of a file's parse, one frame per event.
        return _Builder(path, first_line, iter(loader.get_event, None)).document()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else first_line
        line = min(line, first_line + text.count("\n"))  # the end of a file without a newline
        problem = f"invalid YAML: {exc.problem or exc}"
        if "maximum nesting depth" in problem:  # libyaml's own limit, which it may meet first
            problem = f"nested more than {MAX_DEPTH} levels deep"
        raise SiteError([Problem(path, line, problem)]) from None
    except yaml.reader.ReaderError as exc:  # a control character; its mark is an offset
        line = _line_at(text, exc.position) + first_line
        character = f"#x{exc.character:04x}" if isinstance(exc.character, int) \
            else repr(exc.character)
        raise SiteError([Problem(path, line, f"invalid YAML: unacceptable character "
                                 f"{character}: {exc.reason}")]) from None
    except yaml.YAMLError as exc:
        raise SiteError([Problem(path, first_line, f"invalid YAML: {exc}")]) from None
    finally:
        if loader is not None:
            loader.dispose()


def _copy(value: Any) -> Any:
    """A deep copy of a built value, with its lines (the budget already bounds its size)."""
    if isinstance(value, YamlMap):
        out = YamlMap((key, _copy(item)) for key, item in value.items())
        out.line, out.key_lines = value.line, value.key_lines
    elif isinstance(value, YamlList):
        out = YamlList(_copy(item) for item in value)
        out.line, out.item_lines = value.line, value.item_lines
    else:
        return value
    return out


def _plain_tag(value: str) -> str:
    """The tag YAML gives a plain scalar."""
    if len(value) > 40:
        return _resolver.resolve(yaml.ScalarNode, value, (True, False))
    return _short_plain_tag(value)


@functools.lru_cache(maxsize=4096)
def _short_plain_tag(value: str) -> str:
    """Keys and short values recur in every file: each is resolved once."""
    return _resolver.resolve(yaml.ScalarNode, value, (True, False))


def _line_at(text: str, offset: int) -> int:
    """The 0-based line of a reader error's offset: in bytes from libyaml, else characters."""
    if _Loader is yaml.SafeLoader:
        return text.count("\n", 0, offset)
    return text.encode("utf-8", "surrogatepass").count(b"\n", 0, offset)


class _Builder:
    """Builds values from parser events, checking depth and size as it goes."""

    def __init__(self, path: Path, first_line: int, events: Iterator[yaml.Event]):
        self.path, self.offset, self.events = path, first_line, events
        self.count = 0
        self.deepest = 0  # the deepest level reached so far, for the height of anchored values
        # anchor -> (value, values it expands to, levels it adds); None while being built
        self.anchors: dict[str, tuple[Any, int, int] | None] = {}
        # One constructor per document: it caches every node it has seen.
        self.constructor = yaml.constructor.SafeConstructor()

    def fail(self, event: yaml.Event, message: str) -> SiteError:
        return SiteError([Problem(self.path, self.line(event), message)])

    def line(self, event: yaml.Event) -> int:
        return event.start_mark.line + self.offset

    def document(self) -> Any:
        next(self.events)  # stream start
        event = next(self.events)
        if isinstance(event, yaml.StreamEndEvent):
            return None
        value = self.value(next(self.events), 0)
        next(self.events)  # document end
        event = next(self.events)
        if not isinstance(event, yaml.StreamEndEvent):
            raise self.fail(event, "invalid YAML: expected a single document, found another")
        return value

    def value(self, event: yaml.Event, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.too_big(event)
        if depth > MAX_DEPTH:
            raise self.fail(event, f"nested more than {MAX_DEPTH} levels deep")
        if depth > self.deepest:
            self.deepest = depth
        kind = type(event)
        if kind is yaml.ScalarEvent and event.anchor is None:  # most values: straight on
            return self.scalar(event)
        if kind is yaml.AliasEvent:
            return self.alias(event, depth)
        anchor = getattr(event, "anchor", None)
        if anchor is None:
            return self.build(event, depth)
        self.anchors[anchor] = None
        count_before, deepest_before, self.deepest = self.count, self.deepest, depth
        value = self.build(event, depth)
        self.anchors[anchor] = (value, self.count - count_before, self.deepest - depth)
        self.deepest = max(self.deepest, deepest_before)
        return value

    def build(self, event: yaml.Event, depth: int) -> Any:
        if isinstance(event, yaml.ScalarEvent):
            return self.scalar(event)
        if event.tag not in _COLLECTION_TAGS:
            raise self.fail(event, f"invalid value: unsupported tag {event.tag!r}")
        if isinstance(event, yaml.SequenceStartEvent):
            return self.sequence(event, depth)
        if isinstance(event, yaml.MappingStartEvent):
            return self.mapping(event, depth)
        raise self.fail(event, f"invalid YAML: unexpected {type(event).__name__}")

    def alias(self, event: yaml.AliasEvent, depth: int) -> Any:
        if event.anchor not in self.anchors:
            raise self.fail(event, f"invalid YAML: found undefined alias {event.anchor!r}")
        known = self.anchors[event.anchor]
        if known is None:
            raise self.fail(event, f"alias *{event.anchor} refers to itself")
        value, size, height = known
        self.count += size - 1  # this event was counted once already
        if self.count > MAX_NODES:
            raise self.too_big(event)
        if depth + height > MAX_DEPTH:
            raise self.fail(event, f"nested more than {MAX_DEPTH} levels deep")
        self.deepest = max(self.deepest, depth + height)
        return _copy(value)  # a copy, as each use of an alias is a value of its own

    def too_big(self, event: yaml.Event) -> SiteError:
        return self.fail(event, f"document expands to more than {MAX_NODES} values "
                                "(an alias bomb?)")

    def scalar_tag(self, event: yaml.ScalarEvent) -> str:
        if event.tag is None or event.tag == "!":
            if not event.implicit[0]:  # quoted or a block: a string (as the resolver says)
                return _STR
            return _plain_tag(event.value)
        return event.tag

    def scalar(self, event: yaml.ScalarEvent) -> Any:
        tag = event.tag
        if tag is None or tag == "!":  # scalar_tag(), inlined: it runs for every value
            if not event.implicit[0]:
                return event.value
            tag = _plain_tag(event.value)
        if tag == _STR:
            return event.value
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError):
            return event.value  # such as 2024-02-30: the field's check reports it with context
        except yaml.constructor.ConstructorError as exc:
            raise self.fail(event, f"invalid value: {exc.problem}") from None

    def sequence(self, start: yaml.SequenceStartEvent, depth: int) -> YamlList:
        out, lines = YamlList(), []
        offset, child = self.offset, depth + 1
        for event in self.events:
            if type(event) is yaml.SequenceEndEvent:
                break
            lines.append(event.start_mark.line + offset)  # self.line(event), inlined
            out.append(self.value(event, child))
        out.line, out.item_lines = self.line(start), lines
        return out

    def mapping(self, start: yaml.MappingStartEvent, depth: int) -> YamlMap:
        out, key_lines = YamlMap(), {}
        offset, child, events = self.offset, depth + 1, self.events
        for key_event in events:
            kind = type(key_event)
            if kind is yaml.MappingEndEvent:
                break
            # Only a tagged key or a plain one starting with "<" can resolve to a merge.
            if kind is yaml.ScalarEvent and (key_event.tag is not None
                                             or key_event.value[:1] == "<") \
                    and self.scalar_tag(key_event) == _MERGE:
                raise self.fail(key_event, "YAML merge keys (<<) are not supported")
            key = self.value(key_event, child)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise self.fail(key_event, "a mapping key must be a plain value")
            if key in out:
                raise self.fail(key_event, f"duplicate key {key!r}")
            out[key] = self.value(next(events), child)
            key_lines[key] = key_event.start_mark.line + offset  # self.line(key_event)
        out.line, out.key_lines = self.line(start), key_lines
        return out
