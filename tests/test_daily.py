"""The daily workflow ``init`` writes: linted, and its steps run as the runner runs them, in a
real git repository that pushes to a local bare one, against the local arXiv server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from arxiv_server import ArxivServer, Reply, fixture
from arxiv_server import no_internet  # noqa: F401 (the fixture below)
from digestgen.commands.init import init
from digestgen.configload import load_config
from digestgen.daily_workflow import CRON, DAILY_WORKFLOW
from digestgen.errors import SiteError
from model_server import model_server  # noqa: F401 (a fixture)
from model_server import translate_section
from test_workflows import LINTERS, lint, plain_git  # noqa: F401 (a fixture)
from sitekit import commented_section

REPO = Path(__file__).resolve().parents[1]
FEED = REPO / "tests" / "fixtures" / "arxiv" / "rss-all-archives-2024-11-28.xml"
EMPTY = "rss-test-archive-empty-2024-11-28.xml"

pytestmark = pytest.mark.usefixtures("no_internet")


def rss(body: bytes) -> Reply:
    return Reply(200, body, content_type="application/rss+xml; charset=utf-8")


@pytest.fixture
def server():
    with ArxivServer(default=lambda request: rss(FEED.read_bytes())) as running:
        yield running


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True,
                          check=True)
    return done.stdout


@pytest.fixture
def digest(tmp_path, server) -> Path:
    """A new site in a git repository whose origin is a local bare repository, with a
    ``daily:`` section reading the local server's feed."""
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    site = tmp_path / "digest"
    assert CliRunner().invoke(init, [str(site)]).exit_code == 0
    with open(site / "digestgen.yaml", "a", encoding="utf-8") as config:
        config.write(f"daily:\n  feeds: [{server.root}/rss/cs]\n  top: 5\n")
    git(site, "init", "-q", "-b", "main")
    git(site, "add", "-A")
    git(site, "-c", "user.name=Editor", "-c", "user.email=editor@example.org", "commit",
        "-q", "-m", "a new digest")
    git(site, "remote", "add", "origin", str(remote))
    git(site, "push", "-q", "-u", "origin", "main")
    return site


def workflow(site: Path) -> dict:
    return yaml.safe_load((site / DAILY_WORKFLOW).read_text(encoding="utf-8"))


