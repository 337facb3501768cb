"""Pipelines declared in the stack file: adding a dataset is a config change only.

Each pipeline names its raw-zone prefix, its trigger, its Glue job and the rules the ingestion
Lambda and the ETL script apply; cross-field rules keep those consistent.
"""

import itertools
import re
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from stack_config.base import ColumnName, ResourceName, StrictModel, matching
from stack_config.expectations import Expectations
from stack_config.schedule import Schedule

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Raw-zone prefixes the platform writes: files the ingestion function or the Glue job cannot take
# (quarantine/), and the rows the Glue job rejects (rejects/). No pipeline's source may be under
# them.
QUARANTINE_ROOT = "quarantine/"
REJECTS_ROOT = "rejects/"
PLATFORM_RAW_ROOTS = (QUARANTINE_ROOT, REJECTS_ROOT)
# The CloudWatch namespace and dimension of every pipeline metric: the Glue job's row counts, the
# load's counts and outcomes.
METRICS_NAMESPACE = "DataPlatform/Pipelines"
METRICS_DIMENSION = "Pipeline"
# What each pipeline puts there: its Glue job once per run, its load once per manifest.
JOB_METRICS = (
    "RowsRead",
    "RowsCurated",
    "RowsSuperseded",
    "RowsRejected",
    "FilesQuarantined",
    "BatchesHeld",
)
LOAD_METRICS = (
    "RowsStaged",
    "RowsInserted",
    "RowsReplaced",
    "RowsIgnoredOlder",
    "ManifestsDeadLettered",
    "LoadsSucceeded",
)
# Column names the platform adds: the partition column of the curated zone (the Glue script,
# which runs alone in AWS, names it too: runtime/glue/etl_job.py) and the lineage column of the
# warehouse tables.
PARTITION_COLUMN = "ingest_date"
LINEAGE_COLUMN = "_source_manifest"
RESERVED_COLUMNS = frozenset({PARTITION_COLUMN, LINEAGE_COLUMN})

TableName = Annotated[
    str, matching(r"[a-z][a-z0-9_]{0,62}", "a snake_case table name (a-z, 0-9, _; max 63)")
]
# S3 keys are at most 1,024 bytes; files land under the prefix, so half of that is its share.
Prefix = Annotated[
    str,
    matching(
        r"(?=.{2,512}\Z)([a-z0-9][a-z0-9_.-]*/)+",
        "an S3 key prefix such as 'orders/' ending in '/', at most 512 characters (S3 keys are"
        " at most 1,024 bytes, file names included)",
    ),
]
# Redshift's DECIMAL holds at most 38 digits, Spark's DecimalType too.
MAX_DECIMAL_PRECISION = 38
_DECIMAL = re.compile(r"decimal\((\d{1,2}),(\d{1,2})\)")


def decimal_parts(column_type: str) -> tuple[int, int] | None:
    """(precision, scale) of a `decimal(p,s)` column type, None for any other type."""
    match = _DECIMAL.fullmatch(column_type)
    return (int(match[1]), int(match[2])) if match else None


def _decimal_bounds(value: str) -> str:
    """decimal(p,s): 1 <= p <= 38 and 0 <= s <= p."""
    parts = decimal_parts(value)
    if parts is not None:
        precision, scale = parts
        if not 1 <= precision <= MAX_DECIMAL_PRECISION or scale > precision:
            raise ValueError(
                f"must have a precision of 1-{MAX_DECIMAL_PRECISION} and a scale of 0 up to the "
                f"precision (got precision {precision}, scale {scale})"
            )
    return value


ColumnType = Annotated[
    str,
    matching(
        r"string|int|float|bool|date|timestamp|decimal\(\d{1,2},\d{1,2}\)",
        "one of string, int, float, bool, date, timestamp, or decimal(p,s) such as decimal(12,2)",
    ),
    AfterValidator(_decimal_bounds),
]
SourceFormat = Literal["csv", "json"]

# File extensions the ingestion Lambda admits for each source format (JSON means JSON lines).
EXTENSIONS: dict[SourceFormat, tuple[str, ...]] = {
    "csv": (".csv",),
    "json": (".json", ".jsonl", ".ndjson"),
}


def _script_in_repo(value: str) -> str:
    """An existing file under runtime/, relative to the project root."""
    path = (PROJECT_ROOT / value).resolve()
    if not path.is_relative_to(PROJECT_ROOT / "runtime") or not path.is_file():
        raise ValueError("must be an existing file under runtime/, relative to the project root")
    return value


class ObjectCreatedTrigger(StrictModel):
    """Run when a file lands under the pipeline's raw prefix (validated by the ingest Lambda)."""

    kind: Literal["object-created"] = Field(
        description="Start when a file lands under source_prefix."
    )


