"""Bad input of every kind gives ``PATH:LINE: message``, exit 1, no traceback and no hang, and
leaves the previous build exactly as it was (SPEC 2)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from digestgen.cli import main

GOOD_PAPER = "id: good\ntitle: A good paper\ndate: 2024-03-22\n"
MB = 1024 * 1024


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def built(site, monkeypatch):
    """A site with one good paper, built once: the previous site that bad input must keep."""
    monkeypatch.chdir(site.root)
    site.paper("good.yaml", GOOD_PAPER)
    result = CliRunner().invoke(main, ["build", "-q"])
    assert result.exit_code == 0, result.output
    return site


def refused(site, *args: str) -> list[str]:
    """Build in-process; check exit 1, no traceback, the previous site unchanged; return the
    reported problems (without the closing count line)."""
    before = tree(site.output)
    result = CliRunner().invoke(main, ["build", *args])
    assert not isinstance(result.exception, Exception) or isinstance(result.exception,
                                                                     SystemExit), \
        f"crashed: {result.exception!r}\n{result.output}"
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert tree(site.output) == before
    lines = result.stderr.splitlines()
    assert lines[-1].endswith("nothing was written.")
    return lines[:-1]


def refused_process(site, timeout: float = 20) -> tuple[list[str], float, float]:
    """Build in a child process (a crash there cannot take the tests down); check the same as
    :func:`refused`; return the problems, the seconds taken and the build's peak memory in MB."""
    before = tree(site.output)
    stderr_path, peak_path = site.root.parent / "stderr.txt", site.root.parent / "peak.txt"
    started = time.monotonic()
    with open(stderr_path, "wb") as stderr:
        child = subprocess.Popen([sys.executable, "-c", MEASURED_BUILD, str(peak_path)],
                                 cwd=site.root, stdout=subprocess.DEVNULL, stderr=stderr,
                                 start_new_session=True)
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            pytest.fail(f"the build was still running after {timeout} s: a hang")
    seconds = time.monotonic() - started
    text = stderr_path.read_text(encoding="utf-8", errors="replace")
    assert child.returncode == 1, f"exit status {child.returncode}\n{text}"
    assert "Traceback" not in text
    assert tree(site.output) == before
    lines = text.splitlines()
    assert lines[-1].endswith("nothing was written.")
    return lines[:-1], seconds, int(peak_path.read_text()) / 1024  # Linux counts kB


#: Runs ``digestgen build -q`` in a fresh child and writes its peak resident size (kB) to
#: argv[1]. The build is forked from this small process rather than from the test process,
#: whose own (large) peak a child started directly would inherit in ru_maxrss.
MEASURED_BUILD = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "digestgen", "build", "-q"])
_, status, usage = os.wait4(pid, 0)
open(sys.argv[1], "w").write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


# --- YAML itself ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, text, expected", [
    ("content/papers/bad.yaml", "id: bad\ntitle: [unclosed\ndate: 2024-03-22\n",
     "content/papers/bad.yaml:3: invalid YAML: "),
    ("content/papers/bad.yaml", "id: bad\ntitle:\n\ten: tab\n",
     "content/papers/bad.yaml:3: invalid YAML: "),
    ("content/papers/bad.yaml", "id: bad\ntitle: 'open quote\n",
     "content/papers/bad.yaml:3: invalid YAML: "),
    ("content/papers/bad.md", "---\nid: bad\ntitle: T\ndate: [2024\n---\nBody.\n",
     "content/papers/bad.md:5: invalid YAML: "),
    ("content/issues/2024-03-22.yaml", "title: x\n  intro: y\n",
     "content/issues/2024-03-22.yaml:2: invalid YAML: "),
    ("digestgen.yaml", "title: T\nbase_url: {https://a.b/\n", "digestgen.yaml:3: invalid YAML: "),
])
def test_malformed_yaml_is_reported_at_its_line(built, name, text, expected):
    built.write(name, text)
    (problem,) = refused(built)
    assert problem.startswith(expected)


