"""What the roles release builds assume in an environment's account may do (bootstrap/ creates
them there, trusting only the delivery account's build roles).

Deploy: the platform's services (`deploy_services`), IAM on the platform's own roles only
(ROLE_PATH), never an escalating managed policy, never a change to its own role, never deleting
or re-keying bootstrap's state. Preview (a stage's): read configuration but neither data nor
secrets. Drift: what a refresh reads, plus the warehouse catalog through the Redshift Data API,
never the warehouse's admin secret. Pull request: read configuration and the state of the stacks
pull requests preview, nothing of another stack's state.
"""

from collections.abc import Sequence

import pulumi

from components.delivery.deploy_services import service_statements
from components.delivery.names import PLATFORM_PROJECT
from components.shared.aws_context import AwsEnv
from components.shared.iam import ROLE_PATH, Statement, allow, deny

READ_ONLY_POLICY = "ReadOnlyAccess"
PROJECT_TAG = "Project"
_IAM_ROLE_ACTIONS = [
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:GetRole",
    "iam:UpdateRole",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:GetRolePolicy",
    "iam:ListRolePolicies",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:UpdateAssumeRolePolicy",
    "iam:PassRole",
    "iam:ListInstanceProfilesForRole",
]
# Data-plane reads in ReadOnlyAccess. A preview runs a pull request's own program and posts its
# output as a comment, so it must not reach the data; an explicit Deny overrides the managed Allow.
_OBJECT_READS = ["s3:GetObject", "s3:GetObjectVersion"]
_DATA_READS = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:PartiQLSelect",
    "sqs:ReceiveMessage",
    "kinesis:GetRecords",
    "kinesis:SubscribeToShard",
    "logs:GetLogEvents",
    "logs:FilterLogEvents",
    "logs:StartQuery",
    "logs:GetQueryResults",
    "logs:GetLogRecord",
    "redshift-data:GetStatementResult",
    "athena:GetQueryResults",
]
_SECRET_READS = ["secretsmanager:GetSecretValue"]
# The Glue scripts the program uploads (components/pipelines/job.py puts them under `glue/`):
# code, not data, and a refresh reads them (HeadObject needs s3:GetObject).
PROGRAM_OBJECT_KEYS = "glue/*"
# Every platform stack's key is aliased alias/<project>-<environment>.
PLATFORM_KEY_ALIASES = "alias/data-platform-*"
# AWS managed policies no platform role may be given: each grants IAM beyond ROLE_PATH, or more
# than the program's roles are designed to have.
ESCALATING_POLICIES = ("AdministratorAccess", "IAMFullAccess", "PowerUserAccess")
# What the deploy role may not do to its own role (named by its real ARN: IAM takes policy
# variables only after the fifth colon of a Resource ARN).
SELF_MODIFICATIONS = (
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:UpdateAssumeRolePolicy",
)
# What no deploy may do to bootstrap's state bucket and account key.
_STATE_BUCKET_CHANGES = [
    "s3:DeleteBucket",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketVersioning",
    "s3:PutEncryptionConfiguration",
    "s3:PutLifecycleConfiguration",
]
_KEY_CHANGES = ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"]


def state_statements(
    env: AwsEnv, bucket: pulumi.Input[str], key_alias: str, *, write: bool
) -> list[Statement]:
    """Read the Pulumi state; write all of it, or (read-only jobs) only the lock files."""
    writable = "*" if write else ".pulumi/locks/*"
    return [
        allow(["s3:ListBucket", "s3:GetBucketLocation"], [env.s3_arn(bucket)]),
        allow(["s3:GetObject"], [env.s3_arn(bucket, "*")]),
        allow(["s3:PutObject", "s3:DeleteObject"], [env.s3_arn(bucket, writable)]),
        env.key_by_alias(
            ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"], key_alias
        ),
    ]


def data_read_denials(
    readable_objects: Sequence[pulumi.Input[str]], *, granted: Sequence[str] = ()
) -> list[Statement]:
    """Deny the data-plane reads of ReadOnlyAccess, except the objects (state, program code) a
    preview itself needs and the `granted` reads its own statements scope."""
    return [
        deny(_OBJECT_READS, not_resources=readable_objects),
        deny([a for a in _DATA_READS if a not in granted], ["*"]),
        deny(_SECRET_READS, ["*"]),
    ]


def platform_key_decrypt(env: AwsEnv) -> Statement:
    """kms:Decrypt on every platform stack's key (a refresh reads through them)."""
    return {
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:DescribeKey"],
        "Resource": [env.arn("kms", "key/*")],
        "Condition": {"ForAnyValue:StringLike": {"kms:ResourceAliases": PLATFORM_KEY_ALIASES}},
    }


def preview_statements(
    env: AwsEnv, state_bucket: pulumi.Input[str], account_key_alias: str
) -> list[Statement]:
    """A preview (with --refresh, a drift check): state, lock files, and kms:Decrypt on every key
    a refresh reads through (platform keys; the account key of state secrets and the catalog)."""
    return [
        *state_statements(env, state_bucket, account_key_alias, write=False),
        platform_key_decrypt(env),
        *data_read_denials([env.s3_arn(state_bucket, "*"), env.s3_arn("*", PROGRAM_OBJECT_KEYS)]),
    ]


