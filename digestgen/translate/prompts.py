"""The messages sent to a model: one request per text, with the glossary terms it needs.

A translation asks for the text alone; a summary (``--summarize``) for one sentence; a review
(``--review``) and a translated review list for JSON, read back by :func:`parse_list` and
:func:`parse_review`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import Problem, SiteError
from ..content.records import REVIEW_SECTIONS
from ..content.yamlsrc import line_of, parse_yaml, read_text

LANGUAGE_NAMES = {"zh": "Simplified Chinese", "en": "English", "ja": "Japanese",
                  "ko": "Korean", "de": "German", "fr": "French", "es": "Spanish"}
KEEP = ("Keep every $...$ and $$...$$ formula, link target, `inline code` and number exactly "
        "as written.")
Glossary = dict[str, dict[str, str]]  # term -> language -> term


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def read_glossary(path: Path | None) -> Glossary:
    """The glossary file: a mapping of a term to ``{zh: ..., en: ...}``."""
    if path is None:
        return {}
    data = parse_yaml(read_text(path), path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SiteError([Problem(path, 1, "a glossary maps each term to {zh: ..., en: ...}")])
    glossary, problems = {}, []
    for term, entry in data.items():
        if not isinstance(entry, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                  for k, v in entry.items()):
            problems.append(Problem(path, line_of(data, term),
                                    f"glossary entry {term!r} must map languages to terms, "
                                    "such as {zh: 标签平滑, en: label smoothing}"))
            continue
        glossary[str(term)] = dict(entry)
    if problems:
        raise SiteError(problems)
    return glossary


def glossary_lines(glossary: Glossary, source: str, source_lang: str | None,
                   lang: str) -> list[str]:
    """``term → translation`` for each glossary term that ``source`` uses."""
    lowered = source.lower()
    lines = []
    for term, entry in glossary.items():
        said = entry.get(source_lang or "", term) if source_lang else term
        target = entry.get(lang)
        if target and any(word and word.lower() in lowered for word in (said, term)):
            lines.append(f"{said} → {target}")
    return lines


def _system(task: str, glossary: list[str]) -> dict:
    text = task
    if glossary:
        text += "\nUse these terms:\n" + "\n".join(f"- {line}" for line in glossary)
    return {"role": "system", "content": text}


def translation(source: str, source_lang: str, lang: str, what: str,
                glossary: Glossary) -> list[dict]:
    """Translate one text (``what`` names it: a paper title, an abstract, ...)."""
    task = (f"You translate {what} of research papers from {language_name(source_lang)} into "
            f"{language_name(lang)} for a paper digest. {KEEP} Keep the Markdown. Reply with "
            "the translation only.")
    return [_system(task, glossary_lines(glossary, source, source_lang, lang)),
            {"role": "user", "content": source}]


def list_translation(items: list[str], source_lang: str, lang: str,
                     glossary: Glossary) -> list[dict]:
    """Translate the items of one review list, as a JSON list of as many strings."""
    task = (f"You translate the items of a review of a research paper from "
            f"{language_name(source_lang)} into {language_name(lang)}. {KEEP} Reply with a "
            f"JSON array of exactly {len(items)} strings, one per item, in order.")
    source = json.dumps(items, ensure_ascii=False)
    return [_system(task, glossary_lines(glossary, source, source_lang, lang)),
            {"role": "user", "content": source}]


def summary(title: str, abstract: str, lang: str, glossary: Glossary) -> list[dict]:
    """Write the one-line summary (``tldr``) of a paper from its abstract."""
    task = (f"You write the one-sentence summary of a research paper for a paper digest, in "
            f"{language_name(lang)}, from its title and abstract. Write $...$ for math. "
            "Reply with the sentence only.")
    source = f"{title}\n\n{abstract}"
    return [_system(task, glossary_lines(glossary, source, None, lang)),
            {"role": "user", "content": source}]


def review(title: str, abstract: str, lang: str, glossary: Glossary) -> list[dict]:
    """Draft the four review lists of a paper from its abstract."""
    task = (f"You review a research paper for a paper digest, in {language_name(lang)}, from "
            "its title and abstract. Reply with a JSON object with the keys "
            f"{', '.join(REVIEW_SECTIONS)}: the motivation, the method, the research questions "
            "and the findings, each a list of one to three short sentences. Write $...$ for "
            "math. Say only what the abstract says.")
    source = f"{title}\n\n{abstract}"
    return [_system(task, glossary_lines(glossary, source, None, lang)),
            {"role": "user", "content": source}]


_FENCED = re.compile(r"^```[a-z]*\s*\n(.*?)\n```\s*$", re.S)


def _json(reply: str):
    text = reply.strip()
    if m := _FENCED.match(text):  # models like to fence JSON
        text = m.group(1)
    return json.loads(text)


def parse_list(reply: str, count: int) -> list[str]:
    """The JSON array of ``count`` strings in ``reply``; ValueError when it is not one."""
    items = _json(reply)
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise ValueError("the reply is not a JSON array of strings")
    if len(items) != count:
        raise ValueError(f"the reply has {len(items)} items, not {count}")
    return [item.strip() for item in items]


def parse_review(reply: str) -> dict[str, list[str]]:
    """The review sections in ``reply``; ValueError when it is not the JSON object asked for."""
    data = _json(reply)
    if not isinstance(data, dict):
        raise ValueError("the reply is not a JSON object")
    sections = {}
    for key in REVIEW_SECTIONS:
        items = data.get(key) or []
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ValueError(f"'{key}' in the reply is not a list of strings")
        if any(item.strip() for item in items):
            sections[key] = [item.strip() for item in items if item.strip()]
    if not sections:
        raise ValueError("the reply holds no review")
    return sections
