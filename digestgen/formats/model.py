"""What a reader makes of a document: records without a date yet, each with its line."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem

DIGEST = "digest"  # format A: a dated issue, a 摘要 table and 详细 footnote sections
REVIEW = "review"  # format B: a quick review of one paper (论文解读)


@dataclass
class ImportedPaper:
    """One paper's record as the document gives it (texts as ``{lang: text}`` mappings)."""

    record: dict
    line: int


@dataclass
class Document:
    path: Path
    kind: str
    papers: list[ImportedPaper] = field(default_factory=list)
    date: datetime.date | None = None  # a date the document itself states
    intro: str | None = None  # an issue's editor's note above the table


class Problems:
    """Collects a document's problems so that one run reports all of them."""

    def __init__(self, path: Path):
        self.path, self.items = path, []

    def add(self, line: int | None, message: str) -> None:
        self.items.append(Problem(self.path, line, message))

    def __bool__(self) -> bool:
        return bool(self.items)
