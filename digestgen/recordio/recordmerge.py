"""Merging an incoming record (from a document or from arXiv) into one a person may have edited.

The rule is that nothing a person wrote is overwritten: a field missing from the existing record
is filled in, a text gains the languages it lacks, and any other difference is kept as it is and
reported as a :class:`Conflict`. Only the fields a command owns (``owned``, dotted paths such as
``arxiv`` or ``title.en``) take the incoming value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Fields whose values are texts (a string, or a mapping from language code to string).
TEXT_FIELDS = frozenset({"title", "tldr", "abstract", "notes", "intro"})
#: Mappings merged key by key; the value says whether their values are texts.
NESTED_FIELDS = {"arxiv": False, "review": True, "machine": False}


@dataclass(frozen=True)
class Change:
    """A value the merge writes: ``old`` is None where the field was missing."""

    path: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Conflict:
    """A value that differs; the existing one is kept."""

    path: str
    existing: Any
    incoming: Any


@dataclass
class MergeResult:
    record: dict = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


def merge_record(existing: dict, incoming: dict, owned: frozenset[str] = frozenset(),
                 source_language: str = "en") -> MergeResult:
    """Merge ``incoming`` into a copy of ``existing`` (neither is modified)."""
    merger = _Merger(owned, source_language)
    record = merger.mapping(existing, incoming, "", texts=False)
    return MergeResult(record, merger.changes, merger.conflicts)


def same(a: Any, b: Any) -> bool:
    """Equal, ignoring whitespace at the ends of strings (a block scalar's final newline)."""
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


class _Merger:
    def __init__(self, owned: frozenset[str], source_language: str):
        self.owned, self.source = owned, source_language
        self.changes: list[Change] = []
        self.conflicts: list[Conflict] = []

    def is_owned(self, path: str) -> bool:
        parts = path.split(".")
        return any(".".join(parts[:n]) in self.owned for n in range(1, len(parts) + 1))

    def mapping(self, existing: dict, incoming: dict, prefix: str, texts: bool) -> dict:
        out = dict(existing)
        for key, new in incoming.items():
            if new is None:
                continue
            path = f"{prefix}{key}"
            old = existing.get(key)
            if old is None:
                out[key] = new
                self.changes.append(Change(path, None, new))
            elif same(old, new):
                continue
            elif texts or (not prefix and key in TEXT_FIELDS):
                out[key] = self.text(old, new, path)
            elif not prefix and key in NESTED_FIELDS and isinstance(old, dict) \
                    and isinstance(new, dict) and not self.is_owned(path):
                out[key] = self.mapping(old, new, f"{path}.", NESTED_FIELDS[key])
            else:
                out[key] = self.replace_or_keep(old, new, path)
        return out

    def replace_or_keep(self, old: Any, new: Any, path: str) -> Any:
        if self.is_owned(path):
            self.changes.append(Change(path, old, new))
            return new
        self.conflicts.append(Conflict(path, old, new))
        return old

    def text(self, old: Any, new: Any, path: str) -> Any:
        """Merge two texts language by language; a plain value is the source language's."""
        if self.is_owned(path) and not any(o.startswith(path + ".") for o in self.owned):
            return self.replace_or_keep(old, new, path)
        old_map, new_map = self.languages(old), self.languages(new)
        if old_map is None or new_map is None:
            return self.replace_or_keep(old, new, path)
        out = dict(old_map)
        for code, value in new_map.items():
            if value is None:
                continue
            sub = f"{path}.{code}"
            if out.get(code) is None:
                out[code] = value
                self.changes.append(Change(sub, None, value))
            elif not same(out[code], value):
                out[code] = self.replace_or_keep(out[code], value, sub)
        if not isinstance(old, dict) and set(out) == {self.source}:
            return out[self.source]
        return out

    def languages(self, value: Any) -> dict | None:
        if isinstance(value, dict):
            return value if all(isinstance(k, str) for k in value) else None
        if isinstance(value, (str, list)):
            return {self.source: value}
        return None
