"""SEC-008: an ECR repository policy never allows the `*` principal without a scoping condition."""

from collections.abc import Iterator

from policies.framework.checks import public_allow, statements
from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, json_document

META = RuleMeta(
    id="SEC-008",
    name="ecr-repository-policy-not-public",
    description="ECR repository policies must not allow the '*' principal without a condition.",
    severity=Severity.CRITICAL,
    controls=(nist("AC-3"), nist("AC-21"), nist("AC-6")),
    remediation=(
        "Name the accounts or roles that may pull as principals, or add a condition on "
        "aws:PrincipalOrgID or aws:PrincipalAccount."
    ),
    resource_types=("aws:ecr/repositoryPolicy:RepositoryPolicy",),
)


def validate(policy: Subject, config: Config) -> Iterator[str]:
    document = json_document(get(policy.props, "policy"), "the repository policy document")
    for index, statement in enumerate(statements(document)):
        if public_allow(statement):
            sid = statement.get("Sid", index)
            yield f"statement {sid!r} allows Principal '*' to the repository"


RULE = ResourceRule(META, validate)
