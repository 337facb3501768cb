"""SEC-003: a Lambda permission for the `*` principal is always scoped to a source.

`sourceArn`, `sourceAccount` or `principalOrgId` each confine a `*` grant; without one, anyone
in any AWS account can invoke the function.
"""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, is_set, known

SCOPES = ("sourceArn", "sourceAccount", "principalOrgId")

META = RuleMeta(
    id="SEC-003",
    name="lambda-permission-not-public",
    description="Lambda permissions must not grant the '*' principal without a source condition.",
    severity=Severity.CRITICAL,
    controls=(fsbp("Lambda.1"), nist("AC-3"), nist("AC-21")),
    remediation="Use a specific principal, or set source_arn or source_account on the Permission.",
    resource_types=("aws:lambda/permission:Permission",),
)


def validate(permission: Subject, config: Config) -> Iterator[str]:
    principal = known(get(permission.props, "principal"), "the principal")
    if principal == "*" and not any(is_set(get(permission.props, s)) for s in SCOPES):
        yield "grants principal '*' without sourceArn, sourceAccount or principalOrgId"


RULE = ResourceRule(META, validate)
