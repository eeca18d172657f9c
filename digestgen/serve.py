"""``digestgen serve``: build, serve on 127.0.0.1, rebuild on every change, reload open pages.

The preview is built into a folder of its own, ``.digestgen-cache/preview/site``, with
``base_url`` set to the local address and the configured base path, so every link works as it
will on the published site, and ``site/`` is never touched. The folder stays between runs: a
``serve`` starts with an incremental build of it, which renders nothing when nothing changed.

The site is then kept in memory (:mod:`digestgen.preview.memory`): after an edit of paper or
issue files only those files are read again and only the pages whose key changed are rendered,
the edited paper's own pages first; they are served from memory at once, and open pages reload.
The output on disk and its search index catch up afterwards, in a build of their own process
(:mod:`digestgen.preview.catchup`). A change of the configuration, the theme or static files is
built on disk, as ``digestgen build`` does. A build that fails leaves the last good one served;
its errors go to the terminal and over the open pages until a fix builds.
"""

from __future__ import annotations

import functools
import gc
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import watchfiles

from .build import build, configure
from .config import SiteConfig
from .configload import load_config
from .errors import SiteError, counted, display_path, os_error_text
from .livereload import HOST, LiveState, ServedFiles, bind

#: Folders of a site whose changes need a rebuild (the config file is watched too).
WATCHED_DIRS = ("content", "layouts", "static")
#: How often (seconds) the watcher looks at the config file and at which watched folders exist.
TICK = 0.25
#: How long (ms) the watcher waits for more changes after one before reporting them.
QUIET_MS = 5
#: Changed files named in the terminal before "and N more".
SHOWN_CHANGES = 3

Echo = Callable[..., None]


def preview_output(config: SiteConfig) -> Path:
    """Where ``serve`` builds the preview (kept between runs, beside the other caches)."""
    return config.cache_dir / "preview" / "site"


