"""The Glue job's Spark data path on real local Spark: CSV and JSON-lines files through
`curate_batch` to Parquet partitioned by ingest_date, read back row for row.

Spark's own reader and Parquet writer stand in for Glue's DynamicFrame source and catalog sink,
whose wiring test_transforms.py pins with mocks. The session is the suite's shared one
(tests/conftest.py); without PySpark or Java 17+ this module fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from runtime.glue.etl_job import PARTITION_COLUMN, SpecError, build_spec, curate_batch

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_DATE = date(2024, 6, 1)
# Messy on purpose, as a job's arguments may be: main() builds the spec the same way.
SPEC = build_spec(
    {
        "required_columns": "Order ID, Updated At",
        "optional_columns": "Customer Name, amount, paid",
        "key_columns": "orderId",
        "order_column": "updatedAt",
        "column_types": "Order ID:int, amount:float, paid:bool, Updated At:timestamp",
        "partition_source_column": "updated_at",
    }
)


@dataclass(frozen=True)
class Source:
    """Input files of one format and the curated table they must produce."""

    fmt: str
    files: dict[str, str]
    schema: list[tuple[str, str]]
    partitions: dict[str, list[tuple[object, ...]]]


# Exactly the declared columns, required then optional, with their declared types (untyped
# columns are strings), whatever the source holds; the partition column last.
CURATED_SCHEMA = [
    ("order_id", "bigint"),
    ("updated_at", "timestamp"),
    ("customer_name", "string"),
    ("amount", "double"),
    ("paid", "boolean"),
    ("ingest_date", "string"),
]


def _utc(hour: int, minute: int = 0, *, day: int) -> datetime:
    return datetime(2024, 5, day, hour, minute, tzinfo=UTC)


# The latest row per key sits first in one file (key 1) and mid-file (key 2), so no arrival order
# picks it by accident. Key 2's latest, 23:30-02:00, is 01:30 UTC on the 31st; its bad amount is
# nulled. Dropped: an uncastable key, a blank timestamp, a blank key. Key 5: naive time is UTC.
CSV = Source(
    fmt="csv",
    files={
        "orders-1.csv": """\
Order ID,Customer Name,Amount,Paid?,Updated At
1, Alice ,12.00,no,2024-05-30T18:00:00Z
2,Bob,7,true,2024-05-31T01:00:00Z
seven,Eve,1.0,yes,2024-05-30T10:00:00Z
4,Dan,3.25,no,
""",
        "orders-2.csv": """\
