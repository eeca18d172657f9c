"""``digestgen translate``: machine drafts of missing texts, through a local stand-in for an
OpenAI-compatible API (tests/model_server.py) and a local ``command`` (tests/model_command.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from arxiv_server import no_internet  # noqa: F401 (the fixture below)
from digestgen.cli import main
from model_server import model_server as server  # noqa: F401 (a fixture)
from model_server import translate_section

pytestmark = pytest.mark.usefixtures("no_internet")

COMMAND = f"{sys.executable} {Path(__file__).parent / 'model_command.py'}"

PAPER = """\
# Written by the editor.
id: "2403.14715"
# The arXiv title.
title: 'Label smoothing and $H<1/\\alpha$'
date: 2024-03-22
tldr:
  zh: 标签平滑损害选择性分类。
abstract:
  en: We reach 93.5% on 1,000 tasks with `torch.compile` ([code](https://x.org/a)).
  zh: 我们在 1,000 个任务上达到 93.5%（`torch.compile`，[代码](https://x.org/a)）。
tags: [ls]
"""


def configure(site, backend: str, **settings) -> None:
    site.write("digestgen.yaml", "title: Test Digest\nbase_url: https://alice.github.io/d/\n"
               + translate_section(backend, **settings))


@pytest.fixture
def api_site(site, server, monkeypatch):
    monkeypatch.chdir(site.root)
    configure(site, f"api: {server.api}\n  model: test-model-1")
    return site


def translate(site, *args: str, code: int = 0):
    result = CliRunner().invoke(
        main, ["translate", "--config", str(site.config_path), *args])
    assert result.exit_code == code, (result.output, result.stderr, result.exception)
    return result


def text(site, name: str = "2403.14715.yaml") -> str:
    return (site.root / "content" / "papers" / name).read_text(encoding="utf-8")


def record(site, name: str = "2403.14715.yaml") -> dict:
    return yaml.safe_load(text(site, name))


def test_only_missing_languages_are_filled_and_what_a_person_wrote_stays(api_site, server):
    api_site.paper("2403.14715.yaml", PAPER)
    result = translate(api_site)
    data = record(api_site)
    assert data["title"] == {"en": "Label smoothing and $H<1/\\alpha$",
                             "zh": "〔zh〕Label smoothing and $H<1/\\alpha$"}
    assert data["tldr"] == {"zh": "标签平滑损害选择性分类。", "en": "〔en〕标签平滑损害选择性分类。"}
    assert data["abstract"] == yaml.safe_load(PAPER)["abstract"]  # it had every language
    assert data["machine"] == {"title.zh": "test-model-1", "tldr.en": "test-model-1"}
    assert len(server.requests) == 2
    written = text(api_site)
    assert written.startswith("# Written by the editor.\n")
    assert PAPER.split("abstract:")[1].split("tags:")[0] in written  # untouched, byte for byte
    assert "wrote content/papers/2403.14715.yaml: title.zh, tldr.en\n" in result.output
    assert "Wrote 2 texts to 1 paper (test-model-1)" in result.output
    # A second run finds nothing to do and asks nothing.
    assert "Nothing to draft" in translate(api_site).output
    assert len(server.requests) == 2


def test_a_comment_in_the_lines_a_text_would_change_keeps_those_lines_as_they_are(api_site):
    api_site.paper("2403.14715.yaml", PAPER.replace("$'\n", "$'  # from arXiv\n"))
    before = text(api_site)
    result = translate(api_site, code=1)
    assert "content/papers/2403.14715.yaml: title.zh: file left as it is:" in result.stderr
    assert "hold a comment" in result.stderr
    assert record(api_site)["machine"] == {"tldr.en": "test-model-1"}  # the rest is written
    assert "title: 'Label smoothing and $H<1/\\alpha$'  # from arXiv\n" in text(api_site)
    assert text(api_site) != before


def test_languages_and_fields_can_be_chosen(api_site, server):
    api_site.paper("2403.14715.yaml", PAPER)
    translate(api_site, "--to", "zh", "--fields", "title,abstract")
    assert record(api_site)["machine"] == {"title.zh": "test-model-1"}
    assert translate(api_site, "--to", "fr", code=2).stderr.count("not among the site's")


def test_summarize_and_review_draft_from_the_abstract(api_site, server):
    api_site.paper("2403.14715.yaml", PAPER.replace("tldr:\n  zh: 标签平滑损害选择性分类。\n", ""))
    translate(api_site, "--summarize", "--review", "--fields", "tldr,review")
    data = record(api_site)
    assert data["tldr"] == {"en": "〔en〕summary of Label smoothing and $H<1/\\alpha$",
                            "zh": "〔zh〕summary of Label smoothing and $H<1/\\alpha$"}
    assert data["review"]["method"] == {"en": ["〔en〕how"], "zh": ["〔zh〕how"]}
    assert "questions" not in data["review"]  # the model found none
    assert sorted(data["machine"]) == [
        "review.findings.en", "review.findings.zh", "review.method.en", "review.method.zh",
        "review.motivation.en", "review.motivation.zh", "tldr.en", "tldr.zh"]
    # Without the options, a paper without a tldr or review gets none.
    api_site.paper("2403.99999.yaml", PAPER.replace("2403.14715", "2403.99999")
                   .replace("tldr:\n  zh: 标签平滑损害选择性分类。\n", ""))
    translate(api_site, "2403.99999", "--fields", "tldr,review")
    assert "tldr" not in record(api_site, "2403.99999.yaml")


def test_review_lists_are_translated_item_by_item(api_site):
    api_site.paper("2403.14715.yaml", PAPER + "review:\n  method:\n    - Compare $a$ and $b$.\n"
                                              "    - Measure 3 ways.\n")
    translate(api_site, "--fields", "review")
    data = record(api_site)
    assert data["review"]["method"] == {
        "en": ["Compare $a$ and $b$.", "Measure 3 ways."],
        "zh": ["〔zh〕Compare $a$ and $b$.", "〔zh〕Measure 3 ways."]}
    assert data["machine"] == {"review.method.zh": "test-model-1"}


def test_dry_run_shows_a_diff_and_writes_nothing(api_site):
    path = api_site.paper("2403.14715.yaml", PAPER)
    before = path.read_bytes()
    result = translate(api_site, "--dry-run")
    assert path.read_bytes() == before
    assert "--- a/content/papers/2403.14715.yaml" in result.output
    assert "+  zh: 〔zh〕Label smoothing and $H<1/\\alpha$" in result.output
    assert "-title: 'Label smoothing and $H<1/\\alpha$'" in result.output
    assert "+  title.zh: test-model-1" in result.output
    assert "Dry run, nothing was written: 2 texts to 1 paper would be written" in result.output


def test_a_draft_that_drops_the_math_is_asked_for_again_then_reported(api_site, server):
    api_site.paper("2403.14715.yaml", PAPER.replace("Label smoothing", "[[nomath]] Label"))
    api_site.paper("2403.00001.yaml", PAPER.replace("2403.14715", "2403.00001")
                   .replace("Label smoothing", "[[nomath-once]] Label"))
    result = translate(api_site, "--fields", "title", code=1)
    assert "title" not in record(api_site).get("machine", {})
    assert record(api_site)["title"] == "[[nomath]] Label and $H<1/\\alpha$"  # as it was
    assert server.asked("[[nomath]]") == 2
    assert ("content/papers/2403.14715.yaml: title.zh: the draft lost $H<1/\\alpha$ "
            "(asked twice); not written") in result.stderr
    # The second answer kept the math: it is written.
    assert record(api_site, "2403.00001.yaml")["title"]["zh"] == \
        "〔zh〕[[nomath-once]] Label and $H<1/\\alpha$"
    assert server.asked("[[nomath-once]]") == 2


def test_rate_limits_server_errors_and_timeouts_are_retried(site, server, monkeypatch):
    monkeypatch.chdir(site.root)
    configure(site, f"api: {server.api}\n  model: m", timeout=1, retry_wait=0.1)
    for n, marker in enumerate(["[[429]]", "[[500]]", "[[slow]]"]):
        site.paper(f"p{n}.yaml", f'id: p{n}\ntitle: "{marker} A title"\ndate: 2024-03-22\n')
    result = translate(site, "--to", "zh")
    for n, marker in enumerate(["[[429]]", "[[500]]", "[[slow]]"]):
        assert record(site, f"p{n}.yaml")["title"]["zh"] == f"〔zh〕{marker} A title"
        assert server.asked(marker) == 2
    assert "Wrote 3 texts to 3 papers" in result.output


def test_a_malformed_reply_is_retried_then_reported_with_its_path(site, server, monkeypatch):
    monkeypatch.chdir(site.root)
    configure(site, f"api: {server.api}\n  model: m", retries=1)
    site.paper("bad.yaml", "id: bad\ntitle: \"[[malformed]] A title\"\ndate: 2024-03-22\n")
    site.paper("good.yaml", "id: good\ntitle: Fine\ndate: 2024-03-22\n")
    result = translate(site, "--to", "zh", code=1)
    assert server.asked("[[malformed]]") == 2
    assert "content/papers/bad.yaml: title.zh: malformed reply from the API" in result.stderr
    assert "(tried 2 times)" in result.stderr
    assert "machine" not in record(site, "bad.yaml")
    assert record(site, "good.yaml")["machine"] == {"title.zh": "m"}


def test_the_summary_counts_the_tokens_the_api_reported(api_site, server):
    api_site.paper("2403.14715.yaml", PAPER)
    result = translate(api_site)
    assert server.tokens_in > 0 and server.tokens_out > 0
    assert f"tokens: {server.tokens_in} in, {server.tokens_out} out" in result.output


def test_the_glossary_is_given_to_the_model(api_site, server):
    api_site.write("glossary.yaml", "label smoothing: {zh: 标签平滑, en: label smoothing}\n"
                                    "dropout: {zh: 随机失活}\n")
    configure(api_site, f"api: {server.api}\n  model: m", glossary="glossary.yaml")
    api_site.paper("2403.14715.yaml", PAPER)
    translate(api_site, "--fields", "title")
    system = server.requests[0][0]["content"]
    assert "label smoothing → 标签平滑" in system
    assert "dropout" not in system  # only the terms the text uses


def test_a_stopped_run_keeps_what_it_finished_and_the_next_run_resumes(api_site, server):
    configure(api_site, f"api: {server.api}\n  model: m", concurrency=1, timeout=60)
    api_site.paper("a.yaml", "id: a\ntitle: First paper\ndate: 2024-03-22\n")
    api_site.paper("b.yaml", "id: b\ntitle: \"[[hang]] Second paper\"\ndate: 2024-03-22\n")
    process = subprocess.Popen([sys.executable, "-m", "digestgen", "translate", "--to", "zh"],
                               cwd=api_site.root, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=os.environ.copy())
    try:
        deadline = time.monotonic() + 60
        while "machine" not in text(api_site, "a.yaml") or not server.asked("[[hang]]"):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the first paper was never written"
            time.sleep(0.05)
    finally:
        process.kill()
        process.communicate()
    assert record(api_site, "a.yaml")["title"] == {"en": "First paper", "zh": "〔zh〕First paper"}
    assert "machine" not in record(api_site, "b.yaml")
    assert sorted(p.name for p in (api_site.root / "content/papers").iterdir()) == \
        ["a.yaml", "b.yaml"]  # no temporary file left behind
    server.release.set()
    translate(api_site, "--to", "zh")
    assert record(api_site, "b.yaml")["machine"] == {"title.zh": "m"}
    assert server.asked("First paper") == 1  # not asked again


def test_accept_marks_texts_as_reviewed(api_site):
    api_site.paper("2403.14715.yaml", PAPER)
    translate(api_site)
    written = text(api_site)
    result = translate(api_site, "--accept", "2403.14715", "--to", "en", "--dry-run")
    assert "-  tldr.en: test-model-1" in result.output
    assert text(api_site) == written
    result = translate(api_site, "--accept", "2403.14715", "--to", "en")
    assert "accepted content/papers/2403.14715.yaml: tldr.en\n" in result.output
    assert record(api_site)["machine"] == {"title.zh": "test-model-1"}
    translate(api_site, "--accept", "2403.14715")
    assert "machine" not in record(api_site)
    assert text(api_site).startswith("# Written by the editor.\n")
    assert record(api_site)["title"]["zh"] == "〔zh〕Label smoothing and $H<1/\\alpha$"
    assert translate(api_site, "--accept", code=2).stderr.count("--accept needs")


def test_pages_mark_machine_texts_naming_the_model_until_accepted(api_site):
    api_site.paper("2403.14715.yaml", PAPER)
    translate(api_site)
    assert CliRunner().invoke(main, ["build", "-q"]).exit_code == 0
    page = (api_site.root / "site/papers/2403.14715/index.html").read_text()
    assert page.count("机器生成（test-model-1），尚未审校") == 2  # the title and the English tldr
    assert 'class="machine">〔zh〕Label smoothing' in page
    english = (api_site.root / "site/en/issues/2024-03-22/index.html").read_text()
    assert "machine-written (test-model-1), not yet reviewed" in english
    translate(api_site, "--accept", "2403.14715")
    assert CliRunner().invoke(main, ["build", "-q"]).exit_code == 0
    page = (api_site.root / "site/papers/2403.14715/index.html").read_text()
    assert "badge-machine" not in page and "〔zh〕Label smoothing" in page


def test_check_counts_machine_texts_and_strict_fails_on_them(api_site):
    api_site.paper("2403.14715.yaml", PAPER)
    translate(api_site)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "Machine-written texts not yet reviewed: zh 1, en 1." in result.output
    assert "warning: zh: 1 machine-written text in 1 paper to review" in result.output
    strict = CliRunner().invoke(main, ["check", "--strict"])
    assert strict.exit_code == 1
    assert "error: en: 1 machine-written text in 1 paper to review" in strict.output
    translate(api_site, "--accept", "2403.14715")
    assert CliRunner().invoke(main, ["check", "--strict"]).exit_code == 0


def test_a_command_backend_reads_json_and_writes_json(site, monkeypatch):
    monkeypatch.chdir(site.root)
    configure(site, f"command: {COMMAND}\n  model: local-7b")
    site.paper("2403.14715.yaml", PAPER)
    site.paper("x.yaml", "id: x\ntitle: \"[[fail]] Broken\"\ndate: 2024-03-22\n")
    result = translate(site, code=1)
    assert record(site)["machine"] == {"title.zh": "local-7b", "tldr.en": "local-7b"}
    assert record(site)["title"]["zh"] == "〔zh〕Label smoothing and $H<1/\\alpha$"
    assert "tokens: 14 in, 6 out" in result.output  # as the command reported them
    assert "content/papers/x.yaml: title.zh: " in result.stderr
    assert "exited with status 3: the model is not loaded" in result.stderr


@pytest.mark.parametrize("section, message", [
    ("translate:\n  model: m\n",
     ":4: 'translate' needs either 'api' (an OpenAI-compatible API) or 'command'"),
    ("translate:\n  api: http://127.0.0.1:9/v1\n  modle: m\n",
     ":5: unknown key 'translate.modle' (did you mean 'translate.model'?)"),
    ("translate:\n  api: http://127.0.0.1:9/v1\n  command: x\n",
     ":5: 'translate' takes 'api' or 'command', not both"),
    ("translate:\n  command: x\n  concurrency: 0\n",
     ":5: 'translate.concurrency' must be a whole number above 0, not 0"),
])
def test_a_bad_translate_section_is_reported_with_its_line(site, section, message):
    site.write("digestgen.yaml", "title: T\nbase_url: https://a.github.io/d/\n" + section)
    result = translate(site, code=1)
    assert f"digestgen.yaml{message}\n" in result.stderr


def test_without_a_translate_section_it_says_what_to_set(site):
    site.paper("2403.14715.yaml", PAPER)
    result = translate(site, code=1)
    assert "no 'translate' section" in result.stderr


def test_a_bad_machine_entry_is_reported_with_its_line(site):
    site.paper("p.yaml", "id: p\ntitle: T\ndate: 2024-03-22\nmachine:\n  title.zh: m\n"
                         "  titel.zh: m\n  title.fr: m\n  abstract.en: ''\n")
    result = CliRunner().invoke(main, ["check", "--config", str(site.config_path)])
    assert result.exit_code == 1
    assert "p.yaml:6: 'machine' key 'titel.zh' must be FIELD.LANG" in result.stderr
    assert "p.yaml:7: language 'fr' is not configured" in result.stderr
    assert "p.yaml:8: 'machine.abstract.en' must name the model" in result.stderr


@pytest.mark.parametrize("source, draft, lost", [
    ("Gains of 93.5% on 1,000 tasks in 2024.", "在 2024 年 1000 个任务上提升 93.5%。", []),
    ("Gains of 93.5% on 1,000 tasks.", "在一千个任务上提升 93.5%。", ["1000"]),
    ("Gains of 93.5% on 1,000 tasks in 2024.", "2024年在1000个任务上提升93.5%。", []),
    ("第5篇论文，2024年。", "Paper 5 of 2024.", []),
    ("With $H<1/\\alpha$ and $$\\sum_i x_i$$.", "当 $H<1/\\alpha$ 与 $$\\sum_i  x_i$$ 时。", []),
    ("With $H<1/\\alpha$.", "当 H<1/α 时。", ["$H<1/\\alpha$"]),
    ("See [code](https://x.org/a) and https://y.org/b.", "见[代码](https://x.org/a)。",
     ["https://y.org/b"]),
    ("Run `torch.compile` twice.", "运行 torch.compile 两次。", ["`torch.compile`"]),
    ("GPT-4 and v2 models, $x_2$ and `f(3)`.", "GPT-4 与 v2 模型，$x_2$ 与 `f(3)`。", []),
    ("GPT-4 and v2 models.", "GPT 与 v2 模型。", ["4"]),
])
def test_a_draft_keeps_the_math_links_code_and_numbers_of_its_source(source, draft, lost):
    from digestgen.translate.faithful import missing_parts

    assert missing_parts(source, draft) == lost


def test_the_notes_of_an_md_paper_go_into_its_body_as_a_language_container(api_site):
    path = api_site.paper("n.md", "---\n# Front matter.\nid: n\ntitle: {en: T, zh: 题}\n"
                                  "date: 2024-03-22\n---\nSome *notes* with $x^2$.\n")
    translate(api_site, "--fields", "notes")
    assert path.read_text() == (
        "---\n# Front matter.\nid: n\ntitle: {en: T, zh: 题}\ndate: 2024-03-22\n"
        "machine:\n  notes.zh: test-model-1\n---\nSome *notes* with $x^2$.\n\n"
        "::: zh\n〔zh〕Some *notes* with $x^2$.\n:::\n")
    check = CliRunner().invoke(main, ["check"])
    assert "zh: 1 machine-written text in 1 paper to review" in check.output, check.output
    assert "Nothing to draft" in translate(api_site, "--fields", "notes").output


def test_a_text_a_person_writes_during_the_run_wins(site, monkeypatch):
    monkeypatch.chdir(site.root)
    configure(site, f"command: {COMMAND}\n  model: local-7b")
    site.paper("e.yaml", "id: e\ntitle: \"[[edit]] Title\"\ndate: 2024-03-22\ntldr: Short.\n")
    result = translate(site, "--to", "zh", code=1)
    data = record(site, "e.yaml")
    assert data["title"] == {"zh": "人写的标题", "en": "[[edit]] Title"}
    assert data["tldr"] == {"en": "Short.", "zh": "〔zh〕Short."}
    assert data["machine"] == {"tldr.zh": "local-7b"}  # nothing marks the person's title
    assert "content/papers/e.yaml: title.zh: written in the file meanwhile; kept" in result.stderr


def test_no_more_requests_than_concurrency_are_in_flight(site, server, monkeypatch):
    monkeypatch.chdir(site.root)
    configure(site, f"api: {server.api}\n  model: m", concurrency=2)
    for n in range(6):
        site.paper(f"p{n}.yaml", f'id: p{n}\ntitle: "[[busy]] Title {n}"\ndate: 2024-03-22\n')
    translate(site, "--to", "zh")
    assert len(server.requests) == 6
    assert server.max_in_flight <= 2


def test_an_issue_names_its_papers(api_site, server):
    api_site.paper("2403.14715.yaml", PAPER)
    api_site.paper("other.yaml", "id: other\ntitle: Elsewhere\ndate: 2024-03-23\n")
    translate(api_site, "--issue", "2024-03-22", "--fields", "title")
    assert "machine" not in record(api_site, "other.yaml")
    assert record(api_site)["machine"] == {"title.zh": "test-model-1"}
    assert "issue 2024-01-01 has no papers" in translate(
        api_site, "--issue", "2024-01-01", code=2).stderr
    assert "no paper with id nope" in translate(api_site, "nope", code=2).stderr


def test_the_api_key_comes_from_the_environment_variable_named(site, server, monkeypatch):
    monkeypatch.chdir(site.root)
    configure(site, f"api: {server.api}\n  model: m", api_key_env="DIGEST_TEST_KEY")
    site.paper("p.yaml", "id: p\ntitle: A title\ndate: 2024-03-22\n")
    server.key = "sekrit"
    monkeypatch.delenv("DIGEST_TEST_KEY", raising=False)
    result = translate(site, "--to", "zh", code=1)
    assert "p.yaml: title.zh: the API refused the key: set DIGEST_TEST_KEY in the environment" \
        in result.stderr
    assert server.refused == 1  # a wrong key is not tried again
    monkeypatch.setenv("DIGEST_TEST_KEY", "sekrit")
    translate(site, "--to", "zh")
    assert record(site, "p.yaml")["machine"] == {"title.zh": "m"}


def test_accepting_keeps_a_comment_among_the_machine_entries_and_says_so(api_site):
    api_site.paper("2403.14715.yaml", PAPER + "machine:\n  # checked half of it\n"
                                              "  title.zh: model#2\n")
    before = text(api_site)
    result = translate(api_site, "--accept", "2403.14715", code=1)
    assert text(api_site) == before
    assert "2403.14715.yaml: file left as it is: lines 12-14 ('machine') hold a comment" \
        in result.stderr
    api_site.paper("2403.14715.yaml", PAPER + "machine:\n  title.zh: model#2\n")
    translate(api_site, "--accept", "2403.14715")
    assert text(api_site) == PAPER


def test_a_reasoning_block_is_dropped_and_a_cut_off_reply_is_not_written(site, server,
                                                                         monkeypatch):
    monkeypatch.chdir(site.root)
    configure(site, f"api: {server.api}\n  model: qwen3")
    site.paper("t.yaml", 'id: t\ntitle: "[[think]] A title"\ndate: 2024-03-22\n')
    site.paper("l.yaml", 'id: l\ntitle: "[[long]] A title"\ndate: 2024-03-22\n')
    result = translate(site, "--to", "zh", code=1)
    assert record(site, "t.yaml")["title"]["zh"] == "〔zh〕[[think]] A title"
    assert "l.yaml: title.zh: the model's reply was cut off at its length limit" in result.stderr
    assert "machine" not in record(site, "l.yaml")
    assert server.asked("[[long]]") == 1