@pytest.mark.parametrize("text, expected", [
    ("id: bad\ntitle: T\ntitle: U\ndate: 2024-03-22\n", "3: duplicate key 'title'"),
    ("defaults: &d {title: T}\n<<: *d\nid: bad\n", "2: YAML merge keys (<<) are not supported"),
    ("id: bad\ntitle: T\ndate: 2024-03-22\n---\nid: other\n",
     "4: invalid YAML: expected a single document, found another"),
    ("id: bad\ntitle: &t [*t]\ndate: 2024-03-22\n", "2: alias *t refers to itself"),
    ("id: bad\ntitle: *nowhere\n", "2: invalid YAML: found undefined alias 'nowhere'"),
    ("? [a, b]\n: 1\n", "1: a mapping key must be a plain value"),
])
def test_yaml_that_is_valid_but_unusable_is_reported(built, text, expected):
    built.paper("bad.yaml", text)
    assert refused(built) == [f"content/papers/bad.yaml:{expected}"]


@pytest.mark.parametrize("value", ['!!python/object/apply:os.system ["touch pwned"]',
                                   "!!python/object/apply:os.system {args: [touch pwned]}",
                                   '!!python/name:os.system ""'])
def test_yaml_tags_never_run_code(built, value):
    built.paper("bad.yaml", f"id: bad\ntitle: {value}\ndate: 2024-03-22\n")
    (problem,) = refused(built)
    assert problem.startswith("content/papers/bad.yaml:2: invalid value: ")
    assert "python/" in problem
    assert not (built.root / "pwned").exists()


def billion_laughs(levels: int = 9) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_quickly_and_in_little_memory(built):
    built.paper("bomb.yaml", billion_laughs())
    problems, seconds, peak_mb = refused_process(built)
    assert problems == ["content/papers/bomb.yaml:6: document expands to more than 200000 "
                        "values (an alias bomb?)"]
    assert seconds < 10 and peak_mb < 400


DEEP = {  # each nested far past the limit; the first crashed PyYAML's composer
    "flow sequences": ("title: " + "[" * 100_000 + "]" * 100_000 + "\n", 1),
    "flow mappings": ("title: " + "{a: " * 50_000 + "1" + "}" * 50_000 + "\n", 1),
    "block sequences": ("title:\n" + "- " * 100_000 + "x\n", 2),
    "indented mappings": ("".join("  " * n + "a:\n" for n in range(1000)), 65),
}


@pytest.mark.parametrize("kind", DEEP)
def test_deep_nesting_is_refused_without_crashing_or_hanging(built, kind):
    text, line = DEEP[kind]
    built.paper("deep.yaml", text)
    problems, seconds, _ = refused_process(built)
    assert problems == [f"content/papers/deep.yaml:{line}: nested more than 64 levels deep"]
    assert seconds < 10


def test_an_alias_cannot_smuggle_depth_past_the_limit(built):
    built.paper("deep.yaml", "a: &a " + "[" * 60 + "x" + "]" * 60 + "\nb: [[[[[[*a]]]]]]\n")
    assert refused(built) == ["content/papers/deep.yaml:2: nested more than 64 levels deep"]


# --- reading files -------------------------------------------------------------------------

START = {  # two good lines of each kind of file a person writes
    "content/papers/bad.yaml": b"id: bad\ntitle: T\n",
    "content/papers/bad.md": b"---\nid: bad\n",
    "content/issues/2024-03-22.yaml": b"title: T\nintro: I\n",
    "digestgen.yaml": b"title: T\nbase_url: https://a.b/\n",
}


def write_bytes(site, name: str, *chunks: bytes) -> None:
    path = site.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.writelines([START[name], *chunks])


@pytest.mark.parametrize("name", START)
def test_invalid_utf8_is_reported_at_its_line(built, name):
    write_bytes(built, name, b"description: caf\xe9 au lait\n")
    assert refused(built) == [f"{name}:3: not valid UTF-8 text"]


@pytest.mark.parametrize("name", START)
def test_a_nul_byte_is_reported_at_its_line(built, name):
    write_bytes(built, name, b"description: a\x00b\n")
    assert refused(built) == [f"{name}:3: file holds a NUL byte: not a text file"]