Order ID,Customer Name,Amount,Paid?,Updated At
1,Alice,10.50,yes,2024-05-30T09:00:00Z
2,Bob,8,true,2024-05-30T08:00:00Z
2,Bob,lots,T,2024-05-30T23:30:00-02:00
2,Bob,9,true,2024-05-30T20:00:00Z
5,   ,1e3,0,2024-05-31 06:00:00
,Nobody,1,1,2024-05-31T00:00:00Z
""",
    },
    schema=CURATED_SCHEMA,
    partitions={
        "2024-05-30": [(1, _utc(18, day=30), "Alice", 12.0, False)],
        "2024-05-31": [
            (2, _utc(1, 30, day=31), "Bob", None, True),
            (5, _utc(6, day=31), None, 1000.0, False),
        ],
    },
)

# Mixed value types make Spark infer strings for orderId, AMOUNT and Paid; the undeclared
# quantity is dropped. Key 10's latest row moves it to the 31st (12:00 UTC); key 11 keeps
# the later row with its bad amount nulled. Dropped: no timestamp, uncastable key and timestamp.
JSON_LINES = Source(
    fmt="json",
    files={
        "orders-1.jsonl": """\
{"orderId": 10, "customerName": "Ann", "AMOUNT": 5, "Paid": "yes", \
"updatedAt": "2024-05-30T12:00:00Z", "quantity": 1}
{"orderId": 11, "customerName": "Ben", "AMOUNT": "lots", "Paid": true, \
"updatedAt": "2024-05-30T07:00:00Z", "quantity": 3}
{"orderId": 12, "customerName": "Cat", "AMOUNT": 1}
""",
        "orders-2.jsonl": """\
{"orderId": "10", "customerName": " Ann ", "AMOUNT": 6.5, "Paid": false, \
"updatedAt": "2024-05-31T14:00:00+02:00", "quantity": 2}
{"orderId": 11, "customerName": "Ben", "AMOUNT": 2.5, "Paid": "maybe", \
"updatedAt": "2024-05-30T06:59:59Z", "quantity": 9}
{"orderId": "twelve", "updatedAt": "2024-05-30T07:00:00Z"}
{"orderId": 13, "updatedAt": "not a time", "quantity": 4}
""",
    },
    schema=CURATED_SCHEMA,
    partitions={
        "2024-05-30": [(11, _utc(7, day=30), "Ben", None, True)],
        "2024-05-31": [(10, _utc(12, day=31), "Ann", 6.5, False)],
    },
)


@pytest.fixture(autouse=True)
def small_partitions(spark: SparkSession) -> Iterator[None]:
    """Each small input file becomes its own partition, so de-duplication crosses partitions."""
    previous = spark.conf.get("spark.sql.files.maxPartitionBytes") or "128m"
    spark.conf.set("spark.sql.files.maxPartitionBytes", "4k")
    yield
    spark.conf.set("spark.sql.files.maxPartitionBytes", previous)


def _read_source(spark: SparkSession, files: dict[str, str], fmt: str, root: Path) -> DataFrame:
    """Write the files and read them with Spark's reader in place of Glue's (CSV with a header,
    as _read_source asks)."""
    source = root / "source"
    source.mkdir()
    for name, text in files.items():
        (source / name).write_text(text)
    options = {"header": "true"} if fmt == "csv" else {}
    return spark.read.format(fmt).options(**options).load(str(source))


def _collect(df: DataFrame) -> list[tuple[object, ...]]:
    """Rows by order_id; PySpark returns naive local timestamps, made aware UTC again here."""
    return [
        tuple(v.astimezone(UTC) if isinstance(v, datetime) else v for v in row)
        for row in df.orderBy("order_id").collect()
    ]


@pytest.mark.parametrize(
    "source", [pytest.param(CSV, id="csv"), pytest.param(JSON_LINES, id="json-lines")]
)
def test_curate_batch_writes_typed_deduplicated_partitions(
    spark: SparkSession, tmp_path: Path, source: Source
) -> None:
    source_df = _read_source(spark, source.files, source.fmt, tmp_path)
    assert source_df.rdd.getNumPartitions() == len(source.files)

    curated = curate_batch(spark, source_df, SPEC, RUN_DATE)
    assert curated is not None
    assert [(f.name, f.dataType.simpleString()) for f in curated.schema.fields] == source.schema

    target = tmp_path / "curated"
    curated.write.partitionBy(PARTITION_COLUMN).parquet(str(target))
    written = sorted(p.name for p in target.iterdir() if p.is_dir())
    assert written == [f"{PARTITION_COLUMN}={day}" for day in sorted(source.partitions)]
    for day, rows in source.partitions.items():
        partition = spark.read.parquet(str(target / f"{PARTITION_COLUMN}={day}"))
        stored = [(f.name, f.dataType.simpleString()) for f in partition.schema.fields]
        assert stored == source.schema[:-1]  # the partition value lives in the path only
        assert _collect(partition) == rows, day


def test_curate_batch_skips_an_empty_batch_without_columns(spark: SparkSession) -> None:
    # What a bookmarked Glue run with no new files gets from DynamicFrame.toDF().
    empty = spark.range(0).drop("id")
    assert curate_batch(spark, empty, SPEC, RUN_DATE) is None


def test_curate_batch_fails_when_the_source_lacks_a_required_column(
    spark: SparkSession, tmp_path: Path
) -> None:
    files = {"orders.csv": "Order ID,Amount,Paid\n1,2.0,yes\n"}
    source_df = _read_source(spark, files, "csv", tmp_path)
    with pytest.raises(SpecError, match=r"source lacks required columns \['updated_at'\]"):
        curate_batch(spark, source_df, SPEC, RUN_DATE)
