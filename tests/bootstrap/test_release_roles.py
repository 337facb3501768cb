"""Bootstrap's release roles in an environment's account: each trusts only the delivery account's
build roles of its own kind, with the external id; deploy manages the platform's services in its
account and region and the platform's own roles, nothing else, never itself or the state;
preview reads configuration but no data; drift also reads the warehouse catalog through the Data
API, never the admin secret; the pull-request role exists only for the stacks pull requests
preview here and reads no other stack's state."""

import json
import runpy
from typing import Any

import pytest

from offline.analyzer import run_policy_pack
from offline.capture import PROJECT_ROOT, capture_program
from offline.mocks import MOCK_ACCOUNT_ID, Registration
from offline.policy_check import load_policy_config
from offline.report import to_json_resources
from tests.components.delivery.policy_evaluation import decision
from tests.components.helpers import by_name, policy_statements
from tests.stacks import FIXTURE_STACKS

PROJECT = "data-platform-bootstrap"
MAIN = PROJECT_ROOT / "bootstrap" / "__main__.py"
DELIVERY = "210987654321"
RELEASE: dict[str, Any] = {"delivery_account_id": DELIVERY, "stacks": ["prod"]}
BACKEND: dict[str, Any] = {
    "environment": "prod",
    "owner": "platform-team",
    "cost_center": "CC-1040",
    "release": RELEASE,
}
ACCOUNT = MOCK_ACCOUNT_ID
STATE = f"arn:aws:s3:::data-platform-state-{ACCOUNT}"
BUILD = f"arn:aws:iam::{DELIVERY}:role/data-platform/data-platform-release-prod"
RELEASE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/data-platform-release/data-platform-release"
LAKE = "arn:aws:s3:::lake-{}-bucket-1a2b3c4/{}"


def _run(backend: dict[str, Any]) -> dict[str, Registration]:
    config = {"aws:region": "eu-west-1", f"{PROJECT}:backend": json.dumps(backend)}
    return by_name(
        capture_program(
            lambda: runpy.run_path(str(MAIN), run_name="__main__"),
            project=PROJECT,
            stack="account-prod",
            region="eu-west-1",
            config=config,
        )
    )


@pytest.fixture(scope="module")
def declared() -> dict[str, Registration]:
    return _run(BACKEND)


def _trust(resources: dict[str, Registration], role: str) -> dict[str, Any]:
    (statement,) = json.loads(resources[f"release-{role}"].inputs["assumeRolePolicy"])["Statement"]
    return dict(statement)


def _statements(resources: dict[str, Registration], role: str) -> list[dict[str, Any]]:
    names = (f"release-{role}-policy", f"release-{role}-self-protection")
    return [s for n in names if n in resources for s in policy_statements(resources[n])]


@pytest.mark.parametrize(
    ("role", "builds"),
    [
        ("deploy", [f"{BUILD}-deploy"]),
        ("preview", [f"{BUILD}-preview"]),
        # The scheduled drift check and the release's Confirm after each Verify.
        ("drift", [f"{BUILD}-confirm", f"{BUILD}-drift"]),
    ],
)  # fmt: skip
def test_a_role_trusts_only_the_delivery_accounts_builds_of_its_kind(
    declared: dict[str, Registration], role: str, builds: list[str]
) -> None:
    assert _trust(declared, role) == {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{DELIVERY}:root"},
        "Action": "sts:AssumeRole",
        "Condition": {
            "ArnEquals": {"aws:PrincipalArn": builds},
            "StringEquals": {"sts:ExternalId": "data-platform-release"},
        },
    }
    inputs = declared[f"release-{role}"].inputs
    assert (inputs["name"], inputs["path"]) == (
        f"data-platform-release-{role}",
        "/data-platform-release/",
    )


