"""Shared test fixtures: small sites written into a temporary folder, and one browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from chromium import CHROMIUM, CHROMIUM_ARGS, browser_missing
from sitekit import SiteFolder

@pytest.fixture(autouse=True, scope="session")
def user_cache_folder(tmp_path_factory) -> Path:
    """The user's cache folder of every build in the run (builds keep the built-in theme's
    compiled templates there): one of the run's own, never the real one."""
    folder = tmp_path_factory.mktemp("user-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


@pytest.fixture
def site(tmp_path: Path) -> SiteFolder:
    """An empty site with a minimal ``digestgen.yaml``."""
    return SiteFolder(tmp_path / "mysite")


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium through Playwright, one for the whole run (Playwright's sync
    API allows one instance at a time in a thread)."""
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()
