"""Delivery: least-privileged, encrypted, non-privileged builds; a V2 pipeline that tests,
asks for approval where configured, deploys with rollback; previews and drift from events."""

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from components.delivery.delivery import Delivery, DeliveryArgs
from components.shared.aws_context import AwsEnv
from offline.mocks import Registration
from stack_config.delivery import DeliverySettings
from stack_config.protection import ProtectionSettings
from tests.components.helpers import by_name, policy_statements

Runner = Callable[[Callable[[], object]], tuple[Registration, ...]]
KEY = "arn:aws:kms:eu-west-1:123456789012:key/test"
ALERTS = "arn:aws:sns:eu-west-1:123456789012:alerts"
CODECOMMIT = {"kind": "codecommit", "repository": "data-platform"}
GITHUB = {
    "kind": "codeconnections",
    "connection_arn": "arn:aws:codeconnections:eu-west-1:123456789012:connection/abc-123",
    "repository": "acme/data-platform",
    "token_secret_arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:gh-token-AbC",
}


def _delivery(run: Runner, **settings: Any) -> dict[str, Registration]:
    delivery = DeliverySettings.model_validate(
        {
            "source": CODECOMMIT,
            "state_backend_url": "s3://state-bucket",
            "secrets_provider": "awskms://alias/state?region=eu-west-1",
            **settings,
        }
    )
    args = DeliveryArgs(
        delivery=delivery,
        stack="dev",
        region="eu-west-1",
        name_prefix="dp-dev",
        log_retention_days=30,
        protection=ProtectionSettings(),
        account_key_alias="alias/account",
        tags={"Environment": "dev"},
    )
    env = AwsEnv(region="eu-west-1", account_id=pulumi.Output.from_input("123456789012"))
    return by_name(
        run(
            lambda: Delivery(
                "delivery",
                args,
                env=env,
                kms_key_arn=KEY,
                access_logs_bucket="logs",
                alert_topic_arn=ALERTS,
            )
        )
    )


@pytest.fixture
def dev(run_mocked: Runner) -> dict[str, Registration]:
    return _delivery(run_mocked, require_approval=False)


def _stages(resources: dict[str, Registration], name: str = "delivery-pipeline") -> list[Any]:
    stages: list[Any] = resources[name].inputs["stages"]
    return stages


def _attached(resources: dict[str, Registration], role: str) -> set[str]:
    return {
        r.inputs["policyArn"].rsplit("/", 1)[-1]
        for r in resources.values()
        if r.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
        and r.name.startswith(f"delivery-{role}-role-managed")
    }


def test_the_account_repository_is_used_not_created(dev: dict[str, Registration]) -> None:
    assert not [r for r in dev.values() if r.type == "aws:codecommit/repository:Repository"]
    statements = policy_statements(dev["delivery-test-deploy-pipeline-role-policy"])
    repository = "arn:aws:codecommit:eu-west-1:123456789012:data-platform"
    assert any(repository in s["Resource"] for s in statements)
    decrypt = [s for s in statements if s.get("Condition", {}).get("ForAnyValue:StringEquals")]
    assert decrypt[-1]["Condition"]["ForAnyValue:StringEquals"] == {
        "kms:ResourceAliases": "alias/account"
    }


def test_pipeline_is_v2_tests_then_deploys_with_rollback(dev: dict[str, Registration]) -> None:
    pipeline = dev["delivery-pipeline"].inputs
    assert pipeline["pipelineType"] == "V2"
    assert pipeline["artifactStores"][0]["encryptionKey"] == {"id": KEY, "type": "KMS"}
    stages = _stages(dev)
    assert [s["name"] for s in stages] == ["Source", "Test", "Deploy"]
    assert stages[0]["actions"][0]["configuration"]["BranchName"] == "main"
    assert stages[1]["actions"][0]["configuration"] == {"ProjectName": "dp-dev-test"}
    assert stages[2]["actions"][0]["configuration"] == {"ProjectName": "dp-dev-deploy"}
    assert stages[2]["onFailure"] == {"result": "ROLLBACK"}


def test_prod_waits_for_an_approval_with_notification(run_mocked: Runner) -> None:
    resources = _delivery(run_mocked, require_approval=True)
    stages = _stages(resources)
    assert [s["name"] for s in stages] == ["Source", "Test", "Approve", "Deploy"]
    approval = stages[2]["actions"][0]
    assert (approval["category"], approval["provider"]) == ("Approval", "Manual")
    topic_arn = "arn:aws:sns:eu-west-1:123456789012:delivery-approvals-topic"
    assert approval["configuration"]["NotificationArn"] == topic_arn
    assert resources["delivery-approvals-topic"].inputs["kmsMasterKeyId"] == KEY


@pytest.mark.parametrize("role", ["test", "preview", "deploy", "drift"])
def test_every_project_is_encrypted_unprivileged_and_logs_to_kms(
    dev: dict[str, Registration], role: str
) -> None:
    project = dev[f"delivery-{role}-project"].inputs
    assert project["encryptionKey"] == KEY
    assert project["environment"]["privilegedMode"] is False
    assert project["source"]["buildspec"] == f"buildspecs/{role}.yml"
    assert project["logsConfig"]["cloudwatchLogs"]["groupName"] == f"/aws/codebuild/dp-dev-{role}"
    assert dev[f"delivery-{role}-logs"].inputs["kmsKeyId"] == KEY
    variables = {v["name"]: v["value"] for v in project["environment"]["environmentVariables"]}
    assert variables["STACK"] == "dev"
    assert variables["PULUMI_BACKEND_URL"] == "s3://state-bucket"


