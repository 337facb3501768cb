"""ENC-019: Secrets Manager secrets are encrypted with a customer-managed KMS key."""

from collections.abc import Iterator

from policies.framework.checks import customer_key_gap
from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject

META = RuleMeta(
    id="ENC-019",
    name="secretsmanager-secret-kms",
    description="Secrets Manager secrets must be encrypted with a customer-managed KMS key.",
    severity=Severity.HIGH,
    controls=(
        nist("SC-28(1)"),
        nist("IA-5(7)"),
    ),
    remediation=(
        "Set kms_key_id on the Secret to a customer-managed key "
        "(alias/aws/secretsmanager does not count)."
    ),
    resource_types=("aws:secretsmanager/secret:Secret",),
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    yield from customer_key_gap(resource.props, "kmsKeyId")


RULE = ResourceRule(META, validate)
