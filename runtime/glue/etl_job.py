"""Glue ETL job: curate a raw source into snake_case, typed, de-duplicated, partitioned Parquet.

The curated files hold exactly the declared columns (required, then optional, with their declared
types) and nothing else, so the warehouse table that loads them is known before any data
arrives. Each run lists the files it wrote in a Redshift COPY manifest under `manifest_prefix`,
so the warehouse loads every batch exactly once, whatever the history holds.

Row logic is pure functions over plain dict rows; the Spark data path (`curate_batch`) needs only
pyspark and `main()` adds Glue and boto3, all imported lazily, so this single self-contained file
imports and tests without Glue installed.
"""

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal, get_args

Row = dict[str, object]
ScalarType = Literal["string", "int", "float", "bool", "date", "timestamp"]
ColumnType = str
"""A scalar type, or `decimal(p,s)` (precision 1-38, scale 0 to the precision)."""
SourceKind = Literal["catalog", "s3"]

COLUMN_TYPES: frozenset[str] = frozenset(get_args(ScalarType))
_DECIMAL_TYPE = re.compile(r"decimal\((\d{1,2}),(\d{1,2})\)")
PARTITION_COLUMN = "ingest_date"
SOURCE_FORMATS = ("csv", "json")
REQUIRED_ARGUMENTS = (
    "JOB_NAME",
    "JOB_RUN_ID",
    "target_path",
    "target_database",
    "target_table",
    "required_columns",
    "key_columns",
    "order_column",
)
OPTIONAL_ARGUMENTS = (
    "source_database",
    "source_table",
    "source_path",
    "source_format",
    "optional_columns",
    "column_types",
    "partition_source_column",
    "manifest_prefix",
)

_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})
_INT_PATTERN = re.compile(r"[+-]?\d+(\.0*)?")
_FLOAT_PATTERN = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class SpecError(ValueError):
    """The job arguments or the source schema cannot produce a well-defined curated table."""


class CastError(ValueError):
    """A value cannot be represented as its declared column type."""


@dataclass(frozen=True)
class JobSpec:
    """What a curated row must satisfy; every column name is already snake_case."""

    required_columns: tuple[str, ...]
    key_columns: tuple[str, ...]
    order_column: str
    column_types: Mapping[str, ColumnType] = field(default_factory=dict)
    partition_source_column: str | None = None
    optional_columns: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """The curated columns in file order: required, then optional."""
        return (*self.required_columns, *self.optional_columns)

    def column_type(self, column: str) -> ColumnType:
        """A curated column's type; a column without a declared type is a string."""
        return self.column_types.get(column, "string")


