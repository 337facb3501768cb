"""IAM statement helpers: a Deny names its resources or the resources it spares, never both."""

from typing import Any

import pytest

from components.iam import deny


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
