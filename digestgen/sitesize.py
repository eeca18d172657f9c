"""How big a built site is where it is published, against the hosts' limits.

GitHub Pages refuses a published site over 1 GB; GitLab Pages also refuses one of more than
200,000 files. ``digestgen check`` measures the site it built (every file a host would serve;
the build's manifest is bookkeeping that ``deploy`` leaves out) and says how far it is from
those limits, per paper too, so that the growth of a digest can be foreseen.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .output.manifest import MANIFEST

#: GitHub Pages: "Published GitHub Pages sites may be no larger than 1 GB."
DEFAULT_MAX_BYTES = 10 ** 9
#: GitLab Pages: at most 200,000 files in a deployment.
DEFAULT_MAX_FILES = 200_000
#: Sizes as people write them: 1GB, 500 MB, 20kB, 12345 (bytes); powers of 1000, as hosts count.
_SIZE = re.compile(r"\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>[kKMGT]?)B?\s*")
_UNITS = {"": 1, "k": 10 ** 3, "K": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12}


@dataclass(frozen=True)
class Limits:
    bytes: int = DEFAULT_MAX_BYTES
    files: int = DEFAULT_MAX_FILES


@dataclass(frozen=True)
class SiteSize:
    """A built site's published bytes and files, and its paper count."""

    bytes: int
    files: int
    papers: int
    search_bytes: int = 0  # of which the search index (search/)
    search_files: int = 0


def parse_size(text: str) -> int:
    """``"1GB"`` -> 1000000000; raises ValueError on anything else (and on less than a byte:
    no site fits in it)."""
    match = _SIZE.fullmatch(text)
    if not match:
        raise ValueError(f"not a size: {text!r} (e.g. 1GB, 500MB, 20kB)")
    size = int(float(match["n"]) * _UNITS[match["unit"]])
    if size < 1:
        raise ValueError(f"a size of at least 1 byte, not {text!r}")
    return size


def measure(output: Path, papers: int) -> SiteSize:
    """Every file under ``output`` but the build's manifest."""
    total = files = search_bytes = search_files = 0
    for folder, _, names in os.walk(output):
        rel = os.path.relpath(folder, output)
        in_search = rel == "search" or rel.startswith("search" + os.sep)
        for name in names:
            if rel == "." and name == MANIFEST:
                continue
            size = os.lstat(os.path.join(folder, name)).st_size
            total += size
            files += 1
            if in_search:
                search_bytes += size
                search_files += 1
    return SiteSize(total, files, papers, search_bytes, search_files)


def human(n: float) -> str:
    """Bytes as hosts count them: 1.23 GB, 45.6 MB, 7.8 kB."""
    for unit, scale in (("GB", 10 ** 9), ("MB", 10 ** 6), ("kB", 10 ** 3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} bytes"


def size_lines(size: SiteSize, limits: Limits) -> tuple[list[str], list[str]]:
    """The report's lines on size, and its warnings (one per limit passed)."""
    lines = [f"Published size: {human(size.bytes)} in {size.files:,} files "
             f"(limits: {human(limits.bytes)}, {limits.files:,} files)."]
    if size.search_files:
        lines.append(f"  of which the search index: {human(size.search_bytes)} in "
                     f"{size.search_files:,} files.")
    if size.papers:
        per_bytes, per_files = size.bytes / size.papers, size.files / size.papers
        lines.append(f"  per paper: {human(per_bytes)} and {per_files:.2f} files; at this rate "
                     f"the limits allow about {_fits(size, limits):,} papers.")
    warnings = []
    if size.bytes > limits.bytes:
        warnings.append(f"warning: the site is {human(size.bytes)}, over the limit of "
                        f"{human(limits.bytes)} (GitHub Pages publishes at most 1 GB)")
    if size.files > limits.files:
        warnings.append(f"warning: the site has {size.files:,} files, over the limit of "
                        f"{limits.files:,} (GitLab Pages publishes at most 200,000)")
    return lines, warnings


def _fits(size: SiteSize, limits: Limits) -> int:
    """About how many papers the limits allow, growing as the site grew so far."""
    return int(min(limits.bytes / (size.bytes / size.papers),
                   limits.files / (size.files / size.papers)))
