"""Typed config of the bootstrap stack (`data-platform-bootstrap:backend`); a bad value fails
before any resource is registered, naming the key and what is allowed."""

import json
from typing import Annotated, Self

import pulumi
from pydantic import Field, ValidationError, model_validator

from stack_config.base import Environment, ResourceName, StrictModel, TagValue
from stack_config.delivery import DEFAULT_EXTERNAL_ID, AccountId, ExternalId
from stack_config.loader import validation_problems
from stack_config.protection import ProtectionSettings
from stack_config.root import AwsRegion

CONFIG_KEY = "backend"


class ReleaseTrust(StrictModel):
    """The roles the release pipeline's builds assume in this account, and whom they trust."""

    delivery_account_id: AccountId | None = Field(
        default=None, description="Account of the release pipeline; none: this account."
    )
    stacks: list[ResourceName] = Field(
        min_length=1, description="The stacks in this account that the release deploys."
    )
    external_id: ExternalId = Field(
        default=DEFAULT_EXTERNAL_ID,
        description="sts:ExternalId the builds must pass; each stack's delivery.external_id.",
    )
    pull_request_stacks: list[ResourceName] = Field(
        default_factory=list,
        description="Stacks of `stacks` that pull-request builds preview here, as a role that "
        "reads only their state; none (the default): pull requests reach nothing here.",
    )

    @model_validator(mode="after")
    def _previewed_stacks_are_released(self) -> Self:
        unknown = sorted(set(self.pull_request_stacks) - set(self.stacks))
        if unknown:
            raise ValueError(
                f"pull_request_stacks names {', '.join(unknown)}, not in stacks "
                f"({', '.join(self.stacks)})"
            )
        return self


class BootstrapSettings(StrictModel):
    """Who owns the backend and how long it keeps state history; safe defaults otherwise."""

    environment: Environment = Field(description="Environment tag of the account's backend.")
    owner: TagValue = Field(description="Owner tag.")
    cost_center: TagValue = Field(description="CostCenter tag.")
    bucket_prefix: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{2,40}$")] = Field(
        default="data-platform-state",
        description="State bucket name prefix; the bucket is <prefix>-<account id>.",
    )
    key_alias: Annotated[str, Field(pattern=r"^alias/[a-zA-Z0-9/_-]{1,250}$")] = Field(
        default="alias/data-platform-state", description="Alias of the state and secrets key."
    )
    state_history_days: Annotated[int, Field(ge=30, le=3650)] = Field(
        default=365, description="Days a superseded state file version is kept (rollback window)."
    )
    deletion_window_days: Annotated[int, Field(ge=7, le=30)] = Field(
        default=30, description="KMS key deletion window."
    )
    protect: bool = Field(
        default=True, description="Protect and retain the bucket, key and repository."
    )
    repository: Annotated[str, Field(pattern=r"^[\w.-]{1,100}$")] | None = Field(
        default="data-platform",
        description="CodeCommit repository every environment deploys from (none: GitHub).",
    )
    glue_catalog_encryption: bool = Field(
        default=True,
        description="Encrypt the account's Glue Data Catalog (one setting per account and region).",
    )
    release: ReleaseTrust | None = Field(
        default=None,
        description="Deploy and preview roles for the release pipeline; none: no release here.",
    )

    @property
    def protection(self) -> ProtectionSettings:
        """State is never force-destroyed; protection and retention follow `protect`."""
        return ProtectionSettings(
            protect=self.protect, retain_on_delete=self.protect, force_destroy_buckets=False
        )


def load_settings() -> BootstrapSettings:
    """Validate `data-platform-bootstrap:backend`; raises `pulumi.RunError` listing problems."""
    raw = pulumi.Config().get(CONFIG_KEY)
    if raw is None:
        raise pulumi.RunError(f"{CONFIG_KEY}: missing; set it with `pulumi config set --path`")
    try:
        return BootstrapSettings.model_validate(json.loads(raw))
    except json.JSONDecodeError as err:
        raise pulumi.RunError(f"{CONFIG_KEY}: not a structured object ({err})") from err
    except ValidationError as err:
        problems = validation_problems(err, BootstrapSettings)
        raise pulumi.RunError(_invalid([f"{CONFIG_KEY}.{p}" for p in problems])) from err


class _Region(StrictModel):
    region: AwsRegion = Field(alias="aws:region", description="The account's region.")


def load_region() -> str:
    """`aws:region`: a region of the pulumi-aws SDK's list, or `pulumi.RunError` naming it."""
    try:
        return _Region.model_validate({"aws:region": pulumi.Config("aws").require("region")}).region
    except ValidationError as err:
        problems = validation_problems(err, _Region)
        raise pulumi.RunError(_invalid([str(p) for p in problems])) from err


def _invalid(problems: list[str]) -> str:
    return "invalid bootstrap config:\n" + "\n".join(f"  - {p}" for p in problems)
