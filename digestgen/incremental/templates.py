"""Compiled templates kept between builds, in ``.digestgen-cache/templates``: a small rebuild
then compiles no template again (Jinja's bytecode cache).

Jinja checks a compiled template against its source, but not against the Jinja version or the
code generator (:class:`~digestgen.pages.theme._CodeGenerator`) that compiled it: each file is
named for the code that compiled it (:func:`~.storage.code_version`, which covers both), and
the files of other code are removed. A compiled template that cannot be written (a read-only
folder, a full disk) is compiled again next time; it never fails the build.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import jinja2

from .storage import code_version


def template_cache(folder: Path) -> jinja2.BytecodeCache | None:
    """The cache of compiled templates in ``folder``; none when the folder cannot be made."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return TemplateCache(folder)


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """Jinja's folder of compiled templates, each file named for the code that compiled it."""

    def __init__(self, folder: Path):
        suffix = f".{code_version()[:16]}.cache"
        super().__init__(str(folder), "__jinja2_%s" + suffix)
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                if entry.name.startswith("__jinja2_") and not entry.name.endswith(suffix):
                    os.remove(entry.path)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)
