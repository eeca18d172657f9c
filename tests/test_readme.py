"""The README's reference tables name every field digestgen reads."""

import re
from pathlib import Path

from digestgen.configfile import _KEYS as CONFIG_KEYS
from digestgen.content.validate import ARXIV_KEYS, ISSUE_KEYS, PAPER_KEYS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def table_after(heading: str) -> str:
    """The first Markdown table after the line that starts with ``heading``."""
    rest = README.split(heading, 1)[1]
    return re.search(r"(?m)^\|.*(?:\n\|.*)*", rest).group(0)


def first_column(table: str) -> set[str]:
    keys = set()
    for row in table.splitlines()[2:]:
        keys |= set(re.findall(r"`([a-z_.]+)`", row.split("|")[1]))
    return keys


def test_every_config_key_is_in_the_table():
    keys = first_column(table_after("`digestgen.yaml`:"))
    assert {k for k in CONFIG_KEYS if k != "markdown"} | {"markdown.html"} == keys


def test_every_paper_field_is_in_the_table():
    table = table_after("A paper, `content/papers/NAME.yaml`")
    assert first_column(table) == PAPER_KEYS
    arxiv_row = next(row for row in table.splitlines() if row.startswith("| `arxiv`"))
    assert {k for k in ARXIV_KEYS if f"`{k}`" not in arxiv_row} == set()


def test_every_issue_field_is_in_the_table():
    assert first_column(table_after("An issue, `content/issues/")) == ISSUE_KEYS
