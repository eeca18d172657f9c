"""The preview server's HTTP side: the last good build, served under the base path, with a
live-reload script added to every HTML response (never to the built files).

Open pages listen on ``/__digestgen/events`` (server-sent events). After a successful rebuild
they reload; after a failed one they show the errors over the page, and reload once fixed.
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
    if (!state.error && state.build !== built) { events.close(); location.reload(); }
    else show(state.error);
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

    def succeeded(self, base_path: str) -> None:
        with self._changed:
            self._builds += 1
            self._publish(build=f"{self._token}.{self._builds}", error=None, base_path=base_path)

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


class PreviewServer(ThreadingHTTPServer):
    """Serves ``root`` (the preview build) as GitHub Pages would, plus the event stream."""

    daemon_threads = True

    def __init__(self, port: int, root: Path, state: LiveState):
        self.root, self.state = root, state
        super().__init__((HOST, port), PreviewHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up in DNS, which can stall; not needed.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)  # a real bug: say so


def bind(port: int, root: Path, state: LiveState) -> PreviewServer:
    """A server on ``port``, or on the next free port above it when that one is taken."""
    if port == 0:
        return PreviewServer(0, root, state)
    for candidate in range(port, min(port + PORT_TRIES, 65536)):
        try:
            return PreviewServer(candidate, root, state)
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
        if not self.server.root.is_dir():
            return self.send_bytes(HTTPStatus.SERVICE_UNAVAILABLE, "text/html",
                                   inject(error_page(), reload_snippet(state)), head)
        if not url.path.startswith(base):
            if url.path in ("/", base.rstrip("/")):
                return self.redirect(base)
            return self.not_found(state, head)
        target = self.find(unquote(url.path[len(base):]))
        if target is None:
            return self.not_found(state, head)
        if target.is_dir():  # a folder without its slash, as GitHub Pages does
            return self.redirect(url.path + "/" + (f"?{url.query}" if url.query else ""))
        self.send_file(HTTPStatus.OK, target, state, head)

    def find(self, rel: str) -> Path | None:
        """The file (or a folder holding ``index.html``) for a path below the base path."""
        parts = [part for part in rel.split("/") if part not in ("", ".")]
        if any(part == ".." or "\\" in part or "\x00" in part for part in parts):
            return None
        target = self.server.root.joinpath(*parts)
        if target.is_dir():
            if not (target / "index.html").is_file():
                return None  # no folder listings
            return target / "index.html" if rel.endswith("/") or not parts else target
        if rel.endswith("/"):
            return None
        return target if target.is_file() else None

    def not_found(self, state: Snapshot, head: bool) -> None:
        page = self.server.root / "404.html"
        if page.is_file():
            return self.send_file(HTTPStatus.NOT_FOUND, page, state, head)
        self.send_bytes(HTTPStatus.NOT_FOUND, "text/plain", b"Not found\n", head)

    def redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def send_file(self, status: HTTPStatus, path: Path, state: Snapshot, head: bool) -> None:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
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
                data = json.dumps({"build": now.build, "error": now.error}, ensure_ascii=False)
                self.wfile.write(f"data: {data}\n\n".encode("utf-8"))
        except (ConnectionError, TimeoutError):
            pass  # the page was closed
        self.close_connection = True
