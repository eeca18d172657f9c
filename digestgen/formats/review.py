"""Reading format B: a quick review of one paper (论文解读), as copied from a review page.

These documents are page text rather than Markdown: one layout puts each field on its own line
with ``- `` items, another separates blocks by blank lines, bullets items with ``•`` and joins
authors, venue and date with ``|``. Both are read line by line by their structure:

* everything before the ``[论文解读] Title`` line is page furniture ("Skip to main content");
* between the title and the first section heading come the facts: an ``authors|venue|date``
  line, a ``field 参考文献 N 被引用 N`` line, and, when there are no headings for them, the
  one-line summary (Chinese) and the abstract (English);
* each section heading (一句话总结, ABSTRACT, 研究动机与目标, 提出的方法, 研究问题, 主要发现)
  owns the lines up to the next one; a list section ends with its last item, and text after
  the review's last item (sign-up advertising, generated-content disclaimers) is not about the
  paper and is dropped.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from ..errors import Problem, SiteError
from .markdown import is_chinese, slugify
from .model import REVIEW, Document, ImportedPaper, Problems

TITLE = re.compile(r"^\[论文解读\]\s*(?P<title>\S.*)$")
BULLET = re.compile(r"^(?:[-*+•·●▪◦]|\d{1,2}[.)])\s+")
QUESTION_LABEL = re.compile(r"^RQ\s*\d+\s*[:：.、]?\s*", re.I)
REFERENCES = re.compile(r"(?:参考文献|References)\s*[:：]?\s*(?P<n>[\d,]+)", re.I)
CITATIONS = re.compile(r"(?:被引用|Cited by|Citations)\s*[:：]?\s*(?P<n>[\d,]+)", re.I)

#: Section headings and the record field each fills; ``None`` groups sections without text.
HEADINGS = {
    "一句话总结": "tldr", "tl;dr": "tldr", "tldr": "tldr", "one-line summary": "tldr",
    "abstract": "abstract", "摘要": "abstract",
    "研究动机与目标": "motivation", "研究动机": "motivation", "motivation": "motivation",
    "提出的方法": "method", "方法": "method", "method": "method", "proposed method": "method",
    "研究问题": "questions", "research questions": "questions",
    "主要发现": "findings", "key findings": "findings", "findings": "findings",
    "实验结果": None, "results": None,
}
LISTS = ("motivation", "method", "questions", "findings")
DATE_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%Y-%m-%d", "%d %b %Y", "%d %B %Y", "%Y年%m月%d日",
                "%b %Y", "%B %Y")


def looks_like_review(text: str) -> bool:
    return any(TITLE.match(line.strip()) for line in text.splitlines())


def read_review(path: Path, text: str) -> Document:
    """Read one format B document; raise :class:`SiteError` naming every problem's line."""
    problems = Problems(path)
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1)]
    lines = [(number, line) for number, line in lines if line]
    start = next((i for i, (_, line) in enumerate(lines) if TITLE.match(line)), None)
    if start is None:
        raise SiteError([Problem(path, 1, "no '[论文解读] Title' line")])
    title_line, title = lines[start][0], TITLE.match(lines[start][1])["title"].strip()
    facts: dict = {}
    lead, sections = _split(lines[start + 1:], problems)
    _read_lead(lead, facts, problems)
    review = {}
    for field_name, (line, body) in sections.items():
        if field_name in LISTS:
            items = _items(body, field_name)
            if not items:
                problems.add(line, f"section '{_heading_name(field_name)}' has no items")
                continue
            review[field_name] = {_language(items): items}
        else:
            paragraphs = [text for _, text in body]
            if paragraphs:
                facts[field_name] = {_language(paragraphs): "\n\n".join(paragraphs)}
    record = _record(title, title_line, facts, review, problems)
    if problems:
        raise SiteError(problems.items)
    return Document(path, REVIEW, [ImportedPaper(record, title_line)], date=facts.get("date"))


