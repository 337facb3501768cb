"""Every command-line entry point (a module run as `python -m`) answers `--help` with its usage
and does nothing else: it exits 0 and writes no file. Each runs in a copy of the tree, so one
that misbehaves cannot touch the working tree."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from offline.capture import PROJECT_ROOT

_GUARD = re.compile(r'^if __name__ == "__main__"', re.M)


def _project_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return [name for name in listed if (PROJECT_ROOT / name).is_file()]


def _module(path: str) -> str:
    parts = path.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__main__" else parts)


ENTRY_POINTS = sorted(
    _module(name)
    for name in _project_files()
    if name.endswith(".py")
    and not name.startswith("tests/")
    and _GUARD.search((PROJECT_ROOT / name).read_text(encoding="utf-8"))
)


def test_the_entry_points_are_discovered() -> None:
    # A floor, not the list: a new entry point joins the test by itself.
    assert {"offline.check", "cost.docs", "bench.run", "deploy.doctor", "policies"} <= set(
        ENTRY_POINTS
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("tree")
    for name in _project_files():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / name, copy / name)
    return copy


def _snapshot(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.mark.parametrize("module", ENTRY_POINTS)
def test_help_prints_usage_and_changes_nothing(tree: Path, module: str) -> None:
    before = _snapshot(tree)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if module.startswith("runtime.glue."):
        # A pipeline's own Glue script imports the standard one, on the path as Glue ships it.
        env["PYTHONPATH"] = str(tree / "runtime" / "glue")
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.lower().startswith("usage:"), done.stdout[:500]
    assert _snapshot(tree) == before
