"""Shared test fixtures: small sites written into a temporary folder, and one browser."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sitekit import SiteFolder

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.is_file():
        return f"no browser: {CHROMIUM} is missing (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install -e '.[test]')"
    return None


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
