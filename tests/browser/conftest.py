"""Browser tests: the demo site of :mod:`browser_site`, built into a temporary folder, served on
127.0.0.1 under /digest/, and read by Debian's headless Chromium through Playwright.

Every test here skips, saying why, when /usr/bin/chromium or Playwright is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_site import WIDE, serve, write_site
from chromium import browser_missing
from click.testing import CliRunner

from digestgen.search import index as search_index
from digestgen.cli import main


def pytest_collection_modifyitems(config, items):
    reason = browser_missing()
    if reason:
        here = Path(__file__).parent
        for item in items:
            if here in Path(item.fspath).parents:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The demo site, built once with the search index (in segments of about two papers, so
    that a search looks in several, and a title file a paper); its output folder."""
    root = tmp_path_factory.mktemp("browser-site")
    write_site(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search_index, "SEGMENT_PAPERS", 2)
        patch.setattr(search_index, "TITLES_PER_FILE", 1)
        result = CliRunner().invoke(main, ["build", "--config", str(root / "digestgen.yaml"),
                                           "-q"])
    assert result.exit_code == 0, result.output
    return root / "site"


@pytest.fixture(scope="session")
def base_url(built_site):
    server, url = serve(built_site)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def expect():
    from playwright.sync_api import expect
    return expect


@pytest.fixture
def open_page(browser, base_url):
    """``open_page(rel, viewport=WIDE, scheme="light", js=True)``: a fresh browser context on a
    page of the site (or at a whole URL). Any console error or uncaught exception fails the test."""
    contexts, errors = [], []

    def opener(rel: str = "", viewport=WIDE, scheme: str = "light", js: bool = True,
               context=None):
        if context is None:
            context = browser.new_context(viewport=viewport, color_scheme=scheme,
                                          java_script_enabled=js, reduced_motion="reduce")
            contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        page.goto(rel if "://" in rel else base_url + rel)  # a page of another site too
        return page

    yield opener
    for context in contexts:
        context.close()
    assert errors == [], errors
