"""An operating-system error (a full disk, a permission denied inside staging, a file where
a folder must be) is ``PATH: message``, exit 1, no traceback; the previous site stays as it
was and the staging folder is removed. Each runs in a real child process on a real file
system: a small tmpfs that fills up, a file-size limit, a tree that another user owns."""

from __future__ import annotations

import ctypes
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from test_robust_input import tree

CONFIG = "title: T\nbase_url: https://a.b/\nsearch: false\n"
PAPER = "id: good\ntitle: A good paper\ndate: 2024-03-22\nabstract: {text}\n"


def write_site(root: Path, abstract: str = "short") -> None:
    (root / "content/papers").mkdir(parents=True, exist_ok=True)
    (root / "digestgen.yaml").write_text(CONFIG, encoding="utf-8")
    (root / "content/papers/good.yaml").write_text(PAPER.format(text=abstract),
                                                   encoding="utf-8")


def run(root: Path, *args: str, preexec=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "digestgen", *args], cwd=root,
                          capture_output=True, text=True, timeout=120, preexec_fn=preexec,
                          check=False)


def assert_reported(done: subprocess.CompletedProcess, path_start: str, message: str) -> None:
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(path_start) and line.endswith(f": {message}"), line


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs mounted for the test, or a skip when this process may not mount one."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); the file-size-limit "
                    "test covers the same path")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_full_disk_is_reported_and_leaves_the_site(tmp_path, small_disk):
    write_site(tmp_path)
    assert run(tmp_path, "build", "-q", "--output", "disk/site").returncode == 0
    before = tree(small_disk / "site")
    write_site(tmp_path, abstract="x" * (2 * 1024 * 1024))  # twice the disk, in two pages
    done = run(tmp_path, "build", "-q", "--output", "disk/site")
    assert_reported(done, "disk/.site.staging/", "No space left on device")
    assert tree(small_disk / "site") == before
    assert not (small_disk / ".site.staging").exists()


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (512 * 1024, 512 * 1024))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process


def test_a_file_size_limit_is_reported_and_leaves_the_site(tmp_path):
    write_site(tmp_path)
    assert run(tmp_path, "build", "-q").returncode == 0
    before = tree(tmp_path / "site")
    write_site(tmp_path, abstract="x" * (1024 * 1024))
    done = run(tmp_path, "build", "-q", preexec=_limit_file_size)
    assert_reported(done, ".site.staging/", "File too large")
    assert tree(tmp_path / "site") == before
    assert not (tmp_path / ".site.staging").exists()


#: Linux capabilities that let root write where the permission bits say no.
_OVERRIDES = {"CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2, "CAP_FOWNER": 3}
_PR_CAPBSET_DROP = 24
_LIBC = ctypes.CDLL(None, use_errno=True)  # opened before a fork, not in the child


def _as_permissions_say() -> None:
    """In a child about to exec: obey file permissions even as root. Dropping the overrides
    from the bounding set leaves root's new program without them (Linux)."""
    if os.geteuid() != 0:
        return
    for cap in _OVERRIDES.values():
        if _LIBC.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot drop a capability")


def test_permission_denied_inside_staging_is_reported_and_leaves_the_site(tmp_path):
    if sys.platform != "linux" and os.geteuid() == 0:
        pytest.skip("running as root, which may write anywhere, and not on Linux")
    for abstract in ("first", "second"):  # two builds: the first one's tree is now spare
        write_site(tmp_path, abstract)
        assert run(tmp_path, "build", "-q").returncode == 0
    before = tree(tmp_path / "site")
    page = tmp_path / ".site.staging/papers/good/index.html"
    page.chmod(0o444)
    page.parent.chmod(0o555)
    try:
        write_site(tmp_path, "third")
        done = run(tmp_path, "build", "-q", preexec=_as_permissions_say)
        assert_reported(done, ".site.staging/papers/good/", "Permission denied")
        assert tree(tmp_path / "site") == before
    finally:
        page.parent.chmod(0o755)


def test_content_issues_being_a_file_during_import_is_reported(tmp_path):
    write_site(tmp_path)
    (tmp_path / "content/issues").write_text("not a folder", encoding="utf-8")
    digest = Path(__file__).resolve().parent / "fixtures/seeds/000_817fa717bd144da2.txt"
    shutil.copy(digest, tmp_path / "2024-03-22-digest.md")
    papers = tree(tmp_path / "content")
    done = run(tmp_path, "import", "2024-03-22-digest.md")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        "content/issues: is not a folder: records cannot be written into it",
        "1 error; nothing was written."]
    assert tree(tmp_path / "content") == papers


def test_an_os_error_of_any_command_is_path_and_message(tmp_path):
    write_site(tmp_path)
    (tmp_path / ".site.lock").mkdir()  # the lock cannot be opened: a folder is in its place
    assert_reported(run(tmp_path, "build", "-q"), ".site.lock", "Is a directory")
