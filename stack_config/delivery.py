"""How an environment is delivered: its account, state backend and secrets provider (bootstrap/'s
outputs), the account whose release pipeline deploys it, and how that pipeline verifies it after
each deploy (the canary it lands and how long it waits).

The release pipeline itself (source, promotion order, approvals) is the `release` config of the
delivery stack (`stack_config/release.py`).
"""

import re
from datetime import date
from typing import Annotated, Self

from pydantic import Field, model_validator

from stack_config.base import StrictModel, matching
from stack_config.pipelines import PARTITION_COLUMN

AccountId = Annotated[str, matching(r"\d{12}", "a 12-digit AWS account id in quotes")]
ExternalId = Annotated[str, matching(r"[\w+=,.@:/-]{2,1224}", "2-1224 letters, digits or +=,.@:/-")]
StateBackendUrl = Annotated[
    str,
    matching(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[\w./-]{0,512})?", "s3://bucket[/prefix]"),
]
SecretsProvider = Annotated[
    str,
    matching(
        r"awskms://alias/[\w/-]{1,250}(\?region=[a-z0-9-]{1,30})?",
        "awskms://alias/<name>[?region=]",
    ),
]
DEFAULT_EXTERNAL_ID = "data-platform-release"


class CanarySettings(StrictModel):
    """The canary file Verify lands in every pipeline: a few rows under reserved keys whose
    partition date keeps their curated files apart from real data, so they can be read and
    removed without touching anything else."""

    rows: Annotated[int, Field(ge=1, le=100)] = Field(
        default=3, description="Rows in each canary file."
    )
    file_prefix: Annotated[
        str, matching(r"[a-z][a-z0-9-]{0,30}", "1-31 lower-case letters, digits or '-'")
    ] = Field(default="canary", description="Name prefix of canary files under the raw prefix.")
    partition_date: date = Field(
        default=date(1970, 1, 2),
        description="Value of each pipeline's partition_source_column in canary rows: their "
        "curated files land in ingest_date=<this date> only.",
    )

    def partition(self, curated_prefix: str) -> str:
        """The curated prefix of the canary rows' partition, under a table's `curated_prefix`."""
        return f"{curated_prefix}{PARTITION_COLUMN}={self.partition_date.isoformat()}/"


class VerificationSettings(StrictModel):
    """What Verify does after each deploy of this environment."""

    timeout_minutes: Annotated[int, Field(ge=1, le=240)] = Field(
        default=30, description="How long each pipeline's canary execution may take to succeed."
    )
    canary: CanarySettings = Field(
        default_factory=CanarySettings, description="The canary file and its rows."
    )


class DeliverySettings(StrictModel):
    """Where this environment lives and which release pipeline deploys it."""

    state_backend_url: StateBackendUrl = Field(description="Pulumi state backend (login URL).")
    secrets_provider: SecretsProvider = Field(description="Pulumi secrets provider of the stack.")
    account_id: AccountId | None = Field(
        default=None,
        description="The environment's account; needed only when the state bucket is not "
        "bootstrap's <prefix>-<account id>.",
    )
    delivery_account_id: AccountId | None = Field(
        default=None,
        description="Account of the release pipeline (stack `delivery`); none: this account.",
    )
    external_id: ExternalId = Field(
        default=DEFAULT_EXTERNAL_ID,
        description="sts:ExternalId the release builds pass; bootstrap's release.external_id.",
    )
    verification: VerificationSettings = Field(
        default_factory=VerificationSettings, description="Verify after each deploy."
    )

    @model_validator(mode="after")
    def _one_account(self) -> Self:
        named = self.state_account
        if self.account_id is not None and named is not None and named != self.account_id:
            raise ValueError(
                f"account_id {self.account_id} differs from the account {named} that names the "
                f"state bucket '{self.state_bucket}'"
            )
        if self.account_id is None and named is None:
            raise ValueError(
                f"account_id is required: the state bucket '{self.state_bucket}' does not end "
                "in an account id"
            )
        return self

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
    def target_account(self) -> str:
        """The environment's account."""
        account = self.account_id or self.state_account
        assert account is not None  # _one_account
        return account

    @property
    def secrets_key_alias(self) -> str:
        return self.secrets_provider.removeprefix("awskms://").split("?", 1)[0]