class ScheduleTrigger(StrictModel):
    """Run on a schedule; the Glue job's bookmarks pick up what arrived since the last run."""

    kind: Literal["schedule"] = Field(description="Start on a schedule.")
    expression: Schedule = Field(description="EventBridge schedule expression.")


Trigger = Annotated[ObjectCreatedTrigger | ScheduleTrigger, Field(discriminator="kind")]


class GlueJobSettings(StrictModel):
    """The pipeline's Glue ETL job."""

    version: Literal["5.0"] = Field(
        default="5.0",
        description=(
            "Glue version. Only 5.0 is accepted: the ETL script needs Python 3.11, which older "
            "Glue versions do not run."
        ),
    )
    script: Annotated[str, AfterValidator(_script_in_repo)] = Field(
        default="runtime/glue/etl_job.py", description="ETL script, uploaded by the program."
    )
    worker_type: Literal["G.1X", "G.2X", "G.4X", "G.8X"] = Field(
        default="G.1X", description="Glue worker type."
    )
    workers: Annotated[int, Field(ge=2, le=299)] = Field(
        default=2, description="Number of workers."
    )
    timeout_minutes: Annotated[int, Field(ge=1, le=2880)] = Field(
        default=60, description="Job run timeout."
    )


class IngestSettings(StrictModel):
    """What the ingestion Lambda accepts before it starts the pipeline."""

    max_object_mb: Annotated[int, Field(ge=1, le=5120)] = Field(
        default=512, description="Largest accepted file; bigger files are quarantined."
    )
    reserved_concurrency: Annotated[int, Field(ge=1, le=100)] | None = Field(
        default=None,
        description=(
            "Reserved concurrent executions of the ingestion function; unset, it shares the "
            "account's unreserved pool. Reserving needs the account's concurrency quota to stay "
            "at least 100 above all reservations (new accounts can have a quota of 10)."
        ),
    )


class LoadSettings(StrictModel):
    """How the state machine treats a batch the warehouse cannot load."""

    max_attempts: Annotated[int, Field(ge=1, le=10)] = Field(
        default=3,
        description="Executions that may fail to load one manifest before it moves to the "
        "pipeline's dead-letter prefix (with an alert) and later manifests load without it.",
    )


