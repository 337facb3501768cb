"""The Glue job's curation against a minimal DataFrame curation of the same file, on local Spark.

The file is orders-like and generated: `rows` rows, 20 % of them a later version of an earlier
order, 1 % with an amount that is not a number. The job's path is what `runtime/glue/etl_job.py`
runs (its CSV reader, `annotate`, then the curated rows, the reject records and the per-file
counts); the reference knows this file's four columns and nothing else: it casts them, rejects a
row whose amount does not cast, keeps the latest row per order with the same tie-break, and
writes the same three outputs. Both must produce the same outputs, checked before any figure is
printed; runs alternate, and each figure is the median of its runs.
"""

from __future__ import annotations

import csv
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from runtime.glue.etl_job import (
    HEAD_BYTES,
    NOT_NUMBER,
    PARTITION_COLUMN,
    JobSpec,
    annotate,
    build_spec,
    cast_reason,
    configure_session,
    counts_frame,
    csv_header,
    csv_positions,
    curated_frame,
    read_csv,
    rejects_frame,
)

RUN_DATE = date(2024, 6, 1)
COLUMNS = ("order_id", "customer_id", "amount", "updated_at")
SPEC: JobSpec = build_spec(
    {
        "required_columns": ",".join(COLUMNS),
        "key_columns": "order_id",
        "order_column": "updated_at",
        "column_types": "order_id:int,customer_id:int,amount:float,updated_at:timestamp",
        "partition_source_column": "updated_at",
    }
)
UPDATES, BAD_AMOUNTS = 0.20, 0.01