def test_preview_and_drift_read_but_only_deploy_changes(dev: dict[str, Registration]) -> None:
    assert _attached(dev, "preview") == {"ReadOnlyAccess"}
    assert _attached(dev, "drift") == {"ReadOnlyAccess"}
    assert _attached(dev, "deploy") == {"PowerUserAccess"}
    assert _attached(dev, "test") == set()
    preview = policy_statements(dev["delivery-preview-role-policy"])
    writes = [r for s in preview if "s3:PutObject" in s["Action"] for r in s["Resource"]]
    assert writes == ["arn:aws:s3:::state-bucket/.pulumi/locks/*"]
    assert not any(a.startswith("iam:") for s in preview for a in s["Action"])
    deploy = policy_statements(dev["delivery-deploy-role-policy"])
    iam = [
        s
        for s in deploy
        if s["Effect"] == "Allow" and any(a.startswith("iam:") for a in s["Action"])
    ]
    assert [s["Resource"] for s in iam] == [["arn:aws:iam::123456789012:role/data-platform/*"]]


def test_preview_may_comment_on_pull_requests_of_its_repository(
    dev: dict[str, Registration],
) -> None:
    statements = policy_statements(dev["delivery-preview-role-policy"])
    comment = next(s for s in statements if "codecommit:PostCommentForPullRequest" in s["Action"])
    repository_arn = json.loads(dev["delivery-on-push"].inputs["eventPattern"])["resources"]
    assert (
        comment["Resource"]
        == repository_arn
        == ["arn:aws:codecommit:eu-west-1:123456789012:data-platform"]
    )


def test_pull_requests_start_the_preview_with_their_commits(dev: dict[str, Registration]) -> None:
    rule = json.loads(dev["delivery-on-pull-request"].inputs["eventPattern"])
    assert rule["detail-type"] == ["CodeCommit Pull Request State Change"]
    assert rule["detail"]["destinationReference"] == ["refs/heads/main"]
    target = dev["delivery-on-pull-request-target"].inputs
    template = target["inputTransformer"]["inputTemplate"]
    assert '"sourceVersion": "<source>"' in template
    overrides = json.loads(template)["environmentVariablesOverride"]
    assert {"name": "PULL_REQUEST_ID", "value": "<pr>", "type": "PLAINTEXT"} in overrides
    assert target["inputTransformer"]["inputPaths"]["pr"] == "$.detail.pullRequestId"


def test_pushes_start_the_pipeline_and_drift_runs_on_schedule(dev: dict[str, Registration]) -> None:
    push = json.loads(dev["delivery-on-push"].inputs["eventPattern"])
    assert push["detail"]["referenceName"] == ["main"]
    assert dev["delivery-drift-schedule"].inputs["scheduleExpression"] == "rate(1 day)"
    drift_alert = json.loads(dev["delivery-drift-detected"].inputs["eventPattern"])
    assert drift_alert["detail"] == {"build-status": ["FAILED"], "project-name": ["dp-dev-drift"]}
    assert dev["delivery-drift-detected-target"].inputs["arn"] == ALERTS
    assert dev["delivery-pipeline-failed-target"].inputs["arn"] == ALERTS


def test_github_source_uses_trigger_filters_and_a_preview_pipeline(run_mocked: Runner) -> None:
    resources = _delivery(run_mocked, source=GITHUB)
    assert "delivery-repository" not in resources
    assert "delivery-on-pull-request" not in resources
    push = resources["delivery-pipeline"].inputs["triggers"][0]["gitConfiguration"]["pushes"][0]
    assert push["branches"] == {"includes": ["main"]}
    preview = resources["delivery-preview-pipeline"].inputs
    pull = preview["triggers"][0]["gitConfiguration"]["pullRequests"][0]
    assert pull["events"] == ["OPEN", "UPDATED"]
    preview_action = preview["stages"][1]["actions"][0]["configuration"]
    assert json.loads(preview_action["EnvironmentVariables"]) == [
        {"name": "SOURCE_COMMIT", "value": "#{SourceVariables.CommitId}", "type": "PLAINTEXT"}
    ]
    assert preview["stages"][0]["actions"][0]["namespace"] == "SourceVariables"
    project = resources["delivery-preview-project"].inputs
    assert project["source"]["type"] == "CODEPIPELINE"
    secret = [
        v for v in project["environment"]["environmentVariables"] if v["name"] == "GITHUB_TOKEN"
    ]
    assert secret == [
        {"name": "GITHUB_TOKEN", "value": GITHUB["token_secret_arn"], "type": "SECRETS_MANAGER"}
    ]
    drift_source = resources["delivery-drift-project"].inputs["source"]
    assert drift_source["auth"] == {"type": "CODECONNECTIONS", "resource": GITHUB["connection_arn"]}
