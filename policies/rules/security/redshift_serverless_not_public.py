"""SEC-018: Redshift Serverless workgroups are not publicly accessible (the default is private)."""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, known, truthy

META = RuleMeta(
    id="SEC-018",
    name="redshift-serverless-not-public",
    description="Redshift Serverless workgroups must not be publicly accessible.",
    severity=Severity.CRITICAL,
    controls=(nist("AC-3"), nist("SC-7")),
    remediation="Set publicly_accessible=False (or omit it) on the redshiftserverless.Workgroup.",
    resource_types=("aws:redshiftserverless/workgroup:Workgroup",),
)


def validate(workgroup: Subject, config: Config) -> Iterator[str]:
    if truthy(known(get(workgroup.props, "publiclyAccessible"), "publiclyAccessible")):
        yield "is publicly accessible (publiclyAccessible is true)"


RULE = ResourceRule(META, validate)
