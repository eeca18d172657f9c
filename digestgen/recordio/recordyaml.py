"""Record files as YAML (SPEC 1.3, 1.4): clean output, and updates that touch only what changes.

:func:`dump_record` writes a record in the SPEC's key order, long text as block scalars and
Unicode as it is; every dump is read back and, should a style garble a string, written again in
a plainer style. :func:`update_yaml` rewrites only the top-level keys whose values change, so
every other line of a person's file, comments and layout included, stays as it was.
"""

from __future__ import annotations

from typing import Any

import yaml

PAPER_KEYS = (
    "id", "title", "date", "authors", "url", "pdf", "arxiv", "tldr", "abstract",
    "abstract_truncated", "review", "venue", "field", "citations", "references", "tags",
    "draft", "notes", "machine",
)
ARXIV_KEYS = (
    "version", "announce_type", "primary_category", "categories", "published", "updated",
    "comment", "journal_ref", "doi",
)
REVIEW_KEYS = ("motivation", "method", "questions", "findings")
ISSUE_KEYS = ("title", "intro", "papers", "draft")
_NESTED_ORDER = {"arxiv": ARXIV_KEYS, "review": REVIEW_KEYS}
_TEXT_KEYS = {"title", "tldr", "abstract", "notes", "intro", *REVIEW_KEYS}
_LANGUAGE_ORDER = ("en", "zh")

#: Strings longer than this are written as block scalars, so that they read (and diff) as prose.
LONG_TEXT = 80


# --- dumping -------------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """Block style, sequences indented under their key, no anchors for repeated values."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


class _PlainDumper(_Dumper):
    """The fallback when a block scalar would not read back as the same string."""


class _QuotedDumper(_Dumper):
    """The last resort for strings PyYAML's other styles garble (a lone NEL, say)."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = None
    if "\n" in value.strip("\n"):
        style = "|"
    elif len(value) > LONG_TEXT:
        style = ">"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_text)
_PlainDumper.add_representer(str, yaml.SafeDumper.represent_str)
_QuotedDumper.add_representer(
    str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"'))


def ordered(record: dict, kind: str = "paper") -> dict:
    """A copy of ``record`` in SPEC key order, without None values; unknown keys go last."""
    keys = PAPER_KEYS if kind == "paper" else ISSUE_KEYS
    return _ordered(record, keys)


def _ordered(mapping: dict, keys: tuple[str, ...], text: bool = False) -> dict:
    if text:
        keys = _LANGUAGE_ORDER
    rank = {key: index for index, key in enumerate(keys)}
    out = {}
    for key in sorted(mapping, key=lambda k: (rank.get(k, len(rank)), 0 if text else 1,
                                              str(k) if text else "")):
        value = mapping[key]
        if value is None:
            continue
        if isinstance(value, dict):
            value = _ordered(value, _NESTED_ORDER.get(key, ()), text=key in _TEXT_KEYS)
        out[key] = value
    return out


def dump_record(record: dict, kind: str = "paper") -> str:
    """``record`` as clean YAML in SPEC key order (``kind`` is ``paper`` or ``issue``)."""
    return _dump(ordered(record, kind))


def _dump(data: dict) -> str:
    data = plain(data)
    if not data:
        return ""
    for dumper in (_Dumper, _PlainDumper, _QuotedDumper):
        text = yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False,
                         default_flow_style=False, width=LONG_TEXT)
        if yaml.safe_load(text) == data:  # else a style that garbles some string: try the next
            break
    return text


def update_yaml(old: str, existing: dict, new: dict, kind: str) -> tuple[str | None, str]:
    """``old`` with only the changed top-level keys rewritten (and those ``new`` lacks
    removed), or (None, why) when it cannot."""
    spans = _key_spans(old)
    if spans is None:
        if "#" in old and old != dump_record(existing, kind):
            return None, "its YAML is laid out so that an update would drop comments"
        return dump_record(new, kind), ""
    lines = old.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in line numbers
    inserts: dict[int, list[str]] = {}
    order = PAPER_KEYS if kind == "paper" else ISSUE_KEYS
    for key in ordered(new, kind):
        if key in existing and existing[key] == new[key]:
            continue
        fragment = _dump({key: ordered({key: new[key]}, kind)[key]})
        if key in spans:
            start, end = spans[key]
            block = "".join(lines[start:end])
            if "#" in block and block != _dump({key: ordered({key: existing[key]}, kind)[key]}):
                return None, (f"lines {start + 1}-{end} ('{key}') hold a comment that "
                              "rewriting would drop")
            edits.append((start, end, fragment))
        else:
            at = _insertion_line(key, order, spans, lines)
            inserts.setdefault(at, []).append(fragment)  # keys come in SPEC order
    for key in existing:
        if key not in new and key in spans:  # a key the new record drops
            start, end = spans[key]
            block = "".join(lines[start:end])
            if "#" in block and block != _dump({key: ordered({key: existing[key]}, kind)[key]}):
                return None, (f"lines {start + 1}-{end} ('{key}') hold a comment that "
                              "removing the key would drop")
            edits.append((start, end, ""))
    edits += [(at, at, "".join(fragments)) for at, fragments in inserts.items()]
    # Applied bottom-up so that the line numbers of the edits above stay valid.
    for start, end, fragment in sorted(edits, reverse=True):
        lines[start:end] = [fragment]
    text = "".join(lines)
    if yaml.safe_load(text) != ordered(new, kind):
        return dump_record(new, kind), ""  # splicing met a layout it cannot keep
    return text, ""


def _key_spans(text: str) -> dict[str, tuple[int, int]] | None:
    """Line ranges ``[start, end)`` of each top-level key of a block mapping, else None.

    A key's range ends before the blank and comment lines that precede the next key, so a
    comment written above a key stays with it.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if not isinstance(node, yaml.MappingNode) or node.flow_style:
        return None
    lines = text.splitlines()
    starts = []
    for key_node, _ in node.value:
        if key_node.start_mark.column != 0 or not isinstance(key_node.value, str):
            return None
        starts.append(key_node.start_mark.line)
    if len(set(starts)) != len(starts):
        return None
    spans = {}
    for index, (key_node, _) in enumerate(node.value):
        start = starts[index]
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        while end - 1 > start and (not lines[end - 1].strip()
                                   or lines[end - 1].lstrip().startswith("#")):
            end -= 1
        spans[key_node.value] = (start, end)
    return spans


def _insertion_line(key: str, order: tuple[str, ...], spans: dict[str, tuple[int, int]],
                    lines: list[str]) -> int:
    """Where a new top-level ``key`` goes: after the nearest present key that precedes it."""
    rank = {k: i for i, k in enumerate(order)}
    mine = rank.get(key, len(rank))
    before = [span for k, span in spans.items() if rank.get(k, len(rank)) <= mine]
    if before:
        return max(end for _, end in before)
    after = [start for k, (start, _) in spans.items()]
    return min(after) if after else len(lines)


def plain(value: Any) -> Any:
    """Plain dicts and lists, for comparing a parsed record with a built one."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