class PipelineSettings(StrictModel):
    """One dataset: raw prefix -> crawler -> Glue job -> curated table (-> warehouse)."""

    name: ResourceName = Field(description="Pipeline name, used in every resource name.")
    source_prefix: Prefix = Field(description="Prefix in the raw zone where files land.")
    format: SourceFormat = Field(description="Format of the arriving files (json = JSON lines).")
    trigger: Trigger = Field(description="What starts the pipeline.")
    target_table: TableName = Field(description="Curated table (and warehouse table) name.")
    required_columns: list[ColumnName] = Field(
        min_length=1,
        description=(
            "Columns every row needs (a row missing one is dropped); the curated files and the"
            " warehouse table hold these first, in this order."
        ),
    )
    optional_columns: list[ColumnName] = Field(
        default_factory=list,
        description=(
            "Further columns kept when present (null when absent), after the required ones;"
            " source columns named in neither list are dropped."
        ),
    )
    key_columns: list[ColumnName] = Field(min_length=1, description="Columns identifying a row.")
    order_column: ColumnName = Field(description="Newest value wins among rows with one key.")
    column_types: dict[ColumnName, ColumnType] = Field(
        default_factory=dict,
        description="Curated column types (cast by the ETL job); unnamed columns are strings.",
    )
    partition_source_column: ColumnName | None = Field(
        default=None, description="Date/timestamp column giving ingest_date (default: run date)."
    )
    glue: GlueJobSettings = Field(default_factory=GlueJobSettings, description="Glue job.")
    ingest: IngestSettings = Field(default_factory=IngestSettings, description="Ingestion rules.")
    expectations: Expectations = Field(
        default_factory=Expectations,
        description="Row rules, batch rules and freshness the pipeline's data must meet.",
    )
    load: LoadSettings = Field(
        default_factory=LoadSettings, description="How the warehouse load treats failures."
    )

    @model_validator(mode="after")
    def _columns_consistent(self) -> Self:
        """key_columns and order_column are required columns; no column is listed twice or both
        required and optional; column_types names declared columns only;
        partition_source_column is typed date or timestamp; the platform's own column names
        are reserved; source_prefix is not under quarantine/ or rejects/; expectations name
        declared columns of a type their rule can judge."""
        required = set(self.required_columns)
        problems = [
            f"key column '{c}' must also be listed in required_columns"
            for c in self.key_columns
            if c not in required
        ]
        problems += _column_list_problems(self.required_columns, self.optional_columns)
        declared = required.union(self.optional_columns)
        problems += [
            f"column_types names '{c}', which is neither a required nor an optional column"
            for c in self.column_types
            if c not in declared
        ]
        if self.order_column not in required:
            problems.append(
                f"order_column '{self.order_column}' must also be listed in required_columns"
            )
        partition = self.partition_source_column
        if partition is not None and self.column_types.get(partition) not in ("date", "timestamp"):
            problems.append(
                f"partition_source_column '{partition}' must be typed date or timestamp"
            )
        problems += [
            f"source_prefix may not be under '{root}' (reserved for the platform)"
            for root in PLATFORM_RAW_ROOTS
            if self.source_prefix.startswith(root)
        ]
        problems += self.expectations.problems(
            dict(self.curated_columns), self.required_columns, self.optional_columns
        )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def curated_columns(self) -> tuple[tuple[str, ColumnType], ...]:
        """(name, type) of every curated column in file order: required, then optional."""
        names = [*self.required_columns, *self.optional_columns]
        return tuple((name, self.column_types.get(name, "string")) for name in names)

    @property
    def manifest_prefix(self) -> str:
        """Curated-zone prefix of the COPY manifests of Glue runs not yet loaded into the
        warehouse (`_` keeps it apart from every table's prefix)."""
        return f"_manifests/{self.target_table}/"

    @property
    def quarantine_prefix(self) -> str:
        """Raw-zone prefix of the files of this pipeline that the ingestion function or the Glue
        job could not take, each with its reason in the object's metadata."""
        return f"{QUARANTINE_ROOT}{self.name}/"

    @property
    def rejects_prefix(self) -> str:
        """Raw-zone prefix of the rows the Glue job rejected (source file, record number,
        column, original text, reason): producer data, kept under the raw zone's key and
        retention."""
        return f"{REJECTS_ROOT}{self.name}/"

    @property
    def held_prefix(self) -> str:
        """Curated-zone prefix of the COPY manifests of batches that failed a batch rule: not
        loaded until released."""
        return f"_held/{self.target_table}/"

    @property
    def dead_letter_prefix(self) -> str:
        """Curated-zone prefix of the COPY manifests whose load failed `load.max_attempts`
        times: set aside so later manifests load."""
        return f"_dead_letter/{self.target_table}/"

    @property
    def load_attempts_prefix(self) -> str:
        """Curated-zone prefix of the failed load attempts of each manifest, one object per
        failed execution (`<manifest file>/<execution name>`, its body the error): their count
        decides when a manifest moves to the dead-letter prefix."""
        return f"_load_attempts/{self.target_table}/"

    @property
    def run_report_prefix(self) -> str:
        """Curated-zone prefix of each Glue run's report: its row accounting and the outcome
        of every file it read."""
        return f"_runs/{self.target_table}/"

    @property
    def ledger_prefix(self) -> str:
        """Curated-zone prefix of the Glue job's ledger: one marker per source file version it
        curated or quarantined, so no later run reads that file again."""
        return f"_ledger/{self.target_table}/"

    @property
    def rejects_table(self) -> str:
        """The catalog table (raw zone's database) over the rows the Glue job rejected."""
        return f"{self.target_table}_rejects"

    @property
    def allowed_extensions(self) -> tuple[str, ...]:
        return EXTENSIONS[self.format]


def _column_list_problems(required: list[str], optional: list[str]) -> list[str]:
    problems = []
    for label, columns in (("required_columns", required), ("optional_columns", optional)):
        repeated = sorted({c for c in columns if columns.count(c) > 1})
        if repeated:
            problems.append(f"{label} repeats {repeated}")
    both = sorted(set(required).intersection(optional))
    if both:
        problems.append(f"columns {both} are both required and optional")
    reserved = sorted(RESERVED_COLUMNS.intersection([*required, *optional]))
    if reserved:
        problems.append(f"column names {reserved} are reserved by the platform")
    return problems


def check_pipelines(pipelines: list[PipelineSettings]) -> list[PipelineSettings]:
    """Names, tables and raw prefixes must not collide between pipelines."""
    for attribute in ("name", "target_table", "source_prefix"):
        values = [getattr(p, attribute) for p in pipelines]
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise ValueError(f"pipeline {attribute}s must be unique; repeated: {repeated}")
    prefixes = sorted(p.source_prefix for p in pipelines)
    nested = [(a, b) for a, b in itertools.pairwise(prefixes) if b.startswith(a)]
    if nested:
        raise ValueError(f"source prefixes must not nest: {nested[0][0]} contains {nested[0][1]}")
    return pipelines


Pipelines = Annotated[list[PipelineSettings], AfterValidator(check_pipelines)]
