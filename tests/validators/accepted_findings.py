"""parliament findings on the shipped stacks that are accepted, each with its reason.

A finding is accepted when its issue, the resource type and input it was found in, its detail
and the logical resource name all match an entry (details and names are fnmatch patterns).
An entry that no longer matches any finding fails the suite: remove it with the fix.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Accepted:
    """A parliament finding that is correct as it stands, or recorded for its owner."""

    issue: str
    type: str
    prop: str
    detail: str
    reason: str
    resource: str = "*"


ACCEPTED = (
    Accepted(
        issue="MALFORMED",
        type="aws:iam/role:Role",
        prop="assumeRolePolicy",
        detail="Statement contains neither Resource nor NotResource",
        reason=(
            "A trust policy names no Resource: the role it belongs to is the resource "
            "(IAM User Guide, 'Role trust policy'); parliament lints it as an identity policy."
        ),
    ),
    Accepted(
        issue="UNKNOWN_CONDITION_FOR_ACTION",
        type="aws:iam/rolePolicy:RolePolicy",
        prop="policy",
        detail="Unknown condition kms:ResourceAliases for action kms:*",
        reason=(
            "kms:ResourceAliases is a condition key of the KMS key resource type, which "
            "parliament does not consult; AWS KMS documents it for these operations (Developer "
            "Guide, 'kms:ResourceAliases'). Grants on keys of other stacks name them by alias."
        ),
    ),
    Accepted(
        issue="RESOURCE_STAR",
        type="aws:kms/key:Key",
        prop="policy",
        detail="*",
        reason="In a key policy, Resource '*' is this key (AWS KMS Developer Guide, key policies).",
    ),
    Accepted(
        issue="UNKNOWN_CONDITION_FOR_ACTION",
        type="aws:kms/key:Key",
        prop="policy",
        detail="Unknown condition kms:EncryptionContext:aws:logs:arn for action kms:Describe*",
        reason=(
            "The CloudWatch Logs statement is the key policy AWS documents for encrypting log "
            "groups (CloudWatch Logs User Guide, 'Encrypt log data in CloudWatch Logs using AWS "
            "KMS'), kms:Describe* included under the log-group encryption-context condition."
        ),
    ),
    Accepted(
        issue="MISMATCHED_TYPE",
        type="aws:kms/key:Key",
        prop="policy",
        detail="Type mismatch: ArnLike requires a value of type Arn but given String",
        reason=(
            "AWS documents ArnLike/ArnEquals for kms:EncryptionContext:aws:logs:arn, a log group "
            "ARN (same CloudWatch Logs page); the key is typed String in the authorization data."
        ),
    ),
    Accepted(
        issue="RESOURCE_MISMATCH",
        type="aws:iam/rolePolicy:RolePolicy",
        prop="policy",
        detail='*"states:DescribeExecution", "required_format": "arn:*:states:*:*:express:*:*:*"*',
        resource="verify-role-policy",
        reason=(
            "DescribeExecution takes a standard execution's ARN or an express execution's (the "
            "Service Authorization Reference marks both; either is enough), and parliament "
            "demands both. The pipelines' state machines are STANDARD: their executions are "
            "named by the execution ARN granted."
        ),
    ),
    Accepted(
        issue="RESOURCE_STAR",
        type="aws:iam/rolePolicy:RolePolicy",
        prop="policy",
        detail='["ec2:Describe*"redshift:Describe*',
        resource="release-deploy-policy",
        reason=(
            "The deploy's ec2:Describe* and redshift:Describe* on '*': read-only calls the "
            "provider makes to read and wait for the network and the warehouse, many of which "
            "take no resource ARN (DescribeVpcs, DescribeClusters without an id). Every change "
            "the deploy may make is scoped to the account and region."
        ),
    ),
)
