"""YAML that remembers where each value came from.

Content files are parsed into plain Python values, except that mappings become
:class:`YamlMap` and sequences :class:`YamlList`, which also hold the 1-based line of each key
or item. Validation can then report ``PATH:LINE`` for any field. Anchors and aliases are expanded
with a budget, so an alias bomb is an error rather than an out-of-memory kill.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, SiteError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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


def parse_yaml(text: str, path: Path, first_line: int = 1) -> Any:
    """Parse one YAML document; ``first_line`` is where it starts in the file (front matter)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else first_line
        raise SiteError([Problem(path, line, f"invalid YAML: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise SiteError([Problem(path, first_line, f"invalid YAML: {exc}")]) from None
    if node is None:
        return None
    return _Builder(path, first_line).value(node, 0)


class _Builder:
    """Turns a composed node tree into values, counting nodes against :data:`MAX_NODES`."""

    def __init__(self, path: Path, first_line: int):
        self.path, self.offset, self.count = path, first_line, 0
        # One constructor per document: it caches every node it has seen.
        self.constructor = yaml.constructor.SafeConstructor()

    def line(self, node: yaml.Node) -> int:
        return node.start_mark.line + self.offset

    def value(self, node: yaml.Node, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise SiteError([Problem(self.path, self.line(node),
                                     f"document expands to more than {MAX_NODES} values "
                                     "(an alias bomb?)")])
        if depth > MAX_DEPTH:
            raise SiteError([Problem(self.path, self.line(node),
                                     f"nested more than {MAX_DEPTH} levels deep")])
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            out = YamlList(self.value(item, depth + 1) for item in node.value)
            out.line, out.item_lines = self.line(node), [self.line(i) for i in node.value]
            return out
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError):
            return node.value  # such as 2024-02-30: the field's check reports it with context
        except yaml.constructor.ConstructorError as exc:
            raise SiteError([Problem(self.path, self.line(node),
                                     f"invalid value: {exc.problem}")]) from None

    def mapping(self, node: yaml.MappingNode, depth: int) -> YamlMap:
        out, key_lines = YamlMap(), {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise SiteError([Problem(self.path, self.line(key_node),
                                         "YAML merge keys (<<) are not supported")])
            key = self.value(key_node, depth + 1)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise SiteError([Problem(self.path, self.line(key_node),
                                         "a mapping key must be a plain value")])
            if key in out:
                raise SiteError([Problem(self.path, self.line(key_node),
                                         f"duplicate key {key!r}")])
            out[key] = self.value(value_node, depth + 1)
            key_lines[key] = self.line(key_node)
        out.line, out.key_lines = self.line(node), key_lines
        return out
