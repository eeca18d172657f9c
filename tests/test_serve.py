"""`digestgen serve` as a user runs it: a real process on a free loopback port, files edited
while it runs, pages fetched over HTTP and the reload signal read from the event stream."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

WAIT = 15  # seconds any one expected thing may take on a slow, shared machine

PAPER = """\
id: "2403.14715"
title: {{en: {title}, zh: 标签平滑}}
date: 2024-03-22
tldr: {{en: LS hurts selective classification.}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Nothing listens on ``port`` any more and a new server could take it. (Connections the
    server closed may linger in TIME_WAIT, which SO_REUSEADDR servers ignore.)"""
    with socket.socket() as client:
        client.settimeout(WAIT)
        if client.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
        return True


class Lines:
    """The lines a stream of the server prints, read as they come."""

    def __init__(self, stream):
        self.seen: list[str] = []
        self._new: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self._new.put(line.rstrip("\n"))
        self._new.put(None)

    def wait_for(self, pattern: str, timeout: float = WAIT) -> re.Match:
        for line in self.seen:
            if m := re.search(pattern, line):
                return m
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._new.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if m := re.search(pattern, line):
                return m
        raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.seen))

    def text(self) -> str:
        while True:
            try:
                line = self._new.get(timeout=0.2)
            except queue.Empty:
                return "\n".join(self.seen)
            if line is None:
                return "\n".join(self.seen)
            self.seen.append(line)


def _interruptible() -> None:
    """Ctrl-C as a terminal delivers it: a test run started in the background by a script
    inherits SIGINT ignored (POSIX shells do that to background jobs), and so would the server,
    which then could not be stopped as a reader stops it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Server:
    """``python -m digestgen serve`` in the site folder, stopped with Ctrl-C (SIGINT)."""

    def __init__(self, site, tmp_path, *args: str):
        self.temp = tmp_path / "tmp"  # the server's temporary build folder goes here
        self.temp.mkdir()
        env = {**os.environ, "TMPDIR": str(self.temp), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "digestgen", "serve", *args], cwd=site.root, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
            preexec_fn=_interruptible)
        self.out, self.err = Lines(self.process.stdout), Lines(self.process.stderr)
        self.url = self.out.wait_for(r"Serving (http://127\.0\.0\.1:(\d+)/\S*)").group(1)
        self.port = int(re.search(r":(\d+)/", self.url).group(1))
        self.origin = f"http://127.0.0.1:{self.port}"

    def stop(self, sig=signal.SIGINT) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError("serve did not stop") from None


@pytest.fixture
def serve(site, tmp_path):
    started = []

    def start(*args: str) -> Server:
        server = Server(site, tmp_path, "--port", str(free_port()), *args)
        started.append(server)
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


def fetch(url: str) -> tuple[int, str, dict]:
    """Status, body and headers of a GET, without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=WAIT) as response:
            return response.status, response.read().decode("utf-8"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8"), dict(error.headers)


class Events:
    """The live-reload event stream, as an open page listens to it."""

    def __init__(self, server: Server):
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
        self.connection.request("GET", "/__digestgen/events")
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        assert self.response.headers["Content-Type"].startswith("text/event-stream")
        self.seen: list[dict] = []

    def next(self) -> dict:
        """The next state the server sends (a socket timeout fails the test)."""
        while True:
            line = self.response.fp.readline().decode("utf-8")
            assert line, "the event stream ended"
            if line.startswith("data: "):
                self.seen.append(json.loads(line[len("data: "):]))
                return self.seen[-1]

    def until(self, test) -> dict:
        """The first state that passes ``test``. A file being written may be seen half
        written (empty, say), so states in between are passed over."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            state = self.next()
            if test(state):
                return state
        raise AssertionError("the expected state never came")

    def close(self) -> None:
        self.connection.close()


