"""Warehouse settings: Redshift Serverless or a provisioned Redshift cluster.

Both variants are always encrypted with the platform key, private, audit-logged and have their
admin password managed by Secrets Manager; only capacity and data-protection knobs are config.
"""

from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from stack_config.base import ColumnName, DataClassification, StrictModel, matching
from stack_config.pipelines import ColumnType

SqlIdentifier = Annotated[
    str,
    matching(
        r"[a-z_][a-z0-9_]{0,62}",
        "1-63 lower-case letters, digits or underscores, not starting with a digit",
    ),
]

_RESERVED_ADMIN_NAMES = frozenset({"rdsdb", "rdsadmin", "public", "redshift"})
# Names every Redshift table has (system columns): a declared column cannot take one, quoted or
# not.
REDSHIFT_SYSTEM_COLUMNS = frozenset(
    {"oid", "tableoid", "xmin", "cmin", "xmax", "cmax", "ctid", "insertxid", "deletexid"}
)
CATALOG_READER_ROLE = "platform_catalog_reader"
"""The role the program gives the drift build's database user: system views only."""
MigrationColumn = ColumnName


class _MigrationBase(StrictModel):
    """What every migration names: its version (its place in the order) and its column."""

    version: Annotated[int, Field(ge=1)] = Field(
        description="Order of application (1, 2, ...); applied once, recorded in the warehouse."
    )
    table: SqlIdentifier = Field(description="The pipeline target_table it changes.")
    column: MigrationColumn = Field(description="The column it changes.")


class RetypeMigration(_MigrationBase):
    """A column takes a new type; every row is kept, its value cast to the new type."""

    kind: Literal["retype"] = Field(description="Change the column's type.")
    to: ColumnType = Field(description="The column type it takes (as in column_types).")


class RenameMigration(_MigrationBase):
    """A column takes a new name; its values stay."""

    kind: Literal["rename"] = Field(description="Rename the column.")
    to: MigrationColumn = Field(description="The column's new name.")


class DropMigration(_MigrationBase):
    """A column is dropped with its values (a column only removed from the config is kept)."""

    kind: Literal["drop"] = Field(description="Drop the column and its values.")


Migration = Annotated[
    RetypeMigration | RenameMigration | DropMigration, Field(discriminator="kind")
]


class _WarehouseBase(StrictModel):
    """Settings both variants share."""

    classification: DataClassification = Field(
        description="DataClassification of the data in the warehouse."
    )
    database_name: SqlIdentifier = Field(
        default="analytics", description="Name of the first database, the one pipelines load."
    )
    admin_username: SqlIdentifier = Field(
        default="platform_admin",
        description="Admin user; its password is generated and kept in Secrets Manager.",
    )
    load_schema: SqlIdentifier = Field(
        description=(
            "Schema the program creates and the pipelines load into, one table per pipeline."
        )
    )
    reader_roles: list[SqlIdentifier] = Field(
        default_factory=list,
        description=(
            "Database roles the program creates and grants read access (USAGE on the load schema,"
            " SELECT on every pipeline table); people are added to them with GRANT ROLE."
        ),
    )

    drop_removed_tables: bool = Field(
        default=False,
        description=(
            "When a pipeline is removed, drop its warehouse table even if it holds rows (an empty"
            " table is always dropped); false keeps the rows and revokes the table's grants."
            " Deploy it set before removing the pipeline."
        ),
    )
    migrations: list[Migration] = Field(
        default_factory=list,
        description=(
            "Declared changes to existing warehouse columns (retype, rename, drop), applied by"
            " the deploy in version order, each once, and by the table's Glue job to its curated"
            " files, their manifests and its catalog table at its next run; an added column"
            " needs none."
        ),
    )

    @model_validator(mode="after")
    def _names_allowed(self) -> Self:
        """admin_username and reader_roles avoid the names Redshift reserves; reader_roles names
        each role once."""
        if self.admin_username in _RESERVED_ADMIN_NAMES:
            raise ValueError(f"admin_username {self.admin_username!r} is reserved by Redshift")
        repeated = sorted({r for r in self.reader_roles if self.reader_roles.count(r) > 1})
        if repeated:
            raise ValueError(f"reader_roles must be unique; repeated: {repeated}")
        reserved = sorted(_RESERVED_ADMIN_NAMES.intersection(self.reader_roles))
        if reserved:
            raise ValueError(f"reader_roles {reserved} are reserved by Redshift")
        if CATALOG_READER_ROLE in self.reader_roles:
            raise ValueError(f"reader_roles: {CATALOG_READER_ROLE!r} is the platform's own role")
        versions = [m.version for m in self.migrations]
        if versions != sorted(set(versions)):
            raise ValueError(f"migrations: versions must be unique and increasing, got {versions}")
        return self


