"""The SQL the platform sends to Redshift, built from validated names only.

Every identifier is checked against a strict pattern and then double-quoted, so a column called
`order` or a schema called `table` is a name, never a keyword, and nothing from config or from
another resource's output can break out of a statement. Tables are declared from a pipeline's
typed columns; a load (a stored procedure per table) upserts one run's files, keeping the latest
row per key, so loads are idempotent and commute, and records what it did in the load schema's
audit table. COPY uses the warehouse's default IAM role: no statement names a role ARN.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from stack_config.pipelines import LINEAGE_COLUMN, ColumnType, decimal_parts
from stack_config.warehouse import REDSHIFT_SYSTEM_COLUMNS

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,126}")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
_MANIFEST_KEY = re.compile(r"[\w./=-]{1,1024}")
DATA_API_TARGET_KEYS = ({"WorkgroupName", "Database"}, {"ClusterIdentifier", "Database"})

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
LINEAGE_TYPE = "VARCHAR(1024)"
AUDIT_TABLE = "_load_audit"
"""The load schema's record of every load: one row per loaded manifest (`audit_table_ddl`)."""
MIGRATIONS_TABLE = "_schema_migrations"
"""The load schema's record of the declared migrations applied to its tables."""
LOAD_COUNTS = ("staged", "inserted", "replaced", "ignored_older")
"""The load procedure's OUT arguments, in order: a CALL returns them as one row."""


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


def ident(value: str, kind: str = "identifier") -> str:
    """A checked name as a quoted identifier (keywords such as `order` are names here)."""
    return f'"{_checked(kind, value, _IDENTIFIER)}"'


def literal(value: str) -> str:
    """A string literal; only ever given checked names."""
    return "'" + value.replace("'", "''") + "'"


