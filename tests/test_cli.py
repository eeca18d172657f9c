"""The command group: every subcommand is listed and runs, though each is imported only when
it runs."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from digestgen.incremental import storage as cache
from digestgen.cli import main


def test_an_unknown_command_is_refused():
    result = CliRunner().invoke(main, ["bulid"])
    assert result.exit_code == 2
    assert "No such command 'bulid'" in result.output


def test_a_build_does_not_import_the_arxiv_client_or_the_watcher(tmp_path):
    code = ("import sys; from digestgen.cli import main\n"
            "try: main(['build', '--help'])\n"
            "except SystemExit: pass\n"
            "print(sorted(m for m in ('arxiv', 'watchfiles', 'openai') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, check=True)
    assert done.stdout.strip().endswith("[]")


def digestgen(*args: str, cwd) -> subprocess.CompletedProcess:
    """``python -m digestgen ARGS``, as a reader runs it, its output read through pipes."""
    return subprocess.run([sys.executable, "-m", "digestgen", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)


PAPER = """\
    id: "2401.00001"
    date: 2024-01-02
    title:
      en: A paper
    abstract:
      en: An abstract.
"""


def test_the_program_says_what_it_built_and_exits_0(site):
    site.paper("2401.00001.yaml", PAPER)
    done = digestgen("build", cwd=site.root)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Built 1 paper in 1 issue: ")
    assert "<h1" in site.page("papers/2401.00001/index.html")


def test_a_build_with_nothing_to_do_says_what_the_site_holds_without_reading_it(
        site, monkeypatch):
    monkeypatch.setattr(cache, "RACY_SECONDS", 0.0)  # files written now count as settled
    site.paper("2401.00001.yaml", PAPER)
    assert CliRunner().invoke(main, ["build", "--config", str(site.config_path)]).exit_code == 0

    def unread(*args, **kwargs):
        raise AssertionError("the content was read again")

    monkeypatch.setattr("digestgen.incremental.records.load_content_cached", unread)
    again = CliRunner().invoke(main, ["build", "--config", str(site.config_path)])
    assert again.exit_code == 0, again.output
    assert again.output.startswith("Built 1 paper in 1 issue: ")


def test_the_program_reports_a_problem_and_exits_1(site):
    site.paper("2401.00001.yaml", PAPER.replace("2024-01-02", "2024-13-02"))
    done = digestgen("build", cwd=site.root)
    assert done.returncode == 1
    assert "content/papers/2401.00001.yaml:2: " in done.stderr
    assert done.stderr.rstrip().endswith("nothing was written.")
    assert done.stdout == ""


def test_the_program_exits_as_click_asks_for_usage_errors_and_help(site):
    assert digestgen("bulid", cwd=site.root).returncode == 2
    shown = digestgen("--version", cwd=site.root)
    assert shown.returncode == 0 and shown.stdout.startswith("digestgen, version ")


@pytest.mark.parametrize("command", ["build", "check"])
@pytest.mark.parametrize("config", [
    "title: T\nbase_url: https://a.b/\nissue_perod: day\n",  # a wrong key
    "title: T\nbase_url: [https://a.b/\n",  # not YAML
])
def test_one_run_reports_config_and_content_errors_together(site, command, config):
    site.write("digestgen.yaml", config)
    site.paper("2401.00001.yaml", PAPER.replace("2024-01-02", "2024-13-02"))
    done = digestgen(command, cwd=site.root)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert any(line.startswith("digestgen.yaml:") for line in lines), done.stderr
    assert any(line.startswith("content/papers/2401.00001.yaml:2: 'date'") for line in lines), \
        done.stderr
    assert "Traceback" not in done.stderr


ORDER = ["init", "add", "import", "translate", "build", "serve", "check", "export", "deploy",
         "daily"]


def test_help_lists_the_commands_in_the_order_a_user_meets_them_each_summary_whole():
    done = CliRunner().invoke(main, ["--help"])
    listed = [line.split()[0] for line in
              done.output.split("Commands:\n")[1].split("\n\n")[0].splitlines()]
    assert listed == ORDER
    for line in done.output.split("Commands:\n")[1].split("\n\n")[0].splitlines():
        assert line.rstrip().endswith(".") and "..." not in line, line
    assert "Examples:" in done.output


@pytest.mark.parametrize("command", ORDER)
def test_every_command_shows_an_example(command):
    done = CliRunner().invoke(main, [command, "--help"])
    assert done.exit_code == 0
    examples = done.output.split("Examples:\n")[1]
    assert examples.lstrip().startswith(f"digestgen {command}") or \
        f"digestgen {command}" in examples, done.output


def test_a_mistyped_command_names_the_closest_one():
    done = CliRunner().invoke(main, ["biuld"])
    assert done.exit_code == 2
    assert "No such command 'biuld'. Did you mean 'build'?" in done.output
