"""A team makes the platform its own as the README says, in a copy of this project whose stack
files are the shipped ones (the fixture stacks, pinned by `make urn-pins`), whatever the user's
hold: `make new-stack STACK=staging`, a `customers` pipeline added to Pulumi.dev.yaml and the
sample `clickstream` pipeline removed from it, the shipped prod stack removed with its release
stage, `make docs`. Then every test that reads the stack files (marker `stack_files`; no other
test reads them) runs there: the only failure is the URN pins' guard, naming `make urn-pins`,
and after that command the guard passes too."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from offline.capture import PROJECT_ROOT
from tests.stacks import FIXTURE_STACKS, project_files

# What a user's environment adds to a clone; shared, not copied (the venv is large).
_SHARED = (".venv", ".tools", "tools/node/node_modules")
CUSTOMERS = """\
      - name: customers
        source_prefix: customers/
        format: csv
        trigger: {kind: object-created}
        target_table: customers
        required_columns: [customer_id, name, updated_at]
        key_columns: [customer_id]
        order_column: updated_at
        column_types: {customer_id: int, updated_at: timestamp}
"""
PINS_TEST = "tests/test_stack.py::test_every_pinned_urn_is_still_declared"


def _copy(destination: Path) -> Path:
    """A clone of the project as a user has it: its files in a git repository, and the shared
    environment."""
    for name in project_files():
        if (PROJECT_ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_ROOT / name, destination / name)
    for git in (["init", "--quiet"], ["add", "--all"]):
        subprocess.run(["git", "-C", str(destination), *git], check=True, capture_output=True)
    for name in _SHARED:
        if (PROJECT_ROOT / name).exists():
            (destination / name).symlink_to(PROJECT_ROOT / name)
    return destination


def _as_shipped(root: Path) -> None:
    """The copy's stack files and policy configs replaced by the fixture stacks'."""
    configs = Path("policies") / "config"
    for stale in [*root.glob("Pulumi.*.yaml"), *(root / configs).glob("*.json")]:
        stale.unlink()
    for stack in FIXTURE_STACKS.glob("Pulumi.*.yaml"):
        shutil.copy2(stack, root)
    for config in (FIXTURE_STACKS / configs).glob("*.json"):
        shutil.copy2(config, root / configs)


def _run(root: Path, *command: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    return subprocess.run(
        command, cwd=root, env=env, capture_output=True, text=True, timeout=1800, check=False
    )


def _edit(root: Path) -> None:
    """Add the customers pipeline to dev and remove its sample clickstream one; remove prod,
    its policy config and its stage."""
    path = root / "Pulumi.dev.yaml"
    text = path.read_text()
    sample = re.search(r"^      - name: clickstream\n(?:        .*\n)+", text, re.M)
    assert sample is not None, "the copy's Pulumi.dev.yaml has no clickstream pipeline to remove"
    path.write_text(text.replace(sample[0], CUSTOMERS))
    (root / "Pulumi.prod.yaml").unlink()
    (root / "policies" / "config" / "prod.json").unlink()
    release = root / "Pulumi.delivery.yaml"
    stages = release.read_text()
    assert "      - {stack: prod, approval: true}\n" in stages
    release.write_text(stages.replace("      - {stack: prod, approval: true}\n", ""))


@pytest.fixture(scope="module")
def extended(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = _copy(tmp_path_factory.mktemp("extended") / "project")
    _as_shipped(root)
    steps = (["make", "urn-pins"], ["make", "new-stack", "STACK=staging"], None, ["make", "docs"])
    for step in steps:
        if step is None:
            _edit(root)
            continue
        done = _run(root, *step)
        assert done.returncode == 0, f"{' '.join(step)}:\n{done.stdout}\n{done.stderr}"
    return root


def _marked_files(session: pytest.Session) -> list[str]:
    """The test files of this session that hold `stack_files` tests (none when this test runs
    alone): only they are collected in the copy."""
    found = {
        item.path.relative_to(PROJECT_ROOT).as_posix()
        for item in session.items
        if item.get_closest_marker("stack_files") is not None
    }
    return sorted(found)


def test_a_new_stack_and_pipeline_leave_one_failure_naming_the_command_that_accepts_it(
    extended: Path, request: pytest.FixtureRequest
) -> None:
    pytest_run = [sys.executable, "-m", "pytest", "-m", "stack_files", "-p", "no:cacheprovider"]
    first = _run(extended, *pytest_run, "-q", "-rf", *_marked_files(request.session))
    failed = re.findall(r"^FAILED (\S+)", first.stdout, re.M)
    assert failed == [PINS_TEST], first.stdout[-6000:]
    assert "refresh the pins: make urn-pins" in first.stdout
    assert re.search(r"dev: \d+ pinned URN\(s\) no longer declared:\n.*clickstream", first.stdout)
    assert "prod: pinned, but there is no Pulumi.prod.yaml any more" in first.stdout

    refreshed = _run(extended, "make", "urn-pins")
    assert refreshed.returncode == 0, refreshed.stderr
    assert "removed prod.txt (no Pulumi.prod.yaml)" in refreshed.stdout
    assert "wrote dev.txt" in refreshed.stdout and "wrote staging.txt" in refreshed.stdout
    second = _run(extended, *pytest_run, "-q", PINS_TEST)
    assert second.returncode == 0, second.stdout[-3000:]