def generate_orders(path: Path, rows: int, seed: int = 20) -> None:
    """An orders CSV: `rows` rows, 20 % updating an earlier order, 1 % with a bad amount."""
    rng = random.Random(seed)
    start = datetime(2024, 5, 1, tzinfo=UTC)
    with path.open("w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        orders = 0
        for n in range(rows):
            if orders and rng.random() < UPDATES:
                order = rng.randrange(orders)
            else:
                order, orders = orders, orders + 1
            amount = "n/a" if rng.random() < BAD_AMOUNTS else f"{rng.randrange(1, 100000) / 100}"
            seen = (start + timedelta(seconds=n * 7)).isoformat().replace("+00:00", "Z")
            writer.writerow((order, rng.randrange(1, 5000), amount, seen))


@dataclass(frozen=True)
class Outputs:
    """What a curation produced, reduced to comparable figures."""

    curated: tuple[int, int]  # rows, checksum
    rejects: tuple[int, int]
    counts: tuple[int, int, int, int]  # read, curated, superseded, rejected


def bench_spark(cores: int = 1) -> Any:
    """A local Spark session as `make run-local` starts it, but with the JVM's full JIT: the
    run-local session trades steady-state speed for start-up (client compiler only), which
    would understate rows/s."""
    from pyspark.sql import SparkSession

    from pipeline_run.spark import SPARK_CONF

    conf = {k: v for k, v in SPARK_CONF.items() if k != "spark.driver.extraJavaOptions"}
    builder = SparkSession.builder.master(f"local[{cores}]").appName("bench-curation")
    for key, value in {**conf, "spark.driver.memory": "2g"}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _checksum(frame: Any) -> tuple[int, int]:
    from pyspark.sql import functions as sf

    row = frame.select(
        sf.count(sf.lit(1)).alias("n"), sf.sum(sf.xxhash64(*frame.columns)).alias("h")
    ).first()
    return int(row["n"]), int(row["h"] or 0)


def _written(frame: Any, folder: Path, *partitions: str) -> Any:
    frame.write.mode("overwrite").partitionBy(*partitions).parquet(str(folder))
    return frame.sparkSession.read.parquet(str(folder))


def job_curation(spark: Any, path: Path, out: Path) -> Outputs:
    """The job's path: its CSV reader, `annotate`, the three outputs from one persisted plan."""
    from pyspark.storagelevel import StorageLevel

    with path.open("rb") as file:
        header = csv_header(file.read(HEAD_BYTES), complete=False)
    raw = read_csv(spark, [str(path)], len(header), csv_positions(header, SPEC), SPEC)
    annotated = annotate(raw, SPEC, RUN_DATE).persist(StorageLevel.MEMORY_AND_DISK)
    counted = counts_frame(annotated).collect()
    curated = _written(curated_frame(annotated, SPEC, RUN_DATE), out / "curated", PARTITION_COLUMN)
    rejects = _written(rejects_frame(annotated), out / "rejects")
    totals = tuple(sum(int(r[c]) for r in counted) for c in ("read", "curated", "superseded"))
    outputs = Outputs(
        _checksum(curated.select(*SPEC.columns, PARTITION_COLUMN)),
        _checksum(rejects),
        (*totals, sum(int(r["rejected"]) for r in counted)),  # type: ignore[arg-type]
    )
    annotated.unpersist()
    return outputs


def reference_curation(spark: Any, path: Path, out: Path) -> Outputs:
    """The minimal DataFrame curation of this file's four columns, same outputs."""
    from pyspark.sql import Window
    from pyspark.sql import functions as sf
    from pyspark.storagelevel import StorageLevel

    schema = ", ".join(f"{c} string" for c in COLUMNS)
    options = {"header": "true", "multiLine": "true", "escape": '"'}
    raw = spark.read.schema(schema).options(**options).csv(str(path))
    typed = raw.select(
        sf.input_file_name().alias("_source"),
        (sf.monotonically_increasing_id() + 1).alias("_record"),
        sf.col("order_id").cast("bigint").alias("order_id"),
        sf.col("customer_id").cast("bigint").alias("customer_id"),
        sf.col("amount").cast("double").alias("amount"),
        sf.col("updated_at").cast("timestamp").alias("updated_at"),
        sf.col("amount").alias("_amount_text"),
    ).withColumn("_rejected", sf.col("amount").isNull())
    order = [sf.col(c).desc_nulls_last() for c in SPEC.tie_break]
    ranked = typed.withColumn(
        "_rank",
        sf.row_number().over(Window.partitionBy("order_id", "_rejected").orderBy(*order)),
    ).persist(StorageLevel.MEMORY_AND_DISK)
    kept = ~sf.col("_rejected") & (sf.col("_rank") == 1)
    counted = ranked.agg(
        sf.count(sf.lit(1)),
        sf.sum(kept.cast("long")),
        sf.sum((~sf.col("_rejected") & ~kept).cast("long")),
        sf.sum(sf.col("_rejected").cast("long")),
    ).first()
    day = sf.date_format("updated_at", "yyyy-MM-dd").alias(PARTITION_COLUMN)
    curated = _written(ranked.where(kept).select(*COLUMNS, day), out / "curated", PARTITION_COLUMN)
    rejects = ranked.where("_rejected").select(
        sf.col("_source").alias("source_file"),
        sf.col("_record").alias("record_number"),
        sf.lit("amount").alias("column_name"),
        sf.col("_amount_text").alias("original_text"),
        sf.lit("cast").alias("rule"),
        sf.lit(cast_reason("amount", NOT_NUMBER, kept=False)).alias("reason"),
    )
    outputs = Outputs(
        _checksum(curated.select(*COLUMNS, PARTITION_COLUMN)),
        _checksum(_written(rejects, out / "rejects")),
        tuple(int(v) for v in counted),  # type: ignore[arg-type]
    )
    ranked.unpersist()
    return outputs


def _timed(
    run: Callable[[Any, Path, Path], Outputs], spark: Any, path: Path
) -> tuple[float, Outputs]:
    out = Path(tempfile.mkdtemp(prefix="bench-out-"))
    try:
        start = time.perf_counter()
        outputs = run(spark, path, out)
        return time.perf_counter() - start, outputs
    finally:
        shutil.rmtree(out, ignore_errors=True)


@dataclass(frozen=True)
class Figures:
    rows: int
    job_seconds: float
    reference_seconds: float
    outputs: Outputs
    job_runs: tuple[float, ...]
    reference_runs: tuple[float, ...]
    first: tuple[float, float]  # job, reference: the first run of each in the process

    @property
    def ratio(self) -> float:
        return self.job_seconds / self.reference_seconds


def measure(spark: Any, rows: int, runs: int) -> Figures:
    """Median seconds of each curation over `runs` alternating runs (after one warm-up of each),
    once both gave the same outputs."""
    configure_session(spark)
    with tempfile.TemporaryDirectory(prefix="bench-orders-") as scratch:
        path = Path(scratch) / "orders.csv"
        generate_orders(path, rows)
        job_times, reference_times = [], []
        first_job, expected = _timed(job_curation, spark, path)
        first_reference, reference = _timed(reference_curation, spark, path)
        if reference != expected:
            raise AssertionError(f"the curations differ: job {expected}, reference {reference}")
        for _ in range(runs):
            seconds, outputs = _timed(job_curation, spark, path)
            job_times.append(seconds)
            assert outputs == expected, outputs
            seconds, outputs = _timed(reference_curation, spark, path)
            reference_times.append(seconds)
            assert outputs == expected, outputs
    return Figures(
        rows,
        statistics.median(job_times),
        statistics.median(reference_times),
        expected,
        tuple(job_times),
        tuple(reference_times),
        (first_job, first_reference),
    )
