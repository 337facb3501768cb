"""The Glue job's Spark data path on real local Spark: CSV and JSON-lines files read by the job's
readers, curated by `annotate` to Parquet partitioned by ingest_date, read back row for row,
every row accounted for.

Spark's Parquet writer stands in for Glue's catalog sink, whose wiring test_transforms.py pins
with mocks. The session is the suite's shared one (tests/conftest.py); without PySpark or Java
17+ this module fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from runtime.glue.etl_job import (
    MALFORMED_CSV,
    PARTITION_COLUMN,
    UnreadableFileError,
    annotate,
    build_spec,
    configure_session,
    counts_frame,
    csv_header,
    csv_positions,
    curated_frame,
    read_csv,
    read_json_lines,
)

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
    rejected: int
    superseded: int


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
# picks it by accident. Key 2's latest, 23:30-02:00 (01:30 UTC on the 31st), has a bad amount:
# rejected, so its 01:00 UTC row wins. Rejected too: an uncastable key, a blank timestamp, a blank
# key. Key 5: naive time is UTC.
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
            (2, _utc(1, day=31), "Bob", 7.0, True),
            (5, _utc(6, day=31), None, 1000.0, False),
        ],
    },
    rejected=4,
    superseded=3,
)

# Values of mixed JSON types are read as their text; the undeclared quantity is dropped. Key 10's
# latest row moves it to the 31st (12:00 UTC); both of key 11's rows are rejected (a bad amount,
# a bad boolean). Rejected too: no timestamp, an uncastable key, an uncastable timestamp.
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
    partitions={"2024-05-31": [(10, _utc(12, day=31), "Ann", 6.5, False)]},
    rejected=5,
    superseded=1,
)


def _read_source(spark: SparkSession, files: dict[str, str], fmt: str, root: Path) -> DataFrame:
    """Write the files and read them with the job's readers (CSV: one read per header)."""
    configure_session(spark)
    source = root / "source"
    source.mkdir(parents=True)
    for name, text in files.items():
        (source / name).write_text(text)
    paths = [str(source / name) for name in files]
    if fmt == "json":
        frame: DataFrame = read_json_lines(spark, paths, SPEC)
        return frame
    frames: list[DataFrame] = []
    for path in paths:
        header = csv_header(Path(path).read_bytes(), complete=True)
        frames.append(read_csv(spark, [path], len(header), csv_positions(header, SPEC), SPEC))
    return frames[0].unionByName(frames[1]) if len(frames) > 1 else frames[0]


def _collect(df: DataFrame) -> list[tuple[object, ...]]:
    """Rows by order_id; PySpark returns naive local timestamps, made aware UTC again here."""
    return [
        tuple(v.astimezone(UTC) if isinstance(v, datetime) else v for v in row)
        for row in df.orderBy("order_id").collect()
    ]


@pytest.mark.parametrize(
    "source", [pytest.param(CSV, id="csv"), pytest.param(JSON_LINES, id="json-lines")]
)
def test_curation_writes_typed_deduplicated_partitions_and_counts_every_row(
    spark: SparkSession, tmp_path: Path, source: Source
) -> None:
    raw = _read_source(spark, source.files, source.fmt, tmp_path)
    assert raw.rdd.getNumPartitions() == len(source.files), "one partition per file"

    annotated = annotate(raw, SPEC, RUN_DATE)
    curated = curated_frame(annotated, SPEC, RUN_DATE)
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
    counts = counts_frame(annotated).collect()
    read = sum(row["read"] for row in counts)
    assert read == sum(len(text.strip().splitlines()) for text in source.files.values()) - (
        len(source.files) if source.fmt == "csv" else 0
    )
    curated_rows = sum(len(rows) for rows in source.partitions.values())
    assert (sum(r["curated"] for r in counts), sum(r["rejected"] for r in counts)) == (
        curated_rows,
        source.rejected,
    )
    assert sum(r["superseded"] for r in counts) == source.superseded
    assert read == curated_rows + source.superseded + source.rejected


def test_a_source_without_a_required_column_cannot_be_curated() -> None:
    header = csv_header(b"Order ID,Amount,Paid\n1,2.0,yes\n", complete=True)
    with pytest.raises(UnreadableFileError, match=r"lacks required columns \['updated_at'\]"):
        csv_positions(header, SPEC)


def test_a_csv_record_with_more_or_fewer_values_than_its_header_is_malformed(
    spark: SparkSession, tmp_path: Path
) -> None:
    files = {
        "ragged.csv": "Order ID,Updated At\n1,2024-05-30T10:00:00Z\n2,2024-05-30T10:00:00Z,x\n3\n"
    }
    raw = _read_source(spark, files, "csv", tmp_path)
    found = [(r["_record"], r["_malformed"], r["_malformed_text"]) for r in raw.collect()]
    assert found == [
        (1, None, None),
        (2, MALFORMED_CSV, "2,2024-05-30T10:00:00Z,x"),
        (3, MALFORMED_CSV, "3"),
    ]


def test_the_csv_reader_reads_every_value_as_text_with_the_schema_it_is_given(
    spark: SparkSession, tmp_path: Path
) -> None:
    # No inference: values a reader that infers types would turn into numbers (and a column of
    # ints and doubles into a choice of both) stay the text that was read.
    files = {"mixed.csv": "Order ID,Amount,Updated At\n00123,20,x\n2,19.90,y\n3,,z\n"}
    raw = _read_source(spark, files, "csv", tmp_path)
    declared = [f for f in raw.schema.fields if f.name in SPEC.columns]
    assert {f.dataType.simpleString() for f in declared} == {"string"}
    assert [(r["order_id"], r["amount"]) for r in raw.collect()] == [
        ("00123", "20"),
        ("2", "19.90"),
        ("3", None),
    ]


def test_record_numbers_count_from_one_in_every_file_of_a_read(
    spark: SparkSession, tmp_path: Path
) -> None:
    # Spark numbers rows with the partition id in the upper bits: the second file's rows must
    # still be its records 1 and 2, or a reject record would point nowhere.
    files = {
        "a.csv": "Order ID,Updated At\n1,2024-05-30T10:00:00Z\n2,2024-05-30T10:00:00Z\n",
        "b.csv": "Order ID,Updated At\n3,2024-05-30T10:00:00Z\n4,2024-05-30T10:00:00Z\n",
    }
    for fmt, source in (("csv", files), ("json", _as_json_lines(files))):
        raw = _read_source(spark, source, fmt, tmp_path / fmt)
        found = sorted((Path(r["_source"]).stem, r["_record"]) for r in raw.collect())
        assert found == [("a", 1), ("a", 2), ("b", 1), ("b", 2)], fmt


def _as_json_lines(files: dict[str, str]) -> dict[str, str]:
    converted = {}
    for name, text in files.items():
        _, *rows = text.splitlines()
        lines = [
            f'{{"order_id": "{k}", "updated_at": "{at}"}}' for k, at in (r.split(",") for r in rows)
        ]
        converted[name.replace(".csv", ".jsonl")] = "\n".join(lines) + "\n"
    return converted
