"""The root model of a stack's configuration: `aws:region` plus the `platform` object."""

from collections.abc import Sequence
from typing import Annotated, Any, Self

from pulumi_aws import Region
from pydantic import AfterValidator, ConfigDict, Field, model_validator

from stack_config.account import AccountSettings
from stack_config.base import Environment, OneOf, StrictModel
from stack_config.cost import CostSettings
from stack_config.delivery import DeliverySettings
from stack_config.lake import LakeSettings
from stack_config.network import NetworkSettings
from stack_config.observability import LogSettings
from stack_config.operations import OperationsSettings
from stack_config.pipelines import Pipelines
from stack_config.protection import KmsSettings, ProtectionSettings
from stack_config.tags import TagSettings
from stack_config.warehouse import REDSHIFT_SYSTEM_COLUMNS, WarehouseSettings

# Tag keys the platform sets itself; `tags.extra` may not redefine them.
RESERVED_TAG_KEYS = frozenset(
    {"Environment", "Project", "Owner", "CostCenter", "ManagedBy", "DataClassification"}
)

# The regions of the pulumi-aws SDK the program deploys with: a typo fails the check, not a deploy.
AWS_REGIONS = OneOf(
    frozenset(region.value for region in Region),
    "an AWS region of the pulumi-aws SDK's Region list, such as eu-west-1",
)
AwsRegion = Annotated[str, AfterValidator(AWS_REGIONS)]


class PlatformSettings(StrictModel):
    """Everything under the `data-platform:platform` config key."""

    environment: Environment = Field(description="Environment name, tagged as Environment.")
    tags: TagSettings = Field(description="Ownership tags stamped on every resource.")
    kms: KmsSettings = Field(default_factory=KmsSettings, description="Customer-managed key.")
    account: AccountSettings = Field(
        default_factory=AccountSettings, description="Account-level resources from bootstrap/."
    )
    protection: ProtectionSettings = Field(
        default_factory=ProtectionSettings, description="Protection of stateful resources."
    )
    lake: LakeSettings = Field(description="The S3 data lake.")
    logs: LogSettings = Field(default_factory=LogSettings, description="CloudWatch log groups.")
    pipelines: Pipelines = Field(default_factory=list, description="Datasets and their pipelines.")
    network: NetworkSettings | None = Field(
        default=None, description="The VPC (managed or existing); required by a warehouse."
    )
    warehouse: WarehouseSettings | None = Field(
        default=None, description="Redshift (serverless or provisioned) loaded by the pipelines."
    )
    operations: OperationsSettings = Field(description="Who is alerted, and how alarms evaluate.")
    delivery: DeliverySettings | None = Field(
        default=None,
        description="The account, state backend and verification of a stack the release "
        "pipeline deploys; none for stacks deployed by hand.",
    )
    cost: CostSettings = Field(
        default_factory=CostSettings, description="The monthly budget of the idle cost."
    )

    @model_validator(mode="after")
    def _extra_tags_do_not_override(self) -> Self:
        """tags.extra does not redefine a tag the platform sets, a warehouse comes with a
        network, and a freshness expectation with a warehouse whose loads it counts."""
        clashes = sorted(RESERVED_TAG_KEYS.intersection(self.tags.extra))
        if clashes:
            raise ValueError(f"tags.extra may not redefine required tags: {', '.join(clashes)}")
        if self.warehouse is not None and self.network is None:
            raise ValueError("a warehouse needs a network: add platform.network")
        if self.warehouse is not None:
            _check_warehouse_names(self.warehouse, self.pipelines)
        fresh = [i for i, p in enumerate(self.pipelines) if p.expectations.freshness is not None]
        if fresh and self.warehouse is None:
            raise ValueError(
                f"pipelines[{fresh[0]}].expectations.freshness counts warehouse loads: add "
                "platform.warehouse or remove the freshness expectation"
            )
        return self


class StackConfig(StrictModel):
    """A validated stack: the AWS region and the platform settings."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    region: AwsRegion = Field(alias="aws:region", description="AWS region of the stack.")
    platform: PlatformSettings = Field(description="The platform settings object.")


def _check_warehouse_names(warehouse: WarehouseSettings, pipelines: Sequence[Any]) -> None:
    """Pipeline columns avoid Redshift's system column names; every migration names a pipeline
    table."""
    for index, pipeline in enumerate(pipelines):
        clash = sorted(REDSHIFT_SYSTEM_COLUMNS.intersection(c for c, _ in pipeline.curated_columns))
        if clash:
            raise ValueError(
                f"pipelines[{index}] ({pipeline.name}): columns {clash} are Redshift system"
                " column names, which no table column can take (rename them in the source)"
            )
    tables = {p.target_table for p in pipelines}
    for index, migration in enumerate(warehouse.migrations):
        if migration.table not in tables:
            raise ValueError(
                f"warehouse.migrations[{index}]: table {migration.table!r} is not a pipeline's"
                f" target_table (one of {sorted(tables)})"
            )
