"""Glue ETL job: curate a batch of raw files into snake_case, typed, de-duplicated, partitioned
Parquet, accounting for every row it reads.

Each run reads the source files that no earlier run recorded in the pipeline's ledger, each value
as text (no type inference), and curates them in Spark DataFrame operations whose semantics the
pure row functions below specify: every row read is curated, superseded by a newer row of its key,
or rejected with one reject record per problem (`read = curated + superseded + rejected`). A file
the job cannot curate is copied to quarantine with its reason and never read again; the other
files go on. The run's COPY manifest goes to the pending prefix, or to the held prefix when the
batch fails a batch rule; its run report and metrics carry the accounting. With `--migrations`,
the declared warehouse migrations of its table reach the curated files, the manifests naming them
and the catalog table first (CuratedMigrations).

The row functions and argument parsing are plain Python; the Spark path needs only pyspark and
`main()` adds Glue and boto3, all imported lazily, so this single self-contained file (Glue runs
it alone, and ships it beside custom scripts as their library) imports and tests without Glue.
"""

import codecs
import csv
import io
import json
import math
import re
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
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
METRICS_NAMESPACE = "DataPlatform/Pipelines"
# The ingestion function's metadata names (runtime/ingest/handler.py), on the job's quarantine
# copies too: one alert reads both.
REASON_METADATA = "quarantine-reason"
SOURCE_ETAG_METADATA = "source-etag"
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
    "expectations",
    "pipeline",
    "rejects_path",
    "rejects_database",
    "rejects_table",
    "quarantine_path",
    "run_report_prefix",
    "held_prefix",
    "ledger_prefix",
    "dead_letter_prefix",
    "migrations",
)
ROW_RULES = ("not-null", "range", "allowed-values", "pattern", "unique-key")


class SpecError(ValueError):
    """The job arguments or the source schema cannot produce a well-defined curated table."""


class CastError(ValueError):
    """A value cannot be represented as its declared column type; the message says why, the same
    sentence for every value that fails the same way (the Spark path produces it as a literal)."""


# -- the job's specification ------------------------------------------------------------------


@dataclass(frozen=True)
class RowRule:
    """One row expectation: `kind` with its column and its parameters."""

    kind: str
    column: str | None = None
    min: float | None = None
    max: float | None = None
    values: tuple[str, ...] = ()
    regex: str | None = None


@dataclass(frozen=True)
class Expectations:
    """The pipeline's row rules, the columns kept as NULL on a failed cast, and its batch rules."""

    rows: tuple[RowRule, ...] = ()
    null_on_cast_failure: frozenset[str] = frozenset()
    min_rows: int | None = None
    max_reject_ratio: float | None = None

    @property
    def unique_key(self) -> bool:
        return any(rule.kind == "unique-key" for rule in self.rows)


@dataclass(frozen=True)
class JobSpec:
    """What a curated row must satisfy; every column name is already snake_case."""

    required_columns: tuple[str, ...]
    key_columns: tuple[str, ...]
    order_column: str
    column_types: Mapping[str, ColumnType] = field(default_factory=dict)
    partition_source_column: str | None = None
    optional_columns: tuple[str, ...] = ()
    expectations: Expectations = field(default_factory=Expectations)

    @property
    def columns(self) -> tuple[str, ...]:
        """The curated columns in file order: required, then optional."""
        return (*self.required_columns, *self.optional_columns)

    def column_type(self, column: str) -> ColumnType:
        """A curated column's type; a column without a declared type is a string."""
        return self.column_types.get(column, "string")

    @property
    def tie_break(self) -> tuple[str, ...]:
        """Among rows of one key the row greatest on these columns, compared in this order, each
        descending with NULL last, wins: the order column, then every other declared column
        except the key (the warehouse load orders its ROW_NUMBER() the same way)."""
        others = [c for c in self.columns if c not in (self.order_column, *self.key_columns)]
        return (self.order_column, *others)


def to_snake_case(name: str) -> str:
    """`"Order ID"`, `"orderId"`, `"HTTPCode"` -> `order_id`, `order_id`, `http_code` (ASCII)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.strip())
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", spaced)
    return re.sub(r"[^0-9a-zA-Z]+", "_", spaced).strip("_").lower()


def header_problems(columns: Sequence[str]) -> list[str]:
    """What makes a header unusable: a column without letters or digits, two columns with one
    snake_case name (a repeated column included)."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for position, column in enumerate(columns, start=1):
        normalised = to_snake_case(column)
        if not normalised:
            problems.append(
                f"column {position} ({column!r}) has no letters or digits to name it by"
            )
        elif normalised in seen:
            problems.append(
                f"columns {seen[normalised]!r} and {column!r} both normalise to {normalised!r}"
            )
        else:
            seen[normalised] = column
    return problems


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


def parse_expectations(text: str) -> Expectations:
    """The `--expectations` argument: the pipeline's Expectations as JSON (the stack config's
    model dumped); an empty argument expects nothing."""
    if not text.strip():
        return Expectations()
    try:
        document = json.loads(text)
        rows = tuple(_row_rule(item) for item in document.get("rows", []))
        batch = document.get("batch") or {}
        return Expectations(
            rows=rows,
            null_on_cast_failure=frozenset(
                to_snake_case(c) for c in document.get("null_on_cast_failure", [])
            ),
            min_rows=batch.get("min_rows"),
            max_reject_ratio=batch.get("max_reject_ratio"),
        )
    except (ValueError, TypeError, AttributeError, KeyError) as error:
        message = f"--expectations is not the pipeline's expectations as JSON: {error}"
        raise SpecError(message) from error


def _row_rule(item: Mapping[str, Any]) -> RowRule:
    kind = item["kind"]
    if kind not in ROW_RULES:
        raise ValueError(f"row rule kind {kind!r} is not one of {', '.join(ROW_RULES)}")
    column = item.get("column")
    return RowRule(
        kind=kind,
        column=to_snake_case(column) if column else None,
        min=item.get("min"),
        max=item.get("max"),
        values=tuple(item.get("values", ())),
        regex=item.get("regex"),
    )


def build_spec(args: Mapping[str, str]) -> JobSpec:
    """Build the spec from resolved job arguments, failing before any data is read."""
    spec = JobSpec(
        required_columns=parse_column_list(args["required_columns"]),
        key_columns=parse_column_list(args["key_columns"]),
        order_column=to_snake_case(args["order_column"]),
        column_types=parse_column_types(args.get("column_types", "")),
        partition_source_column=to_snake_case(args.get("partition_source_column", "")) or None,
        optional_columns=parse_column_list(args.get("optional_columns", "")),
        expectations=parse_expectations(args.get("expectations", "")),
    )
    problems = spec_problems(spec)
    if problems:
        raise SpecError("; ".join(problems))
    return spec


def spec_problems(spec: JobSpec) -> list[str]:
    """Cross-field rules: keys, ordering and partition source must be required, typed columns;
    expectations name declared columns."""
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
    expected = [r.column for r in spec.expectations.rows if r.column is not None]
    expected += sorted(spec.expectations.null_on_cast_failure)
    problems += [
        f"expectations name {c!r}, not a declared column" for c in expected if c not in spec.columns
    ]
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


# -- the row functions: the specification of the Spark path ------------------------------------

# Patterns are ASCII (Java's regular expressions, which the Spark path uses, read \d as ASCII).
INT_TEXT = r"[+-]?[0-9]+(\.0*)?"
FLOAT_TEXT = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"
DECIMAL_TEXT = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,4})?"
DATE_TEXT = r"(?!0000)[0-9]{4}-[0-9]{2}-[0-9]{2}"
TIMESTAMP_TEXT = (
    DATE_TEXT + r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-]((0[0-9]|1[0-7]):[0-5][0-9]|18:00))?)?"
)
WHITESPACE = " \t\n\r\x0b\x0c"
TRUE_TEXTS = ("true", "t", "yes", "y", "1")
FALSE_TEXTS = ("false", "f", "no", "n", "0")
INT64 = (-(2**63), 2**63 - 1)
# Spark reads a decimal's text into a number first and gives up on more than 38 integral digits
# as written (a zero with a large exponent included).
MAX_INTEGRAL_DIGITS = 38

NOT_WHOLE = "is not a whole number"
INT_RANGE = "is outside the 64-bit integer range"
NOT_NUMBER = "is not a number"
DOUBLE_RANGE = "is too large for a double-precision number"
NOT_BOOL = "is not a boolean (true/false, t/f, yes/no, y/n, 1/0)"
NOT_DATE = "is not a date (YYYY-MM-DD)"
NOT_TIMESTAMP = "is not a timestamp (YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|+HH:MM|-HH:MM])"
TIMESTAMP_RANGE = "is outside the years 0001-9999 in UTC"


def decimal_misfit(precision: int, scale: int) -> str:
    return f"does not fit decimal({precision},{scale})"


def _matches(pattern: str, text: str) -> bool:
    return re.fullmatch(pattern, text, flags=re.ASCII) is not None


def trim_text(text: str | None) -> str | None:
    """Strip ASCII whitespace (space, tab, line feed, carriage return, vertical tab, form feed)
    from both ends; nothing left is no value."""
    return (text.strip(WHITESPACE) or None) if text is not None else None


def _cast_int(text: str) -> int:
    if not _matches(INT_TEXT, text):
        raise CastError(NOT_WHOLE)
    number = int(text.partition(".")[0])
    if not INT64[0] <= number <= INT64[1]:
        raise CastError(INT_RANGE)
    return number


def _cast_float(text: str) -> float:
    if not _matches(FLOAT_TEXT, text):
        raise CastError(NOT_NUMBER)
    number = float(text)
    if not math.isfinite(number):
        raise CastError(DOUBLE_RANGE)
    return number


def _cast_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in TRUE_TEXTS or lowered in FALSE_TEXTS:
        return lowered in TRUE_TEXTS
    raise CastError(NOT_BOOL)


