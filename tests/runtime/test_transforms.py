"""The Glue job's pure row functions (the specification of its Spark path), its argument contract,
and that it imports without Glue."""

import dataclasses
import itertools
import re
import subprocess
import sys
import types
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from unittest import mock

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws

from components.warehouse import sql
from runtime.glue import etl_job
from runtime.glue.etl_job import (
    NOT_WHOLE,
    CastError,
    ColumnType,
    Expectations,
    JobSpec,
    Problem,
    Row,
    RowRule,
    SourceRecord,
    SpecError,
    UnreadableFileError,
    build_spec,
    cast_value,
    check_record,
    csv_positions,
    dedupe_latest,
    job_argument_names,
    parse_column_list,
    parse_column_types,
    parse_expectations,
    partition_value,
    source_kind,
    to_snake_case,
    trim_text,
)
from runtime.ingest import handler
from stack_config import pipelines

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_DATE = date(2024, 6, 1)
SPEC = JobSpec(
    required_columns=("order_id", "updated_at"),
    key_columns=("order_id",),
    order_column="updated_at",
    column_types={"order_id": "int", "amount": "float", "updated_at": "timestamp"},
    partition_source_column="updated_at",
    optional_columns=("amount",),
)
BASE_ARGS = {
    "JOB_RUN_ID": "jr_0123",
    "required_columns": "order_id,updated_at",
    "key_columns": "order_id",
    "order_column": "updated_at",
    "column_types": "order_id:int,updated_at:timestamp",
}

SNAKE_CASES = [
    pytest.param("Order ID", "order_id", id="spaces"),
    pytest.param("orderId", "order_id", id="camel"),
    pytest.param("OrderID", "order_id", id="pascal-with-acronym"),
    pytest.param("HTTPResponseCode", "http_response_code", id="leading-acronym"),
    pytest.param("  Total  Amount (USD) ", "total_amount_usd", id="punctuation-and-padding"),
    pytest.param("customer-name", "customer_name", id="kebab"),
    pytest.param("col1Value", "col1_value", id="digit-then-capital"),
    pytest.param("already_snake", "already_snake", id="unchanged"),
    pytest.param("__x__", "x", id="edge-underscores"),
    pytest.param("???", "", id="no-letters"),
]


@pytest.mark.parametrize(("name", "expected"), SNAKE_CASES)
def test_to_snake_case(name: str, expected: str) -> None:
    assert to_snake_case(name) == expected


@pytest.mark.parametrize(("name", "expected"), SNAKE_CASES)
def test_ingest_handler_normalises_column_names_like_the_glue_job(name: str, expected: str) -> None:
    assert handler.to_snake_case(name) == etl_job.to_snake_case(name) == expected


def test_a_header_maps_each_declared_column_to_its_position() -> None:
    assert csv_positions(["Order ID", "x", "Updated At"], SPEC) == {"order_id": 0, "updated_at": 2}


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        pytest.param(["Order ID", "order_id"], "both normalise to 'order_id'", id="collision"),
        pytest.param(["ok", "%%"], "no letters or digits", id="blank-name"),
    ],
)
def test_a_header_with_ambiguous_columns_is_unusable(columns: list[str], message: str) -> None:
    with pytest.raises(UnreadableFileError, match=message):
        csv_positions([*columns, "updated_at"], SPEC)


def test_parse_column_list_normalises_and_drops_blanks_and_repeats() -> None:
    assert parse_column_list(" Order ID, ,amount,order_id") == ("order_id", "amount")


def test_parse_column_types_accepts_every_type() -> None:
    spec = "a:string, B:int,c:float,d:bool,e:date,f:timestamp,"
    assert parse_column_types(spec) == {
        "a": "string",
        "b": "int",
        "c": "float",
        "d": "bool",
        "e": "date",
        "f": "timestamp",
    }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param("a:decimal", "not <column>:<type>", id="unknown-type"),
        pytest.param("a", "not <column>:<type>", id="no-colon"),
        pytest.param(":int", "not <column>:<type>", id="no-column"),
        pytest.param("a:int,A:float", "more than one declared type", id="duplicate"),
    ],
)
def test_parse_column_types_rejects_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_column_types(spec)


