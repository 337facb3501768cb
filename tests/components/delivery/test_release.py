"""The release pipeline: one V2 pipeline takes one source artifact through Test and each stage in
promotion order (Preview, Approve where configured, Deploy, Verify and Confirm with rollback); every
build is encrypted, unprivileged, and may only assume its own role in its stage's account."""

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from components.delivery.names import STAGE_JOBS
from components.delivery.release import Release, ReleaseArgs
from components.delivery.release_targets import StageTarget
from components.shared.aws_context import AwsEnv
from offline.analyzer import run_policy_pack
from offline.capture import PROJECT_ROOT, ReleaseCapture
from offline.mocks import Registration
from offline.policy_check import load_policy_config
from offline.report import to_json_resources
from stack_config.release import ReleaseSettings
from tests.components.helpers import by_name, policy_statements
from tests.stacks import FIXTURE_STACKS

Runner = Callable[[Callable[[], object]], tuple[Registration, ...]]
KEY = "arn:aws:kms:eu-west-1:123456789012:key/test"
DELIVERY = "123456789012"
TARGET = "arn:aws:iam::{}:role/data-platform-release/data-platform-release-{}"
ACCOUNTS = {"dev": "111111111111", "staging": "222222222222", "prod": "333333333333"}
GITHUB = {
    "kind": "codeconnections",
    "connection_arn": "arn:aws:codeconnections:eu-west-1:123456789012:connection/abc-123",
    "repository": "acme/data-platform",
    "token_secret_arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:gh-token-AbC",
}


def target(stack: str, approval: bool) -> StageTarget:
    return StageTarget(
        stack=stack,
        approval=approval,
        pull_request_preview=not approval,
        account_id=ACCOUNTS[stack],
        region="eu-west-1",
        state_backend_url=f"s3://data-platform-state-{ACCOUNTS[stack]}",
        external_id="data-platform-release",
        platform_prefix=f"data-platform-{stack}",
        verify_timeout_minutes=30,
    )


def release(run: Runner, approvals: dict[str, bool], **settings: Any) -> dict[str, Registration]:
    values = {
        "environment": "prod",
        "tags": {"owner": "o", "cost_center": "c"},
        "source": {"kind": "codecommit", "repository": "data-platform"},
        "stages": [{"stack": s, "approval": a} for s, a in approvals.items()],
        "alerts": [{"protocol": "email", "endpoint": "ops@example.com"}],
        **settings,
    }
    args = ReleaseArgs(
        release=ReleaseSettings.model_validate(values),
        stack="delivery",
        stages=tuple(target(s, a) for s, a in approvals.items()),
        region="eu-west-1",
        log_retention_days=30,
        tags={"Environment": "prod"},
    )
    env = AwsEnv(region="eu-west-1", account_id=pulumi.Output.from_input(DELIVERY))
    return by_name(
        run(lambda: Release("release", args, env=env, kms_key_arn=KEY, access_logs_bucket="logs"))
    )


@pytest.fixture
def shipped(fixture_release_capture: ReleaseCapture) -> dict[str, Registration]:
    return by_name(fixture_release_capture.resources)


def stages(resources: dict[str, Registration], name: str = "release-pipeline") -> list[Any]:
    declared: list[Any] = resources[name].inputs["stages"]
    return declared


def actions(resources: dict[str, Registration]) -> dict[str, Any]:
    return {f"{s['name']}/{a['name']}": a for s in stages(resources) for a in s["actions"]}


def test_one_v2_pipeline_takes_the_stages_in_promotion_order(
    shipped: dict[str, Registration],
) -> None:
    pipeline = shipped["release-pipeline"].inputs
    assert (pipeline["name"], pipeline["pipelineType"]) == ("data-platform-release", "V2")
    assert pipeline["executionMode"] == "QUEUED"
    assert pipeline["artifactStores"][0]["encryptionKey"]["type"] == "KMS"
    assert [s["name"] for s in stages(shipped)] == [
        "Source", "Test",
        "Preview-dev", "Deploy-dev",
        "Preview-prod", "Approve-prod", "Deploy-prod",
    ]  # fmt: skip