def _cast_date(text: str) -> date:
    if not _matches(DATE_TEXT, text):
        raise CastError(NOT_DATE)
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CastError(NOT_DATE) from error


def _cast_timestamp(text: str) -> datetime:
    """Aware UTC datetime; text without an offset is UTC."""
    if not _matches(TIMESTAMP_TEXT, text):
        raise CastError(NOT_TIMESTAMP)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as error:
        raise CastError(NOT_TIMESTAMP) from error
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError as error:
        raise CastError(TIMESTAMP_RANGE) from error


def _cast_decimal(text: str, precision: int, scale: int) -> Decimal:
    """A number rounded half up to `scale` places (as Spark's cast to DecimalType rounds) that
    fits `precision` digits."""
    if not _matches(DECIMAL_TEXT, text):
        raise CastError(NOT_NUMBER)
    number = Decimal(text)
    written = number.as_tuple()
    if len(written.digits) + int(written.exponent) > MAX_INTEGRAL_DIGITS:
        raise CastError(decimal_misfit(precision, scale))
    try:
        rounded = number.quantize(
            Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP, context=Context(prec=100)
        )
    except InvalidOperation as error:
        raise CastError(decimal_misfit(precision, scale)) from error
    if len(rounded.as_tuple().digits) > precision and rounded != 0:
        raise CastError(decimal_misfit(precision, scale))
    return rounded


_CASTS: dict[ScalarType, Callable[[str], object]] = {
    "string": str,
    "int": _cast_int,
    "float": _cast_float,
    "bool": _cast_bool,
    "date": _cast_date,
    "timestamp": _cast_timestamp,
}


def cast_value(text: str | None, column_type: ColumnType) -> object:
    """Cast one trimmed text; None stays None, anything unrepresentable raises CastError."""
    if text is None:
        return None
    parts = decimal_parts(column_type)
    if parts is not None:
        return _cast_decimal(text, *parts)
    return _CASTS[column_type](text)  # type: ignore[index]  # a scalar type: parsed on input


@dataclass(frozen=True)
class SourceRecord:
    """One data record as read: its file, its 1-based number there (header excluded; a JSON
    line's line number), each declared column's text (None: absent or empty), and the reason a
    record the reader could not map to columns is malformed."""

    source: str
    number: int
    values: Mapping[str, str | None]
    malformed: str | None = None
    malformed_text: str | None = None


@dataclass(frozen=True)
class Problem:
    """One reason a record is rejected (or, with `rejects` false, a value kept as NULL)."""

    rule: str
    column: str | None
    original: str | None
    reason: str
    rejects: bool = True


def _bounds(rule: RowRule) -> str:
    if rule.min is not None and rule.max is not None:
        return f"between {rule.min:g} and {rule.max:g}"
    return f"at least {rule.min:g}" if rule.min is not None else f"at most {rule.max:g}"


def rule_reason(rule: RowRule, spec: JobSpec) -> str:
    """The sentence a reject record of a row rule carries."""
    column = rule.column
    if rule.kind == "not-null":
        return f"{column} has no value (expectation not-null)"
    if rule.kind == "range":
        return f"{column} is not {_bounds(rule)}"
    if rule.kind == "allowed-values":
        return f"{column} is not one of the allowed values"
    if rule.kind == "pattern":
        return f"{column} does not match the pattern {rule.regex}"
    return f"the key ({', '.join(spec.key_columns)}) appears more than once in the file"


def kept_suffix(kept: bool) -> str:
    return "; kept as NULL (expectations.null_on_cast_failure)" if kept else ""


def cast_reason(column: str, message: str, kept: bool) -> str:
    """The sentence of a failed cast: the column, why, and whether the row was kept."""
    return f"{column} {message}{kept_suffix(kept)}"


def required_reason(column: str) -> str:
    return f"{column} is required and has no value"


def _breaks(rule: RowRule, value: object) -> bool:
    """Whether a value breaks a value rule (NULL is left to not-null)."""
    if value is None:
        return False
    if rule.kind == "range":
        number = float(value)  # type: ignore[arg-type]  # range rules name numeric columns
        return (rule.min is not None and number < rule.min) or (
            rule.max is not None and number > rule.max
        )
    if rule.kind == "allowed-values":
        return value not in rule.values
    return rule.kind == "pattern" and not re.fullmatch(rule.regex or "", str(value), re.ASCII)


def check_record(record: SourceRecord, spec: JobSpec) -> tuple[Row, list[Problem]]:
    """The typed row (declared columns) and its problems, in a fixed order: casts and required
    columns in declared order, then the row rules in their order (unique-key, which needs the
    whole file, is `curate_records`'s)."""
    if record.malformed is not None:
        problem = Problem("malformed", None, record.malformed_text, record.malformed)
        return dict.fromkeys(spec.columns), [problem]
    row: Row = {}
    problems: list[Problem] = []
    failed: set[str] = set()
    for column in spec.columns:
        original = record.values.get(column)
        try:
            row[column] = cast_value(trim_text(original), spec.column_type(column))
        except CastError as error:
            row[column] = None
            failed.add(column)
            kept = column in spec.expectations.null_on_cast_failure
            reason = cast_reason(column, str(error), kept)
            problems.append(Problem("cast", column, original, reason, rejects=not kept))
    for column in spec.required_columns:
        if row[column] is None and column not in failed:
            original = record.values.get(column)
            problems.append(Problem("required", column, original, required_reason(column)))
    problems += _rule_problems(record, row, failed, spec)
    return row, problems


def _rule_problems(
    record: SourceRecord, row: Row, failed: set[str], spec: JobSpec
) -> list[Problem]:
    problems = []
    rejecting = {c for c in failed if c not in spec.expectations.null_on_cast_failure}
    for rule in spec.expectations.rows:
        column = rule.column
        if column is None:
            continue
        original = record.values.get(column)
        if rule.kind == "not-null":
            missing = row[column] is None and column not in rejecting
            if missing and column not in spec.required_columns:
                problems.append(Problem(rule.kind, column, original, rule_reason(rule, spec)))
        elif _breaks(rule, row[column]):
            problems.append(Problem(rule.kind, column, original, rule_reason(rule, spec)))
    return problems


def partition_value(row: Row, source_column: str | None, run_date: date) -> str:
    """The `ingest_date` (YYYY-MM-DD, UTC) from the source column if any, else the run date."""
    value = row.get(source_column) if source_column else None
    if isinstance(value, datetime):
        return value.astimezone(UTC).date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return run_date.isoformat()


def dedupe_key(row: Row, key_columns: Sequence[str]) -> tuple[object, ...]:
    """The row's identity for de-duplication."""
    return tuple(row.get(column) for column in key_columns)


def _rank(row: Row, order: Sequence[str]) -> tuple[tuple[bool, object], ...]:
    # Descending with NULL last: a value beats NULL, a greater value beats a smaller one.
    return tuple((row.get(column) is not None, row.get(column)) for column in order)


def dedupe_latest(
    rows: Iterable[Row],
    key_columns: Sequence[str],
    order_column: str,
    others: Sequence[str] | None = None,
) -> list[Row]:
    """Keep one row per key: the greatest by the order column, then by `others` (by default the
    row's other columns in their order), each descending with NULL last. Output follows
    first-seen key order."""
    kept: dict[tuple[object, ...], Row] = {}
    for row in rows:
        rest = others
        if rest is None:
            rest = [c for c in row if c not in (order_column, *key_columns)]
        key = dedupe_key(row, key_columns)
        order = (order_column, *rest)
        if key not in kept or _rank(row, order) > _rank(kept[key], order):
            kept[key] = row
    return list(kept.values())


@dataclass(frozen=True)
class RejectRecord:
    """A reject record as written (without the run id): where, what, which rule, why."""

    source_file: str
    record_number: int
    column_name: str | None
    original_text: str | None
    rule: str
    reason: str


@dataclass
class Curation:
    """A batch curated by the row functions: the curated rows (with `ingest_date`), the reject
    records, rows read and rejected per file, and the rows superseded by a newer row of their
    key."""

    curated: list[Row]
    rejects: list[RejectRecord]
    read: dict[str, int]
    rejected: dict[str, int]
    superseded: int


def curate_records(records: Sequence[SourceRecord], spec: JobSpec, run_date: date) -> Curation:
    """The specification of the Spark path: check every record, reject repeated keys of a file
    under unique-key, keep the latest row of each key among the rows not rejected."""
    checked = [(record, *check_record(record, spec)) for record in records]
    if spec.expectations.unique_key:
        _reject_repeated_keys(checked, spec)
    read = Counter(record.source for record in records)
    rejected: Counter[str] = Counter()
    rejects: list[RejectRecord] = []
    kept: list[Row] = []
    for record, row, problems in checked:
        rejects += [
            RejectRecord(record.source, record.number, p.column, p.original, p.rule, p.reason)
            for p in problems
        ]
        if any(p.rejects for p in problems):
            rejected[record.source] += 1
        else:
            kept.append(
                {
                    **row,
                    PARTITION_COLUMN: partition_value(row, spec.partition_source_column, run_date),
                }
            )
    curated = dedupe_latest(kept, spec.key_columns, spec.order_column, spec.tie_break[1:])
    return Curation(curated, rejects, dict(read), dict(rejected), len(kept) - len(curated))


def _reject_repeated_keys(
    checked: list[tuple[SourceRecord, Row, list[Problem]]], spec: JobSpec
) -> None:
    """unique-key: every record of a key repeated within one file (records whose key columns
    all hold a value, malformed records aside) gets a problem."""

    def identity(record: SourceRecord, row: Row) -> tuple[object, ...] | None:
        key = dedupe_key(row, spec.key_columns)
        return None if record.malformed or None in key else (record.source, *key)

    counts = Counter(identity(record, row) for record, row, _ in checked)
    rule = RowRule("unique-key")
    for record, row, problems in checked:
        found = identity(record, row)
        if found is not None and counts[found] > 1:
            problems.append(Problem("unique-key", None, None, rule_reason(rule, spec)))


