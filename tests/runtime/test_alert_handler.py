"""The alert function: each alert's first line names the pipeline, the file or manifest and the
reason; then where the data is and what to do; nothing it is not about raises an alert."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws

from components.operations.alerts import alert_config
from runtime.alerts import handler
from stack_config.pipelines import PipelineSettings

RAW, CURATED, REGION = "raw-bucket", "curated-bucket", "eu-west-1"
PIPELINE = PipelineSettings.model_validate(
    {
        "name": "sales",
        "source_prefix": "sales/",
        "format": "csv",
        "trigger": {"kind": "object-created"},
        "target_table": "sales",
        "required_columns": ["sale_id", "sold_at"],
        "key_columns": ["sale_id"],
        "order_column": "sold_at",
        "load": {"max_attempts": 4},
    }
)
PLATFORM = handler.Platform(
    stack="qa",
    pipelines=(
        handler.Pipeline(**alert_config("qa", [PIPELINE])["pipelines"][0]),  # type: ignore[index]
    ),
    platform_raw_roots=("quarantine/", "rejects/"),
)
EXECUTION = "arn:aws:states:eu-west-1:123456789012:execution:qa-sales:x"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("RAW_BUCKET", RAW)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        for bucket in (RAW, CURATED):
            client.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
            )
        yield client


def test_the_program_writes_what_the_function_reads(tmp_path: Path) -> None:
    path = tmp_path / "pipelines.json"
    path.write_text(json.dumps(alert_config("qa", [PIPELINE])))
    assert handler.load_platform(path) == PLATFORM


def test_a_quarantined_file_names_its_reason_and_the_replay(s3: Any) -> None:
    key = "quarantine/sales/2024/a.csv"
    metadata = {"quarantine-reason": "missing_required_columns", "quarantine-detail": "sold_at"}
    s3.put_object(Bucket=RAW, Key=key, Body=b"x", Metadata=metadata)

    alert = handler.route_object(PLATFORM, RAW, key, s3)

    assert alert is not None
    assert alert.subject == "[sales] file quarantined: sales/2024/a.csv"
    lines = alert.message.splitlines()
    assert (
        lines[0]
        == "sales: file sales/2024/a.csv was quarantined: it lacks required columns (sold_at)."
    )
    assert lines[-1] == f"  make replay STACK=qa PIPELINE=sales FILE={key}"


def test_a_file_quarantined_by_the_job_shows_the_reason_it_wrote(s3: Any) -> None:
    key, reason = "quarantine/sales/b.csv", "an integer past 64 bits in sale_id (row 3)"
    s3.put_object(Bucket=RAW, Key=key, Body=b"x", Metadata={"quarantine-reason": reason})
    alert = handler.route_object(PLATFORM, RAW, key, s3)
    assert alert is not None and alert.message.startswith(
        f"sales: file sales/b.csv was quarantined: {reason}."
    )


def test_a_file_no_longer_in_quarantine_raises_nothing(s3: Any) -> None:
    assert handler.route_object(PLATFORM, RAW, "quarantine/sales/gone.csv", s3) is None


@pytest.mark.parametrize(
    "key",
    ["sales/a.csv", "sales/2024/", "rejects/sales/ingest_date=2024-01-01/part-0.parquet"],
)
def test_files_where_the_platform_expects_them_raise_nothing(s3: Any, key: str) -> None:
    assert handler.route_object(PLATFORM, RAW, key, s3) is None
    assert handler.route_object(PLATFORM, CURATED, f"sales/{key}", s3) is None


@pytest.mark.parametrize(
    ("key", "near"),
    [("Sales/a.csv", True), ("sale/a.csv", True), ("exports/a.csv", False), ("a.csv", False)],
)
def test_a_file_under_no_pipelines_prefix_says_where_it_belongs(
    s3: Any, key: str, near: bool
) -> None:
    alert = handler.route_object(PLATFORM, RAW, key, s3)
    assert alert is not None
    first, pipelines, _, command = alert.message.splitlines()
    assert first.startswith(f"qa: file {key} landed in s3://{RAW} under no pipeline's prefix")
    assert first.endswith("It looks meant for sales/.") == near
    assert pipelines == "The pipelines read: sales/ (sales)."
    assert command.strip().startswith("make backfill STACK=qa PIPELINE=")


def test_a_held_batch_gives_the_reasons_of_its_run_report(s3: Any) -> None:
    report = {
        "rows_read": 10,
        "rows_rejected": 6,
        "batch": {"status": "held", "reasons": ["a", "b"]},
    }
    s3.put_object(Bucket=CURATED, Key="_runs/sales/jr_1.json", Body=json.dumps(report).encode())

    alert = handler.route_object(PLATFORM, CURATED, "_held/sales/jr_1.json", s3)

    assert alert is not None and alert.subject == "[sales] batch held: jr_1"
    lines = alert.message.splitlines()
    assert lines[0] == "sales: batch jr_1 was held back from the warehouse: a; b."
    assert "It read 10 rows and rejected 6." in lines[1]
    assert "  make release STACK=qa PIPELINE=sales RUN=jr_1" in lines


def test_a_held_batch_without_a_report_says_so(s3: Any) -> None:
    alert = handler.route_object(PLATFORM, CURATED, "_held/sales/jr_2.json", s3)
    assert alert is not None
    assert "no run report at s3://curated-bucket/_runs/sales/jr_2.json" in alert.message


def test_a_dead_lettered_manifest_gives_its_last_error_and_the_replay(s3: Any) -> None:
    status = {"Status": "FAILED", "Error": "COPY sales_stage: column 2 is DOUBLE"}
    cause = f"LoadWarehouseFailed: {json.dumps(status)}"
    for execution, body in (("e1", "States.Timeout: slow"), ("e2", json.dumps(cause))):
        key = f"_load_attempts/sales/jr_3.json/{execution}"
        s3.put_object(Bucket=CURATED, Key=key, Body=body.encode())

    alert = handler.route_object(PLATFORM, CURATED, "_dead_letter/sales/jr_3.json", s3)

    assert alert is not None
    lines = alert.message.splitlines()
    assert lines[0] == (
        "sales: manifest jr_3.json moved to dead letter after 2 failed loads: "
        "LoadWarehouseFailed: COPY sales_stage: column 2 is DOUBLE"
    )
    assert lines[-1] == "  make replay STACK=qa PIPELINE=sales MANIFEST=jr_3"


def _failed(error: dict[str, str], run_input: dict[str, Any]) -> handler.Alert:
    payload = {
        "kind": "execution-failed",
        "pipeline": "sales",
        "execution": EXECUTION,
        "input": run_input,
        "error": error,
    }
    return handler.execution_failed(PLATFORM, payload)


def test_a_failed_glue_run_names_the_file_that_started_it_and_its_error() -> None:
    run = {"Id": "jr_9", "JobRunState": "FAILED", "ErrorMessage": "SpecError: no column x"}
    cause = json.dumps({**run, "Arguments": {f"--a{i}": "v" * 40 for i in range(30)}})
    assert len(cause) > 1400, "the JSON a .sync Glue task fails with"

    alert = _failed(
        {"Error": "States.TaskFailed", "Cause": cause}, {"bucket": RAW, "key": "sales/a.csv"}
    )

    first = alert.message.splitlines()[0]
    assert first == (
        f"sales: Glue job run jr_9 for file s3://{RAW}/sales/a.csv failed: SpecError: no column x"
    )
    assert alert.message.splitlines()[-1] == f"Execution: {EXECUTION}"
    assert len(alert.message) < 600 and alert.subject == "[sales] FAILED: States.TaskFailed"


def test_failed_loads_name_each_manifest_its_attempt_and_reason() -> None:
    items = [
        {"manifest": "_manifests/sales/jr_1.json", "outcome": "loaded"},
        {
            "manifest": "_manifests/sales/jr_2.json",
            "outcome": "failed",
            "attempts": 1,
            "max_attempts": 4,
            "reason": 'LoadWarehouseFailed: {"Status": "ABORTED"}',
        },
    ]
    alert = _failed(
        {"Error": "LoadFailed", "Cause": json.dumps(items)},
        {"detail-type": "Scheduled Event", "time": "2024-05-01T00:00:00Z"},
    )
    lines = alert.message.splitlines()
    assert lines[0] == (
        "sales: load of manifest _manifests/sales/jr_2.json failed (attempt 1 of 4):"
        " LoadWarehouseFailed: ended ABORTED without a message"
    )
    assert "after 4 failed attempts it moves to _dead_letter/sales/" in lines[1]
    assert alert.subject == "[sales] load failed: jr_2.json"


@pytest.mark.parametrize(
    ("run_input", "started_by"),
    [
        ({"load_only": {"requested_by": "make release"}}, "the load of its pending manifests"),
        ({"detail-type": "Scheduled Event", "time": "T"}, "its scheduled run of T"),
        ({}, "this execution"),
    ],
)
def test_any_other_failure_says_what_started_the_execution(
    run_input: dict[str, Any], started_by: str
) -> None:
    alert = _failed({"Error": "S3.AccessDenied", "Cause": "Access Denied"}, run_input)
    assert alert.message.splitlines()[0] == (
        f"sales: {started_by} failed with S3.AccessDenied: Access Denied"
    )


def test_the_handler_publishes_one_message_with_an_ascii_subject(
    s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    monkeypatch.setenv("ALERT_TOPIC_ARN", topic)
    monkeypatch.setattr(handler, "load_platform", lambda: PLATFORM)
    monkeypatch.setattr(handler, "_clients", lambda: (s3, sns))

    def event(key: str) -> dict[str, Any]:
        detail = {"bucket": {"name": RAW}, "object": {"key": key}}
        return {"source": "aws.s3", "detail-type": "Object Created", "detail": detail}

    published = handler.handler(event("Sälés/" + "x" * 120 + ".csv"), None)

    assert published["published"]
    subject = published["subject"]
    assert len(subject) <= 100 and subject.isascii() and "\n" not in subject
    assert handler.handler(event("sales/a.csv"), None) == {"published": None}
    with pytest.raises(ValueError, match="not an alert this function writes"):
        handler.handler({"source": "aws.glue"}, None)