def test_deploy_verify_and_confirm_roll_back_together(shipped: dict[str, Registration]) -> None:
    for stack in ("dev", "prod"):
        (stage,) = [s for s in stages(shipped) if s["name"] == f"Deploy-{stack}"]
        assert [(a["name"], a["runOrder"]) for a in stage["actions"]] == [
            ("Deploy", 1),
            ("Verify", 2),
            ("Confirm", 3),
        ]
        assert stage["onFailure"] == {"result": "ROLLBACK"}
        deploy, verify, confirm = stage["actions"]
        assert deploy["outputArtifacts"] == [f"outputs_{stack}"]
        assert verify["inputArtifacts"] == ["source", f"outputs_{stack}"]
        assert verify["configuration"]["PrimarySource"] == "source"
        assert confirm["inputArtifacts"] == ["source"]
        assert confirm["configuration"]["ProjectName"] == f"data-platform-release-{stack}-confirm"


def test_confirm_refreshes_the_deployed_commit_as_the_drift_role_expecting_no_change(
    shipped: dict[str, Registration],
) -> None:
    """After Verify, the stage's commit is refreshed as the drift role (the warehouse's catalog
    read as its catalog-only database user): the scheduled drift check's build, on the
    pipeline's artifact rather than the branch."""
    for stack in ("dev", "prod"):
        confirm = shipped[f"release-{stack}-confirm-project"].inputs
        drift = shipped[f"release-{stack}-drift-project"].inputs
        assert confirm["source"]["type"] == "CODEPIPELINE"
        assert confirm["source"]["buildspec"] == drift["source"]["buildspec"]
        assert "--expect-no-changes" in (PROJECT_ROOT / confirm["source"]["buildspec"]).read_text()
        variables = {v["name"]: v["value"] for v in confirm["environment"]["environmentVariables"]}
        drift_variables = {
            v["name"]: v["value"] for v in drift["environment"]["environmentVariables"]
        }
        assert variables["STACK"] == stack
        assert variables["RELEASE_TARGETS"] == drift_variables["RELEASE_TARGETS"]
        assert "-drift" in json.loads(variables["RELEASE_TARGETS"])[0]["role_arn"]


def test_every_stage_consumes_the_one_source_artifact(shipped: dict[str, Registration]) -> None:
    found = actions(shipped)
    producers = [n for n, a in found.items() if "source" in (a.get("outputArtifacts") or [])]
    assert producers == ["Source/Source"], "no action rebuilds or replaces the source"
    builds = {n: a for n, a in found.items() if a["category"] == "Build"}
    assert all(a["inputArtifacts"][0] == "source" for a in builds.values())
    # prod deploys exactly what dev verified: the same artifact, in the same execution, and
    # compares its plan with its own approved preview.
    assert found["Deploy-prod/Deploy"]["inputArtifacts"] == ["source", "preview_prod"]
    assert found["Deploy-prod/Deploy"]["configuration"]["PrimarySource"] == "source"
    assert found["Deploy-dev/Verify"]["inputArtifacts"][0] == "source"
    order = [n for n in found]
    assert order.index("Deploy-dev/Verify") < order.index("Deploy-prod/Deploy")


@pytest.mark.parametrize(
    ("approvals", "approved"),
    [
        pytest.param({"dev": False, "prod": True}, ["prod"], id="prod-only"),
        pytest.param({"dev": False, "prod": False}, [], id="none"),
        pytest.param({"dev": True, "staging": False, "prod": True}, ["dev", "prod"], id="three"),
    ],
)
def test_approval_exists_only_where_configured(
    run_mocked: Runner, approvals: dict[str, bool], approved: list[str]
) -> None:
    resources = release(run_mocked, approvals)
    names = [s["name"] for s in stages(resources)]
    assert [n.removeprefix("Approve-") for n in names if n.startswith("Approve-")] == approved
    for stack in approvals:
        preview, deploy = names.index(f"Preview-{stack}"), names.index(f"Deploy-{stack}")
        assert deploy - preview == (2 if stack in approved else 1)


def test_an_approval_links_to_its_stages_preview(shipped: dict[str, Registration]) -> None:
    found = actions(shipped)
    approval = found["Approve-prod/Approve"]
    assert (approval["category"], approval["provider"]) == ("Approval", "Manual")
    configuration = approval["configuration"]
    assert configuration["ExternalEntityLink"] == "#{Preview-prod.PREVIEW_URL}"
    assert "#{SourceVariables.CommitId}" in configuration["CustomData"]
    assert configuration["NotificationArn"] == shipped["release-alerts-topic"].outputs["arn"]
    preview = found["Preview-prod/Preview"]
    assert preview["namespace"] == "Preview-prod"
    assert preview["outputArtifacts"] == ["preview_prod"]