class PreviewBuilder:
    """Builds the preview; every outcome goes to the terminal and to the open pages."""

    def __init__(self, config_path: Path, files: ServedFiles, port: int, drafts: bool,
                 state: LiveState, echo: Echo):
        self.config_path, self.files, self.port = config_path, files, port
        self.output = files.root
        self.drafts, self.state, self.echo = drafts, state, echo
        self._one_at_a_time = threading.Lock()
        self.memory = None  # preview.memory.MemorySite, once a build succeeded
        self.changes = 0  # counts the changes seen, for the catch-up
        self.catch_up = None  # preview.catchup.CatchUp, once serving
        self.base_url = ""  # of the last build
        self.finishing: threading.Thread | None = None  # the last update's rest

    def url(self, config: SiteConfig) -> str:
        return f"http://{HOST}:{self.port}{config.base_path}"

    def rebuild(self, changed: tuple[Path, ...] = ()) -> bool:
        """Build again (the config may have changed too); True when the build succeeded (or,
        for an update in memory, when the edited papers' pages show: the rest follows in
        :meth:`_finish`)."""
        from .preview.memory import NeedsBuild
        self.changes += 1  # first: an update still finishing stops (only one thread calls)
        number = self.changes
        with self._one_at_a_time:
            if changed:
                self.echo(f"{_clock()} Changed: {_list_changes(changed)}")

            def work() -> bool:
                if self.memory is not None and changed:
                    try:
                        return self._update(changed, number)
                    except NeedsBuild:
                        pass
                return self._build()
            return self._reporting(work)

    def _reporting(self, work: Callable[[], bool]) -> bool:
        """``work()``, its failures reported."""
        try:
            return work()
        except SiteError as exc:
            return self._failed([str(problem) for problem in exc.problems])
        except OSError as exc:  # a full disk, a permission denied: as the commands say it
            return self._failed([os_error_text(exc)])
        except Exception:  # a defect, not bad input: report it and keep serving
            return self._failed(traceback.format_exc().rstrip().splitlines())

    def finish(self) -> None:
        """Wait for the last update to finish (or stop)."""
        if self.finishing is not None:
            self.finishing.join()

    def _build(self) -> bool:
        """Build the output on disk (what changed since its last build), and load the site
        into memory from it."""
        from .preview.memory import MemorySite
        self.memory = None
        if self.catch_up is not None:
            self.catch_up.pause()  # it would build the same output
        config = load_config(self.config_path)
        config = configure(config, output=self.output, base_url=self.url(config))
        result = build(config, drafts=self.drafts)
        self.base_url = config.base_url
        self.files.settle()
        self.memory = MemorySite.load(config, self.drafts, self.output)
        gc.collect()
        gc.freeze()  # what was loaded lives long: later collections need not walk it
        moved = config.base_path != self.state.current().base_path
        self.state.succeeded(config.base_path)
        rendered = "nothing to render" if not result.rendered else \
            f"{counted(result.rendered, 'page')} rendered"
        self.echo(f"{_clock()} Built {counted(result.papers, 'paper')} in "
                  f"{counted(result.issues, 'issue')} ({result.seconds:.2f} s, {rendered})")
        if moved:
            self.echo(f"{_clock()} The base path changed: now serving {self.url(config)}")
        return True

    def _update(self, changed: tuple[Path, ...], number: int) -> bool:
        """Render in memory the edited papers' pages and serve them; the other pages that the
        changed content files change follow in another thread, which a newer change stops."""
        started = time.perf_counter()
        base_path = self.state.current().base_path
        with _no_collection():
            update = self.memory.update(changed)
            if update is None:
                return True  # nothing that a build reads
            first = update.first()
        replaced = self.files.publish(first)
        self.state.succeeded(base_path, self._urls(base_path, first))
        shown = time.perf_counter() - started
        self.finishing = threading.Thread(
            target=self._finish, name="digestgen-update", daemon=True,
            args=(update, number, replaced, started, shown))
        self.finishing.start()
        return True

    def _finish(self, update, number: int, replaced: dict, started: float,
                shown: float) -> None:
        """The rest of an update: every other page whose key changed. It runs beside the next
        update's first pages (it reads nothing that they change), and a newer change stops it:
        that one renders what this one would have (its keys are compared with the last
        update that finished)."""
        def superseded() -> bool:
            return self.changes != number

        try:
            rest = update.rest(superseded)
        except Exception as exc:
            with self._one_at_a_time:
                if not superseded():
                    self.files.restore(replaced)
                    self._reporting(functools.partial(_raise, exc))
            return
        if rest is None:
            return
        with self._one_at_a_time:
            if superseded():
                return
            update.commit()
            base_path = self.state.current().base_path
            self.files.publish(rest)
            self.state.succeeded(base_path, self._urls(base_path, rest))
            self.echo(f"{_clock()} Updated {counted(len(replaced) + len(rest), 'page')} in "
                      f"{time.perf_counter() - started:.2f} s (the edited paper in "
                      f"{shown:.2f} s)")
            if self.catch_up is not None:
                self.catch_up.wanted(number)

    @staticmethod
    def _urls(base_path: str, pages: dict) -> tuple[str, ...]:
        return tuple(sorted(base_path + rel for rel in pages))

    def caught_up(self, number: int) -> None:
        """The output on disk holds what memory serves after change ``number``."""
        with self._one_at_a_time:
            if number == self.changes and self.memory is not None:
                self.files.settle()
                self.echo(f"{_clock()} Search index and {display_path(self.output)} up to date")

    def catch_up_failed(self, number: int, errors: str) -> None:
        with self._one_at_a_time:
            if number == self.changes:
                lines = errors.splitlines()[-SHOWN_CHANGES:] or ["(no message)"]
                self.echo(f"{_clock()} The search index is not up to date: "
                          + " ".join(lines), err=True)

    def catch_up_command(self) -> list[str]:
        """``digestgen build`` of the preview's output, as the last build here made it."""
        return [sys.executable, "-m", "digestgen", "build", "--quiet",
                "--config", str(self.config_path), "--output", str(self.output),
                "--base-url", self.base_url, *(["--drafts"] if self.drafts else [])]

    def _failed(self, lines: list[str]) -> bool:
        summary = "Build failed" + ("; still serving the last good build" if
                                    self.files.ready() else "") + ". Fix it and save to retry."
        for line in lines:
            self.echo(line, err=True)
        self.echo(f"{_clock()} {summary}", err=True)
        self.state.failed("\n".join([summary, "", *lines]))
        return False


