"""SEC-019: Redshift Serverless workgroups route COPY and UNLOAD traffic through the VPC.

Without enhanced VPC routing, traffic to S3 leaves the VPC's controls (endpoint policies, flow
logs); Amazon Redshift's default is off.
"""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, known, truthy

META = RuleMeta(
    id="SEC-019",
    name="redshift-serverless-enhanced-vpc-routing",
    description="Redshift Serverless workgroups should use enhanced VPC routing.",
    severity=Severity.MEDIUM,
    controls=(nist("SC-7"), nist("AC-4")),
    remediation="Set enhanced_vpc_routing=True on the redshiftserverless.Workgroup.",
    resource_types=("aws:redshiftserverless/workgroup:Workgroup",),
)


def validate(workgroup: Subject, config: Config) -> Iterator[str]:
    if not truthy(known(get(workgroup.props, "enhancedVpcRouting"), "enhancedVpcRouting")):
        yield "does not use enhanced VPC routing (enhancedVpcRouting is not true)"


RULE = ResourceRule(META, validate)