def run_steps(site: Path, tmp_path: Path, **env: str) -> tuple[str, str]:
    """Run the workflow's shell steps up to the commit, as the runner would; the output of
    the run and what the steps wrote to GITHUB_OUTPUT."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "digestgen"  # the console script pip would install
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c '
                    f'"from digestgen.cli import run; run()" "$@"\n')
    shim.chmod(0o755)
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    outputs = temp / "github-output"
    outputs.write_text("")
    environment = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
                   "PYTHONPATH": str(REPO), "RUNNER_TEMP": str(temp),
                   "GITHUB_OUTPUT": str(outputs), "GITHUB_REF_NAME": "main",
                   "OPENAI_API_KEY": "", **env}
    log = []
    for step in workflow(site)["jobs"]["add"]["steps"]:
        if "run" not in step or step["run"].startswith(("python -m pip", "gh ")):
            continue  # installing and starting another workflow are GitHub's part
        step_env = {name: str(value) for name, value in step.get("env", {}).items()
                    if "${{" not in str(value)}  # expressions are GitHub's: set above
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               step["run"]], cwd=site, env={**environment, **step_env},
                              capture_output=True, text=True, timeout=300, check=False)
        log.append(done.stdout + done.stderr)
        assert done.returncode == 0, "\n".join(log)
    return "\n".join(log), outputs.read_text()


def commits(site: Path) -> list[str]:
    return git(site.parent / "remote.git", "log", "--format=%s", "main").splitlines()


def test_a_run_commits_the_days_best_papers_and_a_second_run_commits_nothing(
        digest, tmp_path, server):
    log, outputs = run_steps(digest, tmp_path)
    assert commits(digest) == ["content: 5 papers of 2024-11-28 from arXiv's announcements",
                               "a new digest"]
    assert outputs == "pushed=true\n"
    assert [r.path for r in server.requests] == ["/rss/cs"]
    added = git(digest, "show", "--name-status", "--format=", "HEAD").splitlines()
    assert len(added) == 5 and all(line.startswith("A\tcontent/papers/") for line in added)
    body = git(digest, "log", "-1", "--format=%b").splitlines()
    files = sorted(line.split("/")[-1].removesuffix(".yaml") for line in added)
    assert sorted(line.split(":")[0].removeprefix("- ") for line in body if line) == files
    for line in filter(None, body):
        paper = yaml.safe_load((digest / f"content/papers/{line[2:].split(':')[0]}.yaml")
                               .read_text(encoding="utf-8"))
        assert line == f"- {paper['id']}: {paper['title']}"
    assert "No machine drafts: OPENAI_API_KEY is not set." in log
    author = git(digest, "log", "-1", "--format=%an <%ae>").strip()
    assert author.startswith("github-actions[bot] <")

    log, outputs = run_steps(digest, tmp_path)  # the same day again: nothing to add
    assert "the digest already holds 5 papers of 2024-11-28; nothing to add" in log
    assert "Nothing new: no commit." in log
    assert outputs == ""
    assert len(commits(digest)) == 2
    assert git(digest, "status", "--porcelain") == ""


def with_model(site: Path, api: str, **settings) -> None:
    """Commit a ``translate:`` section asking the model at ``api``, with drafting on."""
    path = site / "digestgen.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  top: 5\n", "  top: 5\n  translate: true\n")
                    + translate_section(f"api: {api}\n  model: test-model-1", **settings),
                    encoding="utf-8")
    git(site, "-c", "user.name=Editor", "-c", "user.email=editor@example.org", "commit",
        "-q", "-am", "drafts by a model")


def added_papers(site: Path) -> list[dict]:
    """The records of the papers the last commit added."""
    names = git(site, "show", "--name-only", "--format=", "HEAD").split()
    return [yaml.safe_load((site / name).read_text(encoding="utf-8")) for name in names]


def test_with_the_key_set_the_new_papers_are_committed_with_drafts(digest, tmp_path,
                                                                   model_server):
    model_server.key = "sk-test"  # the secret reaches the model, or the server refuses
    with_model(digest, model_server.api)
    log, outputs = run_steps(digest, tmp_path, OPENAI_API_KEY="sk-test")
    assert outputs == "pushed=true\n"
    assert commits(digest)[0] == "content: 5 papers of 2024-11-28 from arXiv's announcements"
    papers = added_papers(digest)
    assert len(papers) == 5
    for paper in papers:
        english = paper["title"]["en"]
        assert paper["title"]["zh"] == f"〔zh〕{english}"
        assert paper["abstract"]["zh"] == f"〔zh〕{paper['abstract']['en']}"
        assert paper["machine"] == {"title.zh": "test-model-1", "abstract.zh": "test-model-1"}
    assert model_server.refused == 0
    assert "Wrote 10 texts to 5 papers (test-model-1)" in log
    assert "No machine drafts" not in log and "failed" not in log


def test_when_the_model_fails_the_new_papers_are_committed_without_drafts(digest, tmp_path,
                                                                          model_server):
    model_server.failing = 500
    with_model(digest, model_server.api, retries=1, timeout=2)
    log, outputs = run_steps(digest, tmp_path, OPENAI_API_KEY="sk-test")
    assert model_server.requests  # the model was asked, and failed
    assert "Warning: `digestgen translate` failed (exit status 1); the new papers are kept " \
           "without drafts." in log
    assert outputs == "pushed=true\n"
    assert commits(digest)[0] == "content: 5 papers of 2024-11-28 from arXiv's announcements"
    papers = added_papers(digest)
    assert len(papers) == 5
    for paper in papers:  # as add wrote them: English only, a plain string
        assert isinstance(paper["title"], str) and isinstance(paper["abstract"], str)
        assert "machine" not in paper
    assert git(digest, "status", "--porcelain") == ""


def test_an_empty_feed_commits_nothing(digest, tmp_path, server):
    server.queue(rss(fixture(EMPTY)))
    log, outputs = run_steps(digest, tmp_path)
    assert "no papers to consider" in log and "Nothing new: no commit." in log
    assert outputs == "" and commits(digest) == ["a new digest"]


def test_a_site_without_a_daily_section_does_nothing(tmp_path, server):
    site = tmp_path / "plain"
    assert CliRunner().invoke(init, [str(site)]).exit_code == 0
    git(site, "init", "-q", "-b", "main")
    log, outputs = run_steps(site, tmp_path)
    assert "Nothing to do: digestgen.yaml has no 'daily:' section" in log
    assert outputs == "" and server.requests == []


def test_the_workflow_runs_after_the_announcement_and_by_hand(digest):
    flow = workflow(digest)
    assert flow[True] == {"schedule": [{"cron": CRON}], "workflow_dispatch": None}
    assert CRON == "30 5 * * 1-5"  # feeds are rebuilt at 00:00 US Eastern = 05:00 UTC (EST)
    assert flow["permissions"] == {"contents": "write", "actions": "write"}
    steps = flow["jobs"]["add"]["steps"]
    assert steps[2]["run"] == 'python -m pip install "digestgen[rank]==0.1.0"'
    assert steps[3]["env"] == {"OPENAI_API_KEY": "${{ secrets.OPENAI_API_KEY }}"}
    publish = steps[-1]
    assert publish["if"] == "steps.commit.outputs.pushed == 'true'"
    assert publish["run"] == 'gh workflow run pages.yml --ref "$GITHUB_REF_NAME"'
    assert (digest / ".github/workflows/pages.yml").is_file()


@pytest.mark.parametrize("linter", sorted(LINTERS))
def test_the_daily_workflow_passes_the_linter(linter, digest):
    done = lint(linter, digest / DAILY_WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_daily_section_is_checked_with_lines(tmp_path):
    path = tmp_path / "digestgen.yaml"
    path.write_text("title: T\nbase_url: https://a.b/\ndaily:\n  categories: [cs.LG, cs LG]\n"
                    "  types: [new, old]\n  top: 0\n  translat: yes\n  feeds: ftp://x\n",
                    encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        load_config(path)
    assert sorted(str(p) for p in caught.value.problems) == sorted([
        f"{path}:7: unknown key 'daily.translat' (did you mean 'daily.translate'?)",
        f"{path}:4: 'daily.categories': 'cs LG' is not an arXiv category such as cs.LG or an "
        "archive such as cs",
        f"{path}:8: 'daily.feeds': 'ftp://x' is not an http(s) URL of a feed",
        f"{path}:5: 'daily.types': 'old' is not an announce type (new, cross, replace, "
        "replace-cross)",
        f"{path}:6: 'daily.top' must be a whole number of papers, 1 or more, not 0",
    ])


def test_the_feed_is_made_from_the_categories(tmp_path):
    path = tmp_path / "digestgen.yaml"
    path.write_text("title: T\nbase_url: https://a.b/\ndaily:\n  categories: [cs.LG, stat.ML]\n",
                    encoding="utf-8")
    daily = load_config(path).daily
    assert daily.feeds == ("https://rss.arxiv.org/rss/cs.LG+stat.ML",)
    assert (daily.types, daily.top, daily.translate) == (("new", "cross"), 10, True)


def test_the_config_init_writes_documents_the_daily_section(tmp_path):
    site = tmp_path / "s"
    assert CliRunner().invoke(init, [str(site)]).exit_code == 0
    text = (site / "digestgen.yaml").read_text(encoding="utf-8")
    block = commented_section(text, "daily")
    config = yaml.safe_load("\n".join(block))
    assert set(config["daily"]) == {"categories", "feeds", "types", "top", "translate"}
    (site / "digestgen.yaml").write_text(text + "\n".join(block) + "\n", encoding="utf-8")
    assert load_config(site / "digestgen.yaml").daily.top == 10  # uncommented, it is valid


def test_a_push_by_an_editor_during_the_run_is_kept(digest, tmp_path):
    editor = tmp_path / "editor"
    subprocess.run(["git", "clone", "-q", str(tmp_path / "remote.git"), str(editor)],
                   check=True)
    (editor / "content/issues").mkdir(parents=True)
    (editor / "content/issues/2024-03-22.yaml").write_text("intro: An editor's note.\n")
    git(editor, "add", "-A")
    git(editor, "-c", "user.name=Editor", "-c", "user.email=editor@example.org", "commit",
        "-q", "-m", "an editor's note")
    git(editor, "push", "-q", "origin", "main")
    log, outputs = run_steps(digest, tmp_path)
    assert outputs == "pushed=true\n"
    assert commits(digest) == ["content: 5 papers of 2024-11-28 from arXiv's announcements",
                               "an editor's note", "a new digest"]