def watch_site(config_path: Path, on_change: Callable[[tuple[Path, ...]], object],
               stop: threading.Event, ready: threading.Event, echo: Echo) -> None:
    """Call ``on_change`` with the changed files after every batch of changes, until ``stop``.

    The content, layouts and static folders are watched by the system's file notifications.
    The config file and the existence of those folders are looked at every ``TICK`` instead:
    editors that save by replacing a file would end a notification watch on the file itself,
    and a folder made later (a first ``layouts/``) must start being watched. Where the
    system refuses notifications (too many folders for inotify, say), the folders are polled.
    """
    root = config_path.parent
    folders = _root_state(config_path)
    pending: set[Path] = set()
    polling = False
    while not stop.is_set():
        watched = [root / name for name in WATCHED_DIRS if name in folders]
        try:
            for changes in _changes(watched, stop, polling):
                ready.set()
                now = _root_state(config_path)
                pending.update(Path(path) for _, path in changes)
                pending.update(config_path if name == "config" else root / name
                               for name in ("config", *WATCHED_DIRS)
                               if now.get(name) != folders.get(name))
                refolder = any(now.get(name) != folders.get(name) for name in WATCHED_DIRS)
                folders = now
                if refolder:
                    break  # watch the folders as they are now, then build: nothing is missed
                if pending:
                    on_change(tuple(sorted(pending)))  # reports its own failures
                    pending = set()
        except (OSError, RuntimeError) as exc:  # from the system's notifications
            if polling:
                raise
            echo(f"File notifications failed ({exc}); polling for changes instead.", err=True)
            polling = True


def _changes(folders: list[Path], stop: threading.Event, polling: bool) -> Iterator[set]:
    """Batches of changes below ``folders``; an empty batch every ``TICK``."""
    if not folders:
        while not stop.wait(TICK):
            yield set()
        return
    yield from watchfiles.watch(*folders, stop_event=stop, rust_timeout=int(TICK * 1000),
                                step=QUIET_MS, yield_on_timeout=True, raise_interrupt=False,
                                force_polling=polling or None)


def _root_state(config_path: Path) -> dict[str, tuple]:
    """What the watcher compares between ticks: the config file's identity and contents'
    stamp, and which watched folders exist (by inode, so a replaced folder counts)."""
    state = {}
    for name, path in (("config", config_path),
                       *((name, config_path.parent / name) for name in WATCHED_DIRS)):
        try:
            stat = path.stat()
        except OSError:
            continue
        if name == "config":
            state[name] = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        elif os.path.isdir(path):
            state[name] = (stat.st_dev, stat.st_ino)
    return state


def serve(config: SiteConfig, port: int, drafts: bool, echo: Echo) -> None:
    """Serve ``config``'s site until interrupted (KeyboardInterrupt, which the caller raises
    on Ctrl-C or SIGTERM); everything started here is stopped before returning."""
    from .preview.catchup import CatchUp
    state = LiveState(config.base_path)
    files = ServedFiles(preview_output(config))
    server = bind(port, files, state)
    stop, ready = threading.Event(), threading.Event()
    watcher = None
    builder = None
    try:
        actual = server.server_address[1]
        if port and actual != port:
            echo(f"Port {port} is in use; using port {actual} instead.")
        builder = PreviewBuilder(config.path, files, actual, drafts, state, echo)
        builder.rebuild()  # before any other thread starts: the build may fork workers
        builder.catch_up = CatchUp(builder.catch_up_command, builder.caught_up,
                                   builder.catch_up_failed)
        watcher = threading.Thread(target=watch_site, name="digestgen-watch", daemon=True,
                                   args=(config.path, builder.rebuild, stop, ready, echo))
        watcher.start()
        ready.wait(10)  # changes made after the address is printed must not be missed
        echo(f"Serving {builder.url(config)} (Ctrl-C to stop)")
        server.serve_forever(poll_interval=TICK)
    finally:
        stop.set()
        state.close()  # ends the open event streams
        server.server_close()
        if watcher is not None:
            watcher.join(timeout=30)  # a build in progress finishes first
        if builder is not None and builder.catch_up is not None:
            builder.catch_up.close()


@contextmanager
def _no_collection():
    """No cyclic garbage collection while an edited paper's pages are made: a collection walks
    every object the site holds in memory (a second or so at 20,000 papers)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _raise(exc: BaseException) -> bool:
    raise exc


def _clock() -> str:
    return time.strftime("%H:%M:%S")


def _list_changes(paths: tuple[Path, ...]) -> str:
    shown = ", ".join(display_path(path) for path in paths[:SHOWN_CHANGES])
    more = len(paths) - SHOWN_CHANGES
    return shown + (f" and {more} more" if more > 0 else "")
