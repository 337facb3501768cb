"""The Glue job's pure row functions, its argument contract, and that it imports without Glue."""

import itertools
import subprocess
import sys
import types
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from unittest import mock

import pytest

from runtime.glue import etl_job
from runtime.glue.etl_job import (
    CastError,
    ColumnType,
    JobSpec,
    Row,
    SpecError,
    build_spec,
    cast_row,
    cast_value,
    check_source_columns,
    column_mapping,
    dedupe_latest,
    job_argument_names,
    latest,
    output_columns,
    parse_column_list,
    parse_column_types,
    prepare_row,
    source_kind,
    to_record,
    to_snake_case,
    trim_strings,
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


def test_column_mapping_maps_each_source_column() -> None:
    assert column_mapping(["Order ID", "amount"]) == {"Order ID": "order_id", "amount": "amount"}


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        pytest.param(["Order ID", "order_id"], "both normalise to 'order_id'", id="collision"),
        pytest.param(["ok", "%%"], "no letters or digits", id="blank-name"),
    ],
)
def test_column_mapping_rejects_ambiguous_columns(columns: list[str], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        column_mapping(columns)


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


def test_check_source_columns_names_missing_required_columns_only() -> None:
    with pytest.raises(SpecError, match=r"source lacks required columns \['updated_at'\]"):
        check_source_columns(["order_id", "amount"], SPEC)
    check_source_columns(["order_id", "updated_at"], SPEC)  # an optional column may be absent


def test_trim_strings_strips_and_blanks_become_missing() -> None:
    row: Row = {"a": "  x ", "b": "   ", "c": 3, "d": None}
    assert trim_strings(row) == {"a": "x", "b": None, "c": 3, "d": None}


@pytest.mark.parametrize(
    ("value", "column_type", "expected"),
    [
        pytest.param("42", "int", 42, id="int-from-string"),
        pytest.param("-7", "int", -7, id="negative-int"),
        pytest.param("42.0", "int", 42, id="int-from-integral-decimal"),
        pytest.param(42.0, "int", 42, id="int-from-integral-float"),
        pytest.param("3.5", "float", 3.5, id="float-from-string"),
        pytest.param("1e3", "float", 1000.0, id="float-exponent"),
        pytest.param(2, "float", 2.0, id="float-from-int"),
        pytest.param("Yes", "bool", True, id="bool-yes"),
        pytest.param("f", "bool", False, id="bool-f"),
        pytest.param(0, "bool", False, id="bool-from-zero"),
        pytest.param("2024-01-31", "date", date(2024, 1, 31), id="date"),
        pytest.param(
            datetime(2024, 1, 31, 23, 30, tzinfo=timezone(timedelta(hours=-2))),
            "date",
            date(2024, 2, 1),
            id="date-from-timestamp-is-utc",
        ),
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
        pytest.param(12, "string", "12", id="string-from-int"),
        pytest.param(None, "int", None, id="none-stays-none"),
    ],
)
def test_cast_value(value: object, column_type: ColumnType, expected: object) -> None:
    assert cast_value(value, column_type) == expected


@pytest.mark.parametrize(
    ("value", "column_type"),
    [
        pytest.param("4.2", "int", id="int-fraction"),
        pytest.param("1_000", "int", id="int-underscore"),
        pytest.param("abc", "int", id="int-text"),
        pytest.param(True, "int", id="int-from-bool"),
        pytest.param("nan", "float", id="float-nan"),
        pytest.param(float("inf"), "float", id="float-inf"),
        pytest.param("maybe", "bool", id="bool-text"),
        pytest.param(2, "bool", id="bool-from-two"),
        pytest.param("2024-02-30", "date", id="date-impossible"),
        pytest.param("31/01/2024", "date", id="date-not-iso"),
        pytest.param("2024-01-31T10:00:00", "date", id="date-given-timestamp"),
        pytest.param("yesterday", "timestamp", id="timestamp-text"),
        pytest.param(1_700_000_000, "timestamp", id="timestamp-epoch-number"),
    ],
)
def test_cast_value_rejects_unrepresentable_values(value: object, column_type: ColumnType) -> None:
    with pytest.raises(CastError):
        cast_value(value, column_type)


def test_cast_row_nulls_and_reports_failed_columns() -> None:
    row: Row = {"order_id": "x1", "amount": "2.5", "note": "n"}
    cast, failed = cast_row(row, {"order_id": "int", "amount": "float"})
    assert cast == {"order_id": None, "amount": 2.5, "note": "n"}
    assert failed == ["order_id"]


MAPPING = {"Order ID": "order_id", "Amount": "amount", "Updated At": "updated_at"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            {"Order ID": " 7 ", "Amount": "9.5", "Updated At": "2024-05-30T23:00:00-02:00"},
            {
                "order_id": 7,
                "amount": 9.5,
                "updated_at": datetime(2024, 5, 31, 1, tzinfo=UTC),
                "ingest_date": "2024-05-31",
            },
            id="clean-row",
        ),
        pytest.param(
            {"Order ID": "7", "Amount": "lots", "Updated At": "2024-05-30T10:00:00Z"},
            {
                "order_id": 7,
                "amount": None,
                "updated_at": datetime(2024, 5, 30, 10, tzinfo=UTC),
                "ingest_date": "2024-05-30",
            },
            id="bad-optional-value-nulled",
        ),
        pytest.param(
            {"Order ID": "seven", "Amount": "1", "Updated At": "2024-05-30T10:00:00Z"},
            None,
            id="bad-required-value-drops-row",
        ),
        pytest.param(
            {"Order ID": "7", "Amount": "1", "Updated At": "  "}, None, id="blank-required-drops"
        ),
        pytest.param({"Order ID": "7", "Amount": "1"}, None, id="absent-required-drops"),
        pytest.param(
            {"Order ID": "7", "Updated At": "2024-05-30T10:00:00Z", "Note": "kept out"},
            {
                "order_id": 7,
                "updated_at": datetime(2024, 5, 30, 10, tzinfo=UTC),
                "amount": None,
                "ingest_date": "2024-05-30",
            },
            id="absent-optional-is-null-undeclared-dropped",
        ),
    ],
)
def test_prepare_row(raw: Row, expected: Row | None) -> None:
    assert prepare_row(raw, MAPPING, SPEC, RUN_DATE) == expected


