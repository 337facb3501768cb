"""SEC-009: no role, user or group gets an AWS managed administrator or full-access policy.

AWS managed policies such as AdministratorAccess, IAMFullAccess or AmazonS3FullAccess grant a
whole service (or every service) on every resource; a data platform scopes actions to its own
resources instead. Policies are matched by ARN in any partition; `deniedPolicies` lists the
names, and any AWS managed policy whose name ends in `FullAccess` is denied as well.
"""

import re
from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import Unknown, as_list, get, shallow

AWS_MANAGED = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(?:.*/)?([^/]+)$")
ROLE = "aws:iam/role:Role"

META = RuleMeta(
    id="SEC-009",
    name="iam-no-aws-managed-full-access",
    description="Roles, users and groups must not get AWS managed admin or full-access policies.",
    severity=Severity.HIGH,
    controls=(nist("AC-6"), nist("AC-6(1)"), nist("AC-6(10)")),
    remediation=(
        "Replace the managed policy with a policy listing the actions and resource ARNs the "
        "principal needs."
    ),
    resource_types=(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
        "aws:iam/policyAttachment:PolicyAttachment",
        "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
        ROLE,
    ),
    config_schema={
        "deniedPolicies": {
            "type": "array",
            "items": {"type": "string"},
            "default": ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"],
            "description": "AWS managed policy names denied besides every '*FullAccess' policy.",
        }
    },
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    denied = set(config["deniedPolicies"])
    for arn in _attached(resource):
        match = AWS_MANAGED.match(arn) if isinstance(arn, str) else None
        if match and (match.group(1) in denied or match.group(1).endswith("FullAccess")):
            yield f"attaches the AWS managed policy {match.group(1)}"


def _attached(resource: Subject) -> list[object]:
    if resource.type == ROLE:
        arns = get(resource.props, "managedPolicyArns")
    elif resource.type.endswith("RolePolicyAttachmentsExclusive"):
        arns = get(resource.props, "policyArns")
    else:
        arns = get(resource.props, "policyArn")
    return [a for a in as_list(shallow(arns, "the policy ARNs")) if not isinstance(a, Unknown)]


RULE = ResourceRule(META, validate)