# -- the Spark path -----------------------------------------------------------------------------

SESSION_CONF = {
    # Naive timestamps are UTC, and ingest_date is the UTC date.
    "spark.sql.session.timeZone": "UTC",
    # A JSON line with a key twice keeps the last value (as Python's json does) instead of
    # failing the job; keys that normalise to one name are found and rejected explicitly.
    "spark.sql.mapKeyDedupPolicy": "LAST_WIN",
    # Dates before 1582 and timestamps before 1900 are written as they are (proleptic Gregorian,
    # as Redshift reads them) instead of failing the write.
    "spark.sql.parquet.datetimeRebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInWrite": "CORRECTED",
    # HotSpot compiles no method over 8000 bytes of bytecode: a longer generated method (the
    # casts and checks of a wide table) would run interpreted. At this limit Spark generates
    # code per operator instead (the setting's documented value for HotSpot).
    "spark.sql.codegen.hugeMethodLimit": "8000",
    # Each source file is one partition, never split nor packed with another, so a row's
    # position in its partition is its record number (monotonically_increasing_id()).
    "spark.sql.files.maxPartitionBytes": str(2**40),
    "spark.sql.files.openCostInBytes": str(2**40),
}
CSV_OPTIONS = {
    "header": "true",  # skips each file's first record: its columns come from our own read
    "enforceSchema": "true",
    "inferSchema": "false",
    "multiLine": "true",  # a quoted field may hold line breaks
    "escape": '"',  # RFC 4180: a quote inside a quoted field is doubled
    "mode": "PERMISSIVE",
    # A record with more or fewer values than the header lands here, as read; Spark compares
    # the number of values with the schema's other fields.
    "columnNameOfCorruptRecord": "_corrupt",
    "encoding": "UTF-8",
}
_CORRUPT = "_corrupt"
MALFORMED_CSV = "the record's number of values differs from its file's header"
MALFORMED_JSON = "the line is not a JSON object"
COLLIDING_JSON = "two keys of the line normalise to the same column name"
_SNAKE_CASE = r"[a-z0-9]+(_[a-z0-9]+)*"


def configure_session(spark: Any) -> None:
    """The session settings the curation relies on (SESSION_CONF)."""
    for key, value in SESSION_CONF.items():
        spark.conf.set(key, value)


def _java(pattern: str) -> str:
    """A fullmatch pattern for Spark's rlike (Java's find()): anchored at both ends, `\\z` so no
    final line terminator slips past `$`."""
    return f"^(?:{pattern})\\z"


def _spark_schema(spec: JobSpec) -> Any:
    """The declared columns with their declared types, then the string partition column."""
    from pyspark.sql import types as t

    fields = [
        t.StructField(c, _spark_type(spec.column_type(c)), nullable=True) for c in spec.columns
    ]
    return t.StructType([*fields, t.StructField(PARTITION_COLUMN, t.StringType(), False)])


def _spark_type(column_type: ColumnType) -> Any:
    from pyspark.sql import types as t

    parts = decimal_parts(column_type)
    if parts is not None:
        return t.DecimalType(*parts)
    return {
        "string": t.StringType(),
        "int": t.LongType(),
        "float": t.DoubleType(),
        "bool": t.BooleanType(),
        "date": t.DateType(),
        "timestamp": t.TimestampType(),
    }[column_type]


def _trimmed(text: Any) -> Any:
    from pyspark.sql import functions as sf

    # Whitespace is at most U+0020: a text whose ends are above it needs no trimming (btrim
    # with a set of characters is slow).
    untouched = (sf.ascii(text) > 32) & (sf.ascii(sf.substring(text, -1, 1)) > 32)
    trimmed = sf.btrim(text, sf.lit(WHITESPACE))
    return sf.when(untouched, text).when(trimmed != "", trimmed)


@dataclass(frozen=True)
class SparkCast:
    """How the Spark path casts a trimmed text (`text`, a Column) to a column type: the text
    must pass `gate` (else `gate_message`), then the `candidate` value must pass each check
    (else its message). Each part is computed once per row, in its own projection."""

    gate: Any  # a boolean Column of the text, or None: every text passes
    gate_message: str
    candidate: Any  # the cast value Column of the text
    checks: tuple[tuple[Callable[[Any], Any], str], ...] = ()  # (failed(candidate), message)


def spark_cast(text: Any, column_type: ColumnType) -> SparkCast:
    """The SparkCast of `column_type`, mirroring `cast_value` (the property test holds them
    to the same values and messages)."""
    parts = decimal_parts(column_type)
    if parts is not None:
        misfit = decimal_misfit(*parts)
        candidate = text.cast(_spark_type(column_type))
        return SparkCast(text.rlike(_java(DECIMAL_TEXT)), NOT_NUMBER, candidate, ((_null, misfit),))
    return _SPARK_CASTS[column_type](text)  # type: ignore[index]  # a scalar type


def _spark_int(text: Any) -> SparkCast:
    from pyspark.sql import functions as sf

    candidate = sf.substring_index(text, ".", 1).cast("bigint")
    return SparkCast(text.rlike(_java(INT_TEXT)), NOT_WHOLE, candidate, ((_null, INT_RANGE),))


def _spark_float(text: Any) -> SparkCast:
    checks = ((_infinite, DOUBLE_RANGE),)
    return SparkCast(text.rlike(_java(FLOAT_TEXT)), NOT_NUMBER, text.cast("double"), checks)


def _spark_bool(text: Any) -> SparkCast:
    from pyspark.sql import functions as sf

    lowered = sf.lower(text)
    gate = lowered.isin(*TRUE_TEXTS, *FALSE_TEXTS)
    return SparkCast(gate, NOT_BOOL, lowered.isin(*TRUE_TEXTS))


def _spark_date(text: Any) -> SparkCast:
    return SparkCast(
        text.rlike(_java(DATE_TEXT)), NOT_DATE, text.cast("date"), ((_null, NOT_DATE),)
    )


def _spark_timestamp(text: Any) -> SparkCast:
    from pyspark.sql import functions as sf

    # Spark's cast needs the seconds before an offset: `10:00Z` becomes `10:00:00Z`.
    short = (sf.length(text) > 10) & (sf.substring(text, 17, 1) != ":")
    with_seconds = sf.when(
        short, sf.regexp_replace(text, r"^(.{10}[T ][0-9]{2}:[0-9]{2})(?=Z|[+-]|$)", "$1:00")
    ).otherwise(text)
    checks = ((_null, NOT_TIMESTAMP), (_outside_years, TIMESTAMP_RANGE))
    gate = text.rlike(_java(TIMESTAMP_TEXT))
    return SparkCast(gate, NOT_TIMESTAMP, with_seconds.cast("timestamp"), checks)


def _spark_string(text: Any) -> SparkCast:
    return SparkCast(None, "", text)


_SPARK_CASTS: dict[ScalarType, Callable[[Any], SparkCast]] = {
    "string": _spark_string,
    "int": _spark_int,
    "float": _spark_float,
    "bool": _spark_bool,
    "date": _spark_date,
    "timestamp": _spark_timestamp,
}


def _null(value: Any) -> Any:
    return value.isNull()


def _infinite(value: Any) -> Any:
    from pyspark.sql import functions as sf

    return sf.abs(value) == sf.lit(math.inf)


def _outside_years(value: Any) -> Any:
    from pyspark.sql import functions as sf

    return ~sf.year(value).between(1, 9999)


@dataclass(frozen=True)
class _SparkProblem:
    """A problem as Columns: when it applies, its reject record, and whether it rejects."""

    when: Any
    record: Any
    rejects: bool


def _problem(
    when: Any, rule: str, column: str | None, *, original: Any, reason: Any, rejects: bool = True
) -> _SparkProblem:
    from pyspark.sql import functions as sf

    record = sf.struct(
        sf.lit(rule).alias("rule"),
        sf.lit(column).cast("string").alias("column_name"),
        original.cast("string").alias("original_text"),
        reason.cast("string").alias("reason"),
    )
    return _SparkProblem(sf.coalesce(when, sf.lit(False)), record, rejects)


def _any(conditions: Sequence[Any]) -> Any:
    from pyspark.sql import functions as sf

    found = sf.lit(False)
    for condition in conditions:
        found = found | condition
    return found


def _judged(typed: Any, problems: Sequence[_SparkProblem]) -> Any:
    """`_rejected` as plain boolean logic; `_problems` (the reject records) built only for the
    rows that have one, so a clean row costs no array."""
    from pyspark.sql import functions as sf

    # concat of one-or-no-element arrays, not array_compact: a higher-order function would take
    # the whole projection out of Spark's generated code.
    records = sf.concat(
        *[
            sf.coalesce(sf.when(p.when, sf.array(p.record)), sf.slice(sf.array(p.record), 1, 0))
            for p in problems
        ]
    )
    return typed.withColumn(
        "_problems", sf.when(_any([p.when for p in problems]), records)
    ).withColumn("_rejected", _any([p.when for p in problems if p.rejects]))


def _raw(index: int) -> str:
    return f"_raw_{index}"


def _failure(index: int) -> str:
    return f"_failed_{index}"


