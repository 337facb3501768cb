"""ENC-005: CloudWatch log groups are encrypted with a customer-managed KMS key."""

from collections.abc import Iterator

from policies.framework.checks import customer_key_gap
from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject

META = RuleMeta(
    id="ENC-005",
    name="log-group-kms",
    description="CloudWatch log groups must be encrypted with a customer-managed KMS key.",
    severity=Severity.MEDIUM,
    controls=(
        nist("SC-28(1)"),
        nist("AU-9"),
    ),
    remediation=(
        "Set kms_key_id on the LogGroup to a customer-managed key whose policy allows the "
        "logs service principal."
    ),
    resource_types=("aws:cloudwatch/logGroup:LogGroup",),
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    yield from customer_key_gap(resource.props, "kmsKeyId")


RULE = ResourceRule(META, validate)
