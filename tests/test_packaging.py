"""The wheel ships every package and the built-in theme."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "digestgen").rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert "digestgen.layouts" in listed


def test_the_builtin_theme_has_every_page_template():
    from digestgen.theme import builtin_layouts
    folder = builtin_layouts()
    for name in ["base.html", "home.html", "issue.html", "paper.html", "archive.html",
                 "term.html", "404.html", "feed.xml", "sitemap.xml", "i18n/zh.yaml",
                 "i18n/en.yaml"]:
        assert (folder / name).is_file(), name
