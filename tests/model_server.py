"""A stand-in for an OpenAI-compatible chat completions API on 127.0.0.1, for the translate
tests: deterministic replies, and markers in a text that make it misbehave.

A "translation" is the source with a language tag in front (``〔zh〕``), which keeps every
formula, link, code span and number; a summary and a review are made from the title. Markers
in the text asked about:

- ``[[429]]``: the first request is answered 429 with ``Retry-After: 0``
- ``[[500]]``: the first request is answered 500
- ``[[slow]]``: the first request is answered after 3 s (tests set a shorter timeout)
- ``[[malformed]]``: every answer is a 200 whose body is not JSON
- ``[[nomath]]``: every reply drops the math; ``[[nomath-once]]`` only the first
- ``[[think]]``: the reply starts with a ``<think>...</think>`` block
- ``[[long]]``: the reply is cut off at the length limit (``finish_reason: length``)
- ``[[busy]]``: every answer takes 0.3 s (``max_in_flight`` tells how many overlapped)
- ``[[hang]]``: no answer until the server is closed, unless ``release`` is set

``failing`` set to a status answers every request with it, whatever the text.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

LANGUAGES = {"Simplified Chinese": "zh", "English": "en"}
MATH = re.compile(r"\$[^$]+\$")


@pytest.fixture
def model_server():
    """A running :class:`ModelServer`."""
    with ModelServer() as running:
        yield running


def translate_section(backend: str, **settings) -> str:
    """A ``translate:`` section for ``digestgen.yaml`` with ``backend`` (``api: URL`` and
    ``model: NAME``, or a ``command``), and settings that keep a test fast: no rate limit to
    wait on, no wait before a retry, few retries."""
    options = {"requests_per_minute": 60000, "timeout": 5, "retries": 2, "retry_wait": 0,
               **settings}
    lines = "".join(f"  {key}: {value}\n" for key, value in options.items())
    return f"translate:\n  {backend}\n{lines}"


def target_language(system: str) -> str:
    found = [code for name, code in LANGUAGES.items() if f"into {name}" in system
             or f"in {name}" in system]
    return found[0] if found else "xx"


def fake_reply(messages: list[dict], first: bool) -> str:
    """The deterministic answer to a request (``first``: the first time this text is asked)."""
    system, user = messages[0]["content"], messages[1]["content"]
    lang = target_language(system)
    tag = f"〔{lang}〕"
    if "JSON object" in system:  # a review
        title = user.split("\n", 1)[0]
        return json.dumps({"motivation": [f"{tag}why {title}"], "method": [f"{tag}how"],
                           "questions": [], "findings": [f"{tag}found 2 things"]},
                          ensure_ascii=False)
    if "JSON array" in system:  # review list items
        return json.dumps([tag + item for item in json.loads(user)], ensure_ascii=False)
    if "one-sentence summary" in system:
        return f"{tag}summary of {user.split(chr(10), 1)[0]}"
    reply = tag + user
    if "[[nomath]]" in user or ("[[nomath-once]]" in user and first):
        reply = MATH.sub("", reply)
    return reply


class ModelServer:
    """The server, as a context manager; ``requests`` lists each request's messages."""

    def __init__(self):
        self.requests: list[list[dict]] = []
        self.seen: dict[str, int] = {}
        self.tokens_in = self.tokens_out = 0
        self.in_flight = self.max_in_flight = 0
        self.key: str | None = None  # set: requests without "Bearer KEY" are answered 401
        self.refused = 0
        self.failing: int | None = None  # set: every request is answered with this status
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.release = threading.Event()  # set: "[[hang]]" is answered as any text
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def asked(self, text: str) -> int:
        """How many requests asked about a text holding ``text``."""
        return sum(1 for messages in self.requests if text in messages[-1]["content"]
                   or text in messages[1]["content"])

    def __enter__(self) -> ModelServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if server.key and self.headers.get("Authorization") != f"Bearer {server.key}":
                    with server.lock:
                        server.refused += 1
                    return self.send(401, {"error": {"message": "Incorrect API key"}})
                if server.failing:
                    with server.lock:
                        server.requests.append(body["messages"])
                    return self.send(server.failing, {"error": {"message": "failing"}})
                messages = body["messages"]
                user = messages[1]["content"]
                with server.lock:
                    server.requests.append(messages)
                    count = server.seen[user] = server.seen.get(user, 0) + 1
                first = count == 1
                if "[[busy]]" in user:
                    with server.lock:
                        server.in_flight += 1
                        server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    server.closing.wait(0.3)
                    with server.lock:
                        server.in_flight -= 1
                if "[[hang]]" in user and not server.release.is_set():
                    server.closing.wait(60)
                    return
                if "[[slow]]" in user and first:
                    server.closing.wait(3)
                if "[[429]]" in user and first:
                    return self.send(429, {"error": {"message": "slow down"}},
                                     {"Retry-After": "0"})
                if "[[500]]" in user and first:
                    return self.send(500, {"error": {"message": "server fell over"}})
                if "[[malformed]]" in user:
                    return self.send(200, b"{not json")
                reply = fake_reply(messages, first)
                if "[[think]]" in user:
                    reply = "<think>\nThe user wants $x$ kept. 42.\n</think>\n\n" + reply
                tokens_in = sum(len(m["content"]) for m in messages)
                with server.lock:
                    server.tokens_in += tokens_in
                    server.tokens_out += len(reply)
                self.send(200, {
                    "id": "chatcmpl-1", "object": "chat.completion", "created": 0,
                    "model": body["model"],
                    "choices": [{"index": 0,
                                 "finish_reason": "length" if "[[long]]" in user else "stop",
                                 "message": {"role": "assistant", "content": reply}}],
                    "usage": {"prompt_tokens": tokens_in, "completion_tokens": len(reply),
                              "total_tokens": tokens_in + len(reply)}})

            def send(self, status: int, payload, headers: dict | None = None) -> None:
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up waiting (a timeout test)
                    pass

        return Handler
