"""Every member of a resource family is judged like the type it stands for: each S3 bucket type
with each encryption-configuration and logging type, and each deprecated member flagged."""

import itertools

import pytest
from pulumi_policy import PolicyResource

from policies.framework.s3 import BUCKETS, LOGGING, SSE
from policies.framework.sdk_data import SUCCESSORS
from policies.rules.encryption import s3_bucket_sse_kms, s3_bucket_tls_only
from policies.rules.security import s3_deprecated_forms, s3_public_access_block
from policies.rules.tagging import data_classification
from tests.policies.harness import U, label, res, run, urn
from tests.policies.test_encryption_rules import KEY

NO_SSE = "has no BucketServerSideEncryptionConfiguration (default encryption is not declared)"


def _sse(type_: str, bucket: PolicyResource, algorithm: str, name: str) -> PolicyResource:
    default = {
        "sseAlgorithm": algorithm,
        **({"kmsMasterKeyId": KEY} if algorithm != "AES256" else {}),
    }
    props = {"bucket": U, "rules": [{"applyServerSideEncryptionByDefault": default}]}
    return res(type_, name, props, {"bucket": [bucket]})


@pytest.mark.parametrize(("bucket_type", "sse_type"), list(itertools.product(BUCKETS, SSE)))
def test_each_bucket_type_is_encrypted_by_each_configuration_type(
    bucket_type: str, sse_type: str
) -> None:
    bucket = res(bucket_type, "raw")
    assert (
        run(s3_bucket_sse_kms.RULE, (bucket, _sse(sse_type, bucket, "aws:kms", "sse"))).violations
        == []
    )


@pytest.mark.parametrize("bucket_type", BUCKETS)
def test_each_bucket_type_without_encryption_fails(bucket_type: str) -> None:
    outcome = run(s3_bucket_sse_kms.RULE, (res(bucket_type, "raw"),))
    assert outcome.violations == [
        (f"{label(bucket_type, 'raw')}: {NO_SSE}", urn(bucket_type, "raw"))
    ]


@pytest.mark.parametrize(("bucket_type", "logging_type"), list(itertools.product(BUCKETS, LOGGING)))
def test_each_logging_type_makes_its_target_an_access_logs_bucket(
    bucket_type: str, logging_type: str
) -> None:
    data, logs = res(bucket_type, "raw"), res(bucket_type, "logs")
    logging = res(
        logging_type, "raw-logging", {"targetBucket": U}, {"bucket": [data], "targetBucket": [logs]}
    )
    resources = (
        data,
        _sse(SSE[0], data, "aws:kms", "raw-sse"),
        logs,
        _sse(SSE[0], logs, "AES256", "logs-sse"),
        logging,
    )
    assert run(s3_bucket_sse_kms.RULE, resources).violations == []


@pytest.mark.parametrize("bucket_type", BUCKETS)
def test_each_bucket_type_needs_tls_a_public_access_block_and_a_classification(
    bucket_type: str,
) -> None:
    bucket = (res(bucket_type, "raw"),)
    assert [m for m, _ in run(s3_bucket_tls_only.RULE, bucket).violations] == [
        f"{label(bucket_type, 'raw')}: has no BucketPolicy, so requests without TLS are not denied"
    ]
    declared = {"requireDeclaredBlock": True}
    assert [m for m, _ in run(s3_public_access_block.RULE, bucket, declared).violations] == [
        f"{label(bucket_type, 'raw')}: has no BucketPublicAccessBlock"
    ]
    assert [m for m, _ in run(data_classification.RULE, bucket).violations] == [
        f"{label(bucket_type, 'raw')}: has no DataClassification tag"
    ]


@pytest.mark.parametrize("member", sorted(t for t in SUCCESSORS if t.startswith("aws:s3/")))
def test_each_deprecated_s3_member_is_named_with_its_successor(member: str) -> None:
    outcome = run(s3_deprecated_forms.RULE, (res(member, "old"),))
    assert outcome.violations == [
        (
            f"{label(member, 'old')}: uses the deprecated type {member}; use {SUCCESSORS[member]}",
            urn(member, "old"),
        )
    ]
