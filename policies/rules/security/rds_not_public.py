"""SEC-014: RDS instances (and cluster members) are not publicly accessible."""

from collections.abc import Iterator

from policies.framework.checks import input_or_default
from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, known, truthy

INSTANCE = "aws:rds/instance:Instance"

META = RuleMeta(
    id="SEC-014",
    name="rds-not-public",
    description="RDS database instances must not be publicly accessible.",
    severity=Severity.CRITICAL,
    controls=(fsbp("RDS.2"), nist("AC-3"), nist("SC-7")),
    remediation="Set publicly_accessible=False (or omit it) and reach the database from the VPC.",
    resource_types=(INSTANCE, "aws:rds/clusterInstance:ClusterInstance"),
)


def validate(database: Subject, config: Config) -> Iterator[str]:
    if database.type == INSTANCE:
        public, note = input_or_default(database, "publiclyAccessible", "publiclyAccessible")
    else:
        public, note = known(get(database.props, "publiclyAccessible"), "publiclyAccessible"), ""
    if truthy(public):
        yield f"is publicly accessible (publiclyAccessible is true){note}"


RULE = ResourceRule(META, validate)
