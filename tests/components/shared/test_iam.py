"""IAM statement helpers: a Deny names its resources or the resources it spares, never both;
policy documents resolve outputs wherever they sit."""

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from components.shared.iam import allow, deny, policy_document
from offline.mocks import Registration

Runner = Callable[[Callable[[], object]], tuple[Registration, ...]]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param(
            {"resources": ["*"]},
            {"Effect": "Deny", "Action": ["s3:GetObject"], "Resource": ["*"]},
            id="resource",
        ),
        pytest.param(
            {"not_resources": ["arn:aws:s3:::state/*"]},
            {"Effect": "Deny", "Action": ["s3:GetObject"], "NotResource": ["arn:aws:s3:::state/*"]},
            id="not-resource",
        ),
        pytest.param(
            {"resources": ["*"], "Bool": {"aws:SecureTransport": "false"}},
            {
                "Effect": "Deny",
                "Action": ["s3:GetObject"],
                "Resource": ["*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            id="condition",
        ),
    ],
)
def test_deny_statement(kwargs: dict[str, Any], expected: dict[str, Any]) -> None:
    assert deny(["s3:GetObject"], **kwargs) == expected


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"resources": ["*"], "not_resources": ["arn:aws:s3:::state/*"]}],
    ids=["neither", "both"],
)
def test_deny_takes_exactly_one_of_resource_and_not_resource(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="exactly one of resources and not_resources"):
        deny(["s3:GetObject"], **kwargs)


def test_policy_document_resolves_outputs_anywhere_in_the_document(run_mocked: Runner) -> None:
    def program() -> None:
        bucket = pulumi.Output.from_input("arn:aws:s3:::b")
        statements = [
            allow(["s3:GetObject"], [bucket.apply(lambda arn: f"{arn}/*")]),
            allow(["kms:Decrypt"], ["*"], StringEquals={"aws:SourceAccount": bucket}),
        ]
        aws.iam.Policy("p", policy=policy_document(statements))

    (policy,) = [r for r in run_mocked(program) if r.name == "p"]
    assert json.loads(policy.inputs["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]},
            {
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": ["*"],
                "Condition": {"StringEquals": {"aws:SourceAccount": "arn:aws:s3:::b"}},
            },
        ],
    }