def to_snake_case(name: str) -> str:
    """`"Order ID"`, `"orderId"`, `"HTTPCode"` -> `order_id`, `order_id`, `http_code` (ASCII)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.strip())
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", spaced)
    return re.sub(r"[^0-9a-zA-Z]+", "_", spaced).strip("_").lower()


def column_mapping(columns: Sequence[str]) -> dict[str, str]:
    """Map each source column to its snake_case name; reject blank or colliding results."""
    mapping: dict[str, str] = {}
    for column in columns:
        normalised = to_snake_case(column)
        if not normalised:
            raise SpecError(f"column {column!r} has no letters or digits to name it by")
        clash = [source for source, target in mapping.items() if target == normalised]
        if clash:
            raise SpecError(f"columns {clash[0]!r} and {column!r} both normalise to {normalised!r}")
        mapping[column] = normalised
    return mapping


def parse_column_list(value: str) -> tuple[str, ...]:
    """Parse `"Order ID, amount"` into snake_case names, dropping blanks and repeats."""
    names = (to_snake_case(part) for part in value.split(","))
    return tuple(dict.fromkeys(name for name in names if name))


def decimal_parts(column_type: ColumnType) -> tuple[int, int] | None:
    """(precision, scale) of a valid `decimal(p,s)` type; None for a scalar type."""
    match = _DECIMAL_TYPE.fullmatch(column_type)
    if match is None:
        return None
    precision, scale = int(match[1]), int(match[2])
    return (precision, scale) if 1 <= precision <= 38 and scale <= precision else None


def is_column_type(value: str) -> bool:
    return value in COLUMN_TYPES or decimal_parts(value) is not None


def parse_column_types(value: str) -> dict[str, ColumnType]:
    """Parse `"order_id:int,paid:bool,amount:decimal(12,2)"` (commas inside a decimal's
    parentheses do not separate items); unknown types, blanks and repeated columns are errors."""
    types: dict[str, ColumnType] = {}
    for item in (part.strip() for part in re.split(r",(?![^()]*\))", value)):
        if not item:
            continue
        name, sep, type_name = (piece.strip() for piece in item.partition(":"))
        column = to_snake_case(name)
        if not sep or not column or not is_column_type(type_name):
            allowed = ", ".join(sorted(COLUMN_TYPES))
            raise SpecError(
                f"column type {item!r} is not <column>:<type> with type in {allowed} or "
                "decimal(p,s) with 1 <= p <= 38, s <= p"
            )
        if column in types:
            raise SpecError(f"column {column!r} has more than one declared type")
        types[column] = type_name
    return types


def build_spec(args: Mapping[str, str]) -> JobSpec:
    """Build the spec from resolved job arguments, failing before any data is read."""
    spec = JobSpec(
        required_columns=parse_column_list(args["required_columns"]),
        key_columns=parse_column_list(args["key_columns"]),
        order_column=to_snake_case(args["order_column"]),
        column_types=parse_column_types(args.get("column_types", "")),
        partition_source_column=to_snake_case(args.get("partition_source_column", "")) or None,
        optional_columns=parse_column_list(args.get("optional_columns", "")),
    )
    problems = spec_problems(spec)
    if problems:
        raise SpecError("; ".join(problems))
    return spec


def spec_problems(spec: JobSpec) -> list[str]:
    """Cross-field rules: keys, ordering and partition source must be required, typed columns."""
    required = set(spec.required_columns)
    problems = [] if spec.key_columns else ["key_columns is empty"]
    problems += [f"key column {c!r} is not required" for c in spec.key_columns if c not in required]
    if spec.order_column not in required:
        problems.append(f"order column {spec.order_column!r} is not required")
    source = spec.partition_source_column
    if source is not None and source not in required:
        problems.append(f"partition source column {source!r} is not required")
    if source is not None and spec.column_types.get(source) not in ("date", "timestamp"):
        problems.append(f"partition source column {source!r} is not typed date or timestamp")
    both = [c for c in spec.optional_columns if c in required]
    if both:
        problems.append(f"columns {both} are both required and optional")
    undeclared = [c for c in spec.column_types if c not in spec.columns]
    if undeclared:
        problems.append(f"typed columns {undeclared} are neither required nor optional")
    if PARTITION_COLUMN in spec.columns:
        problems.append(f"{PARTITION_COLUMN!r} is reserved for the partition column")
    return problems


def source_kind(args: Mapping[str, str]) -> SourceKind:
    """Exactly one source: a catalog table (database and table) or an S3 path with a format."""
    catalog = "source_database" in args and "source_table" in args
    s3 = "source_path" in args
    if catalog == s3:
        raise SpecError("give either --source_database and --source_table, or --source_path")
    if s3 and args.get("source_format", "csv") not in SOURCE_FORMATS:
        raise SpecError(f"--source_format must be one of {', '.join(SOURCE_FORMATS)}")
    return "catalog" if catalog else "s3"


def job_argument_names(argv: Sequence[str]) -> list[str]:
    """Names to pass to getResolvedOptions: it fails on absent names, so optional ones go only if
    present on the command line."""
    present = [name for name in OPTIONAL_ARGUMENTS if f"--{name}" in argv]
    return [*REQUIRED_ARGUMENTS, *present]


def check_source_columns(columns: Iterable[str], spec: JobSpec) -> None:
    """Fail the job when the source lacks a required column, rather than dropping every row."""
    available = set(columns)
    missing = [c for c in spec.required_columns if c not in available]
    if missing:
        raise SpecError(f"source lacks required columns {missing}")


def trim_strings(row: Row) -> Row:
    """Strip surrounding whitespace from strings; a blank string becomes None (missing)."""
    return {
        column: (value.strip() or None) if isinstance(value, str) else value
        for column, value in row.items()
    }


def _cast_int(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_PATTERN.fullmatch(value):
        return int(value.split(".")[0])
    raise CastError(f"{value!r} is not an integer")


def _cast_float(value: object) -> float:
    if isinstance(value, bool):
        raise CastError(f"{value!r} is not a number")
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    if isinstance(value, str) and _FLOAT_PATTERN.fullmatch(value):
        return float(value)
    raise CastError(f"{value!r} is not a finite number")


def _cast_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str | int) else ""
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise CastError(f"{value!r} is not a boolean")


def _cast_timestamp(value: object) -> datetime:
    """Aware UTC datetime; naive input is taken to be UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as error:
            raise CastError(f"{value!r} is not an ISO 8601 timestamp") from error
    else:
        raise CastError(f"{value!r} is not a timestamp")
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _cast_date(value: object) -> date:
    if isinstance(value, datetime):
        return _cast_timestamp(value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise CastError(f"{value!r} is not an ISO 8601 date") from error
    raise CastError(f"{value!r} is not an ISO 8601 date (YYYY-MM-DD)")


def _cast_decimal(value: object, precision: int, scale: int) -> Decimal:
    """A number rounded half up to `scale` places (as Spark's cast to DecimalType rounds) that
    fits `precision` digits."""
    if isinstance(value, bool):
        raise CastError(f"{value!r} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise CastError(f"{value!r} is not a finite number")
    text = value if isinstance(value, str) else str(value)
    if isinstance(value, str) and not _FLOAT_PATTERN.fullmatch(value):
        raise CastError(f"{value!r} is not a number")
    try:
        number = Decimal(text).quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    except InvalidOperation as error:
        raise CastError(f"{value!r} does not fit decimal({precision},{scale})") from error
    if len(number.as_tuple().digits) > precision and number != 0:
        raise CastError(f"{value!r} does not fit decimal({precision},{scale})")
    return number


_CASTS: dict[ScalarType, Callable[[object], object]] = {
    "string": str,
    "int": _cast_int,
    "float": _cast_float,
    "bool": _cast_bool,
    "date": _cast_date,
    "timestamp": _cast_timestamp,
}


def cast_value(value: object, column_type: ColumnType) -> object:
    """Cast one value; None stays None, anything unrepresentable raises CastError."""
    if value is None:
        return None
    parts = decimal_parts(column_type)
    if parts is not None:
        return _cast_decimal(value, *parts)
    return _CASTS[column_type](value)  # type: ignore[index]  # a scalar type: parsed on input


def cast_row(row: Row, column_types: Mapping[str, ColumnType]) -> tuple[Row, list[str]]:
    """Cast declared columns; a value that fails becomes None and its column is reported."""
    cast: Row = dict(row)
    failed: list[str] = []
    for column, column_type in column_types.items():
        try:
            cast[column] = cast_value(row.get(column), column_type)
        except CastError:
            cast[column] = None
            failed.append(column)
    return cast, failed


def missing_required(row: Row, required: Iterable[str]) -> list[str]:
    """Required columns that are absent or None in the row."""
    return [column for column in required if row.get(column) is None]


def partition_value(row: Row, source_column: str | None, run_date: date) -> str:
    """The `ingest_date` (YYYY-MM-DD, UTC) from the source column if any, else the run date."""
    value = row.get(source_column) if source_column else None
    return _cast_date(value).isoformat() if value is not None else run_date.isoformat()


def prepare_row(raw: Row, mapping: Mapping[str, str], spec: JobSpec, run_date: date) -> Row | None:
    """Rename, keep the declared columns, trim, cast and partition one row; None when a required
    column ends up missing."""
    renamed = {mapping.get(column, to_snake_case(column)): value for column, value in raw.items()}
    declared = {column: renamed.get(column) for column in spec.columns}
    types = {column: spec.column_type(column) for column in spec.columns}
    row, _failed = cast_row(trim_strings(declared), types)
    if missing_required(row, spec.required_columns):
        return None
    row[PARTITION_COLUMN] = partition_value(row, spec.partition_source_column, run_date)
    return row


def dedupe_key(row: Row, key_columns: Sequence[str]) -> tuple[object, ...]:
    """The row's identity for de-duplication."""
    return tuple(row.get(column) for column in key_columns)


def _rank(row: Row, order_column: str) -> tuple[int, Any, str]:
    value = row.get(order_column)
    canonical = json.dumps(row, sort_keys=True, default=str)
    return (0, "", canonical) if value is None else (1, value, canonical)


def latest(first: Row, second: Row, order_column: str) -> Row:
    """The later row by the order column; ties go to the greater canonical JSON, so the choice is
    the same whatever order rows arrive in (safe for Spark's reduceByKey)."""
    return second if _rank(second, order_column) > _rank(first, order_column) else first


def dedupe_latest(rows: Iterable[Row], key_columns: Sequence[str], order_column: str) -> list[Row]:
    """Keep one row per key: the latest by the order column. Output follows first-seen key order."""
    kept: dict[tuple[object, ...], Row] = {}
    for row in rows:
        key = dedupe_key(row, key_columns)
        kept[key] = latest(kept[key], row, order_column) if key in kept else row
    return list(kept.values())


def output_columns(spec: JobSpec) -> list[str]:
    """Curated column order: the declared columns, then the partition column last."""
    return [*spec.columns, PARTITION_COLUMN]


def to_record(row: Row, columns: Sequence[str]) -> tuple[object, ...]:
    """The row as a tuple in curated column order (missing columns are None)."""
    return tuple(row.get(column) for column in columns)


def _read_source(glue_context: Any, args: Mapping[str, str]) -> Any:
    """Read the source as a DynamicFrame; `transformation_ctx` makes job bookmarks track it."""
    if source_kind(args) == "catalog":
        return glue_context.create_dynamic_frame.from_catalog(
            database=args["source_database"],
            table_name=args["source_table"],
            transformation_ctx="source",
        )
    source_format = args.get("source_format", "csv")
    return glue_context.create_dynamic_frame.from_options(
        connection_type="s3",
        connection_options={"paths": [args["source_path"]], "recurse": True},
        format=source_format,
        format_options={"withHeader": True} if source_format == "csv" else {},
        transformation_ctx="source",
    )


def _spark_schema(spec: JobSpec) -> Any:
    """The declared columns with their declared types, then the string partition column."""
    from pyspark.sql import types as t

    spark_types: dict[str, Any] = {
        "string": t.StringType(),
        "int": t.LongType(),
        "float": t.DoubleType(),
        "bool": t.BooleanType(),
        "date": t.DateType(),
        "timestamp": t.TimestampType(),
    }

    def spark_type(column_type: ColumnType) -> Any:
        parts = decimal_parts(column_type)
        return t.DecimalType(*parts) if parts else spark_types[column_type]

    fields = [
        t.StructField(c, spark_type(spec.column_type(c)), nullable=True) for c in spec.columns
    ]
    return t.StructType([*fields, t.StructField(PARTITION_COLUMN, t.StringType(), False)])


def _curate(spark: Any, source_df: Any, spec: JobSpec, run_date: date) -> Any:
    """Apply the pure row functions on the executors and de-duplicate across the whole batch."""
    mapping = column_mapping(source_df.columns)
    check_source_columns(mapping.values(), spec)
    columns = output_columns(spec)

    def prepare(rows: Iterable[Any]) -> Iterator[Row]:
        for row in rows:
            prepared = prepare_row(row.asDict(), mapping, spec, run_date)
            if prepared is not None:
                yield prepared

    deduped = (
        source_df.rdd.mapPartitions(prepare)
        .keyBy(lambda row: dedupe_key(row, spec.key_columns))
        .reduceByKey(lambda a, b: latest(a, b, spec.order_column))
        .values()
    )
    records = deduped.map(lambda row: to_record(row, columns))
    return spark.createDataFrame(records, _spark_schema(spec))


def curate_batch(spark: Any, source_df: Any, spec: JobSpec, run_date: date) -> Any | None:
    """The curated DataFrame for one batch, or None for an empty batch: a bookmarked run with no
    new input reads a frame without rows (or columns), which must neither fail nor be written."""
    if source_df.rdd.isEmpty():
        return None
    return _curate(spark, source_df, spec, run_date)


Transform = Callable[[Any], Any]
"""A custom step on the curated DataFrame: rows may change, the columns may not."""


def apply_transform(curated: Any, spec: JobSpec, transform: Transform) -> Any:
    """`transform(curated)`, checked to keep exactly the declared columns, in order, with their
    declared types: the warehouse table is built from the declaration, not from the data."""
    result = transform(curated)
    wanted = [(f.name, f.dataType.simpleString()) for f in _spark_schema(spec).fields]
    found = [(f.name, f.dataType.simpleString()) for f in result.schema.fields]
    if found != wanted:

        def shown(columns: list[tuple[str, str]]) -> str:
            return ", ".join(f"{name} {kind}" for name, kind in columns)

        raise SpecError(
            f"the transform must keep the declared columns ({shown(wanted)}), in order;"
            f" it returned ({shown(found)})"
        )
    return result


def _write_curated(glue_context: Any, curated_df: Any, args: Mapping[str, str]) -> None:
    """Write partitioned Parquet and create or update the catalog table and its partitions."""
    from awsglue.dynamicframe import DynamicFrame

    sink = glue_context.getSink(
        connection_type="s3",
        path=args["target_path"],
        enableUpdateCatalog=True,
        updateBehavior="UPDATE_IN_DATABASE",
        partitionKeys=[PARTITION_COLUMN],
        transformation_ctx="curated_sink",
    )
    sink.setFormat("glueparquet")
    sink.setCatalogInfo(
        catalogDatabase=args["target_database"], catalogTableName=args["target_table"]
    )
    sink.writeFrame(DynamicFrame.fromDF(curated_df, glue_context, "curated"))


def split_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix/` -> (`bucket`, `some/prefix/`)."""
    if not url.startswith("s3://") or "/" not in url[len("s3://") :]:
        raise SpecError(f"{url!r} is not an s3://bucket/prefix/ URL")
    bucket, _, prefix = url[len("s3://") :].partition("/")
    return bucket, prefix


def list_data_files(s3: Any, bucket: str, prefix: str) -> dict[str, int]:
    """Every Parquet file under the prefix, with its size in bytes."""
    files: dict[str, int] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if item["Key"].endswith(".parquet"):
                files[item["Key"]] = int(item["Size"])
    return files


def copy_manifest(bucket: str, files: Mapping[str, int]) -> dict[str, object]:
    """A Redshift COPY manifest of the files; Parquet needs each file's content_length."""
    return {
        "entries": [
            {"url": f"s3://{bucket}/{key}", "mandatory": True, "meta": {"content_length": size}}
            for key, size in sorted(files.items())
        ]
    }


def write_run_manifest(
    s3: Any, manifest_prefix: str, run_id: str, bucket: str, written: Mapping[str, int]
) -> str | None:
    """Record the files one run wrote, for the warehouse load; None when it wrote none."""
    if not written:
        return None
    manifest_bucket, prefix = split_s3_url(manifest_prefix)
    key = f"{prefix}{run_id}.json"
    body = json.dumps(copy_manifest(bucket, written), indent=1).encode()
    s3.put_object(Bucket=manifest_bucket, Key=key, Body=body, ContentType="application/json")
    return key


def write_batch(write: Callable[[], None], s3: Any, args: Mapping[str, str]) -> str | None:
    """Write a curated batch with `write` and list what it added in the run's manifest.

    Only one run of the job writes at a time (its concurrency is 1), so the files under the
    target that were not there before the write are exactly this run's.
    """
    bucket, prefix = split_s3_url(args["target_path"])
    before = list_data_files(s3, bucket, prefix)
    write()
    after = list_data_files(s3, bucket, prefix)
    written = {key: size for key, size in after.items() if key not in before}
    if "manifest_prefix" not in args:
        return None
    return write_run_manifest(s3, args["manifest_prefix"], args["JOB_RUN_ID"], bucket, written)


def main(transform: Transform | None = None) -> None:
    """Glue entry point: resolve arguments, run one bookmarked batch, record the files it wrote,
    commit the bookmark. A custom script calls it with its `transform` (docs/transformations.md).
    With `--help` it prints the job arguments it reads and does nothing else."""
    import sys

    if {"-h", "--help"}.intersection(sys.argv[1:]):
        print(usage())
        return

    import boto3  # type: ignore[import-untyped]  # boto3 ships no type information
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext

    args: dict[str, str] = getResolvedOptions(sys.argv, job_argument_names(sys.argv))
    spec = build_spec(args)
    source_kind(args)
    glue_context = GlueContext(SparkContext.getOrCreate())
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    source_df = _read_source(glue_context, args).toDF()
    run_date = datetime.now(UTC).date()
    curated = curate_batch(glue_context.spark_session, source_df, spec, run_date)
    if curated is not None and transform is not None:
        curated = apply_transform(curated, spec, transform)
    if curated is not None:
        write_batch(lambda: _write_curated(glue_context, curated, args), boto3.client("s3"), args)
    job.commit()


def usage() -> str:
    """What `--help` prints: the job arguments Glue passes (the program declares them)."""
    required = " ".join(f"--{name} VALUE" for name in REQUIRED_ARGUMENTS)
    optional = " ".join(f"[--{name} VALUE]" for name in OPTIONAL_ARGUMENTS)
    return f"usage: etl_job.py {required} {optional}\n\n{__doc__}"


if __name__ == "__main__":
    main()
