"""The preview server's HTTP side: the last good build, served under the base path, with a
live-reload script added to every HTML response (never to the built files).

What is served (:class:`ServedFiles`) is the preview's output on disk, under the pages that
rebuilds made in memory since that output was written: a rebuild shows without writing or
swapping any folder.

Open pages listen on ``/__digestgen/events`` (server-sent events). After a successful rebuild
they reload, unless the rebuild says which pages changed and theirs is not one of them; after a
failed one they show the errors over the page, and reload once fixed.
"""

from __future__ import annotations

import errno
import html
import json
import mimetypes
import os
import secrets
import shutil
import sys
import threading
from dataclasses import dataclass, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple
from socketserver import TCPServer
from urllib.parse import unquote, urlsplit

HOST = "127.0.0.1"
EVENTS = "/__digestgen/events"
#: Port numbers tried after a taken one before giving up.
PORT_TRIES = 100
#: Seconds between keep-alive comments on an idle event stream (finds closed tabs).
PING_SECONDS = 15.0

_OVERLAY_STYLE = (
    "position:fixed;top:0;left:0;right:0;z-index:2147483647;margin:0;padding:1em 1.25em;"
    "max-height:60vh;overflow:auto;background:#fff0f0;color:#8a1010;"
    "border-bottom:3px solid #c0392b;font:13px/1.45 ui-monospace,monospace;white-space:pre-wrap"
)
_SCRIPT = """<script>/* digestgen serve: live reload */
(function () {
  var built = %(build)s;
  function here() {
    var path = decodeURI(location.pathname);
    return path.charAt(path.length - 1) === "/" ? path + "index.html" : path;
  }
  function show(text) {
    var box = document.getElementById("digestgen-error");
    if (!text) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "digestgen-error";
      box.setAttribute("style", %(style)s);
      document.body.appendChild(box);
    }
    box.textContent = text;
  }
  var events = new EventSource(%(events)s);
  events.onmessage = function (message) {
    var state = JSON.parse(message.data);
    if (!state.error && state.build !== built) {
      if (!state.pages || state.previous !== built || state.pages.indexOf(here()) >= 0) {
        events.close(); location.reload(); return;
      }
      built = state.build;  /* this page is the same in the new build */
    }
    show(state.error);
  };
})();
</script>
"""


@dataclass(frozen=True)
class Snapshot:
    """The server's state as open pages see it; ``version`` counts every change."""

    version: int
    build: str  # changes with every successful build, and between server runs
    error: str | None
    base_path: str
    previous: str | None = None  # the build before ``build``
    pages: tuple[str, ...] | None = None  # URL paths that changed from it (None: any)


class LiveState:
    """The latest build's outcome, shared by the builder and every request thread."""

    def __init__(self, base_path: str):
        self._token = secrets.token_hex(4)
        self._builds = 0
        self._changed = threading.Condition()
        self._closed = False
        self._now = Snapshot(0, f"{self._token}.0", None, base_path)

    def current(self) -> Snapshot:
        with self._changed:
            return self._now

    def succeeded(self, base_path: str, pages: tuple[str, ...] | None = None) -> None:
        """A build succeeded; ``pages``: the URL paths that it changed, when known."""
        with self._changed:
            self._builds += 1
            self._publish(build=f"{self._token}.{self._builds}", error=None, base_path=base_path,
                          previous=self._now.build, pages=pages)

    def failed(self, error: str) -> None:
        with self._changed:
            self._publish(error=error)

    def _publish(self, **changes) -> None:
        self._now = replace(self._now, version=self._now.version + 1, **changes)
        self._changed.notify_all()

    def wait(self, seen: int | None, timeout: float) -> Snapshot | None:
        """The state once its version is not ``seen`` (or after ``timeout``); None when
        the server is stopping."""
        with self._changed:
            self._changed.wait_for(lambda: self._closed or self._now.version != seen, timeout)
            return None if self._closed else self._now

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()


