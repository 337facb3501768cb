"""`policies/__main__.py` starts the pack from the repo root, from `policies/`, and when copied."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def _first_line(args: list[str], cwd: Path) -> str:
    proc = subprocess.Popen(
        args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
    finally:
        proc.kill()
        _, stderr = proc.communicate(timeout=30)
    assert line.strip().isdigit(), stderr
    return line


@pytest.mark.parametrize(
    ("args", "cwd"),
    [
        pytest.param(["-u", "policies"], POLICIES.parent, id="repo-root"),
        pytest.param(["-u", "-m", "policies"], POLICIES.parent, id="repo-root-module"),
        pytest.param(["-u", "."], POLICIES, id="pack-dir"),
    ],
)
def test_pack_serves_a_port(args: list[str], cwd: Path) -> None:
    _first_line([sys.executable, *args], cwd)


def test_pack_runs_from_a_differently_named_copy(tmp_path: Path) -> None:
    copy = tmp_path / "published-pack"
    shutil.copytree(POLICIES, copy, ignore=shutil.ignore_patterns("__pycache__", "venv"))
    _first_line([sys.executable, "-u", "."], copy)
