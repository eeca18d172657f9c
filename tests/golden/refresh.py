"""Build the golden site (``tests/golden/site``) into ``tests/golden/expected``.

Run ``python tests/golden/refresh.py`` after a change meant to alter what digestgen writes,
then review the diff of ``tests/golden/expected`` and commit it with the change.
``tests/test_golden.py`` fails while the committed output differs from what a build writes.
"""

from __future__ import annotations

import difflib
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SITE = HERE / "site"
EXPECTED = HERE / "expected"


def build_golden(output: Path) -> None:
    """Build a copy of the golden site (so no cache is left beside it) into ``output``."""
    from digestgen.build import build, configure
    from digestgen.configload import load_config

    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "site"
        shutil.copytree(SITE, copy)
        build(configure(load_config(copy / "digestgen.yaml"), output=output))


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` by its "/"-separated relative path."""
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def differences(expected: dict[str, bytes], built: dict[str, bytes]) -> str:
    """What differs, first differing files first, with a diff of the first changed text."""
    missing = sorted(expected.keys() - built.keys())
    extra = sorted(built.keys() - expected.keys())
    changed = sorted(path for path in expected.keys() & built.keys()
                     if expected[path] != built[path])
    lines = [f"not written: {path}" for path in missing[:10]]
    lines += [f"not expected: {path}" for path in extra[:10]]
    lines += [f"differs: {path}" for path in changed[:10]]
    if changed:
        first = changed[0]
        diff = difflib.unified_diff(
            expected[first].decode("utf-8", "replace").splitlines(),
            built[first].decode("utf-8", "replace").splitlines(),
            f"expected/{first}", f"built/{first}", lineterm="", n=1)
        lines += list(diff)[:40]
    return "\n".join(lines)


def main() -> None:
    sys.path.insert(0, str(HERE.parent.parent))  # this checkout's digestgen
    with tempfile.TemporaryDirectory() as scratch:
        built = Path(scratch) / "out"
        build_golden(built)
        shutil.rmtree(EXPECTED, ignore_errors=True)
        shutil.copytree(built, EXPECTED)
    print(f"{len(tree(EXPECTED))} files in {EXPECTED}")


if __name__ == "__main__":
    main()
