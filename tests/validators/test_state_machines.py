"""Every state machine definition of the user's stacks is valid Amazon States Language, as
asl-validator (npm, installed by make into tools/node) checks it; a broken one fails."""

import json
import subprocess
from pathlib import Path

import pytest

from offline.capture import PROJECT_ROOT, Capture
from tests.stacks import user_stacks
from tests.validators.documents import definitions

VALIDATOR = PROJECT_ROOT / "tools/node/node_modules/.bin/asl-validator"


def validate(definition: str, directory: Path) -> subprocess.CompletedProcess[str]:
    """asl-validator's verdict (exit 0 when valid) on one definition."""
    assert VALIDATOR.is_file(), "asl-validator is missing: `make unit` installs it (npm ci)"
    path = directory / "definition.json"
    path.write_text(definition)
    return subprocess.run(
        [str(VALIDATOR), "--json-path", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("stack", user_stacks())
def test_every_state_machine_definition_is_valid(
    stack: str, user_captures: dict[str, Capture], tmp_path: Path
) -> None:
    documents = list(definitions(user_captures[stack]))
    assert len(documents) == len(user_captures[stack].config.platform.pipelines)
    for document in documents:
        result = validate(document.text, tmp_path)
        assert result.returncode == 0, f"{document.where}: {result.stdout}{result.stderr}"


BROKEN = {
    "missing-transition-target": {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}},
    "unknown-state-type": {"StartAt": "A", "States": {"A": {"Type": "Sleep", "End": True}}},
    "task-without-resource": {"StartAt": "A", "States": {"A": {"Type": "Task", "End": True}}},
}


@pytest.mark.parametrize("definition", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_definition_is_reported(definition: dict[str, object], tmp_path: Path) -> None:
    result = validate(json.dumps(definition), tmp_path)
    assert result.returncode != 0
    assert "is invalid" in result.stdout + result.stderr
