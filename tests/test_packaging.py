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


def test_every_folder_of_the_theme_is_shipped_as_package_data():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    folders = {".".join(("digestgen", *p.relative_to(ROOT).parts))
               for p in [ROOT / "layouts", *(ROOT / "layouts").rglob("*")] if p.is_dir()}
    assert folders <= listed, f"add to [tool.setuptools] packages: {sorted(folders - listed)}"


def test_the_version_is_written_in_one_place():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "digestgen.__version__"}


def test_the_builtin_theme_has_every_page_template():
    from digestgen.pages.theme import builtin_layouts
    folder = builtin_layouts()
    for name in ["base.html", "home.html", "issue.html", "paper.html", "archive.html",
                 "term.html", "404.html", "feed.xml", "sitemap.xml", "i18n/zh.yaml",
                 "i18n/en.yaml"]:
        assert (folder / name).is_file(), name