def test_build_spec_from_arguments() -> None:
    args = {**BASE_ARGS, "partition_source_column": "Updated At"}
    assert build_spec(args) == JobSpec(
        required_columns=("order_id", "updated_at"),
        key_columns=("order_id",),
        order_column="updated_at",
        column_types={"order_id": "int", "updated_at": "timestamp"},
        partition_source_column="updated_at",
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"key_columns": " , "}, "key_columns is empty", id="no-key"),
        pytest.param({"key_columns": "sku"}, "key column 'sku' is not required", id="key-optional"),
        pytest.param({"order_column": "seen"}, "order column 'seen' is not", id="order-optional"),
        pytest.param(
            {"partition_source_column": "order_id"},
            "'order_id' is not typed date or timestamp",
            id="partition-source-untyped",
        ),
        pytest.param(
            {"partition_source_column": "day"}, "'day' is not required", id="partition-optional"
        ),
        pytest.param(
            {"required_columns": "order_id,updated_at,ingest_date"},
            "'ingest_date' is reserved",
            id="reserved-partition-name",
        ),
        pytest.param(
            {"column_types": "order_id:int,amount:float"},
            r"typed columns \['amount'\] are neither required nor optional",
            id="typed-but-undeclared",
        ),
        pytest.param(
            {"optional_columns": "amount,order_id"},
            r"columns \['order_id'\] are both required and optional",
            id="required-and-optional",
        ),
    ],
)
def test_build_spec_rejects_inconsistent_arguments(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        build_spec({**BASE_ARGS, **overrides})


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param({"source_database": "raw", "source_table": "orders"}, "catalog", id="catalog"),
        pytest.param({"source_path": "s3://raw/orders/"}, "s3", id="s3-default-csv"),
        pytest.param({"source_path": "s3://r/", "source_format": "json"}, "s3", id="s3-json"),
    ],
)
def test_source_kind(args: dict[str, str], expected: str) -> None:
    assert source_kind(args) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param({}, "give either", id="no-source"),
        pytest.param({"source_database": "raw"}, "give either", id="database-without-table"),
        pytest.param(
            {"source_database": "raw", "source_table": "t", "source_path": "s3://r/"},
            "give either",
            id="both-sources",
        ),
        pytest.param(
            {"source_path": "s3://r/", "source_format": "xml"}, "source_format", id="bad-format"
        ),
    ],
)
def test_source_kind_rejects_ambiguous_sources(args: dict[str, str], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        source_kind(args)


def test_job_argument_names_adds_only_optional_arguments_present() -> None:
    argv = ["etl_job.py", "--JOB_NAME", "j", "--source_path", "s3://r/", "--column_types", "a:int"]
    assert job_argument_names(argv) == [*etl_job.REQUIRED_ARGUMENTS, "source_path", "column_types"]


def test_a_header_without_a_required_column_is_named_and_an_optional_one_may_be_absent() -> None:
    with pytest.raises(UnreadableFileError, match=r"lacks required columns \['updated_at'\]"):
        csv_positions(["order_id", "amount"], SPEC)
    assert csv_positions(["order_id", "updated_at"], SPEC) == {"order_id": 0, "updated_at": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("  x ", "x", id="padded"),
        pytest.param("   ", None, id="blank-is-missing"),
        pytest.param("\t\r\n x\x0b\x0c", "x", id="ascii-whitespace"),
        pytest.param("\u00a0x", "\u00a0x", id="no-break-space-is-data"),
        pytest.param(None, None, id="absent"),
    ],
)
def test_trim_text_strips_ascii_whitespace_and_blanks_become_missing(
    text: str | None, expected: str | None
) -> None:
    assert trim_text(text) == expected