def test_test_checks_every_stage_stack_and_the_delivery_stack(
    shipped: dict[str, Registration],
) -> None:
    test = actions(shipped)["Test/Test"]["configuration"]
    assert json.loads(test["EnvironmentVariables"]) == [
        {"name": "STACKS", "value": "dev prod delivery", "type": "PLAINTEXT"}
    ]


PROJECTS = [
    "test",
    *(f"{s}-{j}" for s in ("dev", "prod") for j in STAGE_JOBS),
    "pull-requests",
]


@pytest.mark.parametrize("project", PROJECTS)
def test_every_build_is_encrypted_unprivileged_and_named_with_its_role(
    shipped: dict[str, Registration], project: str
) -> None:
    inputs = shipped[f"release-{project}-project"].inputs
    assert inputs["name"] == f"data-platform-release-{project}"
    assert inputs["environment"]["privilegedMode"] is False
    assert shipped[f"release-{project}-logs"].inputs["kmsKeyId"] == inputs["encryptionKey"]
    role = shipped[f"release-{project}-role"].inputs
    # Roles in other accounts trust this role by its fixed name and path.
    assert (role["name"], role["path"]) == (f"data-platform-release-{project}", "/data-platform/")


@pytest.mark.parametrize(
    ("project", "roles"),
    [
        ("test", []),
        ("dev-preview", [TARGET.format("111111111111", "preview")]),
        ("dev-deploy", [TARGET.format("111111111111", "deploy")]),
        ("dev-verify", ["arn:aws:iam::111111111111:role/data-platform/data-platform-dev-verify"]),
        ("prod-drift", [TARGET.format("333333333333", "drift")]),
        ("prod-confirm", [TARGET.format("333333333333", "drift")]),
        # Only the stage pull requests may preview (dev: no approval); prod trusts it with nothing.
        ("pull-requests", [TARGET.format("111111111111", "pull-request")]),
    ],
)  # fmt: skip
def test_a_build_may_assume_only_its_own_role_in_its_stages_account(
    run_mocked: Runner, project: str, roles: list[str]
) -> None:
    resources = release(run_mocked, {"dev": False, "prod": True})
    statements = policy_statements(resources[f"release-{project}-role-policy"])
    assumed = [r for s in statements if "sts:AssumeRole" in s["Action"] for r in s["Resource"]]
    assert assumed == roles
    services = {a.split(":")[0] for s in statements for a in s["Action"]}
    assert "iam" not in services
    targets = resources[f"release-{project}-project"].inputs["environment"]["environmentVariables"]
    variables = {v["name"]: v["value"] for v in targets}
    if roles:
        assert [t["role_arn"] for t in json.loads(variables["RELEASE_TARGETS"])] == roles


def test_verify_builds_outlast_the_verification_timeout(shipped: dict[str, Registration]) -> None:
    # Pulumi.dev.yaml: 20 minutes; Pulumi.prod.yaml: 45; each plus the build's margin.
    assert shipped["release-dev-verify-project"].inputs["buildTimeout"] == 40
    assert shipped["release-prod-verify-project"].inputs["buildTimeout"] == 65


def test_pushes_start_the_release_and_drift_runs_per_stage(
    shipped: dict[str, Registration],
) -> None:
    push = json.loads(shipped["release-on-push"].inputs["eventPattern"])
    assert push["detail"]["referenceName"] == ["main"]
    for stack in ("dev", "prod"):
        schedule = shipped[f"release-{stack}-drift-schedule"].inputs
        assert schedule["scheduleExpression"] == "rate(6 hours)"
        drift = shipped[f"release-{stack}-drift-project"].inputs["source"]
        assert drift["type"] == "CODECOMMIT"
    detected = json.loads(shipped["release-drift-detected"].inputs["eventPattern"])
    assert detected["detail"]["project-name"] == [
        "data-platform-release-dev-drift",
        "data-platform-release-prod-drift",
    ]


