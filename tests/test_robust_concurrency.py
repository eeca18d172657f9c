"""Two builds started at once on the same site: one builds, the other is told that a build is
running and changes nothing; the site is the one a single build makes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

#: A 404 page that takes a few seconds to render, so that two builds surely overlap.
SLOW_404 = """{% extends "builtin:404.html" %}
{% block content %}{% for i in range(15000000) %}{% endfor %}{{ super() }}{% endblock %}
"""


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def start_build(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "digestgen", "build", "-q", *args], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def outcome(build: subprocess.Popen) -> tuple[int, str]:
    _, stderr = build.communicate(timeout=120)
    return build.returncode, stderr


@pytest.fixture
def slow_site(site):
    site.paper("a.yaml", "id: a\ntitle: A paper\ndate: 2024-03-22\n")
    site.paper("b.yaml", "id: b\ntitle: B paper\ndate: 2024-03-21\n")
    site.write("layouts/404.html", SLOW_404)
    return site


def test_a_second_build_at_the_same_time_is_refused_with_a_clear_message(slow_site):
    first, second = start_build(slow_site.root), start_build(slow_site.root)
    results = sorted([outcome(first), outcome(second)])
    (ok, ok_err), (refused, message) = results
    assert (ok, ok_err) == (0, "")
    assert refused == 1
    assert message.splitlines() == [
        "site: another build is writing this output right now; wait for it to finish",
        "1 error; nothing was written."]
    built = tree(slow_site.output)
    assert outcome(start_build(slow_site.root)) == (0, "")
    assert tree(slow_site.output) == built  # what the one build wrote is a whole build


def test_builds_of_one_site_into_two_outputs_at_once_both_succeed_alike(slow_site):
    first = start_build(slow_site.root, "--output", "one")
    second = start_build(slow_site.root, "--output", "two")
    assert outcome(first) == (0, "") and outcome(second) == (0, "")
    assert tree(slow_site.root / "one") == tree(slow_site.root / "two")