@pytest.mark.parametrize(
    ("value", "column_type", "expected"),
    [
        pytest.param("42", "int", 42, id="int-from-string"),
        pytest.param("-7", "int", -7, id="negative-int"),
        pytest.param("+7", "int", 7, id="signed-int"),
        pytest.param("42.0", "int", 42, id="int-from-integral-decimal"),
        pytest.param("9223372036854775807", "int", 2**63 - 1, id="int-64-bit-max"),
        pytest.param("3.5", "float", 3.5, id="float-from-string"),
        pytest.param("1e3", "float", 1000.0, id="float-exponent"),
        pytest.param("2", "float", 2.0, id="float-from-whole"),
        pytest.param("Yes", "bool", True, id="bool-yes"),
        pytest.param("f", "bool", False, id="bool-f"),
        pytest.param("0", "bool", False, id="bool-zero"),
        pytest.param("2024-01-31", "date", date(2024, 1, 31), id="date"),
        pytest.param(
            "2024-01-31T10:00:00Z", "timestamp", datetime(2024, 1, 31, 10, tzinfo=UTC), id="ts-z"
        ),
        pytest.param(
            "2024-01-31T12:00:00+02:00",
            "timestamp",
            datetime(2024, 1, 31, 10, tzinfo=UTC),
            id="ts-offset-to-utc",
        ),
        pytest.param(
            "2024-01-31 10:00:00", "timestamp", datetime(2024, 1, 31, 10, tzinfo=UTC), id="ts-naive"
        ),
        pytest.param(
            "2024-01-31T10:00Z", "timestamp", datetime(2024, 1, 31, 10, tzinfo=UTC), id="ts-minutes"
        ),
        pytest.param(
            "2024-01-31", "timestamp", datetime(2024, 1, 31, tzinfo=UTC), id="ts-from-a-date"
        ),
        pytest.param("12", "string", "12", id="string-as-read"),
        pytest.param("00123", "string", "00123", id="string-keeps-leading-zeros"),
        pytest.param(None, "int", None, id="none-stays-none"),
    ],
)
def test_cast_value(value: str | None, column_type: ColumnType, expected: object) -> None:
    assert cast_value(value, column_type) == expected


@pytest.mark.parametrize(
    ("value", "column_type", "reason"),
    [
        pytest.param("4.2", "int", "is not a whole number", id="int-fraction"),
        pytest.param("1.5", "int", "is not a whole number", id="int-key-1.5"),
        pytest.param("1_000", "int", "is not a whole number", id="int-underscore"),
        pytest.param("abc", "int", "is not a whole number", id="int-text"),
        pytest.param("true", "int", "is not a whole number", id="int-from-bool"),
        pytest.param("\u0663", "int", "is not a whole number", id="int-non-ascii-digit"),
        pytest.param(
            "9223372036854775808",
            "int",
            "is outside the 64-bit integer range",
            id="int-past-64-bit",
        ),
        pytest.param("nan", "float", "is not a number", id="float-nan"),
        pytest.param("abc", "float", "is not a number", id="float-text"),
        pytest.param("1,000.50", "float", "is not a number", id="float-thousands-separator"),
        pytest.param("1e999", "float", "is too large for a double-precision number", id="inf"),
        pytest.param("maybe", "bool", "is not a boolean", id="bool-text"),
        pytest.param("2", "bool", "is not a boolean", id="bool-from-two"),
        pytest.param("2024-02-30", "date", "is not a date", id="date-impossible"),
        pytest.param("31/01/2024", "date", "is not a date", id="date-not-iso"),
        pytest.param("2024-W05-3", "date", "is not a date", id="date-iso-week"),
        pytest.param("0000-01-01", "date", "is not a date", id="date-year-zero"),
        pytest.param("2024-01-31T10:00:00", "date", "is not a date", id="date-given-timestamp"),
        pytest.param("yesterday", "timestamp", "is not a timestamp", id="timestamp-text"),
        pytest.param("1700000000", "timestamp", "is not a timestamp", id="timestamp-epoch"),
        pytest.param("2024-01-31T10:00+19:00", "timestamp", "is not a timestamp", id="offset"),
        pytest.param(
            "0001-01-01T00:30:00+01:00", "timestamp", "is outside the years", id="before-year-1"
        ),
        pytest.param("1,000.50", "decimal(12,2)", "is not a number", id="decimal-separator"),
        pytest.param("0e40", "decimal(12,2)", "does not fit decimal(12,2)", id="decimal-0e40"),
        pytest.param(
            "9999999999.995", "decimal(12,2)", "does not fit decimal(12,2)", id="decimal-rounds-up"
        ),
    ],
)
def test_cast_value_rejects_unrepresentable_values_with_a_reason(
    value: str, column_type: ColumnType, reason: str
) -> None:
    with pytest.raises(CastError, match=r"^" + re.escape(reason)):
        cast_value(value, column_type)


