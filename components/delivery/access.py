"""What each delivery build project may do: inline grants scoped to the state bucket, the artifact
bucket and the source, plus the one AWS managed policy its job needs, if any.

Preview and drift read configuration but neither data nor secrets, and change nothing; deploy
manages everything except IAM, which it may manage only for the platform's own roles (ROLE_PATH),
never with an escalating managed policy and never on its own role.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from components.delivery.source import CodeSource
from components.shared.aws_context import AwsEnv
from components.shared.iam import ROLE_PATH, Statement, allow, deny
from stack_config.delivery import CodeCommitSource, CodeConnectionsSource, DeliverySettings

READ_ONLY_POLICY = "ReadOnlyAccess"
DEPLOY_POLICY = "PowerUserAccess"
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
# Data-plane reads in ReadOnlyAccess. Preview runs the pull request's own program and posts its
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
# The Glue scripts the program uploads (components/glue_job.py puts them under `glue/`): code, not
# data, and the drift check's refresh reads them (HeadObject needs s3:GetObject).
PROGRAM_OBJECT_KEYS = "glue/*"
# AWS managed policies no platform role may be given: each grants IAM beyond ROLE_PATH, or more
# than the program's roles are designed to have.
ESCALATING_POLICIES = ("AdministratorAccess", "IAMFullAccess", DEPLOY_POLICY)
# What the deploy role may not do to its own role. IAM takes policy variables only after the
# fifth colon of a Resource ARN, so the Deny names the role's real ARN, in a policy of its own
# attached once the role exists (BuildProject's `own_role_denials`).
SELF_MODIFICATIONS = (
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:UpdateAssumeRolePolicy",
)


@dataclass(frozen=True)
class BuildAccess:
    """One project's grants, AWS managed policies (by name) and the environment they imply."""

    statements: list[Statement]
    managed_policies: tuple[str, ...] = ()
    own_role_denials: tuple[str, ...] = ()
    environment: dict[str, str] | None = None
    secrets: dict[str, str] | None = None


def state_statements(settings: DeliverySettings, env: AwsEnv, *, write: bool) -> list[Statement]:
    """Read the Pulumi state; write all of it, or (read-only jobs) only the lock files."""
    bucket = settings.state_bucket
    writable = "*" if write else ".pulumi/locks/*"
    return [
        allow(["s3:ListBucket", "s3:GetBucketLocation"], [env.s3_arn(bucket)]),
        allow(["s3:GetObject"], [env.s3_arn(bucket, "*")]),
        allow(["s3:PutObject", "s3:DeleteObject"], [env.s3_arn(bucket, writable)]),
        env.key_by_alias(
            ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
            settings.secrets_key_alias,
        ),
    ]


def catalog_statements(env: AwsEnv, account_key_alias: str) -> list[Statement]:
    """Read the Glue Data Catalog, which bootstrap encrypts with the account key: a refresh
    (GetDatabase, GetTable) decrypts its objects whatever the source provider."""
    return [env.key_by_alias(["kms:Decrypt", "kms:DescribeKey"], account_key_alias)]


def artifact_statements(env: AwsEnv, bucket: pulumi.Input[str]) -> list[Statement]:
    """Read and write pipeline artifacts in the artifact bucket."""
    return [
        allow(
            ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            [env.s3_arn(bucket, "*")],
        ),
        allow(["s3:GetBucketLocation", "s3:ListBucket"], [env.s3_arn(bucket)]),
    ]


def data_read_denials(
    readable_objects: Sequence[pulumi.Input[str]], readable_secrets: Sequence[str] = ()
) -> list[Statement]:
    """Deny the data-plane reads of ReadOnlyAccess, except the objects (state, input artifacts)
    and secrets (the PR comment token) the build itself needs."""
    secrets = (
        deny(_SECRET_READS, not_resources=readable_secrets)
        if readable_secrets
        else deny(_SECRET_READS, ["*"])
    )
    return [deny(_OBJECT_READS, not_resources=readable_objects), deny(_DATA_READS, ["*"]), secrets]


def escalation_denials(env: AwsEnv) -> list[Statement]:
    """What the deploy role may not do with its IAM grant: attach an escalating managed policy to
    any role. Changing its own role's policies or trust (SELF_MODIFICATIONS) is denied by a
    policy on that role's ARN.

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


def preview_access(
    settings: DeliverySettings,
    env: AwsEnv,
    source: CodeSource,
    artifacts: pulumi.Input[str],
    account_key_alias: str,
) -> BuildAccess:
    """What the preview build may do to comment on pull requests, per source provider."""
    repository = source.repository_arn
    statements = [
        *state_statements(settings, env, write=False),
        *catalog_statements(env, account_key_alias),
        *source.build_statements,
    ]
    state = env.s3_arn(settings.state_bucket, "*")
    if isinstance(settings.source, CodeCommitSource) and repository is not None:
        comment_actions = [
            "codecommit:PostCommentForPullRequest",
            "codecommit:GetCommentsForPullRequest",
            "codecommit:UpdateComment",
            "codecommit:GetPullRequest",
        ]
        statements += [allow(comment_actions, [repository]), *data_read_denials([state])]
        return BuildAccess(
            statements, (READ_ONLY_POLICY,), environment={"SOURCE_PROVIDER": "codecommit"}
        )
    github = settings.source
    assert isinstance(github, CodeConnectionsSource)
    statements += [
        allow(["secretsmanager:GetSecretValue"], [github.token_secret_arn]),
        *artifact_statements(env, artifacts),
        # Started by the preview pipeline: its source is an input artifact.
        *data_read_denials([state, env.s3_arn(artifacts, "*")], [github.token_secret_arn]),
    ]
    return BuildAccess(
        statements,
        (READ_ONLY_POLICY,),
        environment={"SOURCE_PROVIDER": "github", "GITHUB_REPOSITORY": github.repository},
        secrets={"GITHUB_TOKEN": github.token_secret_arn},
    )


def project_access(
    settings: DeliverySettings,
    env: AwsEnv,
    source: CodeSource,
    artifacts: pulumi.Input[str],
    account_key_alias: str,
) -> dict[str, BuildAccess]:
    """The access of the test, deploy, preview and drift projects, in that order."""
    iam_roles = env.arn("iam", f"role{ROLE_PATH}*", regional=False)
    deploy = [
        *artifact_statements(env, artifacts),
        *state_statements(settings, env, write=True),
        allow(_IAM_ROLE_ACTIONS, [iam_roles]),
        *escalation_denials(env),
    ]
    program_objects = env.s3_arn("*", PROGRAM_OBJECT_KEYS)
    drift = [
        *state_statements(settings, env, write=False),
        *catalog_statements(env, account_key_alias),
        *source.build_statements,
        *data_read_denials([env.s3_arn(settings.state_bucket, "*"), program_objects]),
    ]
    return {
        "test": BuildAccess(artifact_statements(env, artifacts)),
        "deploy": BuildAccess(deploy, (DEPLOY_POLICY,), own_role_denials=SELF_MODIFICATIONS),
        "preview": preview_access(settings, env, source, artifacts, account_key_alias),
        "drift": BuildAccess(drift, (READ_ONLY_POLICY,)),
    }


def managed_policy_arns(env: AwsEnv, policies: tuple[str, ...]) -> list[str]:
    """The ARNs of AWS managed policies, in the stack's partition."""
    return [f"arn:{env.partition}:iam::aws:policy/{p}" for p in policies]
