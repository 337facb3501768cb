"""Each Glue run lists the Parquet files it wrote in a Redshift COPY manifest (pending, or held
for a batch that fails a batch rule), so the warehouse loads every batch once, and a run that
wrote nothing leaves no manifest (moto S3)."""

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws

from runtime.glue.etl_job import (
    BatchRun,
    Clients,
    Ledger,
    SpecError,
    build_spec,
    copy_manifest,
    list_source_files,
    split_s3_url,
    write_batch,
)
from tests.runtime.test_transforms import BASE_ARGS

CURATED = "dp-dev-curated"
ARGS = {
    **BASE_ARGS,
    "JOB_NAME": "orders-etl",
    "JOB_RUN_ID": "jr_42",
    "source_path": "s3://raw/orders/",
    "source_format": "csv",
    "target_path": f"s3://{CURATED}/orders/",
    "target_database": "curated",
    "target_table": "orders",
    "manifest_prefix": f"s3://{CURATED}/manifests/orders/pending/",
}


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-1")
        client.create_bucket(
            Bucket=CURATED, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        yield client


def _put(s3: Any, key: str, body: bytes = b"PAR1") -> None:
    s3.put_object(Bucket=CURATED, Key=key, Body=body)


def _manifest(s3: Any, key: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(s3.get_object(Bucket=CURATED, Key=key)["Body"].read())
    return document


def test_the_manifest_lists_only_the_parquet_files_this_run_added(s3: Any) -> None:
    _put(s3, "orders/ingest_date=2024-05-30/run-1-part-0.snappy.parquet")

    def write() -> None:
        _put(s3, "orders/ingest_date=2024-05-30/run-2-part-0.snappy.parquet", b"PAR1 new")
        _put(s3, "orders/ingest_date=2024-05-31/run-2-part-1.snappy.parquet")
        _put(s3, "orders/_SUCCESS", b"")

    key = write_batch(write, s3, ARGS)

    assert key == "manifests/orders/pending/jr_42.json"
    assert _manifest(s3, key) == {
        "entries": [
            {
                "url": f"s3://{CURATED}/orders/ingest_date=2024-05-30/run-2-part-0.snappy.parquet",
                "mandatory": True,
                "meta": {"content_length": 8},
            },
            {
                "url": f"s3://{CURATED}/orders/ingest_date=2024-05-31/run-2-part-1.snappy.parquet",
                "mandatory": True,
                "meta": {"content_length": 4},
            },
        ]
    }


def test_a_run_that_wrote_nothing_leaves_no_manifest(s3: Any) -> None:
    _put(s3, "orders/ingest_date=2024-05-30/run-1-part-0.snappy.parquet")
    assert write_batch(lambda: None, s3, ARGS) is None
    assert "Contents" not in s3.list_objects_v2(Bucket=CURATED, Prefix="manifests/")


def test_copy_manifest_is_sorted_and_carries_content_length() -> None:
    assert copy_manifest("b", {"k/2.parquet": 2, "k/1.parquet": 1})["entries"] == [
        {"url": "s3://b/k/1.parquet", "mandatory": True, "meta": {"content_length": 1}},
        {"url": "s3://b/k/2.parquet", "mandatory": True, "meta": {"content_length": 2}},
    ]


@pytest.mark.parametrize("url", ["b/prefix/", "s3://bucket", "https://b/p/"])
def test_split_s3_url_rejects_what_is_not_a_bucket_and_prefix(url: str) -> None:
    with pytest.raises(SpecError, match="is not an s3://bucket/prefix/ URL"):
        split_s3_url(url)


def test_a_held_batch_lists_its_files_under_the_held_prefix(s3: Any) -> None:
    args = {**ARGS, "held_prefix": f"s3://{CURATED}/_held/orders/"}
    key = write_batch(
        lambda: _put(s3, "orders/ingest_date=2024-05-31/run-part-0.snappy.parquet"),
        s3,
        args,
        "held_prefix",
    )
    assert key == "_held/orders/jr_42.json"
    assert [e["url"] for e in _manifest(s3, key)["entries"]] == [
        f"s3://{CURATED}/orders/ingest_date=2024-05-31/run-part-0.snappy.parquet"
    ]


def test_a_quarantined_file_is_in_the_ledger_before_the_run_goes_on(s3: Any) -> None:
    """Should the run fail after it quarantined a file, the next run must not read, copy and
    alert the same file again: the file is recorded as soon as its copy is made."""
    s3.create_bucket(Bucket="raw", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_object(Bucket="raw", Key="orders/bad.csv", Body=b"order_id,order_id\n1,1\n")
    args = {
        **ARGS,
        "quarantine_path": "s3://raw/quarantine/orders/",
        "ledger_prefix": f"s3://{CURATED}/_ledger/orders/",
    }
    clients = Clients(s3=s3, glue=None, cloudwatch=None)
    run = BatchRun(SimpleNamespace(spark_session=None), args, build_spec(args), clients)
    run.ledger = Ledger(s3, args["ledger_prefix"])
    (file,) = list_source_files(s3, args["source_path"])

    run._quarantine(file, "the header names order_id twice")

    recorded, _ = Ledger(s3, args["ledger_prefix"]).recorded()
    assert recorded == {(file.relative, file.etag)}
    assert s3.head_object(Bucket="raw", Key="quarantine/orders/bad.csv")["ContentLength"] > 0