def test_one_account_for_everything_trusts_its_own_builds() -> None:
    single = _run({**BACKEND, "release": {"stacks": ["dev", "prod"]}})
    trust = _trust(single, "deploy")
    assert trust["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert trust["Condition"]["ArnEquals"]["aws:PrincipalArn"] == [
        f"arn:aws:iam::{ACCOUNT}:role/data-platform/data-platform-release-{s}-deploy"
        for s in ("dev", "prod")
    ]


PULL_REQUESTS = {**BACKEND, "release": {**RELEASE, "pull_request_stacks": ["prod"]}}
PR_BUILD = f"arn:aws:iam::{DELIVERY}:role/data-platform/data-platform-release-pull-requests"


def test_pull_requests_reach_nothing_in_an_account_by_default(
    declared: dict[str, Registration],
) -> None:
    trusted = [
        p
        for r in declared.values()
        if r.type == "aws:iam/role:Role"
        for s in json.loads(r.inputs["assumeRolePolicy"])["Statement"]
        for p in s["Condition"]["ArnEquals"]["aws:PrincipalArn"]
    ]
    assert trusted and PR_BUILD not in trusted
    assert "release-pull-request" not in declared


def test_the_pull_request_role_trusts_only_the_pull_request_build() -> None:
    resources = _run(PULL_REQUESTS)
    assert _trust(resources, "pull-request")["Condition"]["ArnEquals"] == {
        "aws:PrincipalArn": [PR_BUILD]
    }
    inputs = resources["release-pull-request"].inputs
    assert (inputs["name"], inputs["path"]) == (
        "data-platform-release-pull-request",
        "/data-platform-release/",
    )


def test_pull_request_stacks_must_be_released_here() -> None:
    backend = {**BACKEND, "release": {**RELEASE, "pull_request_stacks": ["dev"]}}
    with pytest.raises(Exception, match=r"pull_request_stacks names dev, not in stacks \(prod\)"):
        _run(backend)


def test_no_release_roles_without_a_release(declared: dict[str, Registration]) -> None:
    plain = _run({k: v for k, v in BACKEND.items() if k != "release"})
    assert not [r for r in plain.values() if r.type == "aws:iam/role:Role"]
    assert "release-deploy" in declared


REGIONAL = f"arn:aws:{{}}:eu-west-1:{ACCOUNT}:{{}}"
DEPLOY_DECISIONS = [
    ("glue:CreateJob", REGIONAL.format("glue", "job/data-platform-prod-orders"), {}, "allow"),
    ("states:UpdateStateMachine", REGIONAL.format("states", "stateMachine:x"), {}, "allow"),
    ("ec2:CreateVpc", REGIONAL.format("ec2", "vpc/*"), {}, "allow"),
    ("s3:CreateBucket", "arn:aws:s3:::lake-raw-bucket-1a2b3c4", {}, "allow"),
    ("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/data-platform/x", {}, "allow"),
    # Another region, another service, compute that nothing declares, IAM outside the platform
    # (and, denied outright, the deploy role itself).
    ("glue:CreateJob", f"arn:aws:glue:us-east-1:{ACCOUNT}:job/x", {}, "implicit-deny"),
    ("codebuild:CreateProject", REGIONAL.format("codebuild", "project/x"), {}, "implicit-deny"),
    ("ec2:RunInstances", REGIONAL.format("ec2", "instance/*"), {}, "implicit-deny"),
    ("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/x", {}, "implicit-deny"),
    ("iam:PutRolePolicy", f"{RELEASE_ROLE}-preview", {}, "implicit-deny"),
    ("iam:PutRolePolicy", f"{RELEASE_ROLE}-deploy", {}, "deny"),
    # What the deploy may never do, whatever else it may.
    ("iam:AttachRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/data-platform/x",
     {"iam:PolicyARN": ["arn:aws:iam::aws:policy/AdministratorAccess"]}, "deny"),
    ("s3:DeleteBucket", STATE, {}, "deny"),
    ("kms:ScheduleKeyDeletion", REGIONAL.format("kms", "key/abc"),
     {"kms:ResourceAliases": ["alias/data-platform-state"]}, "deny"),
]  # fmt: skip