def test_edits_rebuild_reload_and_errors_show_until_fixed(site, serve, tmp_path):
    paper = site.paper("2403.14715.yaml", PAPER.format(title="First Title"))
    server = serve()
    assert server.url == f"{server.origin}/digest/"  # the base path of base_url
    status, html, headers = fetch(server.url + "en/papers/2403.14715/")
    assert status == 200 and "First Title" in html
    assert headers["Cache-Control"] == "no-store"
    assert "/__digestgen/events" in html  # the reload script, added when served
    assert not site.output.exists()  # site/ is never written by serve

    events = Events(server)
    first = events.next()
    assert first["error"] is None

    paper.write_text(PAPER.format(title="Second Title"), encoding="utf-8")
    reload = events.until(lambda s: s["error"] is None and s["build"] != first["build"])
    assert "Second Title" in fetch(server.url + "en/papers/2403.14715/")[1]
    server.out.wait_for(r"Changed: content/papers/2403\.14715\.yaml")

    paper.write_text(PAPER.format(title="Third") + "date: tomorrow\n", encoding="utf-8")
    message = "content/papers/2403.14715.yaml:5: duplicate key 'date'"
    broken = events.until(lambda s: message in (s["error"] or ""))
    assert broken["build"] == events.seen[-2]["build"]  # the last good build's
    assert broken["build"] != first["build"]
    server.err.wait_for(re.escape(message))
    status, html, _ = fetch(server.url + "en/papers/2403.14715/")
    assert status == 200 and "Second Title" in html  # the last good build, still served
    assert 'id="digestgen-error"' in html and "duplicate key &#x27;date&#x27;" in html

    paper.write_text(PAPER.format(title="Fixed Title"), encoding="utf-8")
    fixed = events.until(lambda s: s["error"] is None)
    assert fixed["build"] != reload["build"]
    status, html, _ = fetch(server.url + "en/papers/2403.14715/")
    assert status == 200 and "Fixed Title" in html and 'id="digestgen-error"' not in html

    assert server.stop() == 0
    events.close()
    assert "Stopped." in server.out.text()
    assert "Traceback" not in server.err.text()
    assert port_is_free(server.port)
    assert list(server.temp.iterdir()) == []  # its build folder is removed
    assert not site.output.exists()


def test_the_site_is_served_as_github_pages_serves_it(site, serve):
    site.paper("2403.14715.yaml", PAPER.format(title="A Title"))
    server = serve()
    assert fetch(server.origin + "/")[2]["Location"] == "/digest/"
    status, _, headers = fetch(server.url + "papers/2403.14715")
    assert status == 301 and headers["Location"] == "/digest/papers/2403.14715/"
    status, html, _ = fetch(server.url + "papers/nope/")
    assert status == 404 and "/__digestgen/events" in html and 'href="/digest/' in html
    assert fetch(server.url + "../../etc/passwd")[0] == 404
    status, css, headers = fetch(server.url + "assets/digest.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")
    assert "__digestgen" not in css  # only HTML gets the script
    status, feed, _ = fetch(server.url + "feed.xml")
    assert status == 200 and f"{server.url}issues/2024-03-22/" in feed
    assert server.stop(signal.SIGTERM) == 0
    assert port_is_free(server.port)


def test_config_and_new_folders_are_watched(site, serve):
    site.paper("2403.14715.yaml", PAPER.format(title="A Title"))
    server = serve()
    events = Events(server)
    events.next()
    # Editors often save by writing a new file and renaming it over the old one.
    new = site.root / "digestgen.yaml.new"
    new.write_text("title: Renamed Digest\nbase_url: https://alice.github.io/digest/\n",
                   encoding="utf-8")
    new.replace(site.config_path)
    events.until(lambda s: s["error"] is None)
    assert "Renamed Digest" in fetch(server.url)[1]
    # static/ did not exist when the server started; it appears with its file in it.
    site.write("static.new/hello.txt", "hello\n")
    (site.root / "static.new").rename(site.root / "static")
    events.until(lambda s: s["error"] is None)
    assert fetch(server.url + "hello.txt")[:2] == (200, "hello\n")
    assert server.stop() == 0
    events.close()


def test_a_site_broken_at_start_is_served_once_fixed(site, serve):
    paper = site.paper("2403.14715.yaml", "id: '2403.14715'\ntitle: Broken\n")
    server = serve()
    server.err.wait_for(r"content/papers/2403\.14715\.yaml:1: 'date' is required")
    server.err.wait_for(r"Build failed\. Fix it and save to retry\.")
    status, html, _ = fetch(server.url)
    assert status == 503 and "&#x27;date&#x27; is required" in html
    events = Events(server)
    assert "'date' is required" in events.next()["error"]
    paper.write_text(PAPER.format(title="Now Fine"), encoding="utf-8")
    events.until(lambda s: s["error"] is None)
    status, html, _ = fetch(server.url + "en/")
    assert status == 200 and "Now Fine" in html
    assert server.stop() == 0
    events.close()


