"""Work done in forked processes comes back as if it had been done here."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from digestgen.errors import Problem, SiteError
from digestgen.parallel import Forked, fork_map


@pytest.fixture
def single_threaded(monkeypatch):
    """Forked work is done in place while other threads run (a fork would copy only one of
    them); threads that other tests left behind must not decide these tests."""
    monkeypatch.setattr("digestgen.parallel.threading.active_count", lambda: 1)


def child_processes() -> set[int]:
    """The live (not zombie) child processes of this process, from /proc."""
    found = set()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                fields = Path(f"/proc/{name}/stat").read_bytes().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid() and fields[0] != b"Z":
                found.add(int(name))
    return found


def test_forked_work_runs_in_another_process_and_returns_its_value(single_threaded):
    here = os.getpid()
    pending = Forked(lambda: (os.getpid(), {"files": ["a", "b"]}))
    pid, value = pending.result()
    assert pid != here and value == {"files": ["a", "b"]}


def test_a_problem_in_forked_work_is_raised_where_the_result_is_asked_for(single_threaded):
    def broken():
        raise SiteError([Problem(Path("site"), 3, "broken")])

    pending = Forked(broken)
    with pytest.raises(SiteError) as raised:
        pending.result()
    assert str(raised.value.problems[0]) == "site:3: broken"


def test_with_other_threads_running_the_work_is_done_here():
    here = os.getpid()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert Forked(os.getpid).result() == here
    finally:
        stop.set()
        other.join()


def test_cancelled_work_leaves_no_process_behind(single_threaded):
    before = child_processes()
    pending = Forked(lambda: threading.Event().wait(60))
    assert len(child_processes() - before) == 1
    pending.cancel()
    assert child_processes() - before == set()


def test_fork_map_keeps_the_order_of_the_shares():
    assert fork_map(lambda share: [n * 2 for n in share], [[1, 2], [3], [4, 5]]) == \
        [[2, 4], [6], [8, 10]]


class _Papers:
    """What EarlyMarkdown needs of a renderer and a Markdown renderer, noting what it did."""

    def __init__(self, delay: float = 0.0):
        self.delay, self.learned, self.adopted = delay, {}, {}
        self.theme = SimpleNamespace(env=SimpleNamespace(list_templates=lambda **_: []))

    def render_markdown(self, paper) -> None:
        time.sleep(self.delay)
        self.learned[paper.id.encode()] = f"<p>{paper.id}</p>"

    def adopt(self, learned: dict) -> None:
        self.adopted.update(learned)


def _papers(count: int) -> list:
    return [SimpleNamespace(id=f"p{n}") for n in range(count)]


def test_early_markdown_comes_back_as_if_rendered_here(single_threaded):
    from digestgen.rendering import EarlyMarkdown
    fake, papers = _Papers(), _papers(30)
    early = EarlyMarkdown(fake, fake, papers)
    time.sleep(0.5)  # time enough for 30 papers
    done = early.finish(fake)
    assert done == {p.id for p in papers}
    assert fake.adopted == {p.id.encode(): f"<p>{p.id}</p>" for p in papers}
    assert fake.learned == {}  # rendered in the worker, not here


def test_early_markdown_stops_when_told_and_says_what_it_did(single_threaded):
    from digestgen.rendering import EarlyMarkdown
    fake, papers = _Papers(delay=0.05), _papers(1000)
    before = child_processes()
    early = EarlyMarkdown(fake, fake, papers)
    time.sleep(0.2)
    done = early.finish(fake)
    assert 0 < len(done) < len(papers)
    assert done == {p.id for p in papers[:len(done)]}  # the first ones, in order
    assert set(fake.adopted) == {i.encode() for i in done}
    assert child_processes() == before


def test_early_markdown_let_go_of_unfinished_leaves_no_process_behind(single_threaded):
    from digestgen.rendering import EarlyMarkdown
    fake = _Papers(delay=0.05)
    before = child_processes()
    early = EarlyMarkdown(fake, fake, _papers(1000))
    assert child_processes() != before
    del early  # a build that failed before rendering
    assert child_processes() == before


def _job(kind, lang, weight):
    from digestgen.pages.jobs import Job
    return Job(kind, lang, None, f"{lang}/{kind.name}/{weight}", weight)


def test_shares_move_whole_issue_blocks_to_even_out_two_languages(monkeypatch):
    from digestgen.pages.reads import PageKind
    from digestgen.rendering import issue_blocks, shares
    monkeypatch.setattr("digestgen.rendering.worker_count", lambda: 2)
    monkeypatch.setattr("digestgen.rendering.threading.active_count", lambda: 1)
    jobs = []
    for lang, weight in (("zh", 3), ("en", 2)):  # the full records weigh more
        jobs.append(_job(PageKind.HOME, lang, 10))
        for _ in range(40):
            jobs += [_job(PageKind.ISSUE, lang, 6)] + [_job(PageKind.PAPER, lang, weight)] * 5
        jobs.append(_job(PageKind.FEED, lang, 20))
    parts = shares(jobs)
    assert len(parts) == 2 and sorted(map(len, parts)) != [len(jobs) // 2] * 2
    assert sorted(job for part in parts for job in part) == sorted(jobs)
    loads = [sum(job.weight for job in part) for part in parts]
    assert abs(loads[0] - loads[1]) <= 21  # within one issue block
    for part in parts:  # an issue's paper pages stay with it
        for start, end in issue_blocks(part):
            assert end - start == 6
        assert sum(job.kind is PageKind.PAPER for job in part) == \
            5 * sum(job.kind is PageKind.ISSUE for job in part)


def test_templates_compiled_early_are_read_by_a_later_build_not_compiled(tmp_path,
                                                                         monkeypatch):
    from digestgen.build import configure
    from digestgen.configload import load_config
    from digestgen.pages.theme import load_theme
    from digestgen.rendering import compile_templates
    from sitekit import SiteFolder
    site = SiteFolder(tmp_path / "site")
    site.write("layouts/broken.html", "{% if %}")  # left for a page that uses it to report
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))  # the theme's go there
    config = configure(load_config(site.config_path))
    compile_templates(load_theme(config).env)
    compiled = {p.name for p in (tmp_path / "user-cache/digestgen/templates").iterdir()}
    assert len(compiled) > 10
    env = load_theme(config).env
    env.compile = None  # a template compiled again would fail here
    env.get_template("paper.html")
    env.get_template("base.html")
    env.get_template("builtin:issue.html")


def test_markdown_starts_early_only_in_a_first_build_of_a_middling_site(single_threaded,
                                                                         tmp_path, monkeypatch):
    from digestgen.rendering import EARLY_MAX_PAPERS, EARLY_MIN_PAPERS, start_early_markdown
    monkeypatch.setenv("DIGESTGEN_JOBS", "2")
    fake = _Papers()
    fake.known = {}

    def early(count: int, output=tmp_path / "site"):
        started = start_early_markdown(fake, fake, SimpleNamespace(papers=_papers(count)), output)
        if started is not None:
            started.finish(fake)
        return started is not None

    assert [early(n) for n in (EARLY_MIN_PAPERS - 1, EARLY_MIN_PAPERS, EARLY_MAX_PAPERS,
                               EARLY_MAX_PAPERS + 1)] == [False, True, True, False]
    (tmp_path / "built").mkdir()
    (tmp_path / "built/index.html").write_text("<p>")
    assert not early(EARLY_MIN_PAPERS, tmp_path / "built")  # not a first build
    fake.known = {b"key": "<p>"}
    assert not early(EARLY_MIN_PAPERS)  # Markdown kept from an earlier build
    monkeypatch.setenv("DIGESTGEN_JOBS", "1")
    fake.known = {}
    assert not early(EARLY_MIN_PAPERS)  # one core
