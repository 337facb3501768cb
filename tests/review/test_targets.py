"""The release builds reach each stage's account through an AWS profile that assumes their role
with the external id, on the build container's credentials; bad input exits 2 naming it."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from components.delivery.release_targets import StageTarget, targets_variable
from review.targets import main, parse_targets

TARGET = {
    "stack": "prod",
    "region": "eu-central-1",
    "backend_url": "s3://data-platform-state-333333333333",
    "external_id": "data-platform-release",
    "role_arn": "arn:aws:iam::333333333333:role/data-platform-release/data-platform-release-deploy",
}
ENV = {"RELEASE_TARGETS": json.dumps([TARGET]), "CODEBUILD_BUILD_ID": "release-prod-deploy:1a2b"}


def test_profiles_assume_each_role_with_the_external_id(tmp_path: Path) -> None:
    config = tmp_path / "aws" / "config"
    assert main(["profiles"], {**ENV, "AWS_CONFIG_FILE": str(config)}) == 0
    assert config.read_text() == (
        "[profile prod]\n"
        f"role_arn = {TARGET['role_arn']}\n"
        "external_id = data-platform-release\n"
        "credential_source = EcsContainer\n"
        "role_session_name = release-release-prod-deploy-1a2b\n"
        "region = eu-central-1\n"
    )


def test_env_points_the_sdks_and_pulumi_at_the_stacks_account(tmp_path: Path) -> None:
    # The exports as a buildspec `eval`s them, in a POSIX shell.
    script = tmp_path / "env.sh"
    code = subprocess.run(
        ["python3", "-m", "review.targets", "env", "--stack", "prod"],
        env={**os.environ, **ENV},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    script.write_text(code + 'echo "$AWS_PROFILE $AWS_REGION $PULUMI_BACKEND_URL"\n')
    shown = subprocess.run(["sh", str(script)], capture_output=True, text=True, check=True)
    assert shown.stdout == "prod eu-central-1 s3://data-platform-state-333333333333\n"


def test_stacks_lists_every_target(capsys: pytest.CaptureFixture[str]) -> None:
    two = [TARGET, {**TARGET, "stack": "dev"}]
    assert main(["stacks"], {"RELEASE_TARGETS": json.dumps(two)}) == 0
    assert capsys.readouterr().out == "prod\ndev\n"


@pytest.mark.parametrize(
    ("env", "argv", "message"),
    [
        pytest.param({}, ["profiles"], "RELEASE_TARGETS is not set", id="unset"),
        pytest.param({"RELEASE_TARGETS": "{"}, ["stacks"], "is not JSON", id="not-json"),
        pytest.param(
            {"RELEASE_TARGETS": json.dumps([{"stack": "prod"}])},
            ["stacks"],
            "must be a JSON list of objects with keys",
            id="missing-keys",
        ),
        pytest.param(
            ENV, ["env", "--stack", "dev"], "has no stack 'dev'; stacks: prod", id="other"
        ),
        pytest.param(ENV, ["env"], "env needs --stack", id="no-stack"),
    ],
)
def test_bad_input_exits_2_naming_it(
    env: dict[str, str], argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv, env) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("role", "role_arn"),
    [
        (
            "data-platform-release-deploy",
            "arn:aws:iam::333333333333:role/data-platform-release/data-platform-release-deploy",
        ),
        (None, "arn:aws:iam::333333333333:role/data-platform/data-platform-prod-verify"),
    ],
)
def test_what_the_release_writes_is_what_the_builds_read(role: str | None, role_arn: str) -> None:
    # The delivery stack writes RELEASE_TARGETS; the builds read it with the standard library.
    stage = StageTarget(
        stack="prod",
        approval=True,
        account_id="333333333333",
        region="eu-central-1",
        state_backend_url="s3://data-platform-state-333333333333",
        external_id="data-platform-release",
        platform_prefix="data-platform-prod",
        verify_timeout_minutes=30,
    )
    written = targets_variable([stage], role=role, partition="aws")
    read = parse_targets({"RELEASE_TARGETS": written})["prod"]
    assert (read.region, read.backend_url, read.external_id, read.role_arn) == (
        "eu-central-1",
        "s3://data-platform-state-333333333333",
        "data-platform-release",
        role_arn,
    )


def test_no_target_lists_no_stack(capsys: pytest.CaptureFixture[str]) -> None:
    # A pull-request build that previews no stage runs run_preview with no --stack at all.
    assert main(["stacks"], env={"RELEASE_TARGETS": "[]"}) == 0
    assert capsys.readouterr().out == ""
