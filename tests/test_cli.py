"""The command group: every subcommand is listed and runs, though each is imported only when
it runs."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from digestgen.cli import main


def test_help_lists_every_command_with_its_summary():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.output.split("Commands:")[1].splitlines()
              if line.strip()]
    assert listed == ["build", "init", "deploy", "add", "import", "export", "serve", "check"]
    assert "Build the site into the output directory" in result.output


def test_an_unknown_command_is_refused():
    result = CliRunner().invoke(main, ["bulid"])
    assert result.exit_code == 2
    assert "No such command 'bulid'" in result.output


def test_a_build_does_not_import_the_arxiv_client_or_the_watcher(tmp_path):
    code = ("import sys; from digestgen.cli import main\n"
            "try: main(['build', '--help'])\n"
            "except SystemExit: pass\n"
            "print(sorted(m for m in ('arxiv', 'watchfiles') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, check=True)
    assert done.stdout.strip().endswith("[]")
