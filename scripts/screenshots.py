#!/usr/bin/env python3
"""Regenerate the README's screenshots of an issue page: wide and phone, light and dark.

    python scripts/screenshots.py [--site DIR] [--issue ISSUE-ID] [--out docs/screenshots]

Builds the site (by default this repository's demo digest) into a temporary folder, serves it on
127.0.0.1 the way GitHub Pages serves a project site, and photographs the newest issue (or
--issue) with Debian's headless Chromium (/usr/bin/chromium) through Playwright.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
# The browser tests' server and browser setup.
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "browser")]
from browser_site import BASE_PATH, serve  # noqa: E402
from chromium import CHROMIUM, CHROMIUM_ARGS, browser_missing  # noqa: E402

from digestgen.cli import main  # noqa: E402

SHOTS = {  # name: (viewport, device scale factor)
    "wide": ({"width": 1280, "height": 860}, 1),
    "phone": ({"width": 360, "height": 760}, 2),
}


def build(site: Path, output: Path) -> None:
    result = CliRunner().invoke(main, [
        "build", "--config", str(site / "digestgen.yaml"), "--output", str(output),
        "--base-url", f"https://example.github.io{BASE_PATH}", "-q"])
    if result.exit_code != 0:
        sys.exit(result.output)


def photograph(base_url: str, issue: str | None, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        for scheme in ("light", "dark"):
            for name, (viewport, scale) in SHOTS.items():
                context = browser.new_context(viewport=viewport, device_scale_factor=scale,
                                              color_scheme=scheme, reduced_motion="reduce")
                page = context.new_page()
                if issue:
                    page.goto(f"{base_url}issues/{issue}/")
                else:  # the newest issue: the first on the home page
                    page.goto(base_url)
                    page.locator(".issue-card h2 a").first.click()
                page.wait_for_load_state("networkidle")
                path = out / f"issue-{name}-{scheme}.png"
                page.screenshot(path=str(path), animations="disabled", caret="hide")
                written.append(path)
                context.close()
        browser.close()
    return written


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT, help="site folder (digestgen.yaml)")
    parser.add_argument("--issue", help="issue id to photograph (default: the newest)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    reason = browser_missing()
    if reason:
        sys.exit(reason)
    with tempfile.TemporaryDirectory(prefix="digestgen-shots-") as tmp:
        output = Path(tmp) / "site"
        build(args.site.resolve(), output)
        server, base_url = serve(output)
        try:
            for path in photograph(base_url, args.issue, args.out):
                print(path.relative_to(ROOT) if ROOT in path.parents else path)
        finally:
            server.shutdown()
            server.server_close()


if __name__ == "__main__":
    main_()