def reload_snippet(state: Snapshot) -> bytes:
    """What is added before ``</body>``: the error box (when the build failed) and the
    script that listens for rebuilds."""
    box = ""
    if state.error:
        box = (f'<pre id="digestgen-error" style="{_OVERLAY_STYLE}">'
               f"{html.escape(state.error)}</pre>\n")
    script = _SCRIPT % {"build": json.dumps(state.build), "style": json.dumps(_OVERLAY_STYLE),
                        "events": json.dumps(EVENTS)}
    return (box + script).encode("utf-8")


def inject(page: bytes, snippet: bytes) -> bytes:
    at = page.lower().rfind(b"</body>")
    return page + snippet if at < 0 else page[:at] + snippet + page[at:]


def error_page() -> bytes:
    """Shown while no build has succeeded yet; the snippet adds the errors."""
    return (b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            b"<title>Build failed</title></head><body>\n</body></html>\n")


#: What :meth:`ServedFiles.find` answers for a folder that holds an ``index.html``.
FOLDER = "folder"


class ServedFiles:
    """The preview's output folder ``root``, under the pages published in memory since it was
    written (path -> bytes, or None for a page that is gone)."""

    def __init__(self, root: Path):
        self.root = root
        self._pages: dict[str, bytes | None] = {}
        self._lock = threading.Lock()

    def publish(self, pages: dict[str, bytes | None]) -> dict[str, bytes | None]:
        """Serve ``pages`` from now on; returns what they replace in memory (for
        :meth:`restore`)."""
        with self._lock:
            before = {path: self._pages.get(path, _ON_DISK) for path in pages}
            self._pages.update(pages)
        return before

    def restore(self, before: dict) -> None:
        with self._lock:
            for path, page in before.items():
                if page is _ON_DISK:
                    self._pages.pop(path, None)
                else:
                    self._pages[path] = page

    def settle(self) -> None:
        """The output on disk holds every page published: serve it alone."""
        with self._lock:
            self._pages.clear()

    def in_memory(self) -> int:
        with self._lock:
            return len(self._pages)

    def ready(self) -> bool:
        return self.root.is_dir()

    def _page(self, rel: str) -> Page | None:
        with self._lock:
            page = self._pages.get(rel, _ON_DISK)
        if page is not _ON_DISK:
            return None if page is None else Page(rel, page)
        target = self.root / rel
        return Page(rel, target) if target.is_file() else None

    def find(self, rel: str) -> Page | str | None:
        """The page (its bytes in memory, or its file) for a path below the base path;
        :data:`FOLDER` for a folder without its slash that holds an ``index.html``."""
        parts = [part for part in rel.split("/") if part not in ("", ".")]
        if any(part == ".." or "\\" in part or "\x00" in part for part in parts):
            return None
        joined = "/".join(parts)
        if rel.endswith("/") or not parts:
            return self._page(f"{joined}/index.html" if parts else "index.html")
        found = self._page(joined)
        if found is None and self._page(f"{joined}/index.html") is not None:
            return FOLDER  # no folder listings: only folders holding a page
        return found


_ON_DISK = object()


class Page(NamedTuple):
    name: str  # the path below the base path, for its media type
    data: bytes | Path  # in memory, or the file on disk


class PreviewServer(ThreadingHTTPServer):
    """Serves ``files`` (the preview build) as GitHub Pages would, plus the event stream."""

    daemon_threads = True

    def __init__(self, port: int, files: ServedFiles, state: LiveState):
        self.files, self.state = files, state
        super().__init__((HOST, port), PreviewHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up in DNS, which can stall; not needed.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)  # a real bug: say so


