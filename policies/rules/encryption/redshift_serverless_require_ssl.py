"""ENC-031: Redshift Serverless workgroups require SSL (the `require_ssl` config parameter).

A workgroup that does not declare `require_ssl` is reported: the rule does not rely on a default
that AWS may change, as ENC-015 does not for a cluster's default parameter group.
"""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import as_list, get, known, truthy

META = RuleMeta(
    id="ENC-031",
    name="redshift-serverless-require-ssl",
    description="Redshift Serverless workgroups must set the require_ssl parameter to true.",
    severity=Severity.HIGH,
    controls=(nist("SC-8"), nist("SC-8(1)")),
    remediation=(
        "Add config_parameters=[{'parameter_key': 'require_ssl', 'parameter_value': 'true'}] "
        "to the redshiftserverless.Workgroup."
    ),
    resource_types=("aws:redshiftserverless/workgroup:Workgroup",),
)


def validate(workgroup: Subject, config: Config) -> Iterator[str]:
    parameters = as_list(known(get(workgroup.props, "configParameters"), "configParameters"))
    values = {get(p, "parameterKey"): get(p, "parameterValue") for p in parameters}
    if "require_ssl" not in values:
        yield "does not declare the require_ssl config parameter"
    elif not truthy(values["require_ssl"]):
        yield f"sets require_ssl to {values['require_ssl']!r}, not true"


RULE = ResourceRule(META, validate)
