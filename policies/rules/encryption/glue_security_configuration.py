"""ENC-009: Glue security configurations encrypt S3 output, CloudWatch logs and job bookmarks."""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, is_set, known

# (block, mode property, required mode) per encrypted channel.
CHANNELS = (
    ("s3Encryption", "s3EncryptionMode", "SSE-KMS"),
    ("cloudwatchEncryption", "cloudwatchEncryptionMode", "SSE-KMS"),
    ("jobBookmarksEncryption", "jobBookmarksEncryptionMode", "CSE-KMS"),
)

META = RuleMeta(
    id="ENC-009",
    name="glue-security-configuration-complete",
    description="Glue security configurations must use KMS for S3, CloudWatch and job bookmarks.",
    severity=Severity.HIGH,
    controls=(nist("SC-28(1)"), nist("AU-9")),
    remediation=(
        "Set s3_encryption SSE-KMS, cloudwatch_encryption SSE-KMS and job_bookmarks_encryption "
        "CSE-KMS, each with kms_key_arn of a customer-managed key."
    ),
    resource_types=("aws:glue/securityConfiguration:SecurityConfiguration",),
)


def validate(config_resource: Subject, config: Config) -> Iterator[str]:
    encryption = get(config_resource.props, "encryptionConfiguration")
    for block, mode_prop, required in CHANNELS:
        mode = known(get(encryption, block, mode_prop), f"{block}.{mode_prop}")
        if mode != required:
            yield f"{block}.{mode_prop} is {mode or 'unset'}, expected {required}"
        elif not is_set(get(encryption, block, "kmsKeyArn")):
            yield f"{block} has no kmsKeyArn (a customer-managed KMS key is required)"


RULE = ResourceRule(META, validate)
