"""The release's first execution is green: CodePipeline starts it when the hand-run `pulumi up`
of the delivery stack creates the pipeline, so the accounts are bootstrapped, the stacks created
and the code pushed before that update (the documented order), and a deploy build waits for the
lock of an update by hand instead of failing on it."""

import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline.capture import PROJECT_ROOT, project_name

BACKEND = "s3://data-platform-state-123456789012"
LOCKS = f"{BACKEND}/.pulumi/locks/organization/{project_name()}/dev/"


def _deploy_build() -> list[str]:
    spec: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "buildspecs/deploy.yml").read_text())
    commands: list[str] = spec["phases"]["build"]["commands"]
    return commands


def _wait_command() -> str:
    (wait,) = [c for c in _deploy_build() if "aws s3 ls" in c]
    return wait


def _fake(bin_dir: Path, name: str, script: str) -> None:
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _run_wait(
    tmp_path: Path, locked_listings: int, minutes: int
) -> subprocess.CompletedProcess[str]:
    """The wait step against a state bucket whose lock listing is non-empty `locked_listings`
    times; `aws` and `sleep` are stand-ins that record their calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    _fake(
        bin_dir,
        "aws",
        f'echo "aws $*" >> {calls}\n'
        f'n=$(grep -c "^aws" {calls})\n'
        f'[ "$n" -le {locked_listings} ] && echo "2024-01-01 00:00:00  120 abc.json" || exit 1',
    )
    _fake(bin_dir, "sleep", f'echo "sleep $*" >> {calls}')
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PULUMI_BACKEND_URL": BACKEND,
        "STACK": "dev",
        "LOCK_WAIT_MINUTES": str(minutes),
    }
    result = subprocess.run(
        ["sh", "-c", _wait_command()], env=env, capture_output=True, text=True, check=False
    )
    return result


def test_the_deploy_waits_for_the_lock_then_deploys() -> None:
    commands = _deploy_build()
    assert commands.index(_wait_command()) < next(
        i for i, c in enumerate(commands) if c.startswith("pulumi up ")
    )


@pytest.mark.parametrize("locked_listings", [0, 1, 3])
def test_the_wait_ends_when_the_lock_is_released(tmp_path: Path, locked_listings: int) -> None:
    result = _run_wait(tmp_path, locked_listings, minutes=30)
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls.count(f"aws s3 ls {LOCKS}") == locked_listings + 1
    assert calls.count("sleep 60") == locked_listings
    assert result.stdout.count("is locked by another update") == locked_listings


def test_a_lock_that_stays_fails_the_deploy_with_a_pointer(tmp_path: Path) -> None:
    result = _run_wait(tmp_path, locked_listings=100, minutes=2)
    assert result.returncode == 1
    assert "Stack dev is still locked after 2 minutes" in result.stderr
    assert 'docs/delivery.md, "A locked stack"' in result.stderr
    assert (tmp_path / "calls").read_text().splitlines().count("sleep 60") == 2


# Each document's first-time procedure, as markers that must appear in this order.
FIRST_TIME = {
    "docs/delivery.md": [
        "## Deploying with the pipeline",
        "### 1. Bootstrap the delivery account",
        "### 2. Bootstrap each environment account",
        'delivery_account_id: "111111111111"',
        "pulumi stack init dev",
        "pulumi stack init delivery",
        "git push codecommit main",
        "pulumi up --stack delivery",
    ],
    "README.md": [
        "## Deploying with the pipeline",
        "Once per account, deploy `bootstrap/`",
        "`pulumi stack init <stack>",
        "Push the code to the repository",
        "Deploy the delivery stack by hand",
    ],
}


@pytest.mark.parametrize("document", FIRST_TIME)
def test_the_documented_order_pushes_before_the_first_deploy(document: str) -> None:
    text = (PROJECT_ROOT / document).read_text()
    position = 0
    for marker in FIRST_TIME[document]:
        assert marker in text[position:], f"{document}: {marker!r} missing or out of order"
        position += text[position:].index(marker)
