"""The terms a text is indexed under, and a query looked up by: the one definition both the
index (here) and the search box (``layouts/static/assets/digest.js``, same rules) follow.

A text is normalised (NFKC, lower case) and cut into runs: runs of Han or kana characters,
and runs of other letters and digits. Chinese and Japanese are written without spaces between
words, and no dictionary cuts them the same way twice, so a run of Han or kana is indexed as
its overlapping pairs (理解为何 as 理解 解为 为何; a single character as itself): a query is found
wherever all of its pairs are, and the search box then keeps the papers whose text has the
query's run in one piece. A run of letters is a word, indexed by its stem (:func:`stem`), so
that calibrate finds calibration. A paper's titles are indexed a second time, each term marked
(:func:`title_terms`), so that the search box can rank the papers whose title has the query
without reading every title.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

#: Han and kana (the search box has the same ranges).
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(f"[{CJK}]+|(?:(?![{CJK}])[^\\W_])+")
_CJK_RUN = re.compile(f"[{CJK}]+")
_LATIN_WORD = re.compile("[a-z]+")
#: Endings taken off an English word, the first that leaves a stem of three letters or more,
#: and what replaces it; a word ending in ss keeps its s (class, classes), and y becomes i only
#: after a consonant (policy and policies, key and keys).
ENDINGS = (("sses", "ss"), ("ies", "i"), ("ions", ""), ("ings", ""), ("ing", ""), ("ion", ""),
           ("ed", ""), ("es", ""), ("ss", "ss"), ("s", ""), ("e", ""), ("y", "i"))
_VOWELS = "aeiou"
#: The shortest stem an ending leaves.
SHORTEST = 3
#: What marks a term of a title (a character no term has).
TITLE_MARK = "^"


def stem(word: str) -> str:
    """An English word's stem: calibrate, calibrated, calibration and calibrations are all
    calibrat. Not a linguist's stem; the same for the words a reader types as for the page's."""
    if not _LATIN_WORD.fullmatch(word):
        return word
    for ending, replacement in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) + len(replacement) >= SHORTEST:
            if ending == "y" and word[-2] in _VOWELS:
                continue
            return word[:len(word) - len(ending)] + replacement
    return word


def normalized(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def pairs(run: str) -> list[str]:
    """A run of Han or kana as the index holds it: its overlapping pairs."""
    if len(run) == 1:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)]


def terms(text: str) -> set[str]:
    """The terms ``text`` is indexed under."""
    found: set[str] = set()
    for run in _RUN.findall(normalized(text)):
        if _CJK_RUN.fullmatch(run):
            found.update(pairs(run))
        else:
            found.add(stem(run))
    return found


def query_terms(query: str) -> list[str]:
    """The terms a query looks up, each once, in the order of the query: a paper is found
    when it has all of them."""
    seen: dict[str, None] = {}
    for run in _RUN.findall(normalized(query)):
        for term in pairs(run) if _CJK_RUN.fullmatch(run) else [stem(run)]:
            seen.setdefault(term)
    return list(seen)


def title_terms(titles: Iterable[str]) -> set[str]:
    """The marked terms of a paper's titles (``^calibrat`` for Calibration)."""
    return {TITLE_MARK + term for title in titles for term in terms(title)}


def unmarked(term: str) -> str:
    """A term as it is without the mark of a title's term."""
    return term.removeprefix(TITLE_MARK)
