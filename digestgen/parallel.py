"""Running parts of a build in forked worker processes, one per core.

A worker is a fork of the build: it sees everything already loaded (the site model, the theme,
caches) without copying, does its share, and sends back a small pickled result through a pipe.
The calling process does the last share itself. Results come back in the order of the shares,
so what a build produces never depends on which worker finished first.
"""

from __future__ import annotations

import ctypes
import gc
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .errors import SiteError

T = TypeVar("T")
R = TypeVar("R")

_PR_SET_PDEATHSIG = 1
try:  # opened here, not in a child just forked: another thread may hold the loader's lock
    _LIBC = ctypes.CDLL(None, use_errno=True)
except OSError:
    _LIBC = None

#: Set DIGESTGEN_JOBS=1 to build in one process (for profiling, or on a busy machine).
JOBS_VARIABLE = "DIGESTGEN_JOBS"


def worker_count() -> int:
    """How many processes a build uses: one per core this process may run on."""
    wanted = os.environ.get(JOBS_VARIABLE, "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, cores)


def can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform != "darwin"


def split(items: Sequence[T], weights: Sequence[float], parts: int) -> list[list[T]]:
    """``items`` in ``parts`` groups of about equal total weight, keeping their order within
    each group (greedy: each next item goes to the lightest group)."""
    groups: list[list[T]] = [[] for _ in range(max(1, parts))]
    loads = [0.0] * len(groups)
    order = sorted(range(len(items)), key=lambda i: -weights[i])
    chosen = [0] * len(items)
    for i in order:
        lightest = loads.index(min(loads))
        chosen[i] = lightest
        loads[lightest] += weights[i]
    for i, item in enumerate(items):
        groups[chosen[i]].append(item)
    return [g for g in groups if g] or [[]]


def fork_map(work: Callable[[T], R], shares: Sequence[T]) -> list[R]:
    """``[work(share) for share in shares]``, each share but the last in a forked worker.

    A :class:`SiteError` in a worker is raised here with its problems; any other exception is
    raised here too (as itself when it can be pickled). Workers never outlive this call.
    """
    if len(shares) <= 1 or not can_fork():
        return [work(share) for share in shares]
    gc.freeze()  # objects shared with the workers stay out of their collections: no copying
    children: list[tuple[int, int]] = []
    try:
        for share in shares[:-1]:
            children.append(_spawn(work, share))
        last = work(shares[-1])
        results = []
        while children:
            # Out of the list first: collecting closes the pipe, even when the worker failed.
            results.append(_collect(*children.pop(0)))
    finally:
        for pid, fd in children:  # only after a failure here: stop the rest
            _stop(pid, fd)
    return [*results, last]


class Forked:
    """``work()`` running in a forked process while this one goes on, for work that only
    reads; :meth:`result` waits for its (pickled) value. Runs in this process instead where
    forking is not possible or not safe (other threads running)."""

    def __init__(self, work: Callable[[], R]):
        self._child: tuple[int, int] | None = None
        self._work = work
        if can_fork() and threading.active_count() == 1:
            self._child = _spawn(lambda _: work(), None)

    def result(self) -> R:
        if self._child is None:
            return self._work()
        pid, fd = self._child
        self._child = None
        return _collect(pid, fd)

    def cancel(self) -> None:
        """Stop the work if its result is no longer wanted (a failed build)."""
        if self._child is not None:
            _stop(*self._child)
            self._child = None


def _spawn(work: Callable[[T], R], share: T) -> tuple[int, int]:
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the worker
        os.close(read_fd)
        status = 0
        try:
            die_with(parent)
            try:
                payload = ("ok", work(share))
            except SiteError as exc:
                payload = ("site-error", exc.problems)
            except BaseException as exc:  # sent to the parent, which raises it
                payload = ("error", _picklable(exc))
            data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(data)
        except BaseException:
            status = 1
        finally:
            os._exit(status)  # never run the parent's cleanup (atexit, open files) twice
    os.close(write_fd)
    return pid, read_fd


def die_with(parent: int) -> None:
    """Make this worker (or a program about to start in this child) stop when the build that
    forked it stops, however it stops (a killed build must not leave workers writing into the
    folder the next build uses, nor indexers running)."""
    try:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the output lock still keeps builds apart
        return
    if os.getppid() != parent:  # the build stopped before the line above took effect
        os._exit(1)


def _collect(pid: int, fd: int) -> Any:
    with os.fdopen(fd, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if not data:
        raise RuntimeError(f"a build worker stopped without a result (status {status})")
    kind, value = pickle.loads(data)
    if kind == "site-error":
        raise SiteError(value)
    if kind == "error":
        raise value
    return value


def _stop(pid: int, fd: int) -> None:
    try:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
    os.close(fd)


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        text = "".join(traceback.format_exception(exc))
        return RuntimeError(f"in a build worker: {text}")