def _typed(raw: Any, spec: JobSpec, batch: Sequence[str]) -> Any:
    """Each declared column cast (its declared name), its text as read and its cast failure, in
    projections that compute no part of a cast twice: the texts as read, then trimmed, then
    each cast's gate and candidate, then values and failures from those."""
    from pyspark.sql import functions as sf

    kept = [*batch, "_source", "_record", "_malformed", "_malformed_text"]
    indexes = range(len(spec.columns))
    raws = [_raw(i) for i in indexes]
    texts = [f"_text_{i}" for i in indexes]
    read = raw.select(
        *kept,
        *[
            sf.when(sf.col("_malformed").isNull(), sf.col(c)).alias(_raw(i))
            for i, c in enumerate(spec.columns)
        ],
    )
    trimmed = read.select(
        *kept, *raws, *[_trimmed(sf.col(r)).alias(t) for r, t in zip(raws, texts, strict=True)]
    )
    casts = [
        spark_cast(sf.col(t), spec.column_type(c)) for t, c in zip(texts, spec.columns, strict=True)
    ]
    parsed = trimmed.select(
        *kept,
        *raws,
        *texts,
        *[
            (c.gate if c.gate is not None else sf.lit(True)).alias(f"_gate_{i}")
            for i, c in enumerate(casts)
        ],
        *[c.candidate.alias(f"_candidate_{i}") for i, c in enumerate(casts)],
    )
    selected: list[Any] = list(kept)
    for index, (column, cast) in enumerate(zip(spec.columns, casts, strict=True)):
        value, failure = _cast_outcome(cast, index)
        selected += [value.alias(column), _raw(index), failure.alias(_failure(index))]
    return parsed.select(*selected)


def _cast_outcome(cast: SparkCast, index: int) -> tuple[Any, Any]:
    """(value, failure message) of column `index` from its parsed parts."""
    from pyspark.sql import functions as sf

    text, gate, candidate = (sf.col(f"_{part}_{index}") for part in ("text", "gate", "candidate"))
    failure = sf.when(text.isNull(), sf.lit(None).cast("string"))
    failure = failure.when(~gate, sf.lit(cast.gate_message))
    passed = gate
    for failed, message in cast.checks:
        failure = failure.when(failed(candidate), sf.lit(message))
        passed = passed & ~failed(candidate)
    return sf.when(text.isNotNull() & passed, candidate), failure


def _problems(spec: JobSpec) -> list[_SparkProblem]:
    """The problem structs of a typed row, in `check_record`'s order."""
    from pyspark.sql import functions as sf

    malformed = sf.col("_malformed")
    problems = [
        _problem(
            malformed.isNotNull(),
            "malformed",
            None,
            original=sf.col("_malformed_text"),
            reason=malformed,
        )
    ]
    for index, column in enumerate(spec.columns):
        failed, text = sf.col(_failure(index)), sf.col(_raw(index))
        kept = column in spec.expectations.null_on_cast_failure
        reason = sf.concat(sf.lit(f"{column} "), failed, sf.lit(kept_suffix(kept)))
        problem = _problem(
            failed.isNotNull(), "cast", column, original=text, reason=reason, rejects=not kept
        )
        problems.append(problem)
    for column in spec.required_columns:
        index = spec.columns.index(column)
        missing = malformed.isNull() & sf.col(column).isNull() & sf.col(_failure(index)).isNull()
        reason = sf.lit(required_reason(column))
        problems.append(
            _problem(missing, "required", column, original=sf.col(_raw(index)), reason=reason)
        )
    problems += [_rule_problem(rule, spec) for rule in spec.expectations.rows if rule.column]
    return problems


def _rule_problem(rule: RowRule, spec: JobSpec) -> _SparkProblem:
    from pyspark.sql import functions as sf

    column = rule.column or ""
    index = spec.columns.index(column)
    value, original = sf.col(column), sf.col(_raw(index))
    if rule.kind == "not-null":
        rejecting = column not in spec.expectations.null_on_cast_failure
        failed = sf.col(_failure(index)).isNotNull() if rejecting else sf.lit(False)
        broken = sf.col("_malformed").isNull() & value.isNull() & ~failed
        if column in spec.required_columns:
            broken = sf.lit(False)
    elif rule.kind == "range":
        number = value.cast("string").cast("double")  # correctly rounded, as Python's float()
        low = number < sf.lit(rule.min) if rule.min is not None else sf.lit(False)
        high = number > sf.lit(rule.max) if rule.max is not None else sf.lit(False)
        broken = value.isNotNull() & (low | high)
    elif rule.kind == "allowed-values":
        broken = value.isNotNull() & ~value.isin(*rule.values)
    else:  # pattern; (?d): only \n ends a line, as in Python
        broken = value.isNotNull() & ~value.rlike(f"(?d){_java(rule.regex or '')}")
    reason = sf.lit(rule_reason(rule, spec))
    return _problem(broken, rule.kind, column, original=original, reason=reason)


def annotate(raw: Any, spec: JobSpec, run_date: date, batch: Sequence[str] = ()) -> Any:
    """Every source record typed and judged, in one plan: the declared columns (cast),
    `_problems` (reject records to write), `_rejected`, and `_rank` (1: the row
    its key keeps among the rows not rejected). `raw` holds `_source`, `_record`, `_malformed`,
    `_malformed_text` and each declared column as text; `batch` columns (if any) keep batches
    apart, as if each were curated alone."""
    from pyspark.sql import Window
    from pyspark.sql import functions as sf

    keys = [*batch, *spec.key_columns]
    typed = _typed(raw, spec, batch)
    problems = _problems(spec)
    if spec.expectations.unique_key:
        # One shuffle serves both windows: the key's partitioning clusters (file, key) too.
        typed = typed.repartition(*keys)
        eligible = sf.col("_malformed").isNull()
        for column in spec.key_columns:
            eligible = eligible & sf.col(column).isNotNull()
        in_file = Window.partitionBy(*keys, "_source")
        repeated = eligible & (sf.sum(eligible.cast("int")).over(in_file) > 1)
        reason = sf.lit(rule_reason(RowRule("unique-key"), spec))
        problems.append(
            _problem(repeated, "unique-key", None, original=sf.lit(None), reason=reason)
        )
    judged = _judged(typed, problems)
    order = [sf.col(c).desc_nulls_last() for c in spec.tie_break]
    latest = Window.partitionBy(*keys, "_rejected").orderBy(*order)
    return judged.select(
        *batch,
        "_source",
        "_record",
        *spec.columns,
        "_problems",
        "_rejected",
        sf.row_number().over(latest).alias("_rank"),
    )


def curated_frame(annotated: Any, spec: JobSpec, run_date: date, batch: Sequence[str] = ()) -> Any:
    """The rows to write: not rejected, first of their key; declared columns then ingest_date
    (the UTC date of the partition source column, else the run's date)."""
    from pyspark.sql import functions as sf

    kept = annotated.where(~sf.col("_rejected") & (sf.col("_rank") == 1))
    source = spec.partition_source_column
    day = sf.date_format(source, "yyyy-MM-dd") if source else sf.lit(run_date.isoformat())
    return kept.select(*batch, *spec.columns, day.alias(PARTITION_COLUMN))


def rejects_frame(annotated: Any, batch: Sequence[str] = ()) -> Any:
    """One reject record per problem: source, record number, column, original text, rule,
    reason."""
    from pyspark.sql import functions as sf

    exploded = annotated.where(sf.col("_problems").isNotNull()).select(
        *batch, "_source", "_record", sf.explode("_problems").alias("p")
    )
    return exploded.select(
        *batch,
        sf.col("_source").alias("source_file"),
        sf.col("_record").alias("record_number"),
        "p.column_name",
        "p.original_text",
        "p.rule",
        "p.reason",
    )


def counts_frame(annotated: Any, batch: Sequence[str] = ()) -> Any:
    """Per source file: rows read, rejected, superseded and curated."""
    from pyspark.sql import functions as sf

    rejected = sf.col("_rejected")
    kept = ~rejected & (sf.col("_rank") == 1)
    return annotated.groupBy(*batch, "_source").agg(
        sf.count(sf.lit(1)).alias("read"),
        sf.sum(rejected.cast("long")).alias("rejected"),
        sf.sum((~rejected & ~kept).cast("long")).alias("superseded"),
        sf.sum(kept.cast("long")).alias("curated"),
    )


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


# -- reading the source files -------------------------------------------------------------------

HEAD_BYTES = 64 * 1024


class UnreadableFileError(Exception):
    """A source file the job cannot curate; the message is the one-line reason."""


@dataclass(frozen=True)
class SourceFile:
    """A source object: its URL, key (relative to the source prefix too), ETag, size and time."""

    bucket: str
    key: str
    relative: str
    etag: str
    size: int
    last_modified: datetime

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def csv_header(head: bytes, complete: bool) -> list[str]:
    """The header record of a CSV file from its first bytes (`complete`: all of them), a BOM
    stripped, quoted line breaks honoured; UnreadableFileError when there is none or it does not end
    within them."""
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError as error:
        reason = f"the file is not UTF-8 text ({error.reason} at byte {error.start})"
        raise UnreadableFileError(reason) from error
    stream = io.StringIO(text.removeprefix("\ufeff"), newline="")
    try:
        header = next(csv.reader(stream), None)
    except csv.Error as error:
        raise UnreadableFileError(f"the header is not a CSV record ({error})") from error
    if not header or not any(cell.strip() for cell in header):
        raise UnreadableFileError("the file has no header row")
    consumed = stream.getvalue()[: stream.tell()]
    if not complete and consumed == stream.getvalue() and not consumed.endswith(("\n", "\r")):
        raise UnreadableFileError(
            f"the header does not end within the first {HEAD_BYTES // 1024} KiB"
        )
    return header


def csv_positions(header: Sequence[str], spec: JobSpec) -> dict[str, int]:
    """Each declared column's position in the header; UnreadableFileError for an unusable
    header or a missing required column."""
    problems = header_problems(header)
    if problems:
        raise UnreadableFileError("the header is unusable: " + "; ".join(problems))
    names = [to_snake_case(column) for column in header]
    missing = [c for c in spec.required_columns if c not in names]
    if missing:
        raise UnreadableFileError(f"the header lacks required columns {missing}; it has {names}")
    return {column: names.index(column) for column in spec.columns if column in names}