def qualified(schema: str, name: str) -> str:
    return f"{ident(schema, 'schema')}.{ident(name, 'table')}"


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
            if name in REDSHIFT_SYSTEM_COLUMNS:
                raise ValueError(f"table {self.name}: {name!r} is a Redshift system column")
        wanted = [*self.key_columns, self.order_column, *(self.canary_day or ())[:1]]
        missing = [c for c in wanted if c not in names]
        if missing or not self.key_columns or LINEAGE_COLUMN in names:
            raise ValueError(f"table {self.name}: bad key/order/lineage columns {missing}")

    @property
    def qualified(self) -> str:
        return qualified(self.schema, self.name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    @property
    def redshift_columns(self) -> tuple[tuple[str, str], ...]:
        """(name, Redshift type) of every column of the table, the lineage column first."""
        typed = ((name, redshift_type(kind)) for name, kind in self.columns)
        return ((LINEAGE_COLUMN, LINEAGE_TYPE), *typed)


def iam_role_user(role_name: str) -> str:
    """The database user Redshift maps an IAM role's temporary credentials to (unquoted)."""
    return f"IAMR:{_checked('role name', role_name, _ROLE_NAME)}"


def user_ident(user: str) -> str:
    """A database user name (plain identifier or `IAMR:<role>`) as a quoted identifier."""
    if user.startswith("IAMR:"):
        iam_role_user(user.removeprefix("IAMR:"))
        return f'"{user}"'
    return ident(user, "user")


def load_procedure_name(table: TableSpec) -> str:
    return f"{ident(table.schema, 'schema')}.{ident('load_' + table.name, 'procedure')}"


def load_procedure_signature(table: TableSpec) -> str:
    """The procedure as GRANT and DROP name it: by its input argument types."""
    return f"{load_procedure_name(table)}(VARCHAR)"


def call_load(table: TableSpec) -> str:
    """What a pipeline runs per manifest, with the key as the Data API parameter `manifest`.
    The CALL returns one row: the load's counts (`LOAD_COUNTS`)."""
    return f"CALL {load_procedure_name(table)}(:manifest)"


def audit_table_ddl(schema: str) -> str:
    """The audit table: per loaded manifest, its table, when, and the load's four counts
    (`staged = inserted + replaced + ignored_older`)."""
    counts = ", ".join(f"{ident(c)} BIGINT NOT NULL" for c in LOAD_COUNTS)
    return (
        f"CREATE TABLE IF NOT EXISTS {qualified(schema, AUDIT_TABLE)} ("
        f'"manifest" VARCHAR(1024) NOT NULL, "table_name" VARCHAR(127) NOT NULL,'
        f' "loaded_at" TIMESTAMP NOT NULL, {counts})'
    )


def migrations_table_ddl(schema: str) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {qualified(schema, MIGRATIONS_TABLE)} ("
        '"version" BIGINT NOT NULL, "table_name" VARCHAR(127) NOT NULL, "change" VARCHAR(512)'
        ' NOT NULL, "applied_at" TIMESTAMP NOT NULL)'
    )


def create_load_procedure(table: TableSpec, *, curated_bucket: str) -> str:
    """The load of one run's files as a stored procedure taking the manifest's key.

    The key arrives as a bound parameter and reaches the COPY only through quote_literal, so a
    key cannot change the statement. SECURITY INVOKER (the default): it runs with the loader's
    own grants. The counts are OUT arguments: `CALL` returns them as a one-row result set.
    """
    bucket = _checked("curated bucket", curated_bucket, _BUCKET)
    copy = (
        "EXECUTE 'COPY \"_stage\" FROM ' || quote_literal('s3://" + bucket + "/' || _manifest)"
        " || ' IAM_ROLE default FORMAT AS PARQUET MANIFEST'"
    )
    body = "\n".join(f"  {s};" for s in load_body(table, copy=copy))
    counts = ", ".join(f"{c} OUT BIGINT" for c in LOAD_COUNTS)
    return (
        f"CREATE OR REPLACE PROCEDURE {load_procedure_name(table)}"
        f"(_manifest IN VARCHAR(1024), {counts}) AS $$\nBEGIN\n{body}\nEND;\n$$ LANGUAGE plpgsql"
    )


def load_body(table: TableSpec, *, copy: str) -> tuple[str, ...]:
    """One run's files upserted into the table, in one transaction, and counted.

    The table is locked first, so concurrent loads queue instead of failing serialisable
    isolation; within the run the latest row per key wins (ties broken on every column, so the
    choice is deterministic); a table row is replaced only by a row at least as new, so a late
    or repeated load never brings back an older version. Release canaries (`canary_day`) are
    copied like any row, then left out. Every column reference is qualified, so no column name
    can be taken for one of the procedure's arguments.
    """
    target = table.qualified
    typed = ", ".join(f"{ident(c)} {redshift_type(k)}" for c, k in table.columns)
    staged = ", ".join(f"_s.{ident(c)}" for c in table.names)
    ranked = ", ".join(f"_r.{ident(c)}" for c in table.names)
    latest = ", ".join(f"_l.{ident(c)}" for c in table.names)
    keys = ", ".join(f"_s.{ident(k)}" for k in table.key_columns)
    others = [c for c in table.names if c not in (table.order_column, *table.key_columns)]
    order = ", ".join(f"_s.{ident(c)} DESC NULLS LAST" for c in (table.order_column, *others))
    same_key = " AND ".join(f"_t.{ident(k)} = _l.{ident(k)}" for k in table.key_columns)
    newer, mine = f'_l."{table.order_column}"', f'_t."{table.order_column}"'
    canaries = ""
    if table.canary_day is not None:
        column, day = table.canary_day
        canaries = f" WHERE CAST(_s.{ident(column)} AS DATE) <> DATE '{day.isoformat()}'"
    exists = f"EXISTS (SELECT 1 FROM {target} AS _t WHERE {same_key}"
    return (
        f"LOCK {target}",
        f'CREATE TEMP TABLE "_stage" ({typed})',
        copy,
        f'CREATE TEMP TABLE "_latest" AS SELECT {ranked} FROM'
        f" (SELECT {staged}, ROW_NUMBER() OVER (PARTITION BY {keys} ORDER BY {order})"
        f' AS "_rank" FROM "_stage" AS _s{canaries}) AS _r WHERE _r."_rank" = 1',
        'SELECT COUNT(*) INTO staged FROM "_latest" AS _l',
        f'SELECT COUNT(*) INTO inserted FROM "_latest" AS _l WHERE NOT {exists})',
        f'SELECT COUNT(*) INTO replaced FROM "_latest" AS _l WHERE {exists} AND {mine} <= {newer})',
        f'SELECT COUNT(*) INTO ignored_older FROM "_latest" AS _l WHERE {exists}'
        f" AND {mine} > {newer})",
        # Redshift's DELETE takes no alias for its target: the target's columns are qualified.
        f'DELETE FROM {target} USING "_latest" AS _l WHERE'
        f" {same_key.replace('_t.', target + '.')} AND {mine.replace('_t.', target + '.')}"
        f" <= {newer}",
        f'INSERT INTO {target} ({", ".join(ident(c) for c in table.names)}, "{LINEAGE_COLUMN}")'
        f' SELECT {latest}, _manifest FROM "_latest" AS _l WHERE NOT {exists})',
        f'INSERT INTO {qualified(table.schema, AUDIT_TABLE)} ("manifest", "table_name",'
        f' "loaded_at", {", ".join(ident(c) for c in LOAD_COUNTS)}) VALUES (_manifest,'
        f" {literal(table.name)}, GETDATE(), {', '.join(LOAD_COUNTS)})",
        'DROP TABLE "_stage"',
        'DROP TABLE "_latest"',
    )


def check_manifest_key(key: str) -> str:
    return _checked("manifest key", key, _MANIFEST_KEY)


def check_role_arn(arn: str) -> str:
    return _checked("copy role", arn, _ROLE_ARN)
