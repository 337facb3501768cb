"""What each delivery build project may do: inline grants scoped to the state bucket, the artifact
bucket and the source, plus the one AWS managed policy its job needs, if any.

Preview and drift read everything but change nothing; deploy manages everything except IAM,
which it may manage only for the platform's own roles (ROLE_PATH).
"""

from dataclasses import dataclass

import pulumi

from components.aws_context import AwsEnv
from components.delivery_source import CodeSource
from components.iam import ROLE_PATH, Statement, allow
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


@dataclass(frozen=True)
class BuildAccess:
    """One project's grants, AWS managed policies (by name) and the environment they imply."""

    statements: list[Statement]
    managed_policies: tuple[str, ...] = ()
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
        allow(
            ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
            [env.arn("kms", "key/*")],
            **{"ForAnyValue:StringEquals": {"kms:ResourceAliases": settings.secrets_key_alias}},
        ),
    ]


def artifact_statements(env: AwsEnv, bucket: pulumi.Input[str]) -> list[Statement]:
    """Read and write pipeline artifacts in the artifact bucket."""
    return [
        allow(
            ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            [env.s3_arn(bucket, "*")],
        ),
        allow(["s3:GetBucketLocation", "s3:ListBucket"], [env.s3_arn(bucket)]),
    ]


def preview_access(
    settings: DeliverySettings, env: AwsEnv, source: CodeSource, artifacts: pulumi.Input[str]
) -> BuildAccess:
    """What the preview build may do to comment on pull requests, per source provider."""
    repository = source.repository_arn
    statements = [*state_statements(settings, env, write=False), *source.build_statements]
    if isinstance(settings.source, CodeCommitSource) and repository is not None:
        comment_actions = [
            "codecommit:PostCommentForPullRequest",
            "codecommit:GetCommentsForPullRequest",
            "codecommit:UpdateComment",
            "codecommit:GetPullRequest",
        ]
        statements.append(allow(comment_actions, [repository]))
        return BuildAccess(
            statements, (READ_ONLY_POLICY,), environment={"SOURCE_PROVIDER": "codecommit"}
        )
    github = settings.source
    assert isinstance(github, CodeConnectionsSource)
    statements += [
        allow(["secretsmanager:GetSecretValue"], [github.token_secret_arn]),
        *artifact_statements(env, artifacts),
    ]
    return BuildAccess(
        statements,
        (READ_ONLY_POLICY,),
        environment={"SOURCE_PROVIDER": "github", "GITHUB_REPOSITORY": github.repository},
        secrets={"GITHUB_TOKEN": github.token_secret_arn},
    )


def project_access(
    settings: DeliverySettings, env: AwsEnv, source: CodeSource, artifacts: pulumi.Input[str]
) -> dict[str, BuildAccess]:
    """The access of the test, deploy, preview and drift projects, in that order."""
    iam_roles = env.arn("iam", f"role{ROLE_PATH}*", regional=False)
    deploy = [
        *artifact_statements(env, artifacts),
        *state_statements(settings, env, write=True),
        allow(_IAM_ROLE_ACTIONS, [iam_roles]),
    ]
    drift = [*state_statements(settings, env, write=False), *source.build_statements]
    return {
        "test": BuildAccess(artifact_statements(env, artifacts)),
        "deploy": BuildAccess(deploy, (DEPLOY_POLICY,)),
        "preview": preview_access(settings, env, source, artifacts),
        "drift": BuildAccess(drift, (READ_ONLY_POLICY,)),
    }


def managed_policy_arns(env: AwsEnv, policies: tuple[str, ...]) -> list[str]:
    """The ARNs of AWS managed policies, in the stack's partition."""
    return [f"arn:{env.partition}:iam::aws:policy/{p}" for p in policies]
