"""Loading the site configuration: read and checked by :mod:`configfile` (which imports the YAML
parser) the first time, then taken from the cache folder while the file and the code are
unchanged, so that a build with nothing to do never imports the YAML parser.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from .config import CACHE_NAME, SiteConfig
from .errors import Problem, SiteError
from .incremental.storage import code_version, read_pickle, settled, write_pickle


def load_config(path: Path) -> SiteConfig:
    """Read and validate ``path``; raise :class:`SiteError` listing every problem.

    A configuration read before is taken from the cache while its file has the same stat and
    the code is the same."""
    path = path.resolve()
    try:
        info = os.stat(path)
    except OSError:
        raise SiteError([Problem(path, None, "no such file (run `digestgen init`)")]) from None
    stamp = (str(path), info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino,
             code_version())
    store = path.parent / CACHE_NAME / "config.pickle"
    cached = read_pickle(store)
    if isinstance(cached, tuple) and len(cached) == 2 and cached[0] == stamp \
            and isinstance(cached[1], SiteConfig):
        config = cached[1]
    else:
        from .configfile import read_config  # imports the YAML parser

        config = read_config(path)
        if settled(info.st_mtime_ns, info.st_ctime_ns):
            write_pickle(store, (stamp, config))
    # Resolved at each load: a symlink on the way may have changed since the file was read.
    return dataclasses.replace(config, output_dir=config.output_dir.resolve())
