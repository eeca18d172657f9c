"""The build pipeline: files -> records -> site model -> pages -> disk.

Each stage is a module of its own (:mod:`load`, :mod:`model`, :mod:`render`, :mod:`output`);
this one runs them in order. Everything is read and validated before anything is written, and
the output changes only when the whole site rendered.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

from .config import SiteConfig
from .errors import Problem, SiteError
from .load import load_content
from .model import Site, build_model
from .output import Staging, check_output_dir, output_lock
from .render import Renderer
from .search import add_search_index
from .theme import load_theme


@dataclass(frozen=True)
class BuildResult:
    site: Site
    output: Path
    files: int
    seconds: float


def configure(config: SiteConfig, output: Path | None = None,
              base_url: str | None = None) -> SiteConfig:
    """``config`` with the command line's ``--output`` and ``--base-url`` applied."""
    changes = {}
    if output is not None:
        changes["output_dir"] = output.resolve()
    if base_url is not None:
        from urllib.parse import urlsplit
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SiteError([Problem(Path("--base-url"), None,
                                     f"must be an http(s) URL, not {base_url!r}")])
        changes["base_url"] = base_url if base_url.endswith("/") else base_url + "/"
    return dataclasses.replace(config, **changes) if changes else config


def load_site(config: SiteConfig, drafts: bool = False) -> Site:
    """Read and validate the whole site: every content problem raises together."""
    return build_model(config, load_content(config, drafts=drafts))


def build(config: SiteConfig, drafts: bool = False) -> BuildResult:
    """Build ``config.output_dir``; raise :class:`SiteError` and leave it untouched on failure."""
    started = time.perf_counter()
    output = config.output_dir
    check_output_dir(config, output)
    site = load_site(config, drafts)
    theme = load_theme(config)
    renderer = Renderer(site, theme)
    with output_lock(output):
        staging = Staging(output)
        try:
            for folder in (*theme.static_dirs, config.static_dir):
                if folder.is_dir():
                    staging.copy_tree(folder)
            for page in renderer.pages():
                staging.write(page.path, page.data)
            add_search_index(config, staging)
            staging.commit()
        except BaseException:
            staging.discard()
            raise
    return BuildResult(site, output, len(staging.files), time.perf_counter() - started)
