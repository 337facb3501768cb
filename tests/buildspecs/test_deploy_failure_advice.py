"""A deploy that fails on the deploy role's own permissions says what to do, in the build log
and in the pipeline's failure alert: the procedure in docs/delivery.md."""

import json
import os
import subprocess
from typing import Any

import pytest
import yaml

from offline.capture import PROJECT_ROOT, Capture

HEADING = "## Changing the deploy role's own permissions"
SECTION = HEADING.removeprefix("## ")


def _deploy_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "buildspecs/deploy.yml").read_text())
    return spec


def test_the_procedure_is_documented() -> None:
    docs = (PROJECT_ROOT / "docs/delivery.md").read_text()
    assert HEADING in docs.splitlines()
    section = docs.split(HEADING, 1)[1].split("\n## ", 1)[0]
    for command in ("disable-stage-transition", "enable-stage-transition", "pulumi up"):
        assert command in section


@pytest.mark.parametrize(("succeeding", "advised"), [("0", True), ("1", False)])
def test_a_failed_deploy_build_prints_the_advice(succeeding: str, advised: bool) -> None:
    spec = _deploy_spec()
    advice = spec["env"]["variables"]["SELF_CHANGE_ADVICE"]
    assert "AccessDenied" in advice and f'"{SECTION}"' in advice
    (command,) = spec["phases"]["build"]["finally"]
    env = {**os.environ, "CODEBUILD_BUILD_SUCCEEDING": succeeding, "SELF_CHANGE_ADVICE": advice}
    result = subprocess.run(
        ["sh", "-c", command], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout == (advice + "\n" if advised else "")


def _template(capture: Capture, rule: str) -> str:
    (target,) = [r for r in capture.resources if r.name == f"{rule}-target"]
    template = target.inputs["inputTransformer"]["inputTemplate"]
    assert isinstance(json.loads(template), str), "the template is one JSON string"
    return str(template)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_failure_alert_points_to_the_procedure(
    stack: str, shipped_captures: dict[str, Capture]
) -> None:
    failed = _template(shipped_captures[stack], "delivery-pipeline-failed")
    assert "AccessDenied" in failed and f"docs/delivery.md, {SECTION}" in failed
    assert failed.startswith(f'"Delivery pipeline of {stack} failed: <type> at <time>: <detail>. ')
    drift = _template(shipped_captures[stack], "delivery-drift-detected")
    assert drift == f'"Drift detected in stack {stack}: <type> at <time>: <detail>"'