@pytest.mark.parametrize("name", START)
def test_a_50_mb_file_is_refused_quickly_in_little_memory(built, name):
    write_bytes(built, name, b"description: ", *[b"x" * MB] * 50, b"\n")
    problems, seconds, peak_mb = refused_process(built)
    assert problems == [f"{name}: file is 51200 kB; digestgen reads files of at most 4 MB"]
    assert seconds < 10 and peak_mb < 100


def test_a_control_character_is_reported_at_its_line(built):
    built.paper("bad.yaml", "id: bad\ntitle: 标签平滑与选择性分类\ndate: 2024-03-22\n"
                            "abstract: ring the bell \x07\n")
    assert refused(built) == ["content/papers/bad.yaml:4: invalid YAML: unacceptable character "
                              "#x0007: control characters are not allowed"]


# --- the configuration ---------------------------------------------------------------------

CONFIG = "title: T\nbase_url: https://a.b/\n"


@pytest.mark.parametrize("line, expected", [
    ("langauges: [zh, en]", "unknown key 'langauges' (did you mean 'languages'?)"),
    ("titel: x", "unknown key 'titel' (did you mean 'title'?)"),
    ("colour: red", "unknown key 'colour'"),
    ("issue_period: fortnight", "'issue_period' must be one of day, week, month, not 'fortnight'"),
    ("languages: zh", "'languages' must be a non-empty list of language codes"),
    ("languages: [zh, ../en]", "'../en' is not a language code such as 'zh' or 'en'"),
    ("source_language: [en]", "'source_language' must be a language code such as 'en'"),
    ("output_dir: 5", "'output_dir' must be a path"),
    ('output_dir: "site\\0"', "'output_dir' must be a path without NUL characters"),
    ("markdown: true", "'markdown' must be a mapping such as {html: false}"),
    ("repo_url: javascript:alert(1)", "'repo_url' must be an http(s) URL, not 'javascript:alert(1)'"),
    ("description: [a]", "'description' must be a non-empty string"),
])
def test_config_problems_are_reported_at_their_line(built, line, expected):
    built.write("digestgen.yaml", CONFIG + line + "\n")
    assert refused(built) == [f"digestgen.yaml:3: {expected}"]


@pytest.mark.parametrize("url, expected", [
    ("ftp://a.b/", "'base_url' must be an http(s) URL, not 'ftp://a.b/'"),
    ("a.b/digest", "'base_url' must be an http(s) URL, not 'a.b/digest'"),
    ("https://a.b/digest?lang=zh", "'base_url' must not have a query or fragment "
                                   "('?lang=zh')"),
    ("https://a.b/digest#top", "'base_url' must not have a query or fragment ('#top')"),
])
def test_base_url_must_be_a_plain_web_url(built, url, expected):
    built.write("digestgen.yaml", f"title: T\nbase_url: {url}\n")
    assert refused(built) == [f"digestgen.yaml:2: {expected}"]


def test_required_config_keys_are_named(built):
    built.write("digestgen.yaml", "description: no title\n")
    assert refused(built) == ["digestgen.yaml: 'base_url' is required",
                              "digestgen.yaml: 'title' is required"]


def test_a_missing_config_file_is_named(built):
    assert refused(built, "--config", "elsewhere.yaml") == [
        "elsewhere.yaml: no such file (run `digestgen init`)"]


@pytest.mark.parametrize("option, expected", [
    (["--output", "content"], "holds content/; building there would overwrite it"),
    (["--output", "content/papers/out"], "is inside content/"),
    (["--output", "."], "holds the site root; building there would overwrite it"),
    (["--output", ".."], "holds the site root; building there would overwrite it"),
    (["--base-url", "javascript:alert(1)//"], "must be an http(s) URL"),
])
def test_an_output_or_base_url_that_would_harm_the_site_is_refused(built, option, expected):
    before = tree(built.root / "content")
    (problem,) = refused(built, *option)
    assert expected in problem
    assert tree(built.root / "content") == before


def test_an_output_folder_digestgen_did_not_write_is_left_alone(built):
    built.write("elsewhere/notes.txt", "mine")
    (problem,) = refused(built, "--output", "elsewhere")
    assert problem == "elsewhere: output directory is not empty and was not written by " \
                      "digestgen; move it away or choose another output"
    assert tree(built.root / "elsewhere") == {"notes.txt": b"mine"}