def _record(values: Mapping[str, str | None], malformed: str | None = None) -> SourceRecord:
    return SourceRecord("s3://raw/orders/a.csv", 7, values, malformed)


@pytest.mark.parametrize(
    ("values", "row", "problems"),
    [
        pytest.param(
            {"order_id": " 7 ", "amount": "9.5", "updated_at": "2024-05-30T23:00:00-02:00"},
            {"order_id": 7, "updated_at": datetime(2024, 5, 31, 1, tzinfo=UTC), "amount": 9.5},
            [],
            id="clean-row",
        ),
        pytest.param(
            {"order_id": "7", "amount": "lots", "updated_at": "2024-05-30T10:00:00Z"},
            {"order_id": 7, "updated_at": datetime(2024, 5, 30, 10, tzinfo=UTC), "amount": None},
            [Problem("cast", "amount", "lots", "amount is not a number")],
            id="bad-optional-value-rejects",
        ),
        pytest.param(
            {"order_id": "seven", "amount": "1", "updated_at": "2024-05-30T10:00:00Z"},
            {"order_id": None, "updated_at": datetime(2024, 5, 30, 10, tzinfo=UTC), "amount": 1.0},
            [Problem("cast", "order_id", "seven", f"order_id {NOT_WHOLE}")],
            id="bad-required-value-rejects",
        ),
        pytest.param(
            {"order_id": "7", "amount": "1", "updated_at": "  "},
            {"order_id": 7, "updated_at": None, "amount": 1.0},
            [Problem("required", "updated_at", "  ", "updated_at is required and has no value")],
            id="blank-required-rejects",
        ),
        pytest.param(
            {"order_id": "7", "amount": "1"},
            {"order_id": 7, "updated_at": None, "amount": 1.0},
            [Problem("required", "updated_at", None, "updated_at is required and has no value")],
            id="absent-required-rejects",
        ),
        pytest.param(
            {"order_id": "7", "updated_at": "2024-05-30T10:00:00Z", "note": "kept out"},
            {"order_id": 7, "updated_at": datetime(2024, 5, 30, 10, tzinfo=UTC), "amount": None},
            [],
            id="absent-optional-is-null-undeclared-dropped",
        ),
    ],
)
def test_check_record(values: dict[str, str | None], row: Row, problems: list[Problem]) -> None:
    assert check_record(_record(values), SPEC) == (row, problems)


def test_a_column_named_in_null_on_cast_failure_keeps_its_row_with_a_record() -> None:
    spec = dataclasses.replace(
        SPEC, expectations=Expectations(null_on_cast_failure=frozenset({"amount"}))
    )
    values = {"order_id": "7", "amount": "lots", "updated_at": "2024-05-30T10:00:00Z"}
    row, problems = check_record(_record(values), spec)
    assert row["amount"] is None
    assert problems == [
        Problem(
            "cast",
            "amount",
            "lots",
            "amount is not a number; kept as NULL (expectations.null_on_cast_failure)",
            rejects=False,
        )
    ]


@pytest.mark.parametrize(
    ("rule", "amount", "reason"),
    [
        pytest.param(RowRule("range", "amount", min=0), "-1", "amount is not at least 0", id="min"),
        pytest.param(
            RowRule("range", "amount", min=0, max=9.5),
            "10",
            "amount is not between 0 and 9.5",
            id="min-max",
        ),
        pytest.param(
            RowRule("not-null", "amount"),
            None,
            "amount has no value (expectation not-null)",
            id="not-null",
        ),
    ],
)
def test_row_rules_reject_with_their_reason(rule: RowRule, amount: str | None, reason: str) -> None:
    spec = dataclasses.replace(SPEC, expectations=Expectations(rows=(rule,)))
    values = {"order_id": "7", "amount": amount, "updated_at": "2024-05-30T10:00:00Z"}
    _, problems = check_record(_record(values), spec)
    assert problems == [Problem(rule.kind, "amount", amount, reason)]


def test_a_malformed_record_has_that_one_problem() -> None:
    _, problems = check_record(_record({"order_id": "7"}, malformed="bad line"), SPEC)
    assert problems == [Problem("malformed", None, None, "bad line")]


