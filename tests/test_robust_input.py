"""Bad input of every kind gives ``PATH:LINE: message``, exit 1, no traceback and no hang, and
leaves the previous build exactly as it was (SPEC 2)."""

from __future__ import annotations

import os
import shutil
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


@pytest.fixture(scope="session")
def previous_build(tmp_path_factory) -> Path:
    """A site with one good paper, built once for all tests."""
    root = tmp_path_factory.mktemp("previous")
    (root / "content/papers").mkdir(parents=True)
    (root / "content/papers/good.yaml").write_text(GOOD_PAPER, encoding="utf-8")
    (root / "digestgen.yaml").write_text("title: Test Digest\nbase_url: https://a.b/\n",
                                         encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "-q", "--config", str(root / "digestgen.yaml")])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def built(site, previous_build, monkeypatch):
    """A copy of the previous build: the site that bad input must leave as it is."""
    shutil.copytree(previous_build, site.root, dirs_exist_ok=True)
    monkeypatch.chdir(site.root)
    return site


def refused(site, *args: str) -> list[str]:
    """Build in-process; check exit 1, no traceback, the previous site unchanged; return the
    reported problems (without the closing count line)."""
    before = tree(site.output)
    result = CliRunner().invoke(main, ["build", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
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
    ("markdown: {htm: true}", "unknown key 'markdown.htm' (did you mean 'markdown.html'?)"),
    ("colour: red", "unknown key 'colour'"),
    ("issue_period: fortnight", "'issue_period' must be one of day, week, month, not 'fortnight'"),
    ("languages: zh", "'languages' must be a non-empty list of language codes"),
    ("languages: [zh, ../en]", "'../en' is not a language code such as 'zh' or 'en'"),
    ("source_language: [en]", "'source_language' must be a language code such as 'en'"),
    ("output_dir: 5", "'output_dir' must be a path"),
    ('output_dir: "site\\0"', "'output_dir' must be a path without NUL characters"),
    ("markdown: {html: 1}", "'markdown.html' must be true or false"),
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
    assert refused(built) == ["digestgen.yaml:1: 'base_url' is required",
                              "digestgen.yaml:1: 'title' is required"]


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


# --- paper records -------------------------------------------------------------------------

PAPER = "id: bad\ntitle: T\ndate: 2024-03-22\n"


@pytest.mark.parametrize("line, expected", [
    ("tittle: x", "unknown key 'tittle' (did you mean 'title'?)"),
    ("arxiv: {verison: 1}", "unknown key 'arxiv.verison' (did you mean 'arxiv.version'?)"),
    ("review: {methd: [x]}", "unknown key 'review.methd' (did you mean 'review.method'?)"),
    ("authors: Ada Lovelace", "'authors' must be a list of author names"),
    ("authors: [[Ada]]", "'authors' item ['Ada'] is not a valid author name"),
    ("tags: [Deep Learning]", "'tags' item 'Deep Learning' is not a valid tag slug"),
    ("tags: [../../etc]", "'tags' item '../../etc' is not a valid tag slug"),
    ("citations: -1", "'citations' must be a whole number of 0 or more, not -1"),
    ("references: many", "'references' must be a whole number of 0 or more, not 'many'"),
    ("draft: yes please", "'draft' must be true or false, not 'yes please'"),
    ("url: javascript:alert(1)", "'url' must be an http(s) URL, not 'javascript:alert(1)'"),
    ("pdf: //evil.example/x.pdf", "'pdf' must be an http(s) URL, not '//evil.example/x.pdf'"),
    ("abstract: [a, b]", "'abstract' must be a string or a mapping of language to string"),
    ("abstract: {fr: Bonjour}", "language 'fr' is not configured (languages: en, zh)"),
    ("tldr: {zh: [a]}", "'tldr.zh' must be a string"),
    ("venue: [a]", "'venue' must be a non-empty string"),
    ("review: [a]", "'review' must be a mapping of sections"),
    ("review: {method: x}", "'review.method' must be a list or a mapping of language to list"),
    ("review: {method: {zh: x}}", "'review.method.zh' must be a list of strings"),
    ("arxiv: [1]", "'arxiv' must be a mapping"),
    ("arxiv: {version: one}", "'arxiv.version' must be a whole number from 1, not 'one'"),
    ("arxiv: {announce_type: old}", "'arxiv.announce_type' must be one of new, cross, replace, "
                                    "replace-cross, not 'old'"),
    ("arxiv: {primary_category: ../x}", "'../x' is not an arXiv category"),
    ("arxiv: {categories: [cs.LG/../x]}", "'categories' item 'cs.LG/../x' is not a valid arXiv "
                                          "category"),
    ("arxiv: {published: 2024-13-01}", "'published' must be a date written YYYY-MM-DD, "
                                       "not '2024-13-01'"),
])
def test_wrong_fields_are_reported_at_their_line(built, line, expected):
    built.paper("bad.yaml", PAPER + line + "\n")
    assert refused(built) == [f"content/papers/bad.yaml:4: {expected}"]


@pytest.mark.parametrize("value", ["2024-02-30", "yesterday", "2024/03/22", "22-03-2024",
                                   "20240322", "2024-3-22", "2024-03-22T25:00:00", "[2024]"])
def test_bad_dates_are_reported_at_their_line(built, value):
    built.paper("bad.yaml", f"id: bad\ntitle: T\ndate: {value}\n")
    (problem,) = refused(built)
    assert problem.startswith("content/papers/bad.yaml:3: 'date' must be a date written "
                              "YYYY-MM-DD, not ")


@pytest.mark.parametrize("period", ["day", "week", "month"])
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_dates_at_the_ends_of_the_calendar_are_refused(built, period, value):
    built.write("digestgen.yaml", f"{CONFIG}issue_period: {period}\n")
    built.paper("bad.yaml", f"id: bad\ntitle: T\ndate: {value}\n")
    assert refused(built) == [f"content/papers/bad.yaml:3: 'date' {value} is out of range "
                              "(years 1000 to 9998)"]


@pytest.mark.parametrize("text, expected", [
    ("title: T\ndate: 2024-03-22\n", ["1: 'id' is required"]),
    ("id: bad\ndate: 2024-03-22\n", ["1: 'title' is required"]),
    ("id: bad\ntitle: ''\ndate: 2024-03-22\n", ["2: 'title' must not be empty"]),
    ("id: bad\ntitle: {zh: ' '}\ndate: 2024-03-22\n", ["2: 'title' must not be empty"]),
    ("- id: bad\n", ["1: a paper file must hold a mapping of fields"]),
    ("", ["1: a paper file must hold a mapping of fields"]),
])
def test_missing_and_empty_fields_are_named(built, text, expected):
    built.paper("bad.yaml", text)
    assert refused(built) == [f"content/papers/bad.yaml:{e}" for e in expected]


@pytest.mark.parametrize("bad_id", ["../escape", "/etc/passwd", "a/../../b", "..", "a\\\\b",
                                    "Upper", "a b", "-x", "%2e%2e", "2403.14715v2/.."])
def test_ids_that_could_name_a_path_outside_the_output_are_refused(built, bad_id):
    built.paper("bad.yaml", f'id: "{bad_id}"\ntitle: T\ndate: 2024-03-22\n')
    (problem,) = refused(built)
    assert problem.startswith("content/papers/bad.yaml:1: ")
    assert "is not an arXiv id" in problem


def test_two_files_with_one_id_name_both(built):
    built.paper("other.md", "---\nid: good\ntitle: T\ndate: 2024-03-22\n---\n")
    assert refused(built) == ["content/papers/other.md:2: id 'good' is also used by "
                              "content/papers/good.yaml:1"]


def test_two_ids_with_one_url_slug_name_both(built):
    built.paper("old.yaml", "id: math/0211159\ntitle: T\ndate: 2024-03-22\n")
    built.paper("slug.yaml", "id: math-0211159\ntitle: T\ndate: 2024-03-22\n")
    assert refused(built) == ["content/papers/slug.yaml:1: id 'math-0211159' has the same URL "
                              "slug 'math-0211159' as 'math/0211159' in content/papers/old.yaml:1"]


@pytest.mark.parametrize("text, expected", [
    ("id: bad\n", "1: a .md record must start with '---' and YAML front matter"),
    ("---\nid: bad\ntitle: T\n", "1: front matter is not closed by a '---' line"),
    ("---\nid: bad\ntitle: T\ndate: 2024-03-22\n---\nx\n::: zh\ny\n",
     "7: '::: zh' is not closed by a ':::' line"),
    ("---\nid: bad\ntitle: T\ndate: 2024-03-22\n---\n::: fr\ny\n:::\n",
     "6: language 'fr' is not configured"),
    ("---\nid: bad\ntitle: T\ndate: 2024-03-22\nnotes: n\n---\nbody\n",
     "5: notes are given twice: in front matter and as the body"),
])
def test_markdown_record_problems_are_reported_at_their_line(built, text, expected):
    built.paper("bad.md", text)
    assert refused(built) == [f"content/papers/bad.md:{expected}"]


# --- issue records -------------------------------------------------------------------------

@pytest.mark.parametrize("name, text, expected", [
    ("2024-03-22.yaml", "papers: [good, nowhere]\n", ":1: unknown paper id 'nowhere'"),
    ("2024-03-22.yaml", "papers:\n- good\n- good\n", ":3: paper 'good' is listed twice"),
    ("2024-03-22.yaml", "papers: good\n", ":1: 'papers' must be a list of paper ids"),
    ("2024-03-22.yaml", "papers: [2403.14710]\n", ":1: quote the id 2403.1471: YAML reads it "
                                                  "as a number"),
    ("2024-03-22.yaml", "- good\n", ":1: an issue file must hold a mapping of fields"),
    ("2024-03-22.yaml", "titel: x\n", ":1: unknown key 'titel' (did you mean 'title'?)"),
    ("2024-03-21.yaml", "papers: [good, early]\n", ":1: paper 'good' is dated 2024-03-22, "
                                                   "after issue 2024-03-21"),
    ("2024-03-23.yaml", "title: x\n", ":1: issue '2024-03-23' has no papers: no paper is "
                                      "dated in it"),
    ("2024-02-30.yaml", "title: x\n", ":1: '2024-02-30.yaml' is not named by an issue id of "
                                      "issue_period 'day' (2024-03-22, 2024-W12 or 2024-03)"),
])
def test_issue_problems_are_reported_at_their_line(built, name, text, expected):
    built.paper("early.yaml", "id: early\ntitle: T\ndate: 2024-03-21\n")
    built.issue(name, text)
    assert refused(built) == [f"content/issues/{name}{expected}"]


def test_every_problem_of_every_file_is_reported_in_one_run(built):
    built.paper("a.yaml", "id: a\ntitle: {fr: x}\ndate: 2024-02-30\n")
    built.paper("b.md", "---\nid: b\n")
    built.issue("2024-03-22.yaml", "intro: [x]\n")
    assert refused(built) == [
        "content/issues/2024-03-22.yaml:1: 'intro' must be a string or a mapping of language "
        "to string",
        "content/papers/a.yaml:2: 'title' must not be empty",
        "content/papers/a.yaml:2: language 'fr' is not configured (languages: en, zh)",
        "content/papers/a.yaml:3: 'date' must be a date written YYYY-MM-DD, not '2024-02-30'",
        "content/papers/b.md:1: front matter is not closed by a '---' line",
    ]


# --- templates and static files ------------------------------------------------------------

def test_a_template_that_raises_names_its_file_and_line(built):
    built.write("layouts/issue.html", '{% extends "builtin:issue.html" %}\n'
                                      "{% block summary %}\n{{ nope.x }}\n{% endblock %}\n")
    assert refused(built) == ["layouts/issue.html:3: template error: 'nope' is undefined"]


def test_a_template_syntax_error_names_its_file_and_line(built):
    built.write("layouts/paper.html", "<p>\n{% if %}\n</p>\n")
    assert refused(built) == ["layouts/paper.html:2: template error: Expected an expression, "
                              "got 'end of statement block'"]


def test_a_syntax_error_in_an_imported_template_names_that_template(built):
    built.write("layouts/_macros.html", "{% macro text(shown) %}\n{% for %}\n{% endmacro %}\n")
    assert refused(built) == ["layouts/_macros.html:2: template error: Expected an expression, "
                              "got 'end of statement block'"]


def test_an_included_template_that_raises_names_itself(built):
    built.write("layouts/home.html", '{% extends "builtin:home.html" %}\n'
                                     '{% block content %}{% include "part.html" %}{% endblock %}\n')
    built.write("layouts/part.html", "<p>\n{{ page.no_such_field }}\n</p>\n")
    (problem,) = refused(built)
    assert problem.startswith("layouts/part.html:2: template error: ")


@pytest.mark.parametrize("expression", ["{{ 1 / 0 }}", "{{ 10.0 ** 1000 }}",
                                        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"])
def test_any_exception_in_a_template_names_its_file_and_line(built, expression):
    built.write("layouts/paper.html", f"<p>\n{expression}\n</p>\n")
    (problem,) = refused(built)
    assert problem.startswith("layouts/paper.html:2: template error: ")


def test_a_template_that_is_not_utf8_is_named(built):
    (built.root / "layouts").mkdir()
    (built.root / "layouts/paper.html").write_bytes(b"<p>\ncaf\xe9\n</p>\n")
    (problem,) = refused(built)
    assert problem.startswith("layouts/paper.html")


def test_an_imported_template_that_is_not_utf8_is_named(built):
    (built.root / "layouts").mkdir()
    (built.root / "layouts/_macros.html").write_bytes(b"<p>\ncaf\xe9\n</p>\n")
    (problem,) = refused(built)
    assert problem.startswith("layouts/_macros.html")


def test_ui_strings_that_are_not_utf8_are_reported_at_their_line(built):
    (built.root / "layouts/i18n").mkdir(parents=True)
    (built.root / "layouts/i18n/zh.yaml").write_bytes(b"home: \xe9\n")
    assert refused(built) == ["layouts/i18n/zh.yaml:1: not valid UTF-8 text"]


def test_broken_ui_strings_are_reported_at_their_line(built):
    built.write("layouts/i18n/zh.yaml", "home: 首页\narchive: [unclosed\n")
    (problem,) = refused(built)
    assert problem.startswith("layouts/i18n/zh.yaml:3: invalid YAML: ")


def test_a_static_link_to_a_file_outside_the_site_is_refused(built):
    (built.root / "static").mkdir()
    (built.root / "static/passwd").symlink_to("/etc/passwd")
    assert refused(built) == ["static/passwd: links to a file outside static/; not copied"]


# --- paths from content stay inside the output ---------------------------------------------

def test_ids_tags_and_categories_write_only_inside_the_output(built):
    built.paper("old.yaml", "id: math.GT/0309136\ntitle: T\ndate: 2024-03-22\n"
                            "tags: [a..b, index.html, '0']\n"
                            "arxiv: {categories: [physics.comp-ph, a.html]}\n")
    built.paper("dots.yaml", "id: 0..1\ntitle: T\ndate: 2024-03-22\n")

    def outside() -> dict[str, bytes]:
        """Files beside the output, but for digestgen's own (its cache, the lock)."""
        return {rel: data for rel, data in tree(built.root.parent).items()
                if not rel.startswith(("mysite/site/", "mysite/.site.", "mysite/.digestgen-"))}

    before = outside()
    result = CliRunner().invoke(main, ["build", "-q"])
    assert result.exit_code == 0, result.output
    assert outside() == before
    after = tree(built.root.parent)
    written = {rel.removeprefix("mysite/site/") for rel in after if rel.startswith("mysite/site/")}
    assert {"papers/math.GT-0309136/index.html", "papers/0..1/index.html",
            "tags/a..b/index.html", "tags/index.html/index.html", "tags/0/index.html",
            "categories/a.html/index.html"} <= written


# --- found by the property tests -----------------------------------------------------------

def test_a_problem_is_one_line_even_when_it_quotes_a_line_break(built):
    built.paper("bad.yaml", 'id: bad\ntitle: {"e\\nn": T}\ndate: 2024-03-22\n')
    assert refused(built) == ["content/papers/bad.yaml:2: 'title' must not be empty",
                              "content/papers/bad.yaml:2: language 'e\\nn' is not configured "
                              "(languages: en, zh)"]


def test_broken_yaml_at_the_end_of_a_file_without_a_newline_names_its_last_line(built):
    built.paper("bad.yaml", "id: bad\ntitle: [T")
    (problem,) = refused(built)
    assert problem.startswith("content/papers/bad.yaml:2: invalid YAML: ")
