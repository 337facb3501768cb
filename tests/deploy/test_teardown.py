"""`make destroy`: protection lifted by an update from a copy of the stack file, then destroy;
what stays in AWS is said, priced and given its removal command; nothing runs without the typed
stack name."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy import teardown
from deploy.leftovers import removal_commands
from tests.deploy.conftest import FakePulumi

LIFTED = {"protect": False, "retain_on_delete": False, "force_destroy_buckets": True}
CLUSTER = {
    "urn": "urn:pulumi:prod::data-platform::aws:redshift/cluster:Cluster::warehouse-cluster",
    "type": "aws:redshift/cluster:Cluster",
    "id": "data-platform-prod",
    "retainOnDelete": True,
}


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan without the offline capture of the program (tested on its own below)."""
    monkeypatch.setattr(teardown, "kept_resources", lambda stack, values: [])


def _run(project: Path, stack: str, *flags: str) -> int:
    return teardown.main(["--stack", stack, "--root", str(project), *flags])


def test_an_unprotected_stack_is_destroyed_without_an_update(
    ready: FakePulumi, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(ready.project, "dev", "--yes") == 0
    assert ready.commands() == [
        ["stack", "export", "--stack", "dev"],
        ["destroy", "--stack", "dev", "--yes"],
    ]
    output = " ".join(capsys.readouterr().out.split())
    assert "Nothing the stack declares is kept" in output
    assert "deleted after a waiting period of 7 days" in output


def test_protection_is_lifted_by_an_update_before_the_destroy(
    ready: FakePulumi, quick: None
) -> None:
    ready.set(stacks=["dev", "prod"])
    stack_file = ready.project / "Pulumi.prod.yaml"
    original = stack_file.read_text()
    assert _run(ready.project, "prod", "--yes") == 0
    up, export, destroy = ready.calls()[-3:]
    assert [up["args"][0], export["args"][:2], destroy["args"][0]] == [
        "up",
        ["stack", "export"],
        "destroy",
    ]
    assert up["args"][:3] == ["up", "--stack", "prod"] and "--config-file" in destroy["args"]
    lifted = yaml.safe_load(up["config_file"])["config"]
    expected: dict[str, Any] = yaml.safe_load(original)["config"]
    expected["data-platform:platform"]["protection"] = LIFTED
    assert lifted == expected
    assert destroy["config_file"] == up["config_file"]
    assert stack_file.read_text() == original


def test_retain_keeps_the_data_and_says_what_it_costs_and_how_to_remove_it(
    ready: FakePulumi, capsys: pytest.CaptureFixture[str]
) -> None:
    ready.set(stacks=["dev", "prod"], export={"deployment": {"resources": [CLUSTER]}})
    assert _run(ready.project, "prod", "--yes", "--retain") == 0
    protection = yaml.safe_load(ready.calls()[-3]["config_file"])["config"][
        "data-platform:platform"
    ]["protection"]
    assert protection == {**LIFTED, "retain_on_delete": True, "force_destroy_buckets": False}
    output = " ".join(capsys.readouterr().out.split())
    assert "Kept in AWS (6): platform-key, lake-access-logs-bucket" in output
    assert "They cost $1,735.88/month while they stay" in output
    assert "$1,734.48 1 Redshift cluster x 2 ra3.xlplus nodes" in output
    assert (
        "aws redshift delete-cluster --region eu-west-1 --cluster-identifier data-platform-prod"
        " --final-cluster-snapshot-identifier data-platform-prod-retired" in output
    )
    assert "leaves a final snapshot" not in output  # the cluster is kept, not deleted


def test_the_plan_and_its_retain_cost_come_before_the_prerequisites(
    fake_pulumi: FakePulumi, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # No AWS credentials at all: the plan, with what RETAIN=1 keeps and costs, is still shown.
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert _run(fake_pulumi.project, "prod", "--retain") == 1
    output = capsys.readouterr().out
    plan, missing = output.index("They cost $1,735.88/month"), output.index("prerequisite(s)")
    assert output.startswith("Tearing down stack 'prod' (eu-west-1):")
    assert plan < missing
    assert fake_pulumi.commands() == []


@pytest.mark.parametrize("answer", ["yes\n", "y\n", "dev\n", "\n"])
def test_nothing_runs_without_the_typed_stack_name(
    ready: FakePulumi, quick: None, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    ready.set(stacks=["dev", "prod"])
    monkeypatch.setattr("sys.stdin", _Terminal(answer))
    assert _run(ready.project, "prod") == 1
    assert ready.commands() == []


def test_a_failed_update_destroys_nothing(ready: FakePulumi, quick: None) -> None:
    ready.set(stacks=["dev", "prod"], exit={"up": 255})
    assert _run(ready.project, "prod", "--yes") == 1
    assert [args[0] for args in ready.commands()] == ["up"]


def test_a_stack_missing_from_its_backend_is_not_destroyed(
    ready: FakePulumi, quick: None, capsys: pytest.CaptureFixture[str]
) -> None:
    ready.set(stacks=[])
    assert _run(ready.project, "dev", "--yes") == 1
    assert ready.commands() == []
    assert "'dev' does not exist in s3://" in capsys.readouterr().out


def test_removal_commands_come_for_kept_resources_only_with_the_key_last() -> None:
    key = {"type": "aws:kms/key:Key", "id": "k-1", "retainOnDelete": True}
    bucket = {"type": "aws:s3/bucket:Bucket", "id": "raw-1", "retainOnDelete": True}
    deleted = {"type": "aws:s3/bucket:Bucket", "id": "tmp-1", "retainOnDelete": False}
    odd = {"type": "aws:glue/catalogDatabase:CatalogDatabase", "id": "db", "retainOnDelete": True}
    exported = {"deployment": {"resources": [key, bucket, deleted, odd]}}
    assert removal_commands(exported, "eu-west-1") == [
        "empty s3://raw-1 in the S3 console (Empty deletes every object version), then:"
        " aws s3 rb s3://raw-1",
        "delete aws:glue/catalogDatabase:CatalogDatabase db in the AWS console",
        "aws kms schedule-key-deletion --region eu-west-1 --key-id k-1 --pending-window-in-days 7",
    ]
