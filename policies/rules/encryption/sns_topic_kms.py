"""ENC-006: SNS topics are encrypted with a customer-managed KMS key (not alias/aws/sns)."""

from collections.abc import Iterator

from policies.framework.checks import customer_key_gap
from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject

META = RuleMeta(
    id="ENC-006",
    name="sns-topic-kms",
    description="SNS topics must be encrypted with a customer-managed KMS key.",
    severity=Severity.MEDIUM,
    controls=(
        nist("SC-28(1)"),
        nist("SC-8"),
    ),
    remediation=(
        "Set kms_master_key_id on the Topic to a customer-managed key "
        "(alias/aws/sns does not count)."
    ),
    resource_types=("aws:sns/topic:Topic",),
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    yield from customer_key_gap(resource.props, "kmsMasterKeyId")


RULE = ResourceRule(META, validate)