def _multiple_of_8(value: int) -> int:
    """A multiple of 8."""
    if value % 8:
        raise ValueError(f"must be a multiple of 8 RPUs (got {value})")
    return value


Rpu = Annotated[int, Field(ge=8, le=1024), AfterValidator(_multiple_of_8)]
"""Redshift Processing Units: 8 to 1024 in steps of 8."""


class ServerlessWarehouse(_WarehouseBase):
    """Redshift Serverless: billed per RPU-hour while queries run, plus managed storage."""

    kind: Literal["serverless"] = Field(description="A Redshift Serverless namespace+workgroup.")
    base_capacity_rpu: Rpu = Field(
        description="Base capacity in RPUs (8-1024, steps of 8); 8 is the cheapest that works."
    )
    max_capacity_rpu: Rpu | None = Field(
        default=None,
        description="Upper bound the workgroup may scale to, capping cost (none: no cap).",
    )

    @model_validator(mode="after")
    def _max_not_below_base(self) -> Self:
        """max_capacity_rpu, when set, is at least base_capacity_rpu."""
        if self.max_capacity_rpu is not None and self.max_capacity_rpu < self.base_capacity_rpu:
            raise ValueError(
                f"max_capacity_rpu ({self.max_capacity_rpu}) must be at least"
                f" base_capacity_rpu ({self.base_capacity_rpu})"
            )
        return self


NodeType = Literal["ra3.large", "ra3.xlplus", "ra3.4xlarge", "ra3.16xlarge"]
# RA3 4xlarge and 16xlarge clusters cannot run as a single node.
_MULTI_NODE_ONLY = frozenset({"ra3.4xlarge", "ra3.16xlarge"})


class ProvisionedWarehouse(_WarehouseBase):
    """A provisioned RA3 cluster: billed per node-hour while it exists."""

    kind: Literal["provisioned"] = Field(description="A provisioned Redshift cluster.")
    node_type: NodeType = Field(description="RA3 node type (DC2 is not offered: end of life).")
    number_of_nodes: Annotated[int, Field(ge=1, le=128)] = Field(
        description="Number of compute nodes; 1 makes a single-node cluster."
    )
    automated_snapshot_retention_days: Annotated[int, Field(ge=1, le=35)] = Field(
        description="Days automated snapshots are kept (1-35); 0 (disabled) is not allowed."
    )
    final_snapshot_on_delete: bool = Field(
        default=True, description="Take a final snapshot when the cluster is deleted."
    )

    @model_validator(mode="after")
    def _node_count_fits_type(self) -> Self:
        """ra3.4xlarge and ra3.16xlarge clusters have at least 2 nodes."""
        if self.node_type in _MULTI_NODE_ONLY and self.number_of_nodes < 2:
            raise ValueError(f"{self.node_type} needs number_of_nodes >= 2")
        return self


WarehouseSettings = Annotated[
    ServerlessWarehouse | ProvisionedWarehouse, Field(discriminator="kind")
]
"""The `platform.warehouse` object: `kind: serverless` or `kind: provisioned`."""
