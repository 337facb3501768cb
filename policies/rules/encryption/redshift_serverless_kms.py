"""ENC-013: Redshift Serverless namespaces are encrypted with a customer-managed KMS key."""

from collections.abc import Iterator

from policies.framework.checks import customer_key_gap
from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject

META = RuleMeta(
    id="ENC-013",
    name="redshift-serverless-namespace-kms",
    description="Redshift Serverless namespaces must be encrypted with a customer-managed KMS key.",
    severity=Severity.HIGH,
    controls=(
        nist("SC-28"),
        nist("SC-28(1)"),
    ),
    remediation="Set kms_key_id on the redshiftserverless.Namespace to a customer-managed key.",
    resource_types=("aws:redshiftserverless/namespace:Namespace",),
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    yield from customer_key_gap(resource.props, "kmsKeyId")


RULE = ResourceRule(META, validate)