def read_csv(
    spark: Any, paths: Sequence[str], width: int, positions: Mapping[str, int], spec: JobSpec
) -> Any:
    """CSV files sharing one header layout as raw records: every value text, an explicit schema
    (no inference, so no value changes type), each file one partition."""
    from pyspark.sql import functions as sf
    from pyspark.sql import types as t

    fields = [t.StructField(f"_c{i}", t.StringType()) for i in range(width)]
    schema = t.StructType([*fields, t.StructField(_CORRUPT, t.StringType())])
    frame = spark.read.schema(schema).options(**CSV_OPTIONS).csv(list(paths))
    values = [
        (sf.col(f"_c{positions[c]}") if c in positions else sf.lit(None).cast("string")).alias(c)
        for c in spec.columns
    ]
    return frame.select(
        sf.input_file_name().alias("_source"),
        record_number().alias("_record"),
        sf.when(sf.col(_CORRUPT).isNotNull(), sf.lit(MALFORMED_CSV)).alias("_malformed"),
        sf.col(_CORRUPT).alias("_malformed_text"),
        *values,
    )


def record_number() -> Any:
    """A record's number in its file, from 1. Each file is one partition (SESSION_CONF), and
    monotonically_increasing_id() is the partition id in its upper 31 bits and the row's position
    in the partition in its lower 33 (pyspark.sql.functions.monotonically_increasing_id)."""
    from pyspark.sql import functions as sf

    partition = sf.shiftleft(sf.spark_partition_id().cast("long"), 33)
    return sf.monotonically_increasing_id() - partition + 1


def _spark_snake_case(name: Any) -> Any:
    from pyspark.sql import functions as sf

    spaced = sf.regexp_replace(name, "([a-z0-9])([A-Z])", "$1_$2")
    spaced = sf.regexp_replace(spaced, "([A-Z]+)([A-Z][a-z])", "$1_$2")
    joined = sf.regexp_replace(spaced, "[^0-9a-zA-Z]+", "_")
    slow = sf.lower(sf.regexp_replace(joined, "^_+|_+$", ""))
    return sf.when(name.rlike(_java(_SNAKE_CASE)), name).otherwise(slow)


def read_json_lines(spark: Any, paths: Sequence[str], spec: JobSpec) -> Any:
    """JSON-lines files as raw records: each line's keys in snake_case, each value its JSON text
    (a string's content), a line that is not an object (or whose keys collide) malformed."""
    from pyspark.sql import functions as sf

    lines = spark.read.text(list(paths)).select(
        sf.input_file_name().alias("_source"),
        record_number().alias("_record"),
        sf.regexp_replace("value", "^\ufeff", "").alias("_line"),
    )
    lines = lines.where(_trimmed(sf.col("_line")).isNotNull())
    parsed = sf.from_json("_line", "map<string,string>")
    named = lines.select("_source", "_record", "_line", parsed.alias("_map")).withColumn(
        "_named", sf.transform_keys("_map", lambda key, _value: _spark_snake_case(key))
    )
    malformed = sf.when(sf.col("_map").isNull(), sf.lit(MALFORMED_JSON)).when(
        sf.size("_named") < sf.size("_map"), sf.lit(COLLIDING_JSON)
    )
    return named.select(
        "_source",
        "_record",
        malformed.alias("_malformed"),
        sf.when(malformed.isNotNull(), sf.col("_line")).alias("_malformed_text"),
        *[sf.col("_named")[c].alias(c) for c in spec.columns],
    )


def source_url(spark_path: str, files: Sequence[SourceFile]) -> str:
    """The S3 URL of the source file Spark names `spark_path` (URL-encoded; under `make
    run-local`, a local copy whose path ends with bucket/key)."""
    decoded = urllib.parse.unquote(spark_path)
    for file in files:
        if decoded == file.url or decoded.endswith(f"/{file.bucket}/{file.key}"):
            return file.url
    return decoded


# -- where the run keeps its records: S3 ----------------------------------------------------


