"""The SQL the platform sends to Redshift, built from validated names only.

Every value that reaches a statement's text is checked against a strict pattern first, so
nothing from config or from another resource's output can break out of a statement. Tables are
declared from a pipeline's typed columns; a load (a stored procedure per table) upserts one
run's files, keeping the latest row per key, so loads are idempotent and commute.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from stack_config.pipelines import LINEAGE_COLUMN, ColumnType, decimal_parts

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,126}")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
_MANIFEST_KEY = re.compile(r"[\w./=-]{1,1024}")
DATA_API_TARGET_KEYS = ({"WorkgroupName", "Database"}, {"ClusterIdentifier", "Database"})
"""Every table's first column: the manifest (hence the Glue run) that loaded the row."""

# The Parquet types the ETL job writes for each column type, and the Redshift column that COPY
# loads them into (COPY maps Parquet columns by position and type).
REDSHIFT_TYPES: Mapping[ColumnType, str] = {
    "string": "VARCHAR(65535)",
    "int": "BIGINT",
    "float": "DOUBLE PRECISION",
    "bool": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}


def redshift_type(column_type: ColumnType) -> str:
    """The Redshift column type that COPY loads a curated column of `column_type` into;
    `decimal(p,s)` is Parquet's DECIMAL and Redshift's DECIMAL(p,s)."""
    parts = decimal_parts(column_type)
    return f"DECIMAL({parts[0]},{parts[1]})" if parts else REDSHIFT_TYPES[column_type]


def check_data_api_target(target: Mapping[str, str]) -> None:
    """A Data API target names a workgroup or a cluster, and the database."""
    if set(target) not in DATA_API_TARGET_KEYS:
        raise ValueError(f"target must have keys {DATA_API_TARGET_KEYS}, got {dict(target)}")


def _checked(kind: str, value: str, pattern: re.Pattern[str]) -> str:
    if not pattern.fullmatch(value):
        raise ValueError(f"warehouse SQL: {kind} {value!r} is not allowed in SQL")
    return value


@dataclass(frozen=True)
class TableSpec:
    """A pipeline's warehouse table: `schema.name` with its curated columns in file order."""

    schema: str
    name: str
    columns: tuple[tuple[str, ColumnType], ...]
    key_columns: tuple[str, ...]
    order_column: str
    # Rows whose column holds this day are release canaries: loaded (the load is verified) but
    # never kept in the table.
    canary_day: tuple[str, date] | None = None

    def __post_init__(self) -> None:
        for kind, value in (("schema", self.schema), ("table", self.name)):
            _checked(kind, value, _IDENTIFIER)
        names = [name for name, _ in self.columns]
        for name in names:
            _checked("column", name, _IDENTIFIER)
        wanted = [*self.key_columns, self.order_column, *(self.canary_day or ())[:1]]
        missing = [c for c in wanted if c not in names]
        if missing or not self.key_columns or LINEAGE_COLUMN in names:
            raise ValueError(f"table {self.name}: bad key/order/lineage columns {missing}")

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)


def create_schema(schema: str) -> str:
    return f"CREATE SCHEMA IF NOT EXISTS {_checked('schema', schema, _IDENTIFIER)}"


def create_table(table: TableSpec) -> str:
    """The table with its lineage column only; `add_column` adds each declared column.

    One statement per column lets a column added to the config become one `ALTER TABLE ... ADD
    COLUMN` on an existing table, while this statement never changes once deployed.
    """
    return f"CREATE TABLE IF NOT EXISTS {table.qualified} ({LINEAGE_COLUMN} VARCHAR(1024))"


def add_column(table: TableSpec, column: str) -> str:
    kind = dict(table.columns)[column]
    return f"ALTER TABLE {table.qualified} ADD COLUMN {column} {redshift_type(kind)}"


def iam_role_user(role_name: str) -> str:
    """The database user Redshift maps an IAM role's temporary credentials to."""
    return f'"IAMR:{_checked("role name", role_name, _ROLE_NAME)}"'


def create_iam_role_user(role_name: str) -> str:
    # PASSWORD DISABLE: the user can only sign in with the role's temporary IAM credentials.
    return f"CREATE USER {iam_role_user(role_name)} PASSWORD DISABLE"


def grant_loader(table: TableSpec, role_name: str, copy_role_arn: str) -> tuple[str, ...]:
    """What the load needs: the schema, reading and changing the table (LOCK included), running
    its load procedure, and COPY with the warehouse's COPY role."""
    user = iam_role_user(role_name)
    role = _checked("copy role", copy_role_arn, _ROLE_ARN)
    return (
        f"GRANT USAGE ON SCHEMA {table.schema} TO {user}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table.qualified} TO {user}",
        f"GRANT EXECUTE ON PROCEDURE {load_procedure_name(table)}(VARCHAR) TO {user}",
        f"GRANT ASSUMEROLE ON '{role}' TO {user} FOR COPY",
    )


def create_role(role: str) -> str:
    return f"CREATE ROLE {_checked('role', role, _IDENTIFIER)}"