def test_prepare_row_partitions_by_run_date_without_a_source_column() -> None:
    spec = JobSpec(required_columns=("id",), key_columns=("id",), order_column="id")
    assert prepare_row({"ID": "a"}, {"ID": "id"}, spec, RUN_DATE) == {
        "id": "a",
        "ingest_date": "2024-06-01",
    }


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
        to_record(dedupe_latest(list(p), ["order_id"], "updated_at")[0], ["note"])
        for p in itertools.permutations(tied)
    }
    assert winners == {("z",)}


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        pytest.param(_order(1, 1), _order(1, 2), _order(1, 2), id="later-second"),
        pytest.param(_order(1, 2), _order(1, 1), _order(1, 2), id="later-first"),
        pytest.param(
            {"order_id": 1, "updated_at": None}, _order(1, 0), _order(1, 0), id="none-loses"
        ),
    ],
)
def test_latest_is_commutative(first: Row, second: Row, expected: Row) -> None:
    assert latest(first, second, "updated_at") == latest(second, first, "updated_at") == expected


def test_output_columns_are_the_declared_ones_then_the_partition() -> None:
    assert output_columns(SPEC) == ["order_id", "updated_at", "amount", "ingest_date"]


def test_to_record_orders_values_and_fills_missing() -> None:
    assert to_record({"a": 1, "c": 3}, ["c", "b", "a"]) == (3, None, 1)


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


def test_main_commits_the_bookmark_for_an_empty_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    args = {**BASE_ARGS, "JOB_NAME": "orders-etl", "source_database": "raw", "source_table": "o"}
    glue_context = _fake_glue(monkeypatch, args)
    source = glue_context.create_dynamic_frame.from_catalog.return_value
    source.toDF.return_value.rdd.isEmpty.return_value = True

    etl_job.main()

    job = sys.modules["awsglue.job"].Job.return_value
    job.init.assert_called_once_with("orders-etl", args)
    glue_context.create_dynamic_frame.from_catalog.assert_called_once_with(
        database="raw", table_name="o", transformation_ctx="source"
    )
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
    args = {"target_path": "s3://curated/orders/", "target_database": "cur", "target_table": "o"}

    etl_job._write_curated(glue_context, mock.sentinel.curated_df, args)

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
