"""The preview's output on disk and its search index, brought up to what memory serves.

A rebuild in memory (:mod:`.memory`) shows at once but writes nothing, and the search index
reads pages on disk. So once the edits settle, ``digestgen build`` runs in a process of its
own into the preview's output: it renders what changed since that output was written (the same
pages, byte for byte), indexes the papers that changed, and swaps the result in.
When it ends and nothing changed meanwhile, the server serves that output alone again
(``on_done``). A newer change stops a catch-up still running: the next one starts after it.
The reload never waits for any of this. The output then also holds the last state for the next
``serve``, which starts from it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Callable

#: Seconds without a change before catching up (editors save several files in a row).
SETTLE = 0.3
#: How much lower than the server's the catch-up's priority is (its workers inherit it).
NICENESS = 10


class CatchUp:
    """Runs ``command()`` (a build of the preview's output) after each change, in the background.

    :meth:`wanted` is called with a number that grows with every change; ``on_done(number)``
    is called after a run that started at that number succeeded, ``on_failure(number, text)``
    after one that failed (a run stopped for a newer change calls neither)."""

    def __init__(self, command: Callable[[], list[str]], on_done: Callable[[int], None],
                 on_failure: Callable[[int, str], None]):
        self.command, self.on_done, self.on_failure = command, on_done, on_failure
        self._changed = threading.Condition()
        self._wanted = self._started = 0
        self._process: subprocess.Popen | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="digestgen-catch-up", daemon=True)
        self._thread.start()

    def wanted(self, number: int) -> None:
        """Memory is at ``number`` now: catch up with it (stopping a run for an older one)."""
        with self._changed:
            self._wanted = number
            self._stop_process()
            self._changed.notify_all()

    def pause(self) -> None:
        """Stop what runs and start nothing until :meth:`wanted` is called again (a build of
        the same output is about to run in the server's process)."""
        with self._changed:
            self._started = self._wanted
            self._stop_process()
        self._wait_idle()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._stop_process()
            self._changed.notify_all()
        self._thread.join(timeout=30)

    def _stop_process(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)  # its own group: its workers too
            except ProcessLookupError:
                pass

    def _wait_idle(self) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._process is None, timeout=30)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._closed or self._wanted != self._started)
                if self._closed:
                    return
                number = self._wanted
                # Wait until changes settle: each new one starts the wait again.
                if self._changed.wait_for(lambda: self._closed or self._wanted != number,
                                          timeout=SETTLE) or self._started == number:
                    continue  # a newer change, or paused meanwhile
                self._started = number
                self._process = subprocess.Popen(
                    self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE, start_new_session=True)
                process = self._process
                try:  # background work: the server and the editor come first
                    os.setpriority(os.PRIO_PROCESS, process.pid, NICENESS)
                except OSError:
                    pass
            _, errors = process.communicate()
            with self._changed:
                self._process = None
                self._changed.notify_all()
                current = self._wanted == number and not self._closed
            if process.returncode == 0 and current:
                self.on_done(number)
            elif process.returncode > 0 and current:
                self.on_failure(number, errors.decode("utf-8", "replace").strip())