def split_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix/` -> (`bucket`, `some/prefix/`)."""
    if not url.startswith("s3://") or "/" not in url[len("s3://") :]:
        raise SpecError(f"{url!r} is not an s3://bucket/prefix/ URL")
    bucket, _, prefix = url[len("s3://") :].partition("/")
    return bucket, prefix


def _listed(s3: Any, bucket: str, prefix: str) -> Iterable[dict[str, Any]]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        yield from page.get("Contents", [])


def list_source_files(s3: Any, source: str) -> list[SourceFile]:
    """Every object under the source URL, oldest first (folder markers aside)."""
    bucket, prefix = split_s3_url(source)
    files = [
        SourceFile(
            bucket=bucket,
            key=item["Key"],
            relative=item["Key"][len(prefix) :],
            etag=str(item["ETag"]).strip('"'),
            size=int(item["Size"]),
            last_modified=item["LastModified"],
        )
        for item in _listed(s3, bucket, prefix)
        if not item["Key"].endswith("/")
    ]
    return sorted(files, key=lambda f: (f.last_modified, f.key))


def list_data_files(s3: Any, bucket: str, prefix: str) -> dict[str, int]:
    """Every Parquet file under the prefix, with its size in bytes."""
    return {
        item["Key"]: int(item["Size"])
        for item in _listed(s3, bucket, prefix)
        if item["Key"].endswith(".parquet")
    }


def manifest_entries(bucket: str, files: Mapping[str, int]) -> list[dict[str, Any]]:
    """A COPY manifest's entries for the files; Parquet needs each file's content_length."""
    return [
        {"url": f"s3://{bucket}/{key}", "mandatory": True, "meta": {"content_length": size}}
        for key, size in sorted(files.items())
    ]


def copy_manifest(bucket: str, files: Mapping[str, int]) -> dict[str, object]:
    """A Redshift COPY manifest of the files."""
    return {"entries": manifest_entries(bucket, files)}


def put_json(s3: Any, url: str, document: object) -> str:
    """Write a JSON document at an S3 URL; return the URL."""
    bucket, key = split_s3_url(url)
    body = json.dumps(document, indent=1, default=str).encode()
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
    return url


def write_run_manifest(
    s3: Any, manifest_prefix: str, run_id: str, bucket: str, written: Mapping[str, int]
) -> str | None:
    """Record the files one run wrote, for the warehouse load; None when it wrote none."""
    if not written:
        return None
    url = put_json(s3, f"{manifest_prefix}{run_id}.json", copy_manifest(bucket, written))
    return split_s3_url(url)[1]


def write_batch(
    write: Callable[[], None],
    s3: Any,
    args: Mapping[str, str],
    prefix_argument: str = "manifest_prefix",
) -> str | None:
    """Write a curated batch with `write` and list what it added in the run's manifest, under
    `args[prefix_argument]` (the pending prefix, or the held prefix for a held batch).

    Only one run of the job writes at a time (its concurrency is 1), so the files under the
    target that were not there before the write are exactly this run's.
    """
    bucket, prefix = split_s3_url(args["target_path"])
    before = list_data_files(s3, bucket, prefix)
    write()
    after = list_data_files(s3, bucket, prefix)
    written = {key: size for key, size in after.items() if key not in before}
    if prefix_argument not in args:
        return None
    return write_run_manifest(s3, args[prefix_argument], args["JOB_RUN_ID"], bucket, written)


class Ledger:
    """The source files earlier runs processed (curated or quarantined), one marker object per
    file version: `<ledger prefix><relative key>/<ETag>`. It replaces job bookmarks: a file the
    job cannot curate is recorded like any other, so it never blocks a later run.

    A job that ran before it had a ledger (its files tracked by bookmarks) adopts, on its first
    run with one, every file last modified before its latest successful run started.
    """

    START = "_ledger.json"

    def __init__(self, s3: Any, url: str) -> None:
        self._s3 = s3
        self.bucket, self.prefix = split_s3_url(url)

    def recorded(self) -> tuple[set[tuple[str, str]], bool]:
        """(relative key, ETag) of every recorded file, and whether the ledger has started."""
        seen: set[tuple[str, str]] = set()
        started = False
        for item in _listed(self._s3, self.bucket, self.prefix):
            name = item["Key"][len(self.prefix) :]
            started = started or name == self.START
            relative, _, etag = name.rpartition("/")
            if relative:
                seen.add((relative, etag))
        return seen, started

    def record(self, file: SourceFile, entry: Mapping[str, object]) -> None:
        key = f"{self.prefix}{file.relative}/{file.etag}"
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=json.dumps(entry).encode())

    def start(self, run_id: str) -> None:
        body = json.dumps({"started_by": run_id}).encode()
        self._s3.put_object(Bucket=self.bucket, Key=f"{self.prefix}{self.START}", Body=body)

    def prune(self, recorded: set[tuple[str, str]], present: Sequence[SourceFile]) -> None:
        """Forget files no longer under the source (expired with the raw zone, or replaced)."""
        live = {(f.relative, f.etag) for f in present}
        gone = [f"{self.prefix}{r}/{e}" for r, e in sorted(recorded - live)]
        for start in range(0, len(gone), 1000):
            chunk = [{"Key": key} for key in gone[start : start + 1000]]
            self._s3.delete_objects(Bucket=self.bucket, Delete={"Objects": chunk, "Quiet": True})


def previous_success(glue: Any, job_name: str, run_id: str) -> datetime | None:
    """When the job's latest successful run (not this one) started, if it had one."""
    latest: datetime | None = None
    for page in glue.get_paginator("get_job_runs").paginate(JobName=job_name):
        for run in page.get("JobRuns", []):
            if run.get("Id") != run_id and run.get("JobRunState") == "SUCCEEDED":
                started = run["StartedOn"]
                latest = started if latest is None or started > latest else latest
    return latest


def quarantine(s3: Any, file: SourceFile, quarantine_path: str, reason: str) -> str:
    """Copy the file under the quarantine prefix (same path below the source prefix) with its
    reason and ETag as object metadata; return the copy's URL. The original stays (it expires
    with the raw zone): the ledger keeps later runs from reading it."""
    bucket, prefix = split_s3_url(quarantine_path)
    target = f"{prefix}{file.relative.lstrip('/')}"
    readable = reason.encode("ascii", "backslashreplace").decode()[:1024]
    extra = {
        "CopySourceIfMatch": f'"{file.etag}"',
        "Metadata": {REASON_METADATA: readable, SOURCE_ETAG_METADATA: file.etag},
        "MetadataDirective": "REPLACE",
    }
    s3.copy({"Bucket": file.bucket, "Key": file.key}, bucket, target, ExtraArgs=extra)
    return f"s3://{bucket}/{target}"


# -- declared migrations of the curated files ---------------------------------------------------

MIGRATION_KINDS = ("retype", "rename", "drop")
MIGRATION_RECORD = "_migrations.json"
"""Under the ledger prefix: the declared migrations the curated files have taken, and the one
file being migrated, if a run stopped during it."""
# What `glue.update_table` and `glue.batch_update_partition` accept of what the reads return.
_TABLE_INPUT = (
    "Name", "Description", "Owner", "LastAccessTime", "LastAnalyzedTime", "Retention",
    "StorageDescriptor", "PartitionKeys", "ViewOriginalText", "ViewExpandedText", "TableType",
    "Parameters", "TargetTable",
)  # fmt: skip
_PARTITION_INPUT = (
    "Values", "LastAccessTime", "StorageDescriptor", "Parameters", "LastAnalyzedTime",
)  # fmt: skip


class MigrationError(RuntimeError):
    """A curated file cannot take a declared migration; nothing of that file was changed."""


@dataclass(frozen=True)
class ColumnMigration:
    """One declared change to an existing column (the warehouse's `migrations` entry)."""

    version: int
    kind: str
    column: str
    to: str | None = None


def parse_migrations(value: str) -> list[ColumnMigration]:
    """`--migrations`: a JSON list of `{version, kind, column, to}`, applied in version order."""
    try:
        items = json.loads(value)
    except json.JSONDecodeError as problem:
        raise SpecError(f"--migrations is not JSON: {problem}") from problem
    if not isinstance(items, list):
        raise SpecError("--migrations must be a JSON list of {version, kind, column, to}")
    found: list[ColumnMigration] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("version"), int):
            raise SpecError(f"--migrations entry {item!r} needs an integer version")
        kind, column, to = item.get("kind"), item.get("column"), item.get("to")
        if kind not in MIGRATION_KINDS:
            raise SpecError(
                f"--migrations version {item['version']}: kind {kind!r} is not one of"
                f" {', '.join(MIGRATION_KINDS)}"
            )
        if not isinstance(column, str) or not column:
            raise SpecError(f"--migrations version {item['version']} names no column")
        if kind == "retype" and not (isinstance(to, str) and is_column_type(to)):
            raise SpecError(f"--migrations version {item['version']}: {to!r} is no column type")
        if kind == "rename" and not (isinstance(to, str) and to):
            raise SpecError(f"--migrations version {item['version']}: rename needs `to`")
        found.append(ColumnMigration(int(item["version"]), kind, column, to))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise SpecError(f"--migrations repeats a version: {sorted(versions)}")
    return sorted(found, key=lambda m: m.version)


def migrated_frame(frame: Any, migration: ColumnMigration) -> Any | None:
    """The frame after the migration; None when it already has the migration's result (the
    column has the new type or name, or is gone)."""
    from pyspark.sql import functions as sf

    names, column = frame.columns, migration.column
    if migration.kind == "retype":
        target = _spark_type(str(migration.to))
        if column not in names or frame.schema[column].dataType == target:
            return None
        return frame.withColumn(column, sf.col(column).cast(target))
    if migration.kind == "rename":
        if column not in names or migration.to in names:
            return None
        return frame.withColumnRenamed(column, str(migration.to))
    return frame.drop(column) if column in names else None


def lost_values(frame: Any, migration: ColumnMigration) -> int:
    """How many values a retype would lose: those that cast to NULL (Spark's non-ANSI cast of a
    value that does not fit), and, for `int`, those whose whole number is not the value (Spark
    truncates 1.9 and '1.9' to 1 and saturates what is out of range, where Redshift's CAST
    rounds or fails). Rounding to a decimal's scale, a timestamp to its date and any value to a
    string are the change the type declares, as Redshift's CAST makes it."""
    if migration.kind != "retype" or migration.column not in frame.columns:
        return 0
    from pyspark.sql import functions as sf

    old = sf.col(migration.column)
    new = old.cast(_spark_type(str(migration.to)))
    lost = old.isNotNull() & new.isNull()
    if migration.to == "int":
        lost = lost | (old.isNotNull() & (new.cast(frame.schema[migration.column].dataType) != old))
    return int(frame.filter(lost).count())


def catalog_type(column_type: ColumnType) -> str:
    """The Glue catalog's (Hive) name of a column type, as the Parquet sink writes it."""
    return str(_spark_type(column_type).simpleString())


def migrated_columns(
    columns: Sequence[Mapping[str, Any]], migration: ColumnMigration
) -> list[dict[str, Any]]:
    """A catalog table's (or partition's) columns after the migration."""
    result: list[dict[str, Any]] = []
    for column in columns:
        entry = dict(column)
        if entry.get("Name") == migration.column:
            if migration.kind == "drop":
                continue
            if migration.kind == "retype":
                entry["Type"] = catalog_type(str(migration.to))
            else:
                entry["Name"] = str(migration.to)
        result.append(entry)
    return result


class CuratedMigrations:
    """The declared migrations of the pipeline's table, applied to what still holds the old
    column: every curated Parquet file (each rewritten on its own, in its partition), the COPY
    manifests that list it (pending, held, dead-lettered: they name the new file instead), and the
    catalog table with its partitions. Each migration is applied once, before the run curates
    anything, and recorded under the ledger.

    A file is migrated in steps recorded beside the ledger (the files its partition held, then
    the files written), so a run that stops part-way is finished by the next: files written
    before the stop are removed and the file migrated again, or the old file, once replaced, is
    removed. A value a retype cannot cast fails the run naming the file; nothing of that file
    changes.
    """

    def __init__(self, run: "BatchRun", migrations: Sequence[ColumnMigration]) -> None:
        self.run, self.migrations = run, list(migrations)
        self.s3 = run.clients.s3
        self.bucket, self.prefix = split_s3_url(run.args["target_path"])
        ledger_bucket, ledger_prefix = split_s3_url(run.args["ledger_prefix"])
        self.record_url = f"s3://{ledger_bucket}/{ledger_prefix}{MIGRATION_RECORD}"

    def apply(self) -> list[int]:
        """Apply the migrations not yet recorded; return their versions."""
        record = self._read_record()
        self._resume(record)
        applied: list[int] = []
        for migration in self.migrations:
            if migration.version in record["applied"]:
                continue
            # Every file is checked before any is rewritten: a value that does not cast stops
            # the migration with nothing of the table changed.
            keys = sorted(list_data_files(self.s3, self.bucket, self.prefix))
            changing = [k for k in keys if self._check(k, migration)]
            for key in changing:
                self._migrate_file(key, migration, record)
            self._migrate_catalog(migration)
            record["applied"] = sorted({*record["applied"], migration.version})
            self._write_record(record)
            applied.append(migration.version)
        return applied

    def _read_record(self) -> dict[str, Any]:
        bucket, key = split_s3_url(self.record_url)
        try:
            body = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            return {"applied": [], "pending": None}
        found = json.loads(body)
        return {"applied": list(found.get("applied", [])), "pending": found.get("pending")}

    def _write_record(self, record: Mapping[str, Any]) -> None:
        put_json(self.s3, self.record_url, record)

    def _resume(self, record: dict[str, Any]) -> None:
        """Finish the file a stopped run was migrating, or undo what it had written of it."""
        pending = record.get("pending")
        if not pending:
            return
        if pending.get("written") is not None:
            self._replace_in_manifests(pending["file"], pending["written"])
            self.s3.delete_object(Bucket=self.bucket, Key=pending["file"])
        else:
            folder = pending["file"].rpartition("/")[0] + "/"
            partial = set(list_data_files(self.s3, self.bucket, folder)) - set(pending["before"])
            for key in sorted(partial):
                self.s3.delete_object(Bucket=self.bucket, Key=key)
        record["pending"] = None
        self._write_record(record)

    def _read(self, key: str) -> Any:
        """One curated file, as its footer types it (Spark's reader: every column, any rows)."""
        url = f"s3://{self.bucket}/{key}"
        try:
            return self.run.spark.read.parquet(url)
        except Exception as problem:  # a file Spark cannot open: name it
            raise MigrationError(
                f"curated file {url} cannot be read as Parquet ({first_line(problem)}); remove or"
                " replace it, then run the job again"
            ) from problem

    def _check(self, key: str, migration: ColumnMigration) -> bool:
        """Whether the file needs the migration; raise when it would lose values."""
        frame = self._read(key)
        if migrated_frame(frame, migration) is None:
            return False
        lost = lost_values(frame, migration)
        if lost:
            raise MigrationError(
                f"migration {migration.version} ({migration.kind} {migration.column} ->"
                f" {migration.to}): {lost} value(s) in s3://{self.bucket}/{key} do not cast to"
                f" {migration.to} without loss; no curated file was changed. Declare another"
                " migration for the column (a retype to another type) in place of this one, which"
                " no file has taken yet, and deploy it."
            )
        return True

    def _migrate_file(self, key: str, migration: ColumnMigration, record: dict[str, Any]) -> None:
        from awsglue.dynamicframe import DynamicFrame

        context = self.run.glue_context
        changed = migrated_frame(self._read(key), migration)
        if changed is None:
            return
        folder = key.rpartition("/")[0] + "/"
        before = list_data_files(self.s3, self.bucket, folder)
        record["pending"] = {"version": migration.version, "file": key, "before": sorted(before)}
        self._write_record(record)
        sink = context.getSink(
            connection_type="s3",
            path=f"s3://{self.bucket}/{folder}",
            enableUpdateCatalog=False,
        )
        sink.setFormat("glueparquet")
        sink.writeFrame(DynamicFrame.fromDF(changed, context, "migrated"))
        after = list_data_files(self.s3, self.bucket, folder)
        written = {k: size for k, size in after.items() if k not in before}
        record["pending"]["written"] = written
        self._write_record(record)
        self._replace_in_manifests(key, written)
        self.s3.delete_object(Bucket=self.bucket, Key=key)
        record["pending"] = None
        self._write_record(record)

    def _replace_in_manifests(self, key: str, written: Mapping[str, int]) -> None:
        """Every kept manifest that lists the old file lists its replacement instead."""
        old = f"s3://{self.bucket}/{key}"
        for argument in ("manifest_prefix", "held_prefix", "dead_letter_prefix"):
            if argument not in self.run.args:
                continue
            bucket, prefix = split_s3_url(self.run.args[argument])
            for item in _listed(self.s3, bucket, prefix):
                if not item["Key"].endswith(".json"):
                    continue
                body = self.s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                manifest = json.loads(body)
                entries = manifest.get("entries", [])
                if not any(entry.get("url") == old for entry in entries):
                    continue
                kept = [entry for entry in entries if entry.get("url") != old]
                listed = {entry.get("url") for entry in kept}
                added = manifest_entries(self.bucket, written)
                manifest["entries"] = kept + [e for e in added if e["url"] not in listed]
                put_json(self.s3, f"s3://{bucket}/{item['Key']}", manifest)

    def _migrate_catalog(self, migration: ColumnMigration) -> None:
        """The catalog table's and its partitions' columns after the migration."""
        glue, database = self.run.clients.glue, self.run.args["target_database"]
        name = self.run.args["target_table"]
        try:
            table = glue.get_table(DatabaseName=database, Name=name)["Table"]
        except glue.exceptions.EntityNotFoundException:
            return  # the first write creates it with the new columns
        table_input = {k: table[k] for k in _TABLE_INPUT if k in table}
        descriptor = dict(table_input.get("StorageDescriptor", {}))
        descriptor["Columns"] = migrated_columns(descriptor.get("Columns", []), migration)
        table_input["StorageDescriptor"] = descriptor
        glue.update_table(DatabaseName=database, TableInput=table_input)
        entries = []
        for page in glue.get_paginator("get_partitions").paginate(
            DatabaseName=database, TableName=name
        ):
            for partition in page.get("Partitions", []):
                partition_input = {k: partition[k] for k in _PARTITION_INPUT if k in partition}
                columns = partition_input.get("StorageDescriptor", {}).get("Columns", [])
                partition_input["StorageDescriptor"] = {
                    **partition_input.get("StorageDescriptor", {}),
                    "Columns": migrated_columns(columns, migration),
                }
                entries.append(
                    {"PartitionValueList": partition["Values"], "PartitionInput": partition_input}
                )
        failed: list[str] = []
        for start in range(0, len(entries), 100):  # at most 100 entries a request
            response = glue.batch_update_partition(
                DatabaseName=database, TableName=name, Entries=entries[start : start + 100]
            )
            failed += [
                f"{'/'.join(e.get('PartitionValueList', []))}:"
                f" {e.get('ErrorDetail', {}).get('ErrorMessage', 'failed')}"
                for e in response.get("Errors", [])
            ]
        if failed:  # not recorded as applied: the next run updates them again
            raise MigrationError(
                f"migration {migration.version}: partitions of {database}.{name} were not"
                f" updated: {'; '.join(failed[:10])}"
            )


# -- one run ------------------------------------------------------------------------------------


@dataclass
class FileOutcome:
    """What the run did with one source file."""

    file: SourceFile
    outcome: Literal["curated", "quarantined"]
    reason: str | None = None
    rows_read: int = 0
    rows_rejected: int = 0

    def as_dict(self) -> dict[str, object]:
        entry: dict[str, object] = {
            "source_file": self.file.url,
            "outcome": self.outcome,
            "rows_read": self.rows_read,
            "rows_rejected": self.rows_rejected,
        }
        if self.reason is not None:
            entry["reason"] = self.reason
        return entry


@dataclass(frozen=True)
class Totals:
    """A run's accounting: read = curated + superseded + rejected (+ filtered by a transform)."""

    read: int = 0
    curated: int = 0
    superseded: int = 0
    rejected: int = 0
    filtered: int = 0


def batch_status(totals: Totals, expectations: Expectations) -> tuple[str, list[str]]:
    """`held` with the batch rules the batch fails, else `pending`, or `empty` when it curated
    no row."""
    reasons = []
    if expectations.min_rows is not None and totals.read < expectations.min_rows:
        reasons.append(
            f"read {totals.read} rows, fewer than expectations.batch.min_rows"
            f" ({expectations.min_rows})"
        )
    ratio = expectations.max_reject_ratio
    if ratio is not None and totals.read and totals.rejected / totals.read > ratio:
        reasons.append(
            f"rejected {totals.rejected} of {totals.read} rows, more than"
            f" expectations.batch.max_reject_ratio ({ratio:g})"
        )
    if reasons:
        return "held", reasons
    return ("empty" if totals.curated == 0 else "pending"), []


def metric_data(
    totals: Totals, quarantined: int, held: bool, pipeline: str
) -> list[dict[str, Any]]:
    """The run's CloudWatch metrics (namespace METRICS_NAMESPACE, dimension Pipeline)."""
    values = {
        "RowsRead": totals.read,
        "RowsCurated": totals.curated,
        "RowsSuperseded": totals.superseded,
        "RowsRejected": totals.rejected,
        "FilesQuarantined": quarantined,
        "BatchesHeld": int(held),
    }
    dimensions = [{"Name": "Pipeline", "Value": pipeline}]
    return [
        {"MetricName": name, "Dimensions": dimensions, "Value": value, "Unit": "Count"}
        for name, value in values.items()
    ]


@dataclass(frozen=True)
class Clients:
    s3: Any
    glue: Any
    cloudwatch: Any


def first_line(error: BaseException) -> str:
    """A failure's first line (a Spark error's Java exception and message), for a person."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    found = next((line for line in lines if "Exception:" in line), lines[0] if lines else "")
    return found[:500] or type(error).__name__


class BatchRun:
    """One run of the job over the files it has not processed."""

    def __init__(
        self,
        glue_context: Any,
        args: Mapping[str, str],
        spec: JobSpec,
        clients: Clients,
        transform: Transform | None = None,
    ) -> None:
        self.glue_context, self.spark = glue_context, glue_context.spark_session
        self.args, self.spec, self.clients, self.transform = args, spec, clients, transform
        self.run_id = args["JOB_RUN_ID"]
        self.run_date = datetime.now(UTC).date()
        self.source, self.format = self._source()
        self.outcomes: dict[str, FileOutcome] = {}
        self.ledger: Ledger | None = None  # with `ledger_prefix`: the files earlier runs read
        self.migrations = parse_migrations(args["migrations"]) if "migrations" in args else []
        if self.migrations and "ledger_prefix" not in args:
            raise SpecError("--migrations needs --ledger_prefix, where they are recorded")
        self.migrated: list[int] = []  # the versions this run applied to the curated files

    def _source(self) -> tuple[str, str]:
        """The source URL and format: the arguments', or the catalog table's location."""
        if source_kind(self.args) == "s3":
            return self.args["source_path"], self.args.get("source_format", "csv")
        table = self.clients.glue.get_table(
            DatabaseName=self.args["source_database"], Name=self.args["source_table"]
        )["Table"]
        location = table["StorageDescriptor"]["Location"]
        kind = table.get("Parameters", {}).get("classification", "csv")
        return location if location.endswith(
            "/"
        ) else f"{location}/", "json" if kind == "json" else "csv"

    def run(self) -> None:
        if self.migrations:  # the curated files take them before this run adds any
            self.migrated = CuratedMigrations(self, self.migrations).apply()
        files = self._new_files()
        if not files:
            self._put_metrics(Totals(), 0, held=False)
            return
        readable = [f for f in files if self._usable(f)]
        annotated, totals = self._curate(readable)
        status, reasons = batch_status(totals, self.spec.expectations)
        try:
            manifest, totals = self._write(annotated, totals, status)
        except Exception as failure:  # a transform or a write failed: what was read is reported
            self._write_report(totals, "failed", [first_line(failure)], None)
            raise
        self._write_report(totals, status, reasons, manifest)
        self._record(files)
        quarantined = sum(o.outcome == "quarantined" for o in self.outcomes.values())
        self._put_metrics(totals, quarantined, held=status == "held")
        if annotated is not None:
            annotated.unpersist()

    def _new_files(self) -> list[SourceFile]:
        present = list_source_files(self.clients.s3, self.source)
        if "ledger_prefix" not in self.args:
            return present
        ledger = self.ledger = Ledger(self.clients.s3, self.args["ledger_prefix"])
        recorded, started = ledger.recorded()
        ledger.prune(recorded, present)
        new = [f for f in present if (f.relative, f.etag) not in recorded]
        if started:
            return new
        adopted_before = previous_success(self.clients.glue, self.args["JOB_NAME"], self.run_id)
        for file in new:
            if adopted_before is not None and file.last_modified < adopted_before:
                ledger.record(file, {"run_id": self.run_id, "outcome": "adopted"})
        ledger.start(self.run_id)
        return [f for f in new if adopted_before is None or f.last_modified >= adopted_before]

    def _usable(self, file: SourceFile) -> bool:
        """Check a CSV file's header; quarantine the file if it cannot be curated."""
        if self.format != "csv":
            self.outcomes[file.url] = FileOutcome(file, "curated")
            return True
        try:
            self.layouts[file.url] = self._layout(file)
        except UnreadableFileError as problem:
            self._quarantine(file, str(problem))
            return False
        self.outcomes[file.url] = FileOutcome(file, "curated")
        return True

    @property
    def layouts(self) -> dict[str, tuple[int, tuple[tuple[str, int], ...]]]:
        if not hasattr(self, "_layouts"):
            self._layouts: dict[str, tuple[int, tuple[tuple[str, int], ...]]] = {}
        return self._layouts

    def _layout(self, file: SourceFile) -> tuple[int, tuple[tuple[str, int], ...]]:
        """(width, (column, position) pairs) of a CSV file's header."""
        response = self.clients.s3.get_object(
            Bucket=file.bucket, Key=file.key, Range=f"bytes=0-{HEAD_BYTES - 1}", IfMatch=file.etag
        )
        head = response["Body"].read()
        header = csv_header(head, complete=file.size <= HEAD_BYTES)
        return len(header), tuple(sorted(csv_positions(header, self.spec).items()))

    def _quarantine(self, file: SourceFile, reason: str) -> None:
        if "quarantine_path" not in self.args:
            raise SpecError(f"{file.url} cannot be curated: {reason}")
        quarantine(self.clients.s3, file, self.args["quarantine_path"], reason)
        self.outcomes[file.url] = FileOutcome(file, "quarantined", reason)
        # Recorded at once: should the run fail later, no later run copies and alerts it again.
        if self.ledger is not None:
            entry = {"run_id": self.run_id, "outcome": "quarantined", "reason": reason}
            self.ledger.record(file, entry)

    def _raw(self, files: Sequence[SourceFile]) -> Any:
        """The files' records as text, CSV files read once per header layout."""
        if self.format == "json":
            return read_json_lines(self.spark, [f.url for f in files], self.spec)
        groups: dict[tuple[int, tuple[tuple[str, int], ...]], list[str]] = {}
        for file in files:
            groups.setdefault(self.layouts[file.url], []).append(file.url)
        frames = [
            read_csv(self.spark, urls, width, dict(positions), self.spec)
            for (width, positions), urls in groups.items()
        ]
        raw = frames[0]
        for frame in frames[1:]:
            raw = raw.unionByName(frame)
        return raw

    def _curate(self, files: list[SourceFile]) -> tuple[Any, Totals]:
        """Annotate the files' records and count them per file; a file Spark cannot read is
        quarantined and the others curated without it."""
        from pyspark.storagelevel import StorageLevel

        while files:
            annotated = annotate(self._raw(files), self.spec, self.run_date)
            annotated = annotated.persist(StorageLevel.MEMORY_AND_DISK)
            try:
                counted = counts_frame(annotated).collect()
            except Exception as failure:  # a Spark failure: find the file that causes it
                annotated.unpersist()
                unreadable = self._unreadable(files)
                if not unreadable:
                    raise
                for file, reason in unreadable:
                    self._quarantine(file, reason)
                files = [f for f in files if f not in dict(unreadable)]
                print(
                    f"curating without {len(unreadable)} unreadable file(s): {first_line(failure)}"
                )
                continue
            return annotated, self._totals(counted, files)
        return None, Totals()

    def _unreadable(self, files: Sequence[SourceFile]) -> list[tuple[SourceFile, str]]:
        found = []
        for file in files:
            try:
                self._raw([file]).count()
            except Exception as failure:  # this file alone fails the read
                found.append((file, f"Spark could not read the file: {first_line(failure)}"))
        return found

    def _totals(self, counted: Sequence[Any], files: Sequence[SourceFile]) -> Totals:
        self.sources = {row["_source"]: source_url(row["_source"], files) for row in counted}
        for row in counted:
            outcome = self.outcomes[self.sources[row["_source"]]]
            outcome.rows_read += int(row["read"])
            outcome.rows_rejected += int(row["rejected"])
        return Totals(
            read=sum(int(r["read"]) for r in counted),
            curated=sum(int(r["curated"]) for r in counted),
            superseded=sum(int(r["superseded"]) for r in counted),
            rejected=sum(int(r["rejected"]) for r in counted),
        )

    def _write(self, annotated: Any, totals: Totals, status: str) -> tuple[str | None, Totals]:
        """Write the rejects, then the curated rows and their manifest (pending or held)."""
        if annotated is None:
            return None, totals
        manifest = None
        # Rejects first: the manifest is what the warehouse loads, so it is written last.
        if "rejects_path" in self.args:
            self._write_rejects(annotated)
        if totals.curated:
            curated = curated_frame(annotated, self.spec, self.run_date)
            if self.transform is not None:
                curated = apply_transform(curated, self.spec, self.transform)
                kept = curated.count()
                totals = replace(totals, curated=kept, filtered=totals.curated - kept)
            prefix = "held_prefix" if status == "held" else "manifest_prefix"
            key = write_batch(
                lambda: self._sink_curated(curated), self.clients.s3, self.args, prefix
            )
            bucket = split_s3_url(self.args[prefix])[0] if key else ""
            manifest = f"s3://{bucket}/{key}" if key else None
        return manifest, totals

    def _sink_curated(self, curated: Any) -> None:
        """Partitioned Parquet; the catalog table and its partitions created or updated."""
        from awsglue.dynamicframe import DynamicFrame

        sink = self.glue_context.getSink(
            connection_type="s3",
            path=self.args["target_path"],
            enableUpdateCatalog=True,
            updateBehavior="UPDATE_IN_DATABASE",
            partitionKeys=[PARTITION_COLUMN],
            transformation_ctx="curated_sink",
        )
        sink.setFormat("glueparquet")
        sink.setCatalogInfo(
            catalogDatabase=self.args["target_database"], catalogTableName=self.args["target_table"]
        )
        sink.writeFrame(DynamicFrame.fromDF(curated, self.glue_context, "curated"))

    def _write_rejects(self, annotated: Any) -> None:
        """The reject records under the rejects prefix, partitioned by the run's date; the
        declared rejects table gains the partition (its columns are the program's)."""
        from awsglue.dynamicframe import DynamicFrame
        from pyspark.sql import functions as sf

        rejects = rejects_frame(annotated)
        if rejects.isEmpty():
            return
        names = self.spark.createDataFrame(list(self.sources.items()), "_spark string, _url string")
        rejects = rejects.join(sf.broadcast(names), rejects["source_file"] == names["_spark"])
        rejects = rejects.select(
            sf.lit(self.run_id).alias("run_id"),
            sf.col("_url").alias("source_file"),
            "record_number",
            "column_name",
            "original_text",
            "rule",
            "reason",
            sf.lit(self.run_date.isoformat()).alias(PARTITION_COLUMN),
        )
        catalog = "rejects_database" in self.args and "rejects_table" in self.args
        sink = self.glue_context.getSink(
            connection_type="s3",
            path=self.args["rejects_path"],
            enableUpdateCatalog=catalog,
            updateBehavior="LOG",
            partitionKeys=[PARTITION_COLUMN],
            transformation_ctx="rejects_sink",
        )
        sink.setFormat("glueparquet")
        if catalog:
            sink.setCatalogInfo(
                catalogDatabase=self.args["rejects_database"],
                catalogTableName=self.args["rejects_table"],
            )
        sink.writeFrame(DynamicFrame.fromDF(rejects, self.glue_context, "rejects"))

    def _write_report(
        self, totals: Totals, status: str, reasons: list[str], manifest: str | None
    ) -> None:
        if "run_report_prefix" not in self.args:
            return
        report = {
            "pipeline": self.args.get("pipeline", self.args["target_table"]),
            "run_id": self.run_id,
            "rows_read": totals.read,
            "rows_curated": totals.curated,
            "rows_superseded": totals.superseded,
            "rows_rejected": totals.rejected,
            "rows_filtered": totals.filtered,
            "files": [o.as_dict() for o in self.outcomes.values()],
            "batch": {"status": status, "reasons": reasons},
            "manifest": manifest,
            "migrations_applied": self.migrated,
        }
        put_json(self.clients.s3, f"{self.args['run_report_prefix']}{self.run_id}.json", report)

    def _record(self, files: Sequence[SourceFile]) -> None:
        """Record every file this run curated (a quarantined one is recorded when it is
        quarantined): no later run reads it again."""
        if self.ledger is None:
            return
        for file in files:
            outcome = self.outcomes[file.url]
            if outcome.outcome == "quarantined":
                continue
            entry = {"run_id": self.run_id, "outcome": outcome.outcome, "reason": outcome.reason}
            self.ledger.record(file, entry)

    def _put_metrics(self, totals: Totals, quarantined: int, *, held: bool) -> None:
        if "pipeline" not in self.args:
            return
        self.clients.cloudwatch.put_metric_data(
            Namespace=METRICS_NAMESPACE,
            MetricData=metric_data(totals, quarantined, held, self.args["pipeline"]),
        )


def main(transform: Transform | None = None) -> None:
    """Glue entry point: resolve arguments, curate the files no earlier run processed, write
    the curated rows, their manifest, the rejects, the run report and the metrics, record the
    files in the ledger. A custom script calls it with its `transform` (docs/transformations.md).
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
    configure_session(glue_context.spark_session)
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    clients = Clients(boto3.client("s3"), boto3.client("glue"), boto3.client("cloudwatch"))
    BatchRun(glue_context, args, spec, clients, transform).run()
    job.commit()


def usage() -> str:
    """What `--help` prints: the job arguments Glue passes (the program declares them)."""
    required = " ".join(f"--{name} VALUE" for name in REQUIRED_ARGUMENTS)
    optional = " ".join(f"[--{name} VALUE]" for name in OPTIONAL_ARGUMENTS)
    return f"usage: etl_job.py {required} {optional}\n\n{__doc__}"


if __name__ == "__main__":
    main()
