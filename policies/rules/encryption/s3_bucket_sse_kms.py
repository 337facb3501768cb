"""ENC-001: every S3 bucket has default SSE-KMS with a customer key (AES256 only for log buckets).

The access-logs bucket is recognised structurally: it is the `targetBucket` (by property
dependency) of some other bucket's BucketLogging. S3 server access logging cannot deliver to a
bucket whose default encryption is SSE-KMS, so that role alone may use AES256 (SSE-S3). The
deprecated inline `serverSideEncryptionConfiguration` of the Bucket is not accepted.
"""

from collections.abc import Iterator

from policies.framework.checks import customer_key_gap
from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, StackRule
from policies.framework.subjects import StackView, Subject
from policies.framework.values import as_list, get, known, shallow

BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
LOGGING = "aws:s3/bucketLogging:BucketLogging"

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
    resource_types=(BUCKET,),
)


def validate(bucket: Subject, stack: StackView, config: Config) -> Iterator[str]:
    configs = stack.referencing(bucket, SSE, "bucket")
    if not configs:
        yield f"has no {SSE.rsplit(':', 1)[1]} (default encryption is not declared)"
        return
    is_log_target = bool(stack.referencing(bucket, LOGGING, "targetBucket"))
    for sse in configs:
        rules = as_list(shallow(get(sse.props, "rules"), "encryption rules"))
        if not rules:
            yield f"'{sse.name}' declares no encryption rules"
        for index, rule in enumerate(rules):
            default = get(rule, "applyServerSideEncryptionByDefault")
            algorithm = known(get(default, "sseAlgorithm"), "the SSE algorithm")
            if algorithm in ("aws:kms", "aws:kms:dsse"):
                yield from _key_gap(default, sse.name, index)
            elif algorithm == "AES256" and not is_log_target:
                yield (
                    f"uses AES256 in '{sse.name}' rules[{index}] but is not an access-logs "
                    "target bucket; use aws:kms with a customer-managed key"
                )
            elif algorithm != "AES256":
                yield f"has no usable sseAlgorithm in '{sse.name}' rules[{index}]: {algorithm!r}"


def _key_gap(default: object, config_name: str, index: int) -> Iterator[str]:
    for fact in customer_key_gap(
        {"kmsMasterKeyId": get(default, "kmsMasterKeyId")}, "kmsMasterKeyId"
    ):
        yield f"'{config_name}' rules[{index}] {fact}"


RULE = StackRule(META, validate)
