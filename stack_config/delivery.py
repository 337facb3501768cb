"""The delivery machinery of a stack: where its code lives and how changes reach it.

The source is CodeCommit or a CodeConnections (GitHub) repository, a discriminated variant.
State backend and secrets provider are named here so the build roles can be scoped to them.
"""

import re
from typing import Annotated, Literal

from pydantic import Field

from stack_config.base import StrictModel, matching
from stack_config.schedule import Schedule

RepositoryName = Annotated[
    str, matching(r"[\w.-]{1,100}", "1-100 letters, digits, '.', '_' or '-'")
]
Branch = Annotated[str, matching(r"[\w./-]{1,100}", "a git branch name such as 'main'")]


class CodeCommitSource(StrictModel):
    """The account's CodeCommit repository, created by bootstrap/ with the account key, so that
    every environment's pipeline reads the same code and no environment can delete it."""

    kind: Literal["codecommit"] = Field(description="The account's CodeCommit repository.")
    repository: RepositoryName = Field(description="Repository name (bootstrap's repository).")


class CodeConnectionsSource(StrictModel):
    """A GitHub repository reached through an AWS CodeConnections connection."""

    kind: Literal["codeconnections"] = Field(
        description="A GitHub repository through CodeConnections."
    )
    connection_arn: Annotated[
        str,
        matching(
            r"arn:aws[\w-]*:(codeconnections|codestar-connections):[\w-]+:\d{12}:connection/[\w-]+",
            "a CodeConnections connection ARN",
        ),
    ] = Field(description="The connection, authorised once in the console.")
    repository: Annotated[str, matching(r"[\w.-]+/[\w.-]+", "'owner/name'")] = Field(
        description="Full repository id, owner/name."
    )
    token_secret_arn: Annotated[
        str,
        matching(r"arn:aws[\w-]*:secretsmanager:[\w-]+:\d{12}:secret:[\w/+=.@-]+", "a secret ARN"),
    ] = Field(description="Secrets Manager secret holding a token allowed to comment on PRs.")


Source = Annotated[CodeCommitSource | CodeConnectionsSource, Field(discriminator="kind")]


class DeliverySettings(StrictModel):
    """CodeBuild projects (test, preview, deploy, drift) and this environment's CodePipeline."""

    source: Source = Field(description="Where the program's code lives.")
    branch: Branch = Field(default="main", description="Branch this environment deploys from.")
    require_approval: bool = Field(
        default=True, description="Manual approval (with an SNS notification) before deploying."
    )
    state_backend_url: Annotated[
        str, matching(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[\w./-]*)?", "s3://bucket[/prefix]")
    ] = Field(
        description=(
            "Pulumi state backend (the `pulumi login` URL): bootstrap's output"
            " PULUMI_BACKEND_URL, s3://data-platform-state-<account id>."
        )
    )
    secrets_provider: Annotated[
        str,
        matching(
            r"awskms://alias/[\w/-]+(\?region=[a-z0-9-]+)?", "awskms://alias/<name>[?region=]"
        ),
    ] = Field(
        description=(
            "Pulumi secrets provider of the stack: bootstrap's output PULUMI_SECRETS_PROVIDER."
        )
    )
    drift_schedule: Schedule = Field(
        default="rate(1 day)", description="How often the drift check refreshes and compares."
    )
    pull_request_previews: bool = Field(
        default=True, description="Preview pull requests against this stack and comment on them."
    )
    compute_type: Literal[
        "BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"
    ] = Field(default="BUILD_GENERAL1_SMALL", description="CodeBuild compute size.")
    build_timeout_minutes: Annotated[int, Field(ge=5, le=480)] = Field(
        default=60, description="Timeout of every build."
    )

    @property
    def state_bucket(self) -> str:
        return self.state_backend_url.removeprefix("s3://").split("/", 1)[0]

    @property
    def state_account(self) -> str | None:
        """The account id ending the state bucket's name, as bootstrap names it
        (`<bucket_prefix>-<account id>`); None for a bucket named otherwise."""
        match = re.fullmatch(r".+-(\d{12})", self.state_bucket)
        return match[1] if match else None

    @property
    def secrets_key_alias(self) -> str:
        return self.secrets_provider.removeprefix("awskms://").split("?", 1)[0]
