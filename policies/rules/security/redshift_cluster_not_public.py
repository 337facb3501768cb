"""SEC-006: provisioned Redshift clusters are not publicly accessible (pulumi-aws 7 default)."""

from collections.abc import Iterator

from policies.framework.checks import input_or_default
from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import truthy

META = RuleMeta(
    id="SEC-006",
    name="redshift-cluster-not-public",
    description="Redshift clusters must not be publicly accessible.",
    severity=Severity.CRITICAL,
    controls=(fsbp("Redshift.1"), nist("AC-3"), nist("SC-7")),
    remediation="Set publicly_accessible=False (or omit it) and reach the cluster through the VPC.",
    resource_types=("aws:redshift/cluster:Cluster",),
)


def validate(cluster: Subject, config: Config) -> Iterator[str]:
    public, note = input_or_default(cluster, "publiclyAccessible", "publiclyAccessible")
    if truthy(public):
        yield f"is publicly accessible (publiclyAccessible is true){note}"


RULE = ResourceRule(META, validate)