def test_partition_value_is_the_utc_date_or_the_run_date() -> None:
    late = datetime(2024, 5, 30, 23, 30, tzinfo=timezone(timedelta(hours=-2)))
    assert partition_value({"updated_at": late}, "updated_at", RUN_DATE) == "2024-05-31"
    assert partition_value({"updated_at": None}, "updated_at", RUN_DATE) == "2024-06-01"
    assert partition_value({}, None, RUN_DATE) == "2024-06-01"


def test_parse_expectations_reads_the_config_models_json() -> None:
    text = (
        '{"rows":[{"kind":"range","column":"Amount","min":0,"max":null},{"kind":"unique-key"}],'
        '"null_on_cast_failure":["amount"],"batch":{"min_rows":5,"max_reject_ratio":0.1},'
        '"freshness":null}'
    )
    assert parse_expectations(text) == Expectations(
        rows=(RowRule("range", "amount", min=0), RowRule("unique-key")),
        null_on_cast_failure=frozenset({"amount"}),
        min_rows=5,
        max_reject_ratio=0.1,
    )
    with pytest.raises(SpecError, match="row rule kind 'sometimes'"):
        parse_expectations('{"rows":[{"kind":"sometimes"}]}')


def _order(order_id: int, updated: int, note: str = "") -> Row:
    return {"order_id": order_id, "updated_at": updated, "note": note}


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param(
            [_order(1, 1), _order(1, 3), _order(1, 2)], [_order(1, 3)], id="latest-in-middle"
        ),
        pytest.param(
            [_order(1, 1), _order(2, 1)], [_order(1, 1), _order(2, 1)], id="no-duplicates"
        ),
        pytest.param(
            [_order(2, 5), _order(1, 1), _order(2, 9), _order(1, 4)],
            [_order(2, 9), _order(1, 4)],
            id="interleaved-keys-keep-first-seen-order",
        ),
        pytest.param([], [], id="empty"),
    ],
)
def test_dedupe_latest(rows: list[Row], expected: list[Row]) -> None:
    assert dedupe_latest(rows, ["order_id"], "updated_at") == expected


def test_dedupe_latest_on_composite_key() -> None:
    rows: list[Row] = [
        {"tenant": "a", "id": 1, "v": 1},
        {"tenant": "b", "id": 1, "v": 1},
        {"tenant": "a", "id": 1, "v": 2},
    ]
    assert dedupe_latest(rows, ["tenant", "id"], "v") == [rows[2], rows[1]]


def test_dedupe_latest_breaks_ties_the_same_way_in_any_arrival_order() -> None:
    tied = [_order(1, 5, "x"), _order(1, 5, "z"), _order(1, 5, "y")]
    winners = {
        dedupe_latest(list(p), ["order_id"], "updated_at")[0]["note"]
        for p in itertools.permutations(tied)
    }
    assert winners == {"z"}


def test_ties_on_the_order_column_go_to_the_greatest_other_columns_null_last() -> None:
    rows: list[Row] = [
        {"order_id": 1, "updated_at": 5, "amount": None, "note": "z"},
        {"order_id": 1, "updated_at": 5, "amount": 2.0, "note": "a"},
        {"order_id": 1, "updated_at": 5, "amount": 1.0, "note": "z"},
    ]
    for arrival in itertools.permutations(rows):
        assert dedupe_latest(arrival, ["order_id"], "updated_at", ["amount", "note"]) == [rows[1]]


def test_the_tie_break_is_the_order_column_then_the_other_declared_columns() -> None:
    assert SPEC.tie_break == ("updated_at", "amount")


