"""digestgen as people install it: the sdist and wheel ``python -m build`` makes, installed into
a fresh virtual environment outside the repository, and used from a folder with no
``layouts/`` of its own, command after command, as a new user would.

Every other test imports digestgen from the source tree, where the top-level ``layouts/`` is
at hand; only these see what a wheel leaves out. One wheel and one environment serve the whole
session (pip's cache makes installing again fast). Installing needs the package index, as
``pip install`` of the test extra does.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from arxiv_server import ArxivServer, recorded
from test_serve import WAIT, Lines, fetch, free_port

REPO = Path(__file__).resolve().parent.parent
THEME = REPO / "layouts"
SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"
DIGEST_SEED = "000_817fa717bd144da2.txt"  # a digest of two papers


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: nothing that points Python at this checkout."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    env.update({"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONUNBUFFERED": "1", **extra})
    return env


def run(*args, cwd: Path, env: dict | None = None, ok: bool = True,
        timeout: float = 600) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env or clean_env(),
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout,
                          check=False)
    if ok:
        assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done


def theme_files() -> set[str]:
    return {p.relative_to(THEME).as_posix() for p in THEME.rglob("*") if p.is_file()
            and "__pycache__" not in p.parts}


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> dict[str, Path]:
    """The sdist and the wheel of this checkout, built as a release builds them."""
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--outdir", out, REPO, cwd=out)
    (sdist,) = out.glob("digestgen-*.tar.gz")
    (wheel,) = out.glob("digestgen-*.whl")
    return {"sdist": sdist, "wheel": wheel}


class Installed:
    """A virtual environment outside the repository with one install of digestgen in it."""

    def __init__(self, root: Path, spec: str, *pip_options: str):
        self.root = root
        run(sys.executable, "-m", "venv", root, cwd=root.parent)
        run(self.bin("python"), "-m", "pip", "install", "-q", *pip_options, spec, cwd=root.parent)
        self.env = clean_env(PATH=f"{self.root / 'bin'}{os.pathsep}{os.environ['PATH']}")

    def bin(self, name: str) -> Path:
        return self.root / "bin" / name

    def digestgen(self, *args, cwd: Path, ok: bool = True, **env) -> subprocess.CompletedProcess:
        """The ``digestgen`` command the install put on the PATH."""
        return run(self.bin("digestgen"), *args, cwd=cwd, env={**self.env, **env}, ok=ok)

    def imported_from(self, cwd: Path) -> Path:
        done = run(self.bin("python"), "-c", "import digestgen; print(digestgen.__file__)",
                   cwd=cwd, env=self.env)
        return Path(done.stdout.strip())


@pytest.fixture(scope="session")
def wheel_install(dist, tmp_path_factory) -> Installed:
    return Installed(tmp_path_factory.mktemp("wheel-env") / "venv", str(dist["wheel"]))


@pytest.fixture
def plain_git(tmp_path, monkeypatch) -> dict[str, str]:
    """git with no personal or system configuration, and a fixed identity."""
    (tmp_path / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    env = {"GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"), "GIT_CONFIG_NOSYSTEM": "1"}
    for who in ("AUTHOR", "COMMITTER"):
        env.update({f"GIT_{who}_NAME": "Editor", f"GIT_{who}_EMAIL": "editor@example.org"})
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def new_site(install: Installed, folder: Path) -> Path:
    """``digestgen init mydigest`` in an empty folder: the site, with no ``layouts/``."""
    folder.mkdir()
    install.digestgen("init", "mydigest", cwd=folder)
    site = folder / "mydigest"
    assert not (site / "layouts").exists()
    return site


def set_base_url(site: Path, url: str) -> None:
    config = site / "digestgen.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"(?m)^base_url: .*$", f"base_url: {url}", text), encoding="utf-8")


# --- the files ------------------------------------------------------------------------------

def test_the_sdist_and_wheel_pass_twine_check(dist):
    done = run(sys.executable, "-m", "twine", "check", "--strict", dist["sdist"], dist["wheel"],
               cwd=dist["wheel"].parent)
    assert done.stdout.count("PASSED") == 2, done.stdout


def test_the_wheel_holds_every_file_of_the_theme_and_every_module(dist):
    names = set(zipfile.ZipFile(dist["wheel"]).namelist())
    shipped = {n.removeprefix("digestgen/layouts/") for n in names
               if n.startswith("digestgen/layouts/")}
    assert shipped == theme_files()
    modules = {p.relative_to(REPO).as_posix() for p in (REPO / "digestgen").rglob("*.py")}
    assert modules <= names, sorted(modules - names)


def test_the_sdist_holds_the_theme_and_what_the_wheel_is_built_from(dist):
    with tarfile.open(dist["sdist"]) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert {f"layouts/{name}" for name in theme_files()} <= names
    assert {"pyproject.toml", "README.md", "digestgen/__init__.py"} <= names


def test_the_version_is_the_packages_own(dist, wheel_install, tmp_path):
    from digestgen import __version__
    assert dist["wheel"].name.startswith(f"digestgen-{__version__}-")
    done = wheel_install.digestgen("--version", cwd=tmp_path)
    assert done.stdout.strip() == f"digestgen, version {__version__}"


# --- a new user's first hour, from the wheel ------------------------------------------------

def test_the_installed_digestgen_is_the_wheels(wheel_install, tmp_path):
    imported = wheel_install.imported_from(tmp_path)
    assert imported.is_relative_to(wheel_install.root), imported
    assert not imported.is_relative_to(REPO)


def test_a_new_site_builds_checks_and_serves_from_the_wheel(wheel_install, tmp_path):
    site = new_site(wheel_install, tmp_path / "work")
    built = wheel_install.digestgen("build", cwd=site)
    assert "Built 1 paper in 1 issue" in built.stdout
    assert "base_url is still the placeholder" in built.stderr
    home = (site / "site" / "index.html").read_text(encoding="utf-8")
    assert 'href="/REPO/assets/digest.css' in home  # the built-in theme and its assets
    assert (site / "site" / "assets" / "digest.css").is_file()
    assert "理解为何标签平滑" in (site / "site" / "issues" / "2024-03-22" / "index.html").read_text(
        encoding="utf-8")
    checked = wheel_install.digestgen("check", cwd=site)
    assert "No problems found." in checked.stdout

    (tmp_path / "tmp").mkdir()
    server = subprocess.Popen(
        [wheel_install.bin("digestgen"), "serve", "--port", str(free_port())], cwd=site,
        env={**wheel_install.env, "TMPDIR": str(tmp_path / "tmp")}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        out = Lines(server.stdout)
        url = out.wait_for(r"Serving (http://127\.0\.0\.1:\d+/\S*)").group(1)
        status, html, _ = fetch(url)
        assert status == 200 and "论文速递" in html  # the root is the first language, zh
        paper = site / "content" / "papers" / "2403.14715.yaml"
        paper.write_text(paper.read_text(encoding="utf-8").replace(
            "理解为何标签平滑", "一次修改：理解为何标签平滑"), encoding="utf-8")
        page = url + "papers/2403.14715/"
        deadline = time.monotonic() + WAIT
        while "一次修改" not in fetch(page)[1] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "一次修改" in fetch(page)[1]
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=WAIT)


def test_add_import_export_and_deploy_from_the_wheel(wheel_install, tmp_path, plain_git):
    site = new_site(wheel_install, tmp_path / "work")
    config = site / "digestgen.yaml"

    with ArxivServer(default=lambda request: recorded("api-id-1605.08386.xml")) as arxiv:
        config.write_text(config.read_text(encoding="utf-8")
                          + f"arxiv_api: {arxiv.api_url}\n", encoding="utf-8")
        added = wheel_install.digestgen(
            "add", "1605.08386", "--date", "2024-03-22", "--delay", "0", "-q", cwd=site,
            HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9",
            NO_PROXY="127.0.0.1,localhost")
    assert (site / "content" / "papers" / "1605.08386.yaml").is_file(), added.stdout

    imported = wheel_install.digestgen("import", SEEDS / DIGEST_SEED, "--date", "2024-03-22",
                                       cwd=site)
    assert (site / "content" / "issues" / "2024-03-22.yaml").is_file(), imported.stdout
    assert (site / "content" / "papers" / "2310.02664.yaml").is_file()

    exported = wheel_install.digestgen("export", "2024-03-22", cwd=site)
    assert exported.stdout.startswith("# 摘要")
    assert "On Memorization in Diffusion Models" in exported.stdout

    remote = tmp_path / "remote.git"
    run("git", "init", "--quiet", "--bare", remote, cwd=tmp_path)
    set_base_url(site, "https://editor.github.io/mydigest/")
    for args in (["init", "--quiet"], ["add", "."], ["commit", "--quiet", "-m", "Start"],
                 ["remote", "add", "origin", remote]):
        run("git", *args, cwd=site, env=clean_env(**plain_git))
    wheel_install.digestgen("build", "-q", cwd=site)
    wheel_install.digestgen("deploy", cwd=site, **plain_git)
    published = run("git", "--git-dir", remote, "ls-tree", "-r", "--name-only", "gh-pages",
                    cwd=tmp_path, env=clean_env(**plain_git)).stdout.split()
    assert {"index.html", ".nojekyll", "assets/digest.css",
            "papers/1605.08386/index.html", "papers/2310.02664/index.html"} <= set(published)


# --- the other ways to install --------------------------------------------------------------

@pytest.mark.parametrize("kind", ["sdist", "editable"])
def test_a_new_site_builds_from_an_sdist_or_editable_install(kind, dist, tmp_path):
    if kind == "sdist":
        install = Installed(tmp_path / "venv", str(dist["sdist"]))
        expected_home = install.root
    else:  # a checkout (the unpacked sdist, so that nothing is written into this one)
        with tarfile.open(dist["sdist"]) as archive:
            archive.extractall(tmp_path / "checkout", filter="data")
        (checkout,) = (tmp_path / "checkout").iterdir()
        install = Installed(tmp_path / "venv", str(checkout), "-e")
        expected_home = checkout
    imported = install.imported_from(tmp_path)
    assert imported.is_relative_to(expected_home) and not imported.is_relative_to(REPO), imported
    site = new_site(install, tmp_path / "work")
    assert "Built 1 paper in 1 issue" in install.digestgen("build", cwd=site).stdout
    assert (site / "site" / "assets" / "digest.css").is_file()
    assert "No problems found." in install.digestgen("check", cwd=site).stdout