@pytest.mark.parametrize(("action", "resource", "context", "expected"), DEPLOY_DECISIONS)
def test_deploy_manages_the_platforms_services_here_and_nothing_else(
    declared: dict[str, Registration],
    action: str,
    resource: str,
    context: dict[str, list[str]],
    expected: str,
) -> None:
    assert decision(_statements(declared, "deploy"), action, resource, context) == expected


def test_deploy_cannot_change_its_own_role_named_by_its_arn(
    declared: dict[str, Registration],
) -> None:
    role, protection = declared["release-deploy"], declared["release-deploy-self-protection"]
    assert protection.property_dependencies["policy"] == [role.urn]
    (statement,) = policy_statements(protection)
    assert statement["Effect"] == "Deny"
    assert statement["Action"] == [
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:AttachRolePolicy",
        "iam:DetachRolePolicy",
        "iam:UpdateAssumeRolePolicy",
    ]
    assert statement["Resource"] == [role.outputs["arn"]]


def test_deploy_attaches_no_managed_policy(declared: dict[str, Registration]) -> None:
    attached = [
        r.inputs["policyArn"]
        for r in declared.values()
        if r.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
    ]
    assert attached == ["arn:aws:iam::aws:policy/ReadOnlyAccess"] * 2
    assert declared["release-preview-managed-0"].inputs["role"] == "data-platform-release-preview"
    assert declared["release-drift-managed-0"].inputs["role"] == "data-platform-release-drift"


PREVIEW_DECISIONS = [
    ("s3:GetObject", f"{STATE}/.pulumi/stacks/data-platform/prod.json", "allow"),
    ("s3:PutObject", f"{STATE}/.pulumi/locks/organization/data-platform/prod/x.json", "allow"),
    ("s3:PutObject", f"{STATE}/.pulumi/stacks/data-platform/prod.json", "implicit-deny"),
    ("s3:GetObject", LAKE.format("artifacts", "glue/orders/etl_job.py"), "implicit-deny"),
    ("s3:GetObject", LAKE.format("raw", "orders/part-1.csv"), "deny"),
    ("sqs:ReceiveMessage", REGIONAL.format("sqs", "orders-dlq"), "deny"),
    ("secretsmanager:GetSecretValue", REGIONAL.format("secretsmanager", "secret:x"), "deny"),
    ("redshift-data:GetStatementResult", "*", "deny"),
]  # fmt: skip


@pytest.mark.parametrize(("action", "resource", "expected"), PREVIEW_DECISIONS)
def test_preview_reads_its_state_and_program_but_no_data(
    declared: dict[str, Registration], action: str, resource: str, expected: str
) -> None:
    # The inline policy only; ReadOnlyAccess (attached) allows the configuration reads.
    assert decision(_statements(declared, "preview"), action, resource, {}) == expected


