"""What a build checks before it writes an output: that the output holds nothing but a site
digestgen wrote, and that no other build writes it at the same time."""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from ..config import SiteConfig
from ..content.records import name_too_long
from ..errors import Problem, SiteError
from .manifest import MANIFEST, beside


def check_output_dir(config: SiteConfig, output: Path) -> None:
    """Refuse an output that holds the site itself or something digestgen did not write."""
    line = config.line("output_dir")
    for name in output.parts:
        if why := name_too_long(name):
            raise SiteError([Problem(config.path, line, f"output directory: the name "
                                     f"{name[:40]!r}... {why}")])
    output = output.resolve()
    for inner, what in ((config.root, "the site root"), (config.content_dir, "content/"),
                        (config.layouts_dir, "layouts/"), (config.static_dir, "static/")):
        if inner == output or output in inner.parents:
            raise SiteError([Problem(config.path, line, f"output directory {output} holds "
                                     f"{what}; building there would overwrite it")])
        if inner.is_dir() and inner in output.parents and what != "the site root":
            raise SiteError([Problem(config.path, line, f"output directory {output} is inside "
                                     f"{what}")])
    if output.exists() and not output.is_dir():
        raise SiteError([Problem(output, None, "output path exists and is not a directory")])
    if output.is_dir() and any(output.iterdir()) and not (output / MANIFEST).is_file():
        raise SiteError([Problem(output, None, "output directory is not empty and was not "
                                 "written by digestgen; move it away or choose another output")])


@contextmanager
def output_lock(output: Path):
    """Hold the output's lock for a build; a second build at the same time is an error."""
    output.parent.mkdir(parents=True, exist_ok=True)
    lock_path = beside(output, "lock")
    # Never through a link: opening one for writing would reach a file elsewhere.
    fd = os.open(lock_path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o666)
    with open(fd, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SiteError([Problem(output, None, "another build is writing this output right "
                                     "now; wait for it to finish")]) from None
        yield