def drift_statements(
    env: AwsEnv, state_bucket: pulumi.Input[str], account_key_alias: str
) -> list[Statement]:
    """A drift check: a refresh (as a preview), and the warehouse's catalog through the Data API
    as the role's own database user (`IAMR:<role>`): run statements on the platform's
    warehouses, read its own statements' results only, never the admin secret."""
    own_statements = {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}
    platform = {f"aws:ResourceTag/{PROJECT_TAG}": PLATFORM_PROJECT}
    return [
        *state_statements(env, state_bucket, account_key_alias, write=False),
        platform_key_decrypt(env),
        allow(["redshift-data:ExecuteStatement"], warehouse_arns(env), StringEquals=platform),
        # Neither takes a resource; the condition is the one AWS documents for "own statements"
        # (Amazon Redshift Management Guide, "Authorizing access to the Amazon Redshift Data API").
        allow(
            ["redshift-data:DescribeStatement", "redshift-data:GetStatementResult"],
            ["*"],
            StringEquals=own_statements,
        ),
        allow(
            ["redshift-serverless:GetCredentials"],
            [env.arn("redshift-serverless", "workgroup/*")],
            StringEquals=platform,
        ),
        allow(
            ["redshift:GetClusterCredentialsWithIAM"],
            [env.arn("redshift", f"dbname:{PLATFORM_PROJECT}-*/*")],
        ),
        *data_read_denials(
            [env.s3_arn(state_bucket, "*"), env.s3_arn("*", PROGRAM_OBJECT_KEYS)],
            granted=["redshift-data:GetStatementResult"],
        ),
    ]


def warehouse_arns(env: AwsEnv) -> list[pulumi.Output[str]]:
    """The platform's Redshift clusters (named `<project>-<environment>`) and the account's
    Serverless workgroups (their ARNs carry an id, not a name: a tag condition scopes them)."""
    return [
        env.arn("redshift", f"cluster:{PLATFORM_PROJECT}-*"),
        env.arn("redshift-serverless", "workgroup/*"),
    ]


def stack_state_objects(
    env: AwsEnv, state_bucket: pulumi.Input[str], stacks: Sequence[str]
) -> list[pulumi.Output[str]]:
    """The objects of platform stacks' state in a project-scoped DIY backend (Pulumi's
    `.pulumi/stacks/<project>/<stack>.json`, with its `.gz`/`.bak` siblings), and the backend's
    `meta.yaml`."""
    return [
        env.s3_arn(state_bucket, ".pulumi/meta.yaml"),
        *(
            env.s3_arn(state_bucket, f".pulumi/stacks/{PLATFORM_PROJECT}/{stack}.json*")
            for stack in stacks
        ),
    ]


def pull_request_statements(
    env: AwsEnv, state_bucket: pulumi.Input[str], account_key_alias: str, stacks: Sequence[str]
) -> list[Statement]:
    """A pull request's preview of `stacks` (no refresh): their state and lock files only, the
    secrets key of their state; configuration through ReadOnlyAccess, no data of any stack."""
    readable = stack_state_objects(env, state_bucket, stacks)
    locks = [
        env.s3_arn(state_bucket, f".pulumi/locks/*/{PLATFORM_PROJECT}/{stack}/*")
        for stack in stacks
    ]
    return [
        allow(["s3:ListBucket", "s3:GetBucketLocation"], [env.s3_arn(state_bucket)]),
        allow(["s3:GetObject"], readable),
        allow(["s3:PutObject", "s3:DeleteObject"], locks),
        # The stack's secrets and the state bucket (SSE-KMS: a lock file is encrypted on write).
        env.key_by_alias(
            ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*"], account_key_alias
        ),
        *data_read_denials(readable),
    ]


def deploy_statements(
    env: AwsEnv, state_bucket: pulumi.Input[str], account_key_alias: str
) -> list[Statement]:
    """A deploy: the platform's services, its own roles, its state; see the module docstring."""
    return [
        *state_statements(env, state_bucket, account_key_alias, write=True),
        *service_statements(env),
        allow(_IAM_ROLE_ACTIONS, [env.arn("iam", f"role{ROLE_PATH}*", regional=False)]),
        *escalation_denials(env),
        deny(_STATE_BUCKET_CHANGES, [env.s3_arn(state_bucket)]),
        {
            "Effect": "Deny",
            "Action": _KEY_CHANGES,
            "Resource": [env.arn("kms", "key/*")],
            "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": account_key_alias}},
        },
    ]


def escalation_denials(env: AwsEnv) -> list[Statement]:
    """What the deploy role may not do with its IAM grant: attach an escalating managed policy to
    any role. Changing its own role is denied by a policy on that role's ARN.

    These close the one-step escalations only. The deploy role can still write any inline policy
    on another platform role and run code as that role. The complete answer is a permissions
    boundary that every platform role must carry (iam:PermissionsBoundary on CreateRole and
    Put/AttachRolePolicy); it is not used here because the boundary would have to be created
    outside this program and kept in step with every role the program declares.
    """
    return [
        deny(
            ["iam:AttachRolePolicy"],
            ["*"],
            ArnEquals={"iam:PolicyARN": managed_policy_arns(env, ESCALATING_POLICIES)},
        )
    ]


def managed_policy_arns(env: AwsEnv, policies: tuple[str, ...]) -> list[str]:
    """The ARNs of AWS managed policies, in the stack's partition."""
    return [f"arn:{env.partition}:iam::aws:policy/{p}" for p in policies]
