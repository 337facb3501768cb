"""SEC-002: no policy document allows every action, or every action of a service, on every
resource.

Covers managed policies, role inline policies (`inlinePolicies[].policy` and RolePolicy), bucket
policies and KMS key policies. `s3:*` on `*` is every S3 action on every bucket in the account
(FSBP IAM.21); in a key policy `kms:*` on `*` is the key's own default statement and `*` means
that key, so it is left out there. Statements using NotAction/NotResource are out of scope.
"""

import re
from collections.abc import Iterator
from typing import Any

from policies.framework.checks import has_wildcard, statements
from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import as_list, get, is_set, json_document, shallow

ROLE = "aws:iam/role:Role"
KEY = "aws:kms/key:Key"
_SERVICE_WILDCARD = re.compile(r"^[a-z0-9-]+:\*$")

META = RuleMeta(
    id="SEC-002",
    name="iam-no-wildcard-admin",
    description="Policy documents must not allow '*' or a whole service ('s3:*') on resource '*'.",
    severity=Severity.CRITICAL,
    controls=(fsbp("IAM.1"), fsbp("IAM.21"), nist("AC-6"), nist("AC-6(1)")),
    remediation=(
        "List the actions and resource ARNs the principal needs instead of '*' or a service "
        "wildcard on '*'."
    ),
    resource_types=(
        "aws:iam/policy:Policy",
        "aws:iam/rolePolicy:RolePolicy",
        ROLE,
        "aws:s3/bucketPolicy:BucketPolicy",
        KEY,
    ),
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    own_service = "kms:*" if resource.type == KEY else None
    for where, document in _documents(resource):
        for index, statement in enumerate(statements(document)):
            for action in _wildcards(statement, own_service):
                sid = statement.get("Sid", index)
                yield f"{where} statement {sid!r} allows Action {action!r} on Resource '*'"


def _documents(resource: Subject) -> Iterator[tuple[str, Any]]:
    if resource.type == ROLE:
        inline = as_list(shallow(get(resource.props, "inlinePolicies"), "inlinePolicies"))
        for index, entry in enumerate(inline):
            name = get(entry, "name") or index
            yield f"inline policy {name!r}", json_document(get(entry, "policy"), "inline policy")
    elif is_set(get(resource.props, "policy")):
        yield "policy", json_document(get(resource.props, "policy"), "the policy document")


def _wildcards(statement: dict[str, Any], own_service: str | None) -> list[str]:
    """The '*' and 'service:*' actions an Allow statement grants on Resource '*'."""
    if statement.get("Effect") != "Allow" or not has_wildcard(statement.get("Resource")):
        return []
    actions = [a for a in as_list(statement.get("Action")) if isinstance(a, str)]
    return [a for a in actions if a == "*" or (_SERVICE_WILDCARD.match(a) and a != own_service)]


RULE = ResourceRule(META, validate)