OWN = {
    "redshift-data:statement-owner-iam-userid": ["AROADRIFT:release-1"],
    "aws:userid": ["AROADRIFT:release-1"],
}
PLATFORM = {"aws:ResourceTag/Project": ["data-platform"]}
DRIFT_DECISIONS = [
    ("s3:GetObject", f"{STATE}/.pulumi/stacks/data-platform/prod.json", {}, "allow"),
    ("kms:Decrypt", REGIONAL.format("kms", "key/k"),
     {"kms:ResourceAliases": ["alias/data-platform-prod"]}, "allow"),
    ("redshift-data:ExecuteStatement", REGIONAL.format("redshift", "cluster:data-platform-prod"),
     PLATFORM, "allow"),
    ("redshift-data:ExecuteStatement", REGIONAL.format("redshift-serverless", "workgroup/1a2b"),
     PLATFORM, "allow"),
    ("redshift-data:ExecuteStatement", REGIONAL.format("redshift-serverless", "workgroup/1a2b"),
     {"aws:ResourceTag/Project": ["another"]}, "implicit-deny"),
    ("redshift-data:GetStatementResult", "*", OWN, "allow"),
    ("redshift-data:DescribeStatement", "*", OWN, "allow"),
    ("redshift-data:GetStatementResult", "*",
     {**OWN, "redshift-data:statement-owner-iam-userid": ["AROAOTHER:someone"]}, "implicit-deny"),
    ("redshift-serverless:GetCredentials", REGIONAL.format("redshift-serverless", "workgroup/1a2b"),
     PLATFORM, "allow"),
    ("redshift:GetClusterCredentialsWithIAM",
     REGIONAL.format("redshift", "dbname:data-platform-prod/warehouse"), {}, "allow"),
    ("secretsmanager:GetSecretValue",
     REGIONAL.format("secretsmanager", "secret:redshift!data-platform-prod-admin-x"), {}, "deny"),
    ("s3:GetObject", LAKE.format("raw", "orders/part-1.csv"), {}, "deny"),
    ("logs:GetLogEvents", REGIONAL.format("logs", "log-group:x"), {}, "deny"),
]  # fmt: skip


@pytest.mark.parametrize(("action", "resource", "context", "expected"), DRIFT_DECISIONS)
def test_drift_refreshes_and_reads_the_warehouse_catalog_but_no_secret(
    declared: dict[str, Registration],
    action: str,
    resource: str,
    context: dict[str, list[str]],
    expected: str,
) -> None:
    assert decision(_statements(declared, "drift"), action, resource, context) == expected


PR_DECISIONS = [
    ("s3:GetObject", f"{STATE}/.pulumi/stacks/data-platform/prod.json", "allow"),
    ("s3:GetObject", f"{STATE}/.pulumi/meta.yaml", "allow"),
    ("s3:PutObject", f"{STATE}/.pulumi/locks/organization/data-platform/prod/x.json", "allow"),
    # Another stack of the account: neither its state, nor its history, nor its lock.
    ("s3:GetObject", f"{STATE}/.pulumi/stacks/data-platform/dev.json", "deny"),
    ("s3:GetObject", f"{STATE}/.pulumi/history/data-platform/prod/prod-1.checkpoint.json", "deny"),
    ("s3:PutObject", f"{STATE}/.pulumi/locks/organization/data-platform/dev/x.json",
     "implicit-deny"),
    ("s3:GetObject", LAKE.format("artifacts", "glue/orders/etl_job.py"), "deny"),
    ("kms:Decrypt", REGIONAL.format("kms", "key/k"), "implicit-deny"),
    ("redshift-data:ExecuteStatement", REGIONAL.format("redshift", "cluster:data-platform-prod"),
     "implicit-deny"),
    ("secretsmanager:GetSecretValue", REGIONAL.format("secretsmanager", "secret:x"), "deny"),
]  # fmt: skip


@pytest.mark.parametrize(("action", "resource", "expected"), PR_DECISIONS)
def test_the_pull_request_role_reads_only_its_stacks_state(
    action: str, resource: str, expected: str
) -> None:
    statements = _statements(_run(PULL_REQUESTS), "pull-request")
    assert decision(statements, action, resource, {}) == expected


def test_no_mandatory_policy_is_violated_by_the_release_roles(
    declared: dict[str, Registration],
) -> None:
    pack = PROJECT_ROOT / "policies"
    report = run_policy_pack(
        pack,
        to_json_resources(list(declared.values())),
        config=load_policy_config(FIXTURE_STACKS / "policies", "prod"),
    )
    assert report.mandatory == ()
    assert not [v for v in report.violations if v.policy_name == "iam-no-aws-managed-full-access"]


def test_an_invalid_release_names_the_key() -> None:
    with pytest.raises(Exception, match=r"backend\.release\.delivery_account_id"):
        _run({**BACKEND, "release": {"delivery_account_id": "12345", "stacks": ["prod"]}})
