"""Work done in forked processes comes back as if it had been done here."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from digestgen.errors import Problem, SiteError
from digestgen.parallel import Forked, fork_map


def test_forked_work_runs_in_another_process_and_returns_its_value():
    here = os.getpid()
    pending = Forked(lambda: (os.getpid(), {"files": ["a", "b"]}))
    pid, value = pending.result()
    assert pid != here and value == {"files": ["a", "b"]}


def test_a_problem_in_forked_work_is_raised_where_the_result_is_asked_for():
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


def test_cancelled_work_leaves_no_process_behind():
    pending = Forked(lambda: threading.Event().wait(60))
    pending.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_fork_map_keeps_the_order_of_the_shares():
    assert fork_map(lambda share: [n * 2 for n in share], [[1, 2], [3], [4, 5]]) == \
        [[2, 4], [6], [8, 10]]
