"""Compiled templates kept between builds: a small rebuild then compiles no template again
(Jinja's bytecode cache).

A site's own templates are kept in its ``.digestgen-cache/templates``. The built-in theme's are
kept once for every site, in the user's cache folder (``$XDG_CACHE_HOME/digestgen/templates``,
else ``~/.cache/digestgen/templates``), as Python keeps an installed package's compiled modules:
they belong to the installed digestgen, not to a site, so the first build of a new site does
not compile them again (0.2 s, a tenth of a first build of 1,000 papers).

Jinja checks a compiled template against its source, but not against the Jinja version or the
code generator (:class:`~digestgen.pages.theme._CodeGenerator`) that compiled it: each file is
named for the code that compiled it (:func:`~.storage.code_version`, which covers both). A
site's folder holds one code's files; the user's folder may serve several installed versions
at once, so the files of other code are removed from it only once a week has passed since
they were written. A compiled template that cannot be written (a read-only folder, a full
disk) is compiled again next time; it never fails the build.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import jinja2

from .storage import code_version


#: How long the user's folder keeps the files of other code (see the module's docstring).
SHARED_KEPT_SECONDS = 7 * 24 * 3600


def template_cache(folder: Path, builtin: Path) -> jinja2.BytecodeCache | None:
    """The cache of compiled templates: those of ``builtin`` (the built-in theme's folder) in
    the user's cache folder, the others in ``folder``; none when ``folder`` cannot be made."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return TemplateCache(folder, shared_folder(), builtin)


def shared_folder() -> Path | None:
    """The user's folder of the built-in theme's compiled templates; None when it cannot be
    made (then they are kept with the site's)."""
    base = Path(os.environ.get("XDG_CACHE_HOME", ""))
    if not base.is_absolute():  # unset, or relative: which XDG says to ignore
        base = Path(os.path.expanduser("~"), ".cache")
    if not base.is_absolute():  # no home folder to be found
        return None
    folder = base / "digestgen" / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """Jinja's folder of compiled templates, each file named for the code that compiled it;
    those of the built-in theme in a folder of their own (``shared``)."""

    def __init__(self, folder: Path, shared: Path | None, builtin: Path):
        suffix = f".{code_version()[:16]}.cache"
        super().__init__(str(folder), "__jinja2_%s" + suffix)
        self._shared = str(shared or folder)
        self._builtin = os.path.join(str(builtin), "")
        _remove_others(folder, suffix)
        if shared is not None:
            _remove_others(shared, suffix, older_than=time.time() - SHARED_KEPT_SECONDS)

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        key = super().get_cache_key(name, filename)
        # Marked by where its source is (a hash has no such letters): _get_cache_filename
        # then knows which folder it goes to.
        return "theme-" + key if filename and filename.startswith(self._builtin) else key

    def _get_cache_filename(self, bucket: jinja2.bccache.Bucket) -> str:
        folder = self._shared if bucket.key.startswith("theme-") else self.directory
        return os.path.join(folder, self.pattern % (bucket.key,))

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _remove_others(folder: Path, suffix: str, older_than: float | None = None) -> None:
    """Remove the compiled templates in ``folder`` not named with ``suffix`` (when given, only
    those last written before the time ``older_than``)."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if not entry.name.startswith("__jinja2_") or entry.name.endswith(suffix):
                continue
            with contextlib.suppress(OSError):
                if older_than is None or entry.stat().st_mtime < older_than:
                    os.remove(entry.path)