def test_failed_releases_and_verifications_alert_the_subscribers(
    shipped: dict[str, Registration],
) -> None:
    topic = shipped["release-alerts-topic"].outputs["arn"]
    for rule in ("pipeline-failed", "deploy-failed", "drift-detected"):
        assert shipped[f"release-{rule}-target"].inputs["arn"] == topic
    failed = json.loads(shipped["release-deploy-failed"].inputs["eventPattern"])
    # Every action of a stage that rolls back alerts when it fails.
    rolled_back = {a["name"] for s in stages(shipped) if s.get("onFailure") for a in s["actions"]}
    assert failed["detail"] == {
        "action": sorted(rolled_back, key=failed["detail"]["action"].index),
        "state": ["FAILED"],
    }
    assert rolled_back == {"Deploy", "Verify", "Confirm"}
    subscriptions = [
        r for r in shipped.values() if r.type == "aws:sns/topicSubscription:TopicSubscription"
    ]
    assert [s.inputs["endpoint"] for s in subscriptions] == ["data-oncall@example.com"]


def test_pull_requests_preview_only_the_stages_that_allow_it(
    shipped: dict[str, Registration], fixture_release_capture: ReleaseCapture
) -> None:
    rule = json.loads(shipped["release-on-pull-request"].inputs["eventPattern"])
    assert rule["detail"]["destinationReference"] == ["refs/heads/main"]
    target = shipped["release-on-pull-request-target"].inputs
    assert target["arn"] == shipped["release-pull-requests-project"].outputs["arn"]
    variables = {
        v["name"]: v["value"]
        for v in shipped["release-pull-requests-project"].inputs["environment"][
            "environmentVariables"
        ]
    }
    stages = fixture_release_capture.config.release.stages
    previewed = [s.stack for s in stages if s.previewed_by_pull_requests]
    assert [t["stack"] for t in json.loads(variables["RELEASE_TARGETS"])] == previewed
    assert variables["UNPREVIEWED_STACKS"].split() == [
        s.stack for s in stages if not s.previewed_by_pull_requests
    ]
    # By default a stage a person approves is one no pull request previews.
    assert all(not s.previewed_by_pull_requests for s in stages if s.approval)
    assert variables["SOURCE_PROVIDER"] == "codecommit"


@pytest.mark.parametrize("source", ["codecommit", "github"])
def test_without_pull_request_previews_no_build_may_preview(
    run_mocked: Runner, source: str
) -> None:
    # A pull-request build that nothing starts would still hold a role that may assume every
    # stage's preview role.
    chosen = GITHUB if source == "github" else {"kind": "codecommit", "repository": "data-platform"}
    resources = release(run_mocked, {"dev": False}, source=chosen, pull_request_previews=False)
    assert not [name for name in resources if "pull-request" in name]


def test_github_sources_use_trigger_filters_and_a_pull_request_pipeline(run_mocked: Runner) -> None:
    resources = release(run_mocked, {"dev": False, "prod": True}, source=GITHUB)
    assert "release-on-push" not in resources and "release-on-pull-request" not in resources
    push = resources["release-pipeline"].inputs["triggers"][0]["gitConfiguration"]["pushes"][0]
    assert push["branches"] == {"includes": ["main"]}
    pulls = resources["release-pull-request-pipeline"].inputs
    trigger = pulls["triggers"][0]["gitConfiguration"]["pullRequests"][0]
    assert trigger["events"] == ["OPEN", "UPDATED"]
    project = resources["release-pull-requests-project"].inputs
    assert project["source"]["type"] == "CODEPIPELINE"
    secret = [
        v for v in project["environment"]["environmentVariables"] if v["name"] == "GITHUB_TOKEN"
    ]
    assert secret == [
        {"name": "GITHUB_TOKEN", "value": GITHUB["token_secret_arn"], "type": "SECRETS_MANAGER"}
    ]


def test_the_delivery_stack_violates_no_policy(fixture_release_capture: ReleaseCapture) -> None:
    pack = PROJECT_ROOT / "policies"
    report = run_policy_pack(
        pack,
        to_json_resources(fixture_release_capture.resources),
        config=load_policy_config(FIXTURE_STACKS / "policies", fixture_release_capture.stack),
    )
    assert report.violations == ()
