"""The release pipeline of the delivery stack (`data-platform:release`): where the code comes from,
the environments one commit is promoted through and in which order, which of them a person
approves, and who is told when a release fails or waits.

Each environment's own facts (account, state backend, verification) stay in its stack file's
`platform.delivery`; `resolve_stages` reads them and names the stage that points at a stack
without them.
"""

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator

from stack_config.account import AccountSettings
from stack_config.base import Environment, ResourceName, StrictModel, matching
from stack_config.delivery import DeliverySettings
from stack_config.observability import LogSettings
from stack_config.operations import Subscription
from stack_config.protection import KmsSettings, ProtectionSettings
from stack_config.root import AwsRegion, StackConfig
from stack_config.schedule import Schedule
from stack_config.tags import TagSettings

RepositoryName = Annotated[
    str, matching(r"[\w.-]{1,100}", "1-100 letters, digits, '.', '_' or '-'")
]
Branch = Annotated[str, matching(r"[\w./-]{1,100}", "a git branch name such as 'main'")]


class CodeCommitSource(StrictModel):
    """The delivery account's CodeCommit repository, created by bootstrap/ with its account key."""

    kind: Literal["codecommit"]
    repository: RepositoryName = Field(description="Repository name (bootstrap's repository).")


class CodeConnectionsSource(StrictModel):
    """A GitHub repository reached through an AWS CodeConnections connection."""

    kind: Literal["codeconnections"]
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


class ReleaseStage(StrictModel):
    """One environment of the promotion: its stack, and whether a person approves its deploy."""

    stack: ResourceName = Field(description="Stack name: a Pulumi.<stack>.yaml with delivery.")
    approval: bool = Field(
        default=True,
        description="A person approves deploying to this stack, shown its preview; off only "
        "where an unreviewed deploy is acceptable.",
    )
    pull_request_preview: bool | None = Field(
        default=None,
        description="Pull requests preview this stack, running their unreviewed code as the "
        "account's pull-request role, which reads this stack's state (bootstrap's "
        "release.pull_request_stacks must list it); unset: only stacks without approval.",
    )

    @property
    def previewed_by_pull_requests(self) -> bool:
        """Whether pull requests preview this stage: as set, else only without an approval."""
        if self.pull_request_preview is not None:
            return self.pull_request_preview
        return not self.approval


class ReleaseSettings(StrictModel):
    """The release pipeline: Source, Test, then per stage Preview, [Approve], Deploy and Verify."""

    environment: Environment = Field(description="Environment tag of the delivery resources.")
    tags: TagSettings = Field(description="Ownership tags stamped on every resource.")
    account: AccountSettings = Field(
        default_factory=AccountSettings, description="The delivery account's bootstrap key."
    )
    kms: KmsSettings = Field(default_factory=KmsSettings, description="The delivery key.")
    protection: ProtectionSettings = Field(
        default_factory=ProtectionSettings, description="Protection of the artifact buckets."
    )
    logs: LogSettings = Field(default_factory=LogSettings, description="Build log retention.")
    source: Source = Field(description="Where the program's code lives.")
    branch: Branch = Field(default="main", description="The branch every release starts from.")
    stages: list[ReleaseStage] = Field(
        min_length=1, description="Environments in promotion order (for example dev, then prod)."
    )
    alerts: list[Subscription] = Field(
        min_length=1, description="Who is told of failed releases, drift and pending approvals."
    )
    pull_request_previews: bool = Field(
        default=True, description="Comment every stage's preview on pull requests into branch."
    )
    update_plans: bool = Field(
        default=False,
        description="Each stage's deploy applies the update plan its preview saved (Pulumi's "
        "experimental update plans): it fails on any operation the approved preview did not plan.",
    )
    drift_schedule: Schedule = Field(
        default="rate(1 day)", description="How often each stage's stack is checked for drift."
    )
    compute_type: Literal[
        "BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"
    ] = Field(default="BUILD_GENERAL1_SMALL", description="CodeBuild compute size.")
    build_timeout_minutes: Annotated[int, Field(ge=5, le=480)] = Field(
        default=60, description="Timeout of every build but Verify (which follows verification)."
    )

    @field_validator("stages")
    @classmethod
    def _stages_unique(cls, stages: list[ReleaseStage]) -> list[ReleaseStage]:
        stacks = [stage.stack for stage in stages]
        repeated = sorted({s for s in stacks if stacks.count(s) > 1})
        if repeated:
            raise ValueError(f"must name each stack once; repeated: {', '.join(repeated)}")
        return stages


class ReleaseStackConfig(StrictModel):
    """A validated delivery stack: the AWS region and the release settings."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    region: AwsRegion = Field(alias="aws:region", description="AWS region of the stack.")
    release: ReleaseSettings = Field(description="The release settings object.")


@dataclass(frozen=True)
class StageEnvironment:
    """A stage with the environment its stack file declares."""

    stage: ReleaseStage
    config: StackConfig

    @property
    def delivery(self) -> DeliverySettings:
        delivery = self.config.platform.delivery
        assert delivery is not None  # resolve_stages
        return delivery
