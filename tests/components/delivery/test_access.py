"""Delivery access: preview and drift read configuration, not data or secrets; deploy cannot
attach an escalating managed policy to any role nor change its own role."""

from typing import Any

import pulumi
import pytest

from components.delivery.access import escalation_denials
from components.shared.aws_context import AwsEnv
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
    {
        "Effect": "Deny",
        "Action": [
            "iam:PutRolePolicy",
            "iam:DeleteRolePolicy",
            "iam:AttachRolePolicy",
            "iam:DetachRolePolicy",
            "iam:UpdateAssumeRolePolicy",
        ],
        "Resource": ["${aws:PrincipalArn}"],
    },
]


@pytest.mark.parametrize("source", [CODECOMMIT, GITHUB], ids=["codecommit", "github"])
def test_deploy_cannot_escalate_nor_change_its_own_role(
    run_mocked: Runner, source: dict[str, str]
) -> None:
    resources = _delivery(run_mocked, require_approval=False, source=source)
    assert _denials(resources, "deploy") == ESCALATION_DENIALS


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
