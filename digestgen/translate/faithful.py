"""What a draft must keep of its source: math, links, inline code and numbers (SPEC 5).

A translation may reword everything else, but ``$x^2$``, a URL, ``code`` or 0.93 that the
source holds must be in the draft as they are; a draft that loses any is not written.
"""

from __future__ import annotations

import re

MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$(?!\s)[^$\n]+?(?<![\s\\])\$", re.S)
CODE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
BARE_URL = re.compile(r"https?://[^\s<>()\[\]\"'`]+[^\s<>()\[\]\"'`.,;:!?。，；：！？）]")
#: A number standing alone; Chinese writes 1000个 and 2024年, so only ASCII letters, digits and
#: '_' count as joined to it (v2, 3D and x_1 are not numbers).
NUMBER = re.compile(r"(?<![A-Za-z0-9_.])\d+(?:\.\d+)?(?![A-Za-z0-9_])")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def required_parts(source: str) -> list[str]:
    """The parts of ``source`` a faithful draft keeps, in order, each once."""
    parts: list[str] = []
    rest = source
    for pattern in (MATH, CODE):
        parts += [m.group(0) for m in pattern.finditer(rest)]
        rest = pattern.sub(" ", rest)
    urls = [m.group(1) for m in LINK_TARGET.finditer(rest)]
    urls += [m.group(0) for m in BARE_URL.finditer(LINK_TARGET.sub(" ", rest))]
    parts += urls
    for url in urls:
        rest = rest.replace(url, " ")
    parts += [m.group(0) for m in NUMBER.finditer(_THOUSANDS.sub("", rest))]
    return list(dict.fromkeys(parts))


def missing_parts(source: str, draft: str) -> list[str]:
    """The parts of ``source`` that ``draft`` lost."""
    kept = _squeeze(draft)
    numbers = set(NUMBER.findall(_THOUSANDS.sub("", draft)))
    missing = []
    for part in required_parts(source):
        if NUMBER.fullmatch(part):
            if part not in numbers:
                missing.append(part)
        elif _squeeze(part) not in kept:
            missing.append(part)
    return missing


def _squeeze(text: str) -> str:
    """Whitespace made single spaces: a draft may wrap math or code differently."""
    return " ".join(text.split())
