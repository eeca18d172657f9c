"""Where the built-in theme is: a folder inside the installed package (without importing
Jinja: a no-op build never needs it).

The wheel keeps the source tree's top-level ``layouts/`` as ``digestgen/layouts/``; an
editable install or a checkout reads ``layouts/`` beside the package.
"""

from __future__ import annotations

import functools
from pathlib import Path

#: A file every copy of the built-in theme has.
MARKER = "base.html"


@functools.cache
def builtin_layouts() -> Path:
    """The built-in theme folder, as a real folder Jinja can read.

    The package's own ``layouts`` comes first (a wheel or sdist install); then ``layouts/``
    beside the package (a checkout or an editable install). A package imported from elsewhere
    than a folder (a zip) is asked through ``importlib.resources`` (imported only then: it
    costs a hundredth of a second, and every build asks), and cannot serve templates by file
    name: it says so."""
    package = Path(__file__).resolve().parents[1]
    for folder in (package / "layouts", package.parent / "layouts"):
        if (folder / MARKER).is_file():
            return folder
    import importlib.resources
    packaged = importlib.resources.files("digestgen").joinpath("layouts")
    if isinstance(packaged, Path) and (packaged / MARKER).is_file():
        return packaged
    source_tree = package.parent / "layouts"
    raise RuntimeError(f"digestgen's built-in theme is missing: no {MARKER} in {packaged} "
                       f"or {source_tree}; reinstall digestgen from a wheel or a checkout")
