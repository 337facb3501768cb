"""Canary rows hold reserved keys and the canary date in the partition column, whatever the
pipeline's types; a key no reserved value fits is named; the clean-up removes canary-only files
(every version) and keeps a file that holds a real row."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import duckdb
import pytest
from moto import mock_aws

from pipeline_run.canary import CanaryError, canary_file, canary_rows
from pipeline_run.canary_objects import CanaryPartition
from stack_config.delivery import CanarySettings
from stack_config.pipelines import PipelineSettings

CANARY = CanarySettings(rows=3, partition_date=date(1970, 1, 2))


def pipeline(**changes: Any) -> PipelineSettings:
    values = {
        "name": "orders",
        "source_prefix": "orders/",
        "format": "csv",
        "trigger": {"kind": "object-created"},
        "target_table": "orders",
        "required_columns": ["order_id", "region", "amount", "updated_at"],
        "key_columns": ["order_id", "region"],
        "order_column": "updated_at",
        "column_types": {"order_id": "int", "amount": "float", "updated_at": "timestamp"},
        "partition_source_column": "updated_at",
        **changes,
    }
    return PipelineSettings.model_validate(values)


def test_canary_rows_have_reserved_keys_and_the_canary_date() -> None:
    rows = canary_rows(pipeline(), CANARY)
    assert [(r["order_id"], r["region"]) for r in rows] == [
        (-1, "canary-1"),
        (-2, "canary-2"),
        (-3, "canary-3"),
    ]
    assert {r["updated_at"] for r in rows} == {"1970-01-02T00:00:00Z"}


def test_the_canary_file_is_named_for_the_run_in_the_pipelines_format() -> None:
    name, body, keys = canary_file(pipeline(format="json"), CANARY, "build-42")
    assert name == "canary-build-42.json"
    assert body.decode().count("\n") == 3 and body.startswith(b'{"order_id": -1')
    assert len(keys) == 3


def test_a_timestamp_key_stays_in_the_canary_day() -> None:
    settings = pipeline(key_columns=["updated_at"], partition_source_column="updated_at")
    stamps = [r["updated_at"] for r in canary_rows(settings, CANARY)]
    assert stamps == ["1970-01-02T00:00:00Z", "1970-01-02T00:00:01Z", "1970-01-02T00:00:02Z"]


def test_a_key_no_reserved_value_fits_is_named() -> None:
    settings = pipeline(
        required_columns=["flag", "updated_at"],
        key_columns=["flag"],
        column_types={"flag": "bool", "updated_at": "timestamp"},
    )
    with pytest.raises(CanaryError, match="pipeline orders, key column flag: a bool key column"):
        canary_rows(settings, CANARY)


def _parquet(rows: list[tuple[int, str]], target: Path) -> bytes:
    """A Parquet file of (order_id, region) rows, as the Glue job writes the key columns."""
    values = ", ".join(f"({k}, '{r}')" for k, r in rows)
    select = f"SELECT * FROM (VALUES {values}) AS t(order_id, region)"
    duckdb.connect().execute(f"COPY ({select}) TO '{target}' (FORMAT PARQUET)")
    return target.read_bytes()


def test_the_clean_up_keeps_a_file_holding_a_real_row(tmp_path: Path) -> None:
    settings = pipeline()
    _, _, reserved = canary_file(settings, CANARY, "r1")
    prefix = "orders/ingest_date=1970-01-02/"
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")
        s3.create_bucket(
            Bucket="curated", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        s3.put_bucket_versioning(Bucket="curated", VersioningConfiguration={"Status": "Enabled"})
        canaries = _parquet([(-1, "canary-1"), (-2, "canary-2")], tmp_path / "a.parquet")
        for _ in range(2):  # two versions of the canary-only file
            s3.put_object(Bucket="curated", Key=f"{prefix}a.parquet", Body=io.BytesIO(canaries))
        mixed = _parquet([(-1, "canary-1"), (7, "eu")], tmp_path / "b.parquet")
        s3.put_object(Bucket="curated", Key=f"{prefix}b.parquet", Body=mixed)
        removal = CanaryPartition(s3, "curated", prefix, settings, reserved).remove()
        left = s3.list_object_versions(Bucket="curated", Prefix=prefix).get("Versions", [])

    assert (removal.removed, removal.kept) == ((f"{prefix}a.parquet",), (f"{prefix}b.parquet",))
    assert [v["Key"] for v in left] == [f"{prefix}b.parquet"]
