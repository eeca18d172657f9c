"""A real HTTP server on 127.0.0.1 that answers with recorded arXiv responses.

The recordings live in ``tests/fixtures/arxiv/`` (see its SOURCES.md). Each test queues the replies
it wants (a status and a recorded file, or a reply that never comes) and reads back the requests
the server received.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "arxiv"


@pytest.fixture
def no_internet(monkeypatch):
    """Send any request not meant for 127.0.0.1 to a closed local port, never outside."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


def fixture(name: str) -> bytes:
    """The bytes of one recorded response."""
    return (FIXTURES / name).read_bytes()


@dataclass(frozen=True)
class Reply:
    """What the server answers: a status and body, or nothing at all (``hang``)."""

    status: int = 200
    body: bytes = b""
    hang: bool = False
    content_type: str = "application/atom+xml; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


def recorded(name: str, status: int = 200) -> Reply:
    return Reply(status, fixture(name))


@dataclass(frozen=True)
class Request:
    path: str
    query: dict[str, str]


class ArxivServer:
    """Serves queued replies in order, then ``default`` for every further request."""

    def __init__(self, default: Callable[[Request], Reply] | None = None):
        self.requests: list[Request] = []
        self.replies: list[Reply] = []
        self.default = default or (lambda request: Reply(404, b"no reply queued"))
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_port}"

    @property
    def api_url(self) -> str:
        return self.root + "/api/query"

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def __enter__(self) -> ArxivServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _next_reply(self, request: Request) -> Reply:
        self.requests.append(request)
        return self.replies.pop(0) if self.replies else self.default(request)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                parts = urlsplit(self.path)
                query = {key: values[0] for key, values in parse_qs(
                    parts.query, keep_blank_values=True).items()}
                reply = server._next_reply(Request(parts.path, query))
                if reply.hang:
                    server._stop.wait(30)  # never answer; the client must give up first
                    return
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *args) -> None:
                pass  # keep test output clean

        return Handler
