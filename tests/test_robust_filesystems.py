"""The same input gives the same bytes on any file system: a site built to a folder on disk
and to one on tmpfs (``/dev/shm``), search index included, is identical file by file. The
file systems list a folder's entries in different orders (ext4 by a hash of the name, tmpfs by
creation), so nothing a build hands on may depend on that order."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_robust_input import tree

from digestgen.cli import main

SHM = Path("/dev/shm")


def file_system(path: Path) -> str | None:
    """The type of the file system ``path`` is on (Linux /proc/mounts), or None."""
    try:
        mounts = [line.split() for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return None
    best = max((m for m in mounts if str(path.resolve()).startswith(m[1].rstrip("/") + "/")
                or str(path.resolve()) == m[1]), key=lambda m: len(m[1]), default=None)
    return best[2] if best else None


def test_a_build_on_disk_and_on_tmpfs_is_byte_identical(site, tmp_path):
    if not SHM.is_dir() or file_system(SHM) != "tmpfs":
        pytest.skip("no tmpfs at /dev/shm to build to")
    if file_system(tmp_path) in (None, "tmpfs"):
        pytest.skip(f"the test folder {tmp_path} is not on a disk file system")
    site.write("digestgen.yaml", "title: T\nbase_url: https://a.b/\nsearch: true\n")
    for n in range(40):
        site.paper(f"p{n}.yaml", f"id: paper-{n:02d}\ntitle: Paper {n} on topic {n % 7}\n"
                                 f"date: 2024-03-{1 + n % 5:02d}\ntags: [t{n % 3}]\n"
                                 f"tldr: {{en: 'Finding {n * 7919 % 1000}', zh: 标签平滑 {n}}}\n")
    on_shm = Path(tempfile.mkdtemp(dir=SHM, prefix="digestgen-fs-"))
    try:
        outputs = [tmp_path / "disk" / "site", on_shm / "site"]
        for output in outputs:
            result = CliRunner().invoke(main, ["build", "-q", "--config", str(site.config_path),
                                               "--output", str(output)])
            assert result.exit_code == 0, result.output
        disk, shm = (tree(output) for output in outputs)
        assert any(rel.startswith("search/") and rel.endswith(".bin") for rel in disk)
        assert sorted(disk) == sorted(shm)
        assert [rel for rel in disk if disk[rel] != shm[rel]] == []
    finally:
        shutil.rmtree(on_shm)
