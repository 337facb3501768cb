"""`make check` end to end: the offline check as a subprocess, as CI and users run it."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from offline.capture import PROJECT_ROOT


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "offline.check", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_check_summarises_and_writes_json(stack: str, tmp_path: Path) -> None:
    out = tmp_path / "capture.json"
    result = _check("--stack", stack, "--json", str(out))
    assert result.returncode == 0, result.stderr
    assert f"Offline check of stack '{stack}'" in result.stdout
    assert "lake (dataplatform:storage:DataLake)" in result.stdout
    resources = json.loads(out.read_text())
    custom = [r for r in resources if r["custom"]]
    assert f"Total: {len(custom)} resources in {len(resources) - len(custom)} components" in (
        result.stdout
    )
    bucket = next(r for r in resources if r["name"] == "lake-raw-bucket")
    assert {"type", "name", "parent", "inputs", "dependencies", "propertyDependencies"} <= (
        bucket.keys()
    )
    assert bucket["parent"].endswith("::lake-raw")
    assert bucket["inputs"]["tags"]["Environment"] == stack


def test_unknown_stack_exits_2_with_a_clear_message() -> None:
    result = _check("--stack", "staging")
    assert result.returncode == 2
    assert "unknown stack 'staging'" in result.stderr
    assert "available: dev, prod" in result.stderr


def test_invalid_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    broken = (PROJECT_ROOT / "Pulumi.dev.yaml").read_text().replace("name: curated", "name: Cur")
    (tmp_path / "Pulumi.dev.yaml").write_text(broken)
    result = _check("--stack", "dev", "--root", str(tmp_path))
    assert result.returncode == 2
    assert "platform.lake.zones[1].name" in result.stderr
    assert "got 'Cur'" in result.stderr
    assert result.stdout == ""


def test_missing_stack_argument_is_a_usage_error() -> None:
    result = _check()
    assert result.returncode == 2
    assert "--stack" in result.stderr
