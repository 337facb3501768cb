"""What each release build may do in the delivery account: read and write the pipeline's
artifacts, check the code out, and assume one role of its own kind in an environment's account.
Everything a build does to an environment, it does as that role (target_access.py); a build
role itself can change nothing outside the delivery account's artifacts.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from components.delivery.source import CodeSource
from components.shared.aws_context import AwsEnv
from components.shared.iam import Statement, allow
from stack_config.release import CodeCommitSource, CodeConnectionsSource, ReleaseSettings

_COMMENT_ACTIONS = [
    "codecommit:PostCommentForPullRequest",
    "codecommit:GetCommentsForPullRequest",
    "codecommit:UpdateComment",
    "codecommit:GetPullRequest",
]


@dataclass(frozen=True)
class BuildAccess:
    """One project's grants and the environment (plain and from Secrets Manager) they imply."""

    statements: list[Statement]
    environment: dict[str, str] | None = None
    secrets: dict[str, str] | None = None


def artifact_statements(env: AwsEnv, bucket: pulumi.Input[str]) -> list[Statement]:
    """Read and write pipeline artifacts in the artifact bucket."""
    return [
        allow(
            ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            [env.s3_arn(bucket, "*")],
        ),
        allow(["s3:GetBucketLocation", "s3:ListBucket"], [env.s3_arn(bucket)]),
    ]


def assume(role_arns: Sequence[pulumi.Input[str]]) -> Statement:
    """Assume the given roles (in environments' accounts), and nothing else of IAM."""
    return allow(["sts:AssumeRole"], list(role_arns))


def stage_access(
    env: AwsEnv, artifacts: pulumi.Input[str], role_arn: pulumi.Input[str]
) -> BuildAccess:
    """A Preview, Deploy or Verify action: its artifacts, and its role in the environment."""
    return BuildAccess([*artifact_statements(env, artifacts), assume([role_arn])])


def checkout_access(source: CodeSource, role_arn: pulumi.Input[str]) -> BuildAccess:
    """A scheduled build (drift) that checks the branch out itself."""
    return BuildAccess([*source.build_statements, assume([role_arn])])


def pull_request_access(
    settings: ReleaseSettings,
    env: AwsEnv,
    source: CodeSource,
    artifacts: pulumi.Input[str],
    role_arns: Sequence[pulumi.Input[str]],
) -> BuildAccess:
    """Previews of every stage on a pull request, and its comment, per source provider."""
    statements = [*source.build_statements, *([assume(role_arns)] if role_arns else [])]
    if isinstance(settings.source, CodeCommitSource) and source.repository_arn is not None:
        statements.append(allow(_COMMENT_ACTIONS, [source.repository_arn]))
        return BuildAccess(statements, environment={"SOURCE_PROVIDER": "codecommit"})
    github = settings.source
    assert isinstance(github, CodeConnectionsSource)
    statements += [
        allow(["secretsmanager:GetSecretValue"], [github.token_secret_arn]),
        # Started by the pull-request pipeline: its source is an input artifact.
        *artifact_statements(env, artifacts),
    ]
    return BuildAccess(
        statements,
        environment={"SOURCE_PROVIDER": "github", "GITHUB_REPOSITORY": github.repository},
        secrets={"GITHUB_TOKEN": github.token_secret_arn},
    )
