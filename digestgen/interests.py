"""Interest lists from reference managers: BibTeX (``.bib``) and CSL-JSON (``.json``).

Zotero, JabRef, Mendeley and most other reference managers export one or both. Each entry with
a title becomes an :class:`~digestgen.rank.Interest` (title and abstract); entries without a
title are skipped, as there is nothing to compare. A file that cannot be read is reported as
``PATH:LINE: message``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path

from .errors import Problem, SiteError
from .rank import Interest


def read_interests(paths: Iterable[Path]) -> list[Interest]:
    """The entries of every file in ``paths``; :class:`SiteError` listing every problem."""
    interests, problems = [], []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            problems.append(Problem(path, None, f"cannot read: {exc.strerror or exc}"))
            continue
        except UnicodeDecodeError:
            problems.append(Problem(path, None, "not UTF-8 text"))
            continue
        reader = _csl_json if _looks_like_json(path, text) else _bibtex
        found, trouble = reader(path, text)
        interests.extend(found)
        problems.extend(trouble)
    if problems:
        raise SiteError(problems)
    return interests


def _looks_like_json(path: Path, text: str) -> bool:
    if path.suffix.lower() == ".json":
        return True
    return path.suffix.lower() != ".bib" and text.lstrip()[:1] in ("[", "{")


def _interest(path: Path, key: str, title, abstract) -> Interest | None:
    title = " ".join(str(title or "").split())
    if not title:
        return None
    abstract = " ".join(str(abstract or "").split())
    return Interest(key, title, f"{title}\n{abstract}", None, path.name)


def _bibtex(path: Path, text: str) -> tuple[list[Interest], list[Problem]]:
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware

    # The parser logs each broken entry as well; the problems below say it once, with a line.
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    finally:
        logger.setLevel(level)
    problems = [Problem(path, block.start_line + 1, _failure(block))
                for block in library.failed_blocks]
    interests = []
    for entry in library.entries:
        fields = {name.lower(): field.value for name, field in entry.fields_dict.items()}
        found = _interest(path, entry.key, _unbrace(fields.get("title")),
                          _unbrace(fields.get("abstract")))
        if found is not None:
            interests.append(found)
    if not library.entries and not problems and text.strip():
        problems.append(Problem(path, 1, "no BibTeX entries (@article{...}) in this file"))
    return interests, problems


def _failure(block) -> str:
    kind = type(block).__name__
    if kind == "DuplicateBlockKeyBlock":
        return f"the citation key {getattr(block, 'key', '')!r} is used twice"
    return "this BibTeX entry cannot be read (unbalanced braces or a missing comma?)"


def _unbrace(value) -> str | None:
    """A BibTeX value without the braces that protect capitals (``{BERT}`` -> ``BERT``)."""
    if value is None:
        return None
    return str(value).replace("{", "").replace("}", "")


def _csl_json(path: Path, text: str) -> tuple[list[Interest], list[Problem]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [], [Problem(path, exc.lineno, f"not valid JSON: {exc.msg}")]
    if isinstance(data, dict) and "items" in data:  # some tools wrap the list
        data = data["items"]
    if not isinstance(data, list):
        return [], [Problem(path, 1, "a CSL-JSON file is a list of items ([{...}, ...])")]
    interests, problems = [], []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            problems.append(Problem(path, None, f"item {index + 1} is not an object"))
            continue
        key = str(item.get("id") or item.get("citation-key") or f"item {index + 1}")
        found = _interest(path, key, item.get("title"), item.get("abstract"))
        if found is not None:
            interests.append(found)
    return interests, problems
