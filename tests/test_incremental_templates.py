"""Compiled templates kept between builds: a site's own with the site, the built-in theme's
once for every site, in the user's cache folder."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from digestgen.build import build, configure
from digestgen.configload import load_config
from digestgen.incremental.storage import code_version
from digestgen.incremental.templates import SHARED_KEPT_SECONDS
from digestgen.pages import theme
from sitekit import SiteFolder

PAPER = ('id: "2403.10001"\ntitle: {en: A paper on label smoothing, zh: 一篇论文}\n'
         "date: 2024-03-20\nabstract: {en: Its abstract., zh: 摘要。}\n")
OWN_PAPER_TEMPLATE = ('{% extends "builtin:paper.html" %}\n{% block content %}<p class="mine">'
                      "mine</p>{{ super() }}{% endblock %}\n")


@pytest.fixture
def user_cache(tmp_path, monkeypatch) -> Path:
    """This test's own user cache folder (``XDG_CACHE_HOME``), empty."""
    folder = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


@pytest.fixture
def compiled(monkeypatch) -> list[str]:
    """The names of the templates that builds compile from their source, as they do."""
    names: list[str] = []
    real = theme._Environment.compile

    def compile_(self, source, name=None, filename=None, *args, **kwargs):
        names.append(name)
        return real(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(theme._Environment, "compile", compile_)
    return names


def new_site(root: Path) -> SiteFolder:
    site = SiteFolder(root)
    site.paper("2403.10001.yaml", PAPER)
    return site


def run_build(site: SiteFolder) -> None:
    build(configure(load_config(site.config_path), output=site.output))


def files(folder: Path) -> dict[str, tuple[int, int]]:
    """The files of ``folder`` by name: (inode, mtime) of each, which a rewrite changes."""
    if not folder.is_dir():
        return {}
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir()}


def test_the_builtin_theme_is_compiled_once_for_every_site(tmp_path, user_cache, compiled):
    first = new_site(tmp_path / "first")
    run_build(first)
    shared = files(user_cache / "digestgen/templates")
    assert compiled and len(shared) == len(set(compiled))
    assert all(name.startswith("__jinja2_theme-") and code_version()[:16] in name
               for name in shared)
    assert files(first.root / ".digestgen-cache/templates") == {}

    compiled.clear()
    second = new_site(tmp_path / "second")
    run_build(second)
    assert compiled == []
    assert files(user_cache / "digestgen/templates") == shared
    assert files(second.root / ".digestgen-cache/templates") == {}
    assert "A paper on label smoothing" in second.page("en/papers/2403.10001/index.html")


def test_a_sites_own_template_is_kept_with_the_site_and_compiled_once(tmp_path, user_cache,
                                                                      compiled):
    run_build(new_site(tmp_path / "plain"))  # the built-in theme is compiled
    site = new_site(tmp_path / "own")
    site.write("layouts/paper.html", OWN_PAPER_TEMPLATE)
    shared = files(user_cache / "digestgen/templates")
    compiled.clear()
    run_build(site)
    assert compiled == ["paper.html"]
    assert len(files(site.root / ".digestgen-cache/templates")) == 1
    assert files(user_cache / "digestgen/templates") == shared
    assert '<p class="mine">mine</p>' in site.page("papers/2403.10001/index.html")

    compiled.clear()
    site.paper("2403.10001.yaml", PAPER.replace("Its abstract.", "Its new abstract."))
    run_build(site)
    assert compiled == []
    assert "Its new abstract." in site.page("papers/2403.10001/index.html")


def test_other_codes_templates_leave_the_user_folder_after_a_week(tmp_path, user_cache):
    folder = user_cache / "digestgen/templates"
    folder.mkdir(parents=True)
    recent, old = folder / "__jinja2_theme-aa.0123456789abcdef.cache", \
        folder / "__jinja2_theme-bb.0123456789abcdef.cache"
    other = folder / "notes.txt"
    for path in (recent, old, other):
        path.write_bytes(b"x")
    week_ago = time.time() - SHARED_KEPT_SECONDS - 60
    os.utime(old, (week_ago, week_ago))
    os.utime(other, (week_ago, week_ago))
    run_build(new_site(tmp_path / "site"))
    assert recent.exists() and other.exists()
    assert not old.exists()


def test_a_user_cache_folder_that_cannot_be_made_keeps_them_with_the_site(tmp_path, monkeypatch,
                                                                          compiled):
    blocked = tmp_path / "a-file"
    blocked.write_text("a file where the user's cache folder would go\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    site = new_site(tmp_path / "site")
    run_build(site)
    kept = files(site.root / ".digestgen-cache/templates")
    assert kept and all(name.startswith("__jinja2_theme-") for name in kept)
    compiled.clear()
    site.paper("2403.10001.yaml", PAPER.replace("Its abstract.", "Its new abstract."))
    run_build(site)
    assert compiled == []
    assert "Its new abstract." in site.page("papers/2403.10001/index.html")