def grant_schema_usage(schema: str, role: str) -> str:
    schema = _checked("schema", schema, _IDENTIFIER)
    return f"GRANT USAGE ON SCHEMA {schema} TO ROLE {_checked('role', role, _IDENTIFIER)}"


def grant_select(table: TableSpec, role: str) -> str:
    return f"GRANT SELECT ON {table.qualified} TO ROLE {_checked('role', role, _IDENTIFIER)}"


def load_procedure_name(table: TableSpec) -> str:
    return f"{table.schema}.load_{table.name}"


def call_load(table: TableSpec) -> str:
    """What a pipeline runs per manifest, with the key as the Data API parameter `manifest`."""
    return f"CALL {load_procedure_name(table)}(:manifest)"


def create_load_procedure(table: TableSpec, *, curated_bucket: str, copy_role_arn: str) -> str:
    """The load of one run's files as a stored procedure taking the manifest's key.

    The key arrives as a bound parameter and reaches the COPY only through quote_literal, so a
    key cannot change the statement. SECURITY INVOKER (the default): it runs with the loader's
    own grants. CREATE OR REPLACE makes re-running it (when the columns change) harmless.
    """
    bucket = _checked("curated bucket", curated_bucket, _BUCKET)
    role = _checked("copy role", copy_role_arn, _ROLE_ARN)
    copy = (
        f"EXECUTE 'COPY {table.name}_stage FROM ' || quote_literal('s3://{bucket}/' || _manifest)"
        f" || ' IAM_ROLE ''{role}'' FORMAT AS PARQUET MANIFEST'"
    )
    # `_manifest`: no column can be called that (column names start with a letter).
    body = "\n".join(f"  {s};" for s in _load_statements(table, copy=copy, manifest="_manifest"))
    return (
        f"CREATE OR REPLACE PROCEDURE {load_procedure_name(table)}(_manifest VARCHAR(1024)) AS $$"
        f"\nBEGIN\n{body}\nEND;\n$$ LANGUAGE plpgsql"
    )


def load_statements(
    table: TableSpec, *, curated_bucket: str, copy_role_arn: str, manifest_key: str
) -> tuple[str, ...]:
    """What the load procedure runs for one manifest key, as plain statements."""
    bucket = _checked("curated bucket", curated_bucket, _BUCKET)
    role = _checked("copy role", copy_role_arn, _ROLE_ARN)
    key = _checked("manifest key", manifest_key, _MANIFEST_KEY)
    copy = (
        f"COPY {table.name}_stage FROM 's3://{bucket}/{key}' IAM_ROLE '{role}'"
        " FORMAT AS PARQUET MANIFEST"
    )
    return _load_statements(table, copy=copy, manifest=f"'{key}'")


def _load_statements(table: TableSpec, *, copy: str, manifest: str) -> tuple[str, ...]:
    """One run's files upserted into the table, in one transaction.

    The table is locked first, so concurrent loads queue instead of failing serialisable
    isolation; within the run the latest row per key wins (ties broken on every column, so the
    choice is deterministic); a table row is replaced only by a row at least as new, so a late
    or repeated load never brings back an older version. Release canaries (`canary_day`) are
    copied like any row, then left out.
    """
    stage, latest, target = f"{table.name}_stage", f"{table.name}_latest", table.qualified
    columns = ", ".join(table.names)
    typed = ", ".join(f"{name} {redshift_type(kind)}" for name, kind in table.columns)
    keys = ", ".join(table.key_columns)
    others = [c for c in table.names if c not in (table.order_column, *table.key_columns)]
    order = ", ".join(f"{c} DESC NULLS LAST" for c in (table.order_column, *others))
    newer = f"{latest}.{table.order_column}"
    replaced = " AND ".join(f"{target}.{k} = {latest}.{k}" for k in table.key_columns)
    present = " AND ".join(f"t.{k} = {latest}.{k}" for k in table.key_columns)
    canaries = ""
    if table.canary_day is not None:
        column, day = table.canary_day
        canaries = f" WHERE CAST({column} AS DATE) <> DATE '{day.isoformat()}'"
    return (
        f"LOCK {target}",
        f"CREATE TEMP TABLE {stage} ({typed})",
        copy,
        f"CREATE TEMP TABLE {latest} AS SELECT {columns} FROM"
        f" (SELECT {columns}, ROW_NUMBER() OVER (PARTITION BY {keys} ORDER BY {order})"
        f" AS row_rank FROM {stage}{canaries}) AS ranked WHERE row_rank = 1",
        f"DELETE FROM {target} USING {latest}"
        f" WHERE {replaced} AND {target}.{table.order_column} <= {newer}",
        f"INSERT INTO {target} ({columns}, {LINEAGE_COLUMN})"
        f" SELECT {columns}, {manifest} FROM {latest}"
        f" WHERE NOT EXISTS (SELECT 1 FROM {target} AS t WHERE {present})",
        f"DROP TABLE {stage}",
        f"DROP TABLE {latest}",
    )
