"""A deploy that fails says what to do, in the build log and in the release's failure alert: a
failed Deploy or Verify rolls its stage back, and an AccessDenied of the deploy role means the
change needs bootstrap/ applied first (the procedure in docs/delivery.md)."""

import json
import os
import subprocess
from typing import Any

import pytest
import yaml

from offline.capture import PROJECT_ROOT, ReleaseCapture

HEADING = "## Changing the deploy role's permissions"
SECTION = HEADING.removeprefix("## ")


def _deploy_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "buildspecs/deploy.yml").read_text())
    return spec


def test_the_procedure_is_documented() -> None:
    docs = (PROJECT_ROOT / "docs/delivery.md").read_text()
    assert HEADING in docs.splitlines()
    section = docs.split(HEADING, 1)[1].split("\n## ", 1)[0]
    for step in ("components/delivery/deploy_services.py", "cd bootstrap", "pulumi up", "retry"):
        assert step in section


@pytest.mark.parametrize(("succeeding", "advised"), [("0", True), ("1", False)])
def test_a_failed_deploy_build_prints_the_advice(succeeding: str, advised: bool) -> None:
    spec = _deploy_spec()
    advice = spec["env"]["variables"]["PERMISSION_ADVICE"]
    assert "AccessDenied" in advice and f'"{SECTION}"' in advice
    (command,) = spec["phases"]["build"]["finally"]
    env = {**os.environ, "CODEBUILD_BUILD_SUCCEEDING": succeeding, "PERMISSION_ADVICE": advice}
    result = subprocess.run(
        ["sh", "-c", command], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout == (advice + "\n" if advised else "")


def _template(capture: ReleaseCapture, rule: str) -> str:
    (target,) = [r for r in capture.resources if r.name == f"{rule}-target"]
    template = target.inputs["inputTransformer"]["inputTemplate"]
    assert isinstance(json.loads(template), str), "the template is one JSON string"
    return str(template)


def test_the_failure_alerts_point_to_rollback_and_the_procedure(
    fixture_release_capture: ReleaseCapture,
) -> None:
    failed = _template(fixture_release_capture, "release-deploy-failed")
    assert failed.startswith(
        '"A deploy, its verification or its confirmation failed: <type> at <time>: <detail>. '
    )
    assert "docs/delivery.md, Confirm" in failed
    assert "rolls back" in failed and f"docs/delivery.md, {SECTION}" in failed
    release = _template(fixture_release_capture, "release-pipeline-failed")
    assert release == '"The release failed: <type> at <time>: <detail>"'
