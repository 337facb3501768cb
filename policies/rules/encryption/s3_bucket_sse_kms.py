"""ENC-001: every S3 bucket has default SSE-KMS with a customer key (AES256 only for log buckets).

Every bucket type (`Bucket`, the deprecated `BucketV2`) is judged on what it will really have:
the encryption configuration resources that depend on it (either family member) and its inline
configuration alike. The access-logs bucket is recognised structurally: it is the target (by
property dependency) of some bucket's logging. S3 server access logging cannot deliver to a
bucket whose default encryption is SSE-KMS, so that role alone may use AES256 (SSE-S3).
"""

from collections.abc import Iterator

from policies.framework.checks import customer_key_gap
from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, StackRule
from policies.framework.s3 import BUCKETS, encryption_defaults, is_log_target
from policies.framework.subjects import StackView, Subject
from policies.framework.values import get, known

META = RuleMeta(
    id="ENC-001",
    name="s3-bucket-sse-kms",
    description="S3 buckets must default to SSE-KMS with a customer-managed key.",
    severity=Severity.HIGH,
    controls=(nist("SC-28"), nist("SC-28(1)"), nist("SC-12")),
    remediation=(
        "Add a BucketServerSideEncryptionConfiguration whose bucket input is the bucket, with "
        "sse_algorithm 'aws:kms' and kms_master_key_id set to a customer-managed key; only a "
        "bucket that receives server access logs may use 'AES256'."
    ),
    resource_types=BUCKETS,
)


def validate(bucket: Subject, stack: StackView, config: Config) -> Iterator[str]:
    declared = list(encryption_defaults(bucket, stack))
    if not declared:
        yield "has no BucketServerSideEncryptionConfiguration (default encryption is not declared)"
        return
    for where, default in declared:
        if default is None:
            yield f"{where} declares no encryption rules"
            continue
        algorithm = known(get(default, "sseAlgorithm"), "the SSE algorithm")
        if algorithm in ("aws:kms", "aws:kms:dsse"):
            key = {"kmsMasterKeyId": get(default, "kmsMasterKeyId")}
            yield from (f"{where} {fact}" for fact in customer_key_gap(key, "kmsMasterKeyId"))
        elif algorithm == "AES256" and not is_log_target(bucket, stack):
            yield (
                f"uses AES256 in {where} but is not an access-logs target "
                "bucket; use aws:kms with a customer-managed key"
            )
        elif algorithm != "AES256":
            yield f"has no usable sseAlgorithm in {where}: {algorithm!r}"


RULE = StackRule(META, validate)
