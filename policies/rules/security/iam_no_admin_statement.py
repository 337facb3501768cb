"""SEC-002: no policy document allows every action on every resource.

Covers managed policies, role inline policies (`inlinePolicies[].policy` and RolePolicy), bucket
policies and KMS key policies. Statements using NotAction/NotResource are out of scope.
"""

from collections.abc import Iterator
from typing import Any

from policies.framework.checks import has_wildcard, statements
from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import as_list, get, is_set, json_document, shallow

ROLE = "aws:iam/role:Role"

META = RuleMeta(
    id="SEC-002",
    name="iam-no-wildcard-admin",
    description="Policy documents must not allow the '*' action on the '*' resource.",
    severity=Severity.CRITICAL,
    controls=(fsbp("IAM.1"), nist("AC-6"), nist("AC-6(1)")),
    remediation="List the actions and resource ARNs the principal needs instead of '*' on '*'.",
    resource_types=(
        "aws:iam/policy:Policy",
        "aws:iam/rolePolicy:RolePolicy",
        ROLE,
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:kms/key:Key",
    ),
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    for where, document in _documents(resource):
        for index, statement in enumerate(statements(document)):
            if _is_admin(statement):
                sid = statement.get("Sid", index)
                yield f"{where} statement {sid!r} allows Action '*' on Resource '*'"


def _documents(resource: Subject) -> Iterator[tuple[str, Any]]:
    if resource.type == ROLE:
        inline = as_list(shallow(get(resource.props, "inlinePolicies"), "inlinePolicies"))
        for index, entry in enumerate(inline):
            name = get(entry, "name") or index
            yield f"inline policy {name!r}", json_document(get(entry, "policy"), "inline policy")
    elif is_set(get(resource.props, "policy")):
        yield "policy", json_document(get(resource.props, "policy"), "the policy document")


def _is_admin(statement: dict[str, Any]) -> bool:
    return (
        statement.get("Effect") == "Allow"
        and has_wildcard(statement.get("Action"))
        and has_wildcard(statement.get("Resource"))
    )


RULE = ResourceRule(META, validate)
