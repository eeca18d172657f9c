"""What is missing: the texts ``digestgen translate`` is to draft, one :class:`Task` each.

Only a language a text lacks is ever drafted; a text that exists, whoever wrote it, is a
source and never a target. ``--summarize`` adds a ``tldr`` to a paper that has none, and
``--review`` the four review lists to a paper that has no review, both from the abstract.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..content.records import REVIEW_SECTIONS, Paper, Text

FIELDS = ("title", "tldr", "abstract", "review", "notes")
#: How a prompt names each field.
WHAT = {"title": "titles", "tldr": "one-line summaries", "abstract": "abstracts",
        "notes": "notes"}


@dataclass(frozen=True)
class Task:
    """One text to draft: ``key`` is its ``machine`` entry (``title.zh``), or for a review
    draft ``review.LANG`` (it writes ``review.SECTION.LANG`` for each section it fills)."""

    paper: Paper
    key: str
    kind: str  # "translate", "translate-list", "summarize" or "review"
    lang: str
    source_lang: str | None = None
    source: str | tuple[str, ...] = ""

    @property
    def field(self) -> str:
        return self.key.rpartition(".")[0]


def source_language(languages: tuple[str, ...], preferred: str) -> str:
    """The language to translate from: the site's source language when the text has it."""
    return preferred if preferred in languages else languages[0]


def find_tasks(papers: list[Paper], langs: tuple[str, ...], fields: tuple[str, ...],
               summarize: bool, review: bool, preferred: str) -> list[Task]:
    """The tasks for ``papers``, in their order."""
    tasks: list[Task] = []
    for paper in papers:
        for name in ("title", "tldr", "abstract", "notes"):
            if name not in fields:
                continue
            text: Text | None = getattr(paper, name)
            if text is None:
                if name == "tldr" and summarize and paper.abstract is not None:
                    tasks += [Task(paper, f"tldr.{lang}", "summarize", lang) for lang in langs]
                continue
            gaps = [lang for lang in langs if lang not in text]
            source = source_language(text.languages(), preferred)
            tasks += [Task(paper, f"{name}.{lang}", "translate", lang, source, text[source])
                      for lang in gaps]
        if "review" in fields:
            tasks += _review_tasks(paper, langs, review, preferred)
    return tasks


def _review_tasks(paper: Paper, langs: tuple[str, ...], review: bool,
                  preferred: str) -> list[Task]:
    if not paper.review:
        if review and paper.abstract is not None:
            return [Task(paper, f"review.{lang}", "review", lang) for lang in langs]
        return []
    tasks = []
    for section in REVIEW_SECTIONS:
        lists = paper.review.get(section)
        if lists is None:
            continue
        source = source_language(lists.languages(), preferred)
        tasks += [Task(paper, f"review.{section}.{lang}", "translate-list", lang, source,
                       lists.values[source]) for lang in langs if lang not in lists.values]
    return tasks


def abstract_for(paper: Paper, lang: str, preferred: str) -> tuple[str, str]:
    """The title and abstract a summary or review in ``lang`` is drafted from."""
    def best(text: Text) -> str:
        return text[lang] if lang in text else text[source_language(text.languages(),
                                                                        preferred)]
    return best(paper.title), best(paper.abstract)
