"""SEC-015: an EKS cluster's API endpoint is not open to the internet.

EKS enables the public endpoint unless `endpointPublicAccess` is false (EKS User Guide, "Cluster
API server endpoint"); a public endpoint limited by `publicAccessCidrs` to named networks passes.
"""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import as_list, get, known

OPEN = frozenset({"0.0.0.0/0", "::/0"})

META = RuleMeta(
    id="SEC-015",
    name="eks-endpoint-private",
    description="EKS cluster API endpoints must not be reachable from the whole internet.",
    severity=Severity.HIGH,
    controls=(fsbp("EKS.1"), nist("AC-3"), nist("SC-7")),
    remediation=(
        "Set vpc_config endpoint_public_access=False and endpoint_private_access=True, or limit "
        "public_access_cidrs to the networks that administer the cluster."
    ),
    resource_types=("aws:eks/cluster:Cluster",),
)


def validate(cluster: Subject, config: Config) -> Iterator[str]:
    vpc = get(cluster.props, "vpcConfig")
    public = known(get(vpc, "endpointPublicAccess"), "vpcConfig.endpointPublicAccess")
    if public is False or str(public).lower() == "false":
        return
    cidrs = as_list(known(get(vpc, "publicAccessCidrs"), "vpcConfig.publicAccessCidrs"))
    if not cidrs or OPEN.intersection(cidrs):
        note = "" if public is not None else " (endpointPublicAccess is omitted: EKS enables it)"
        yield f"serves its API endpoint to 0.0.0.0/0{note}"


RULE = ResourceRule(META, validate)
