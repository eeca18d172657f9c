"""Where the built-in theme is: a folder inside the installed package, found through
``importlib.resources`` (without importing Jinja: a no-op build never needs it).

The wheel keeps the source tree's top-level ``layouts/`` as ``digestgen/layouts/``; an
editable install or a checkout reads ``layouts/`` beside the package.
"""

from __future__ import annotations

import functools
import importlib.resources
from pathlib import Path

#: A file every copy of the built-in theme has.
MARKER = "base.html"


@functools.cache
def builtin_layouts() -> Path:
    """The built-in theme folder, as a real folder Jinja can read.

    The package's own ``layouts`` comes first (a wheel or sdist install); then ``layouts/``
    beside the package (a checkout or an editable install). ``importlib.resources`` gives a
    plain path for a package on disk; a package imported from elsewhere (a zip) cannot serve
    templates by file name, and says so."""
    packaged = importlib.resources.files("digestgen").joinpath("layouts")
    if isinstance(packaged, Path) and (packaged / MARKER).is_file():
        return packaged
    source_tree = Path(__file__).resolve().parents[2] / "layouts"
    if (source_tree / MARKER).is_file():
        return source_tree
    raise RuntimeError(f"digestgen's built-in theme is missing: no {MARKER} in {packaged} "
                       f"or {source_tree}; reinstall digestgen from a wheel or a checkout")
