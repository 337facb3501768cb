"""Where the delivery pipeline gets the program's code: CodeCommit or CodeConnections (GitHub).

Each variant knows its pipeline source action, the permissions that action needs, and how a
stand-alone build (pull-request preview, drift check) checks the code out.
"""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.shared.aws_context import AwsEnv
from components.shared.iam import Statement, allow
from stack_config.release import CodeCommitSource, CodeConnectionsSource

SOURCE_ACTION = "Source"
SOURCE_OUTPUT = "source"


@dataclass(frozen=True)
class CodeSource:
    """A resolved source: the pipeline action, its grants and the stand-alone build source."""

    provider: str
    action_configuration: dict[str, pulumi.Input[str]]
    pipeline_statements: list[Statement]
    build_source: aws.codebuild.ProjectSourceArgs
    build_statements: list[Statement]
    repository_arn: pulumi.Output[str] | None


def codecommit_source(
    source: CodeCommitSource, *, branch: str, env: AwsEnv, account_key_alias: str
) -> CodeSource:
    """The account's CodeCommit repository (created by bootstrap/, encrypted with the account
    key) and how the pipeline and builds use it."""
    arn = env.arn("codecommit", source.repository)
    clone_url = f"https://git-codecommit.{env.region}.amazonaws.com/v1/repos/{source.repository}"
    # CodeCommit decrypts the repository with the caller's permissions on the account key.
    decrypt = env.key_by_alias(["kms:Decrypt", "kms:GenerateDataKey*"], account_key_alias)
    return CodeSource(
        provider="CodeCommit",
        action_configuration={
            "RepositoryName": source.repository,
            "BranchName": branch,
            # Changes arrive through an EventBridge rule, not polling.
            "PollForSourceChanges": "false",
            "OutputArtifactFormat": "CODE_ZIP",
        },
        pipeline_statements=[
            allow(
                [
                    "codecommit:GetBranch",
                    "codecommit:GetCommit",
                    "codecommit:UploadArchive",
                    "codecommit:GetUploadArchiveStatus",
                    "codecommit:CancelUploadArchive",
                ],
                [arn],
            ),
            decrypt,
        ],
        build_source=aws.codebuild.ProjectSourceArgs(type="CODECOMMIT", location=clone_url),
        build_statements=[allow(["codecommit:GitPull"], [arn]), decrypt],
        repository_arn=arn,
    )


def codeconnections_source(source: CodeConnectionsSource, *, branch: str) -> CodeSource:
    """A GitHub repository through CodeConnections; builds authenticate with the connection."""
    return CodeSource(
        provider="CodeStarSourceConnection",
        action_configuration={
            "ConnectionArn": source.connection_arn,
            "FullRepositoryId": source.repository,
            "BranchName": branch,
            "OutputArtifactFormat": "CODE_ZIP",
        },
        pipeline_statements=[
            allow(
                ["codeconnections:UseConnection", "codestar-connections:UseConnection"],
                [source.connection_arn],
            )
        ],
        build_source=aws.codebuild.ProjectSourceArgs(
            type="GITHUB",
            location=f"https://github.com/{source.repository}.git",
            auth=aws.codebuild.ProjectSourceAuthArgs(
                type="CODECONNECTIONS", resource=source.connection_arn
            ),
        ),
        build_statements=[
            allow(
                [
                    "codeconnections:UseConnection",
                    "codeconnections:GetConnectionToken",
                    "codestar-connections:UseConnection",
                    "codestar-connections:GetConnectionToken",
                ],
                [source.connection_arn],
            )
        ],
        repository_arn=None,
    )