def test_importing_etl_job_does_not_import_glue_or_spark() -> None:
    code = (
        "import sys, runtime.glue.etl_job as job\n"
        "assert callable(job.main)\n"
        "assert not {'awsglue', 'pyspark'} & {m.split('.')[0] for m in sys.modules}, 'eager'\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr


def _fake_glue(monkeypatch: pytest.MonkeyPatch, args: dict[str, str]) -> mock.MagicMock:
    """Install stand-ins for the awsglue/pyspark modules main() imports; return the GlueContext."""
    glue_context = mock.MagicMock(name="GlueContext()")
    modules = {
        "awsglue": types.ModuleType("awsglue"),
        "awsglue.context": mock.MagicMock(GlueContext=mock.MagicMock(return_value=glue_context)),
        "awsglue.job": mock.MagicMock(),
        "awsglue.utils": mock.MagicMock(getResolvedOptions=mock.MagicMock(return_value=args)),
        "awsglue.dynamicframe": mock.MagicMock(),
        "pyspark": types.ModuleType("pyspark"),
        "pyspark.context": mock.MagicMock(),
    }
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    return glue_context


def test_main_reads_a_catalog_source_and_commits_an_empty_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    args = {**BASE_ARGS, "JOB_NAME": "orders-etl", "source_database": "raw", "source_table": "o"}
    glue_context = _fake_glue(monkeypatch, args)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(
            Bucket="raw", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        glue = boto3.client("glue")
        glue.create_database(DatabaseInput={"Name": "raw"})
        table = {"Name": "o", "StorageDescriptor": {"Location": "s3://raw/orders"}}
        glue.create_table(DatabaseName="raw", TableInput=table)

        etl_job.main()

    job = sys.modules["awsglue.job"].Job.return_value
    job.init.assert_called_once_with("orders-etl", args)
    glue_context.getSink.assert_not_called()
    job.commit.assert_called_once_with()


def test_main_fails_on_bad_arguments_before_starting_the_job(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    args = {**BASE_ARGS, "JOB_NAME": "orders-etl", "key_columns": "sku", "source_path": "s3://r/"}
    _fake_glue(monkeypatch, args)
    with pytest.raises(SpecError, match="key column 'sku'"):
        etl_job.main()
    sys.modules["awsglue.job"].Job.return_value.init.assert_not_called()


def test_write_curated_writes_partitioned_parquet_and_updates_the_catalog(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    glue_context = _fake_glue(monkeypatch, {})
    args = {
        **BASE_ARGS,
        "source_path": "s3://raw/orders/",
        "target_path": "s3://curated/orders/",
        "target_database": "cur",
        "target_table": "o",
    }
    clients = etl_job.Clients(s3=None, glue=None, cloudwatch=None)
    run = etl_job.BatchRun(glue_context, args, build_spec(args), clients)

    run._sink_curated(mock.sentinel.curated_df)

    glue_context.getSink.assert_called_once_with(
        connection_type="s3",
        path="s3://curated/orders/",
        enableUpdateCatalog=True,
        updateBehavior="UPDATE_IN_DATABASE",
        partitionKeys=["ingest_date"],
        transformation_ctx="curated_sink",
    )
    sink = glue_context.getSink.return_value
    sink.setFormat.assert_called_once_with("glueparquet")
    sink.setCatalogInfo.assert_called_once_with(catalogDatabase="cur", catalogTableName="o")
    sink.writeFrame.assert_called_once()


def test_the_script_names_the_partition_column_the_config_reserves() -> None:
    # The script runs alone in Glue, so it names the column itself; the platform's IAM grants
    # and the canaries address the same partition through stack_config.
    assert etl_job.PARTITION_COLUMN == pipelines.PARTITION_COLUMN
    assert etl_job.PARTITION_COLUMN in pipelines.RESERVED_COLUMNS


def test_the_lake_breaks_ties_as_the_warehouse_load_orders_its_row_number() -> None:
    # The warehouse load's ROW_NUMBER() and the job's window must keep the same row of a key.
    spec = build_spec(
        {
            "required_columns": "order_id,updated_at,amount",
            "optional_columns": "note",
            "key_columns": "order_id",
            "order_column": "updated_at",
            "column_types": "order_id:int,updated_at:timestamp,amount:float",
        }
    )
    table = sql.TableSpec(
        schema="curated",
        name="orders",
        columns=tuple((c, spec.column_type(c)) for c in spec.columns),
        key_columns=spec.key_columns,
        order_column=spec.order_column,
    )
    statements = sql.load_body(table, copy="COPY")
    order_by = ", ".join(f"_s.{sql.ident(c)} DESC NULLS LAST" for c in spec.tie_break)
    assert [s for s in statements if f'PARTITION BY _s."order_id" ORDER BY {order_by})' in s]