def bind(port: int, files: ServedFiles, state: LiveState) -> PreviewServer:
    """A server on ``port``, or on the next free port above it when that one is taken."""
    if port == 0:
        return PreviewServer(0, files, state)
    for candidate in range(port, min(port + PORT_TRIES, 65536)):
        try:
            return PreviewServer(candidate, files, state)
        except OSError as exc:
            if exc.errno not in (errno.EADDRINUSE, errno.EACCES):
                raise
    raise OSError(errno.EADDRINUSE, f"ports {port} to {candidate} are all in use")


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "digestgen"
    timeout = 60  # an idle browser connection does not hold a thread for ever

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        pass  # the terminal shows builds, not every request

    def do_GET(self) -> None:
        self.respond(head=False)

    def do_HEAD(self) -> None:
        self.respond(head=True)

    def respond(self, head: bool) -> None:
        url = urlsplit(self.path)
        if url.path == EVENTS and not head:
            return self.stream_events()
        state = self.server.state.current()
        base = state.base_path
        files = self.server.files
        if not files.ready():
            return self.send_bytes(HTTPStatus.SERVICE_UNAVAILABLE, "text/html",
                                   inject(error_page(), reload_snippet(state)), head)
        if not url.path.startswith(base):
            if url.path in ("/", base.rstrip("/")):
                return self.redirect(base)
            return self.not_found(state, head)
        target = files.find(unquote(url.path[len(base):]))
        if target is None:
            return self.not_found(state, head)
        if target is FOLDER:  # a folder without its slash, as GitHub Pages does
            return self.redirect(url.path + "/" + (f"?{url.query}" if url.query else ""))
        self.send_file(HTTPStatus.OK, target, state, head)

    def not_found(self, state: Snapshot, head: bool) -> None:
        page = self.server.files.find("404.html")
        if page is not None and page is not FOLDER:
            return self.send_file(HTTPStatus.NOT_FOUND, page, state, head)
        self.send_bytes(HTTPStatus.NOT_FOUND, "text/plain", b"Not found\n", head)

    def redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def send_file(self, status: HTTPStatus, page: Page, state: Snapshot, head: bool) -> None:
        kind = mimetypes.guess_type(page.name.rpartition("/")[2])[0] \
            or "application/octet-stream"
        path = page.data
        if isinstance(path, bytes):  # a page in memory
            if kind == "text/html":
                path = inject(path, reload_snippet(state))
            return self.send_bytes(status, kind, path, head)
        try:
            handle = open(path, "rb")
        except OSError:  # replaced by a rebuild between finding and opening it
            return self.send_bytes(HTTPStatus.NOT_FOUND, "text/plain", b"Not found\n", head)
        with handle:
            if kind == "text/html":
                return self.send_bytes(status, kind, inject(handle.read(), reload_snippet(state)),
                                       head)
            self.send_headers(status, kind, os.fstat(handle.fileno()).st_size)
            if not head:
                shutil.copyfileobj(handle, self.wfile)

    def send_bytes(self, status: HTTPStatus, kind: str, data: bytes, head: bool) -> None:
        self.send_headers(status, kind, len(data))
        if not head:
            self.wfile.write(data)

    def send_headers(self, status: HTTPStatus, kind: str, length: int) -> None:
        if kind.startswith("text/") or kind in ("application/xml", "application/javascript"):
            kind += "; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-store")  # a reload must fetch the new build
        self.end_headers()

    def stream_events(self) -> None:
        """Send the state now and after every change, until the client or server leaves."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        state = self.server.state
        seen = None
        try:
            self.wfile.write(b"retry: 1000\n\n")  # reconnect quickly after a restart
            while (now := state.wait(seen, PING_SECONDS)) is not None:
                if now.version == seen:
                    self.wfile.write(b": ping\n\n")
                    continue
                seen = now.version
                data = json.dumps({"build": now.build, "error": now.error,
                                   "previous": now.previous, "pages": now.pages},
                                  ensure_ascii=False)
                self.wfile.write(f"data: {data}\n\n".encode("utf-8"))
        except (ConnectionError, TimeoutError):
            pass  # the page was closed
        self.close_connection = True
