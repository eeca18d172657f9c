"""Work done in forked processes comes back as if it had been done here."""

from __future__ import annotations

import os
import threading
from pathlib import Path

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