def _heading(line: str) -> tuple[bool, str | None]:
    key = line.rstrip(":：").strip().lower()
    return (key in HEADINGS, HEADINGS.get(key))


def _heading_name(field_name: str) -> str:
    return next(name for name, value in HEADINGS.items() if value == field_name)


def _split(lines: list[tuple[int, str]], problems: Problems):
    """The lines before the first heading, and each section's (heading line, lines)."""
    lead: list[tuple[int, str]] = []
    sections: dict[str, tuple[int, list[tuple[int, str]]]] = {}
    current = lead
    for number, line in lines:
        is_heading, field_name = _heading(line)
        if not is_heading:
            current.append((number, line))
        elif field_name is None:
            current = []  # a group heading: its own text, if any, is not kept
        elif field_name in sections:
            problems.add(number, f"section '{line}' appears twice")
            current = []
        else:
            current = []
            sections[field_name] = (number, current)
    return lead, sections


def _items(body: list[tuple[int, str]], field_name: str) -> list[str]:
    """A list section's items; the first line that is not an item ends the list."""
    items = []
    for _, line in body:
        match = BULLET.match(line)
        if not match:
            break
        item = line[match.end():].strip()
        if field_name == "questions":
            item = QUESTION_LABEL.sub("", item)
        if item:
            items.append(item)
    return items


def _read_lead(lead: list[tuple[int, str]], facts: dict, problems: Problems) -> None:
    """Facts between the title and the first heading: meta line, counts, summary, abstract."""
    for number, line in lead:
        if "|" in line:
            _read_meta(number, line, facts, problems)
        elif REFERENCES.search(line) or CITATIONS.search(line):
            _read_counts(line, facts)
        elif _date(line):
            facts["date"] = _date(line)
        elif is_chinese(line):
            facts.setdefault("tldr", {}).setdefault("zh", line)
        else:
            abstract = facts.setdefault("abstract", {})
            abstract["en"] = f"{abstract['en']}\n\n{line}" if "en" in abstract else line


def _read_meta(number: int, line: str, facts: dict, problems: Problems) -> None:
    parts = [part.strip() for part in line.split("|")]
    if _date(parts[-1]):
        facts["date"] = _date(parts.pop())
    if not parts or not parts[0]:
        problems.add(number, "expected 'authors|venue|date'")
        return
    authors = [name.strip() for name in re.split(r"[,，;；]", parts[0]) if name.strip()]
    if authors:
        facts["authors"] = authors
    venue = " | ".join(part for part in parts[1:] if part)
    if venue:
        facts["venue"] = venue


def _read_counts(line: str, facts: dict) -> None:
    first = min(m.start() for m in (REFERENCES.search(line), CITATIONS.search(line)) if m)
    if line[:first].strip():
        facts["field"] = line[:first].strip()
    for key, pattern in (("references", REFERENCES), ("citations", CITATIONS)):
        match = pattern.search(line)
        if match:
            facts[key] = int(match["n"].replace(",", ""))


def _date(text: str) -> datetime.date | None:
    for form in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text.strip(), form).date()
        except ValueError:
            continue
    return None


def _language(texts: list[str]) -> str:
    chinese = sum(is_chinese(text) for text in texts)
    return "zh" if chinese * 2 >= len(texts) else "en"


def _record(title: str, line: int, facts: dict, review: dict, problems: Problems) -> dict:
    language = "zh" if is_chinese(title) else "en"
    paper_id = slugify(title) if language == "en" else ""
    if not paper_id:
        problems.add(line, "the review's title gives no English words to make an id from")
    if not (review or facts.get("abstract") or facts.get("tldr")):
        problems.add(line, "the review has no summary, abstract or review sections")
    record = {"id": paper_id, "title": {language: title}}
    for key in ("authors", "tldr", "abstract"):
        if facts.get(key):
            record[key] = facts[key]
    if review:
        record["review"] = review
    for key in ("venue", "field", "citations", "references"):
        if facts.get(key) is not None:
            record[key] = facts[key]
    return record
