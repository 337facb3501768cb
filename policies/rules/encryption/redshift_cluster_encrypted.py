"""ENC-014: provisioned Redshift clusters are encrypted at rest with a customer-managed key.

An omitted `encrypted` is judged by the provider default (true in pulumi-aws 7), not as false.
"""

from collections.abc import Iterator

from policies.framework.checks import customer_key_gap, input_or_default
from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import truthy

META = RuleMeta(
    id="ENC-014",
    name="redshift-cluster-encrypted",
    description="Redshift clusters must be encrypted with a customer-managed KMS key.",
    severity=Severity.HIGH,
    controls=(nist("SC-28"), nist("SC-28(1)")),
    remediation="Set encrypted='true' and kms_key_id (a customer-managed key) on redshift.Cluster.",
    resource_types=("aws:redshift/cluster:Cluster",),
)


def validate(cluster: Subject, config: Config) -> Iterator[str]:
    # pulumi-aws 7 types `encrypted` as a string ("true") and defaults it to "true".
    encrypted, note = input_or_default(cluster, "encrypted", "encrypted")
    if not truthy(encrypted):
        yield f"is not encrypted (encrypted must be true){note}"
    yield from customer_key_gap(cluster.props, "kmsKeyId")


RULE = ResourceRule(META, validate)
