"""Delivery access: preview and drift read configuration, not data or secrets; deploy cannot
attach an escalating managed policy to any role nor change its own role, which a policy names
by the role's ARN."""

import re
from typing import Any

import pulumi
import pytest

from components.delivery.access import escalation_denials
from components.shared.aws_context import AwsEnv
from offline.capture import Capture
from offline.mocks import Registration
from tests.components.delivery.test_delivery import CODECOMMIT, GITHUB, Runner, _delivery
from tests.components.helpers import policy_statements

STATE_OBJECTS = "arn:aws:s3:::state-bucket/*"
DATA_READS = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:PartiQLSelect",
    "sqs:ReceiveMessage",
    "kinesis:GetRecords",
    "kinesis:SubscribeToShard",
    "logs:GetLogEvents",
    "logs:FilterLogEvents",
    "logs:StartQuery",
    "logs:GetQueryResults",
    "logs:GetLogRecord",
    "redshift-data:GetStatementResult",
    "athena:GetQueryResults",
]
OBJECT_READS = ["s3:GetObject", "s3:GetObjectVersion"]
SECRET_READS = ["secretsmanager:GetSecretValue"]


def _denials(resources: dict[str, Registration], role: str) -> list[dict[str, Any]]:
    statements = policy_statements(resources[f"delivery-{role}-role-policy"])
    return [s for s in statements if s["Effect"] == "Deny"]


def _data_denials(readable_objects: list[str], secrets: dict[str, list[str]]) -> list[Any]:
    return [
        {"Effect": "Deny", "Action": OBJECT_READS, "NotResource": readable_objects},
        {"Effect": "Deny", "Action": DATA_READS, "Resource": ["*"]},
        {"Effect": "Deny", "Action": SECRET_READS, **secrets},
    ]


@pytest.mark.parametrize(
    ("source", "role", "expected"),
    [
        pytest.param(
            CODECOMMIT,
            "preview",
            _data_denials([STATE_OBJECTS], {"Resource": ["*"]}),
            id="codecommit-preview-reads-only-state",
        ),
        pytest.param(
            GITHUB,
            "preview",
            _data_denials(
                [STATE_OBJECTS, "arn:aws:s3:::delivery-artifacts-bucket/*"],
                {"NotResource": [GITHUB["token_secret_arn"]]},
            ),
            id="github-preview-reads-state-its-source-artifact-and-token",
        ),
        pytest.param(
            CODECOMMIT,
            "drift",
            _data_denials([STATE_OBJECTS, "arn:aws:s3:::*/glue/*"], {"Resource": ["*"]}),
            id="codecommit-drift-reads-state-and-glue-scripts",
        ),
        pytest.param(
            GITHUB,
            "drift",
            _data_denials([STATE_OBJECTS, "arn:aws:s3:::*/glue/*"], {"Resource": ["*"]}),
            id="github-drift-reads-state-and-glue-scripts",
        ),
    ],
)
def test_read_only_builds_are_denied_data_reads(
    run_mocked: Runner, source: dict[str, str], role: str, expected: list[Any]
) -> None:
    resources = _delivery(run_mocked, require_approval=False, source=source)
    assert _denials(resources, role) == expected


ESCALATION_DENIALS = [
    {
        "Effect": "Deny",
        "Action": ["iam:AttachRolePolicy"],
        "Resource": ["*"],
        "Condition": {
            "ArnEquals": {
                "iam:PolicyARN": [
                    "arn:aws:iam::aws:policy/AdministratorAccess",
                    "arn:aws:iam::aws:policy/IAMFullAccess",
                    "arn:aws:iam::aws:policy/PowerUserAccess",
                ]
            }
        },
    },
]
SELF_MODIFICATIONS = [
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:UpdateAssumeRolePolicy",
]


@pytest.mark.parametrize("source", [CODECOMMIT, GITHUB], ids=["codecommit", "github"])
def test_deploy_cannot_attach_an_escalating_policy(
    run_mocked: Runner, source: dict[str, str]
) -> None:
    resources = _delivery(run_mocked, require_approval=False, source=source)
    assert _denials(resources, "deploy") == ESCALATION_DENIALS


@pytest.mark.parametrize("source", [CODECOMMIT, GITHUB], ids=["codecommit", "github"])
def test_deploy_cannot_change_its_own_role_named_by_its_arn(
    run_mocked: Runner, source: dict[str, str]
) -> None:
    resources = _delivery(run_mocked, require_approval=False, source=source)
    role = resources["delivery-deploy-role"]
    protection = resources["delivery-deploy-self-protection"]
    # Attached to the deploy role, and its document names that role's ARN (an output of it).
    assert protection.parent == resources["delivery-deploy"].urn
    assert protection.property_dependencies["role"] == [role.urn]
    assert protection.property_dependencies["policy"] == [role.urn]
    (statement,) = policy_statements(protection)
    (arn,) = statement.pop("Resource")
    assert statement == {"Effect": "Deny", "Action": SELF_MODIFICATIONS}
    assert re.fullmatch(r"arn:aws:iam::123456789012:role/\S+", arn), arn


@pytest.mark.parametrize("role", ["test", "preview", "drift"])
def test_only_deploy_has_a_self_protection_policy(run_mocked: Runner, role: str) -> None:
    resources = _delivery(run_mocked, require_approval=False)
    assert f"delivery-{role}-self-protection" not in resources
    assert "delivery-deploy-self-protection" in resources


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_shipped_policy_uses_a_variable_as_a_whole_resource(
    stack: str, shipped_captures: dict[str, Capture]
) -> None:
    # IAM takes policy variables only in the resource part of an ARN, after the fifth colon.
    for resource in shipped_captures[stack].resources:
        if resource.type != "aws:iam/rolePolicy:RolePolicy":
            continue
        for statement in policy_statements(resource):
            for arn in statement.get("Resource", []) + statement.get("NotResource", []):
                assert arn == "*" or "${" not in ":".join(arn.split(":")[:5]), (resource.name, arn)
                assert arn == "*" or arn.startswith("arn:"), (resource.name, arn)


@pytest.mark.parametrize("source", [CODECOMMIT, GITHUB], ids=["codecommit", "github"])
def test_test_project_has_no_managed_policy_to_deny(
    run_mocked: Runner, source: dict[str, str]
) -> None:
    resources = _delivery(run_mocked, require_approval=False, source=source)
    assert _denials(resources, "test") == []


def test_escalating_policy_arns_follow_the_partition() -> None:
    env = AwsEnv(region="cn-north-1", account_id=pulumi.Output.from_input("123456789012"))
    condition = escalation_denials(env)[0]["Condition"]["ArnEquals"]["iam:PolicyARN"]
    assert condition == [
        "arn:aws-cn:iam::aws:policy/AdministratorAccess",
        "arn:aws-cn:iam::aws:policy/IAMFullAccess",
        "arn:aws-cn:iam::aws:policy/PowerUserAccess",
    ]