def test_a_taken_port_moves_to_the_next_free_one(site, tmp_path):
    site.paper("2403.14715.yaml", PAPER.format(title="A Title"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = Server(site, tmp_path, "--port", str(port))
        try:
            assert server.port != port
            server.out.wait_for(rf"Port {port} is in use; using port {server.port} instead\.")
            assert fetch(server.url)[0] == 200
        finally:
            assert server.stop() == 0
    assert port_is_free(server.port)


def test_an_open_page_reloads_and_shows_errors_in_a_real_browser(site, serve, browser):
    paper = site.paper("2403.14715.yaml", PAPER.format(title="First Title"))
    server = serve()
    page = browser.new_page()
    try:
        page.goto(server.url + "en/papers/2403.14715/")
        page.wait_for_function("document.title.startsWith('First Title')",
                               timeout=WAIT * 1000)
        page.evaluate("window.notReloaded = true")
        paper.write_text(PAPER.format(title="Second Title"), encoding="utf-8")
        page.wait_for_function("document.title.startsWith('Second Title')",
                               timeout=WAIT * 1000)
        assert page.evaluate("window.notReloaded") is None  # a reload, not a patch

        paper.write_text("id: '2403.14715'\ntitle: Broken\n", encoding="utf-8")
        page.wait_for_function(
            "(document.getElementById('digestgen-error') || {}).textContent"
            "?.includes(\"content/papers/2403.14715.yaml:1: 'date' is required\")",
            timeout=WAIT * 1000)
        assert page.title().startswith("Second Title")  # the last good page stays

        paper.write_text(PAPER.format(title="Third Title"), encoding="utf-8")
        page.wait_for_function("document.title.startsWith('Third Title')",
                               timeout=WAIT * 1000)
        assert page.query_selector("#digestgen-error") is None
    finally:
        page.close()
    assert server.stop() == 0


def served_tree(server: Server, names: list[str]) -> dict[str, bytes]:
    """What the server answers for each of ``names``, without the reload script it adds."""
    script = re.compile(rb"<script>/\* digestgen serve: live reload \*/.*?</script>\n", re.S)
    found = {}
    for rel in names:
        try:
            with urllib.request.urlopen(server.url + rel, timeout=WAIT) as response:
                found[rel] = script.sub(b"", response.read())
        except urllib.error.HTTPError:
            pass
    return found


def test_a_second_serve_starts_from_the_last_build_and_search_catches_up(site, serve,
                                                                          tmp_path):
    from digestgen.build import build, configure
    from digestgen.configload import load_config
    from digestgen.output.manifest import MANIFEST
    from golden.refresh import differences, tree

    paper = site.paper("2403.14715.yaml", PAPER.format(title="First Title"))
    site.paper("2403.20002.yaml", PAPER.replace("2403.14715", "2403.20002").format(
        title="Other Paper"))
    server = serve()
    server.out.wait_for(r"Built 2 papers in 1 issue \(.*, \d+ pages rendered\)")
    port = server.port
    assert server.stop() == 0

    (tmp_path / "again").mkdir()
    again = Server(site, tmp_path / "again", "--port", str(port))
    try:
        again.out.wait_for(r"Built 2 papers in 1 issue \(.*, nothing to render\)")
        paper.write_text(PAPER.format(title="Second Title"), encoding="utf-8")
        again.out.wait_for(r"Updated \d+ pages")
        assert "Second Title" in fetch(again.url + "en/papers/2403.14715/")[1]
        # The search index is made by a build of the preview's folder in the background.
        again.out.wait_for(r"Search index and \S+ up to date")
        cold = tmp_path / "cold"
        shutil.copytree(site.root, cold / "site", ignore=shutil.ignore_patterns(
            ".digestgen-cache"))
        build(configure(load_config(cold / "site" / "digestgen.yaml"), output=cold / "out",
                        base_url=again.url))
        expected = {rel: data for rel, data in tree(cold / "out").items() if rel != MANIFEST}
        assert any(rel.startswith("search/") for rel in expected)
        served = served_tree(again, sorted(expected))
        assert served == expected, differences(expected, served)
    finally:
        assert again.stop() == 0
