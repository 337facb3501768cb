"""ENC-015: a Redshift cluster's parameter group, joined by property dependency, requires SSL.

A cluster without `clusterParameterGroupName` uses the AWS default group, where require_ssl is
false; one whose group name does not come from a ParameterGroup in this stack cannot be checked
and is reported, because joining on the name string is not allowed.
"""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, StackRule
from policies.framework.subjects import StackView, Subject
from policies.framework.values import as_list, get, is_set, known, truthy

PARAMETER_GROUP = "aws:redshift/parameterGroup:ParameterGroup"

META = RuleMeta(
    id="ENC-015",
    name="redshift-cluster-require-ssl",
    description="Redshift clusters must use a parameter group that sets require_ssl to true.",
    severity=Severity.HIGH,
    controls=(fsbp("Redshift.2"), nist("SC-8"), nist("SC-8(1)")),
    remediation=(
        "Create a redshift.ParameterGroup with parameter require_ssl=true and pass its name "
        "output as cluster_parameter_group_name."
    ),
    resource_types=("aws:redshift/cluster:Cluster",),
)


def validate(cluster: Subject, stack: StackView, config: Config) -> Iterator[str]:
    if not is_set(get(cluster.props, "clusterParameterGroupName")):
        yield "uses the default parameter group, where require_ssl is false"
        return
    groups = [
        g
        for g in stack.referenced(cluster, "clusterParameterGroupName")
        if g.type == PARAMETER_GROUP
    ]
    if not groups:
        yield "has a clusterParameterGroupName that is not a ParameterGroup of this stack"
        return
    for group in groups:
        parameters = as_list(known(get(group.props, "parameters"), "parameter group parameters"))
        values = {get(p, "name"): get(p, "value") for p in parameters}
        if not truthy(values.get("require_ssl")):
            yield f"uses parameter group '{group.name}' where require_ssl is not true"


RULE = StackRule(META, validate)
