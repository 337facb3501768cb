"""`make new-stack`: a stack file and policy config from a shipped stack, validated before
anything is written, whose first check has no advisory findings from the Environment tag."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from deploy import new_stack
from offline import check
from tests.deploy.conftest import ACCOUNT


def _run(project: Path, *args: str) -> int:
    return new_stack.main(["--root", str(project), *args])


def test_staging_starts_from_prod_with_its_own_environment(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(project, "--stack", "staging") == new_stack.EXIT_OK
    text = (project / "Pulumi.staging.yaml").read_text()
    prod = yaml.safe_load((project / "Pulumi.prod.yaml").read_text())["config"]
    prod["data-platform:platform"]["environment"] = "staging"
    assert yaml.safe_load(text)["config"] == prod
    assert text.startswith("# Stack staging: made by `make new-stack` from Pulumi.prod.yaml")
    assert "Then: make docs; make check STACK=staging;" in capsys.readouterr().out
    assert "# The account key of bootstrap/" in text  # the template's comments are kept
    written = json.loads((project / "policies/config/staging.json").read_text())
    expected = json.loads((project / "policies/config/prod.json").read_text())
    expected["tag-allowed-values"]["allowedValues"]["Environment"] = ["staging"]
    assert written == expected


def test_a_second_region_in_another_account(project: Path) -> None:
    args = ["--stack", "prod-euc1", "--environment", "prod", "--region", "eu-central-1"]
    assert _run(project, *args, "--account", "444455556666") == 0
    values = yaml.safe_load((project / "Pulumi.prod-euc1.yaml").read_text())["config"]
    assert values["aws:region"] == "eu-central-1"
    delivery = values["data-platform:platform"]["delivery"]
    assert delivery["state_backend_url"] == "s3://data-platform-state-444455556666"
    # The secrets provider's key is the account key of the new region, as bootstrap/ makes it.
    assert delivery["secrets_provider"] == "awskms://alias/data-platform-state?region=eu-central-1"


def test_the_stacks_own_secrets_keys_are_not_copied(project: Path) -> None:
    dev = project / "Pulumi.dev.yaml"
    dev.write_text("secretsprovider: awskms://alias/x\nencryptedkey: AQID\n" + dev.read_text())
    assert _run(project, "--stack", "qa", "--environment", "test") == 0
    document = yaml.safe_load((project / "Pulumi.qa.yaml").read_text())
    assert set(document) == {"config"}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--stack", "dev"], "Pulumi.dev.yaml exists; nothing was written"),
        (["--stack", "qa"], "environment 'qa': must be one of dev, test, staging, prod"),
        (["--stack", "Q_A", "--environment", "test"], "stack name 'Q_A'"),
        (["--stack", "qa", "--environment", "test", "--from", "uat"], "unknown stack 'uat'"),
        (
            ["--stack", "dev-euc1", "--environment", "dev", "--region", "eu-central-1"],
            f"stack 'dev' already uses environment 'dev' in account {ACCOUNT}",
        ),
        (
            ["--stack", "qa", "--environment", "test", "--region", "mars-1"],
            "REGION 'mars-1': must be an AWS region of the pulumi-aws SDK's Region list",
        ),
        (
            ["--stack", "qa", "--environment", "test", "--region", "eu-wset-1"],
            "REGION 'eu-wset-1': must be an AWS region of the pulumi-aws SDK's Region list, such"
            " as eu-west-1; did you mean eu-west-1?",
        ),
        (
            ["--stack", "qa", "--environment", "test", "--account", "12345"],
            "ACCOUNT '12345': must be a 12-digit AWS account id",
        ),
    ],
    ids=[
        "exists",
        "no environment",
        "bad name",
        "no template",
        "same names",
        "bad region",
        "region typo",
        "short account",
    ],
)
def test_what_cannot_be_created_is_refused_and_nothing_written(
    project: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    before = sorted(p.name for p in project.rglob("*"))
    assert _run(project, *args) == new_stack.EXIT_USAGE
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in project.rglob("*")) == before


def _check(project: Path, stack: str, policy_config: Path) -> None:
    argv = ["--stack", stack, "--stack-file", str(project / f"Pulumi.{stack}.yaml")]
    assert check.main([*argv, "--policy-config", str(policy_config)]) == check.EXIT_OK


def test_a_new_stack_checks_without_advisory_findings_for_its_environment(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(project, "--stack", "qa", "--environment", "test") == 0
    capsys.readouterr()
    _check(project, "qa", project / "policies/config/dev.json")
    copied = capsys.readouterr().out
    assert "has Environment='test'; allowed: dev" in copied  # what copying dev.json gives
    _check(project, "qa", project / "policies/config/qa.json")
    generated = capsys.readouterr().out
    assert "TAG-002" not in generated
    assert "no policy violations" in generated
