"""Small Pulumi programs, one per class of finding, through the real pack as a preview would.

Each program's violations are pinned exactly by (policy, resource): every expected finding is
there and nothing else is, so each expected silence (a compliant BucketV2, a Bucket encrypted
inline, a cluster encrypted by the provider default, a secret the SDK keeps encrypted) is
asserted too. The tag rules are disabled here; their cases live in tests/policies.
"""

import json
from pathlib import Path

import pytest

from offline.testing import ViolationsOf, violations_of

PROGRAMS = Path(__file__).resolve().parents[1] / "fixtures" / "programs"
NO_TAG_RULES = json.loads((PROGRAMS.parent / "tagless-policy-config.json").read_text())
Found = set[tuple[str, str]]

EXPECTED: dict[str, Found] = {
    "bucket-family": {
        ("s3-bucket-sse-kms", "open"),
        ("s3-bucket-tls-only", "open"),
        ("s3-public-access-block", "open"),
        ("s3-current-resource-forms", "open"),
        ("s3-current-resource-forms", "closed"),
        ("s3-current-resource-forms", "closed-sse"),
        ("s3-current-resource-forms", "closed-versioning"),
    },
    "inline-bucket": {("s3-current-resource-forms", "inline")},
    "provider-default": set(),
    "unmarked-secret": {
        ("no-plaintext-secrets", "webhook"),
        ("no-plaintext-credential-inputs", "export"),
        ("database-password-managed", "legacy"),
        ("redshift-cluster-require-ssl", "legacy"),
    },
    "neighbourhood": {
        ("security-group-restricted-ingress", "bastion"),
        ("dynamodb-table-kms", "keys"),
        ("kinesis-stream-kms", "clicks"),
        ("firehose-delivery-stream-kms", "archive"),
        ("ecr-repository-kms", "images"),
        ("ecr-repository-policy-not-public", "images-policy"),
        ("efs-file-system-kms", "shared"),
        ("rds-storage-kms", "metadata"),
        ("iam-no-aws-managed-full-access", "etl-AdministratorAccess"),
        ("iam-no-aws-managed-full-access", "etl-AmazonS3FullAccess"),
        ("iam-no-aws-managed-full-access", "etl-IAMFullAccess"),
        ("glue-connection-password-encrypted", "warehouse-jdbc"),
    },
    "data-sources": set(),
}


@pytest.fixture(scope="module")
def found() -> dict[str, Found]:
    return {
        name: {
            (v.policy_name, v.resource_name)
            for v in violations_of(PROGRAMS / name, stack="test", policy_config=NO_TAG_RULES)
        }
        for name in EXPECTED
    }


@pytest.mark.parametrize("program", sorted(EXPECTED))
def test_each_expected_violation_and_nothing_else(program: str, found: dict[str, Found]) -> None:
    assert found[program] == EXPECTED[program]


def test_the_fixture_returns_violations_with_messages(policy_violations: ViolationsOf) -> None:
    violations = policy_violations(
        PROGRAMS / "unmarked-secret", stack="test", policy_config=NO_TAG_RULES
    )
    webhook = next(v for v in violations if v.resource_name == "webhook")
    assert "'WEBHOOK_VERIFICATION' looks like a secret stored as plaintext" in webhook.message
    assert webhook.enforcement_level == "mandatory"
    assert "7f3c9e2a41d0" not in " ".join(v.message for v in violations)
