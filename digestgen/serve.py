"""``digestgen serve``: build, serve on 127.0.0.1, rebuild on every change, reload open pages.

The preview is built into a temporary folder of its own (removed when the server stops), with
``base_url`` set to the local address and the configured base path, so every link works as it
will on the published site, and ``site/`` is never touched. A build that fails leaves the last
good one served; its errors go to the terminal and over the open pages until a fix builds.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import watchfiles

from .build import build, configure
from .config import SiteConfig
from .configload import load_config
from .errors import SiteError, counted, display_path, os_error_text
from .livereload import HOST, LiveState, bind

#: Folders of a site whose changes need a rebuild (the config file is watched too).
WATCHED_DIRS = ("content", "layouts", "static")
#: How often (seconds) the watcher looks at the config file and at which watched folders exist.
TICK = 0.25
#: Changed files named in the terminal before "and N more".
SHOWN_CHANGES = 3

Echo = Callable[..., None]


class PreviewBuilder:
    """Builds the preview; every outcome goes to the terminal and to the open pages."""

    def __init__(self, config_path: Path, output: Path, port: int, drafts: bool,
                 state: LiveState, echo: Echo):
        self.config_path, self.output, self.port = config_path, output, port
        self.drafts, self.state, self.echo = drafts, state, echo
        self._one_at_a_time = threading.Lock()

    def url(self, config: SiteConfig) -> str:
        return f"http://{HOST}:{self.port}{config.base_path}"

    def rebuild(self, changed: tuple[Path, ...] = ()) -> bool:
        """Build again (the config may have changed too); True when the build succeeded."""
        with self._one_at_a_time:
            if changed:
                self.echo(f"{_clock()} Changed: {_list_changes(changed)}")
            try:
                config = load_config(self.config_path)
                config = configure(config, output=self.output, base_url=self.url(config))
                result = build(config, drafts=self.drafts)
            except SiteError as exc:
                return self._failed([str(problem) for problem in exc.problems])
            except OSError as exc:  # a full disk, a permission denied: as the commands say it
                return self._failed([os_error_text(exc)])
            except Exception:  # a defect, not bad input: report it and keep serving
                return self._failed(traceback.format_exc().rstrip().splitlines())
            moved = config.base_path != self.state.current().base_path
            self.state.succeeded(config.base_path)
            self.echo(f"{_clock()} Built {counted(result.papers, 'paper')} in "
                      f"{counted(result.issues, 'issue')} ({result.seconds:.2f} s)")
            if moved:
                self.echo(f"{_clock()} The base path changed: now serving {self.url(config)}")
            return True

    def _failed(self, lines: list[str]) -> bool:
        summary = "Build failed" + ("; still serving the last good build" if
                                    self.output.is_dir() else "") + ". Fix it and save to retry."
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
                                yield_on_timeout=True, raise_interrupt=False,
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
    on Ctrl-C or SIGTERM); everything started here is stopped and removed before returning."""
    state = LiveState(config.base_path)
    with tempfile.TemporaryDirectory(prefix="digestgen-serve-") as folder:
        output = Path(folder) / "site"
        server = bind(port, output, state)
        stop, ready = threading.Event(), threading.Event()
        watcher = None
        try:
            actual = server.server_address[1]
            if port and actual != port:
                echo(f"Port {port} is in use; using port {actual} instead.")
            builder = PreviewBuilder(config.path, output, actual, drafts, state, echo)
            builder.rebuild()
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


def _clock() -> str:
    return time.strftime("%H:%M:%S")


def _list_changes(paths: tuple[Path, ...]) -> str:
    shown = ", ".join(display_path(path) for path in paths[:SHOWN_CHANGES])
    more = len(paths) - SHOWN_CHANGES
    return shown + (f" and {more} more" if more > 0 else "")
