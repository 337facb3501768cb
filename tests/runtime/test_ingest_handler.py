"""The ingestion handler against moto S3 and Step Functions: routing, quarantine and idempotency."""

import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from botocore.exceptions import ClientError  # type: ignore[import-untyped]
from moto import mock_aws

from runtime.ingest import handler
from runtime.ingest.handler import (
    ConfigError,
    EventError,
    FileFormat,
    Problem,
    Result,
    execution_name,
    load_config,
    parse_event,
    schema_problem,
)

REGION = "eu-west-1"
BUCKET = "landing-bucket"
GOOD_CSV = b"Order ID,amount,updated_at\n1,9.5,2024-05-30T10:00:00Z\n"
GOOD_JSONL = (
    b'{"order_id": 1, "amount": 9.5, "updated_at": "2024-05-30T10:00:00Z"}\n{"order_id": 2}\n'
)
ENV = {
    "QUARANTINE_PREFIX": "quarantine/orders/",
    "ALLOWED_EXTENSIONS": ".csv, .JSON",
    "MAX_OBJECT_BYTES": "1024",
    "REQUIRED_COLUMNS": "order_id,updated_at",
    "SOURCE_PREFIX": "landing/orders/",
}


@dataclass
class Aws:
    s3: Any
    sfn: Any
    state_machine_arn: str

    def put(self, key: str, body: bytes) -> dict[str, Any]:
        """Upload `body` and return the EventBridge event S3 would send for it."""
        etag = self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)["ETag"]
        return object_created_event(key, etag.strip('"'), len(body))

    def executions(self) -> list[dict[str, Any]]:
        listed = self.sfn.list_executions(stateMachineArn=self.state_machine_arn)
        return list(listed["executions"])

    def keys(self) -> list[str]:
        return [o["Key"] for o in self.s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def object_created_event(key: str, etag: str, size: int) -> dict[str, Any]:
    """Shape documented in the S3 user guide, "EventBridge event message structure"."""
    return {
        "version": "0",
        "id": "17793124-05d4-b198-2fde-7ededc63b103",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": "2024-05-30T10:00:00Z",
        "region": REGION,
        "resources": [f"arn:aws:s3:::{BUCKET}"],
        "detail": {
            "version": "0",
            "bucket": {"name": BUCKET},
            "object": {"key": key, "size": size, "etag": etag, "sequencer": "0055AED6DCD90281E5"},
            "request-id": "N4N7GDK58NMKJ12R",
            "requester": "123456789012",
            "source-ip-address": "1.2.3.4",
            "reason": "PutObject",
        },
    }


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        handler._clients.cache_clear()
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        sfn = boto3.client("stepfunctions")
        arn = sfn.create_state_machine(
            name="orders",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn="arn:aws:iam::123456789012:role/orders-sfn",
        )["stateMachineArn"]
        for name, value in {**ENV, "STATE_MACHINE_ARN": arn}.items():
            monkeypatch.setenv(name, value)
        yield Aws(s3=s3, sfn=sfn, state_machine_arn=arn)
    handler._clients.cache_clear()


@pytest.mark.parametrize(
    ("key", "body"),
    [
        pytest.param("landing/orders/2024/05/a.csv", GOOD_CSV, id="csv-header-normalised"),
        pytest.param("landing/orders/a.csv", b"\xef\xbb\xbforder_id,updated_at\r\n", id="csv-bom"),
        pytest.param("landing/orders/a.json", GOOD_JSONL, id="json-lines"),
        pytest.param("landing/orders/A.JSON", b"\n" + GOOD_JSONL, id="json-upper-ext-blank-line"),
    ],
)
def test_good_file_starts_exactly_one_execution_with_its_location(
    aws: Aws, key: str, body: bytes
) -> None:
    event = aws.put(key, body)
    etag = event["detail"]["object"]["etag"]

    result = handler.handler(event, None)

    [execution] = aws.executions()
    described = aws.sfn.describe_execution(executionArn=execution["executionArn"])
    expected_input = {"bucket": BUCKET, "key": key, "etag": etag, "size": len(body)}
    assert json.loads(described["input"]) == expected_input
    assert execution["name"] == execution_name(BUCKET, key, etag)
    assert result == {
        "started": [
            {
                "bucket": BUCKET,
                "key": key,
                "execution_name": execution["name"],
                "execution_arn": execution["executionArn"],
                "already_existed": False,
            }
        ],
        "quarantined": [],
        "skipped": [],
    }
    assert aws.keys() == [key]


BAD_FILES = [
    pytest.param("landing/orders/2024/a.txt", GOOD_CSV, "extension_not_allowed", id="extension"),
    pytest.param("landing/orders/big.csv", GOOD_CSV * 40, "too_large", id="too-large"),
    pytest.param("landing/orders/empty.csv", b"", "empty", id="empty"),
    pytest.param(
        "landing/orders/a.csv", b"order_id,amount\n1,2\n", "missing_required_columns", id="csv-cols"
    ),
    pytest.param(
        "landing/orders/a.json", b'{"order_id": 1}\n', "missing_required_columns", id="json-keys"
    ),
    pytest.param("landing/orders/a.json", b"[1, 2]\n", "unreadable_header", id="json-not-object"),
    pytest.param("landing/orders/a.json", b"{oops\n", "unreadable_header", id="json-invalid"),
    pytest.param("landing/orders/a.csv", b"\xff\xfe,x\n", "unreadable_header", id="csv-not-utf8"),
]


@pytest.mark.parametrize(("key", "body", "reason"), BAD_FILES)
def test_bad_file_is_moved_to_quarantine_and_starts_nothing(
    aws: Aws, key: str, body: bytes, reason: str
) -> None:
    event = aws.put(key, body)
    target = "quarantine/orders/" + key.removeprefix("landing/orders/")

    result = handler.handler(event, None)

    assert aws.keys() == [target]
    moved = aws.s3.get_object(Bucket=BUCKET, Key=target)
    assert moved["Body"].read() == body
    assert moved["Metadata"]["quarantine-reason"] == reason
    assert aws.executions() == []
    assert result["started"] == [] and result["skipped"] == []
    [entry] = result["quarantined"]
    assert (entry["key"], entry["quarantine_key"], entry["reason"]) == (key, target, reason)


def test_retried_event_starts_only_one_execution(aws: Aws) -> None:
    event = aws.put("landing/orders/a.csv", GOOD_CSV)

    first = handler.handler(event, None)
    second = handler.handler(event, None)

    assert len(aws.executions()) == 1
    assert second == first


def test_retry_after_the_execution_finished_counts_as_started(aws: Aws) -> None:
    event = aws.put("landing/orders/a.csv", GOOD_CSV)
    [started] = handler.handler(event, None)["started"]
    aws.sfn.stop_execution(executionArn=started["execution_arn"])

    [retried] = handler.handler(event, None)["started"]

    assert len(aws.executions()) == 1
    assert retried == {**started, "already_existed": True}


def test_retried_event_for_a_quarantined_file_is_a_no_op(aws: Aws) -> None:
    event = aws.put("landing/orders/a.txt", GOOD_CSV)
    first = handler.handler(event, None)
    before = aws.s3.head_object(Bucket=BUCKET, Key="quarantine/orders/a.txt")

    second = handler.handler(event, None)

    after = aws.s3.head_object(Bucket=BUCKET, Key="quarantine/orders/a.txt")
    assert aws.keys() == ["quarantine/orders/a.txt"]
    assert after["LastModified"] == before["LastModified"]
    assert aws.executions() == []
    [entry] = second["quarantined"]
    assert entry == {**first["quarantined"][0], "detail": "already in quarantine"}


def test_missing_object_is_skipped(aws: Aws) -> None:
    event = object_created_event("landing/orders/gone.csv", "0123456789abcdef", 10)

    result = handler.handler(event, None)

    expected: Result = {
        "started": [],
        "quarantined": [],
        "skipped": [{"bucket": BUCKET, "key": "landing/orders/gone.csv", "reason": "not_found"}],
    }
    assert result == expected
    assert aws.executions() == []


def test_missing_object_is_skipped_even_if_another_version_is_quarantined(aws: Aws) -> None:
    handler.handler(aws.put("landing/orders/a.txt", b"old"), None)
    event = object_created_event("landing/orders/a.txt", "not-the-quarantined-etag", 3)

    assert handler.handler(event, None)["skipped"][0]["reason"] == "not_found"


def test_event_for_a_replaced_object_is_skipped_and_leaves_the_new_one(aws: Aws) -> None:
    stale = aws.put("landing/orders/a.csv", b"order_id\n")
    aws.put("landing/orders/a.csv", GOOD_CSV)

    result = handler.handler(stale, None)

    assert result["skipped"][0]["reason"] == "object_changed"
    assert aws.keys() == ["landing/orders/a.csv"]
    assert aws.executions() == []


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        pytest.param("quarantine/orders/a.txt", "in_quarantine_prefix", id="quarantine-copy"),
        pytest.param("landing/orders/2024/", "folder_marker", id="folder-marker"),
    ],
)
def test_keys_never_processed_are_left_alone(aws: Aws, key: str, reason: str) -> None:
    event = aws.put(key, b"")

    result = handler.handler(event, None)

    assert result["skipped"] == [{"bucket": BUCKET, "key": key, "reason": reason}]
    assert aws.keys() == [key]
    assert aws.executions() == []


def test_handler_logs_one_json_line_per_decision(aws: Aws) -> None:
    stream = io.StringIO()
    handler.configure_logging().setStream(stream)  # type: ignore[attr-defined]

    handler.handler(aws.put("landing/orders/a.csv", GOOD_CSV), None)

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["message"] for line in lines] == ["event_received", "execution_started"]
    assert lines[1]["key"] == "landing/orders/a.csv" and lines[1]["level"] == "INFO"


def test_parse_event_reads_the_eventbridge_shape() -> None:
    ref = parse_event(object_created_event("a b/c+d:e.csv", '"abc-2"', 5))
    assert (ref.bucket, ref.key, ref.etag, ref.size) == (BUCKET, "a b/c+d:e.csv", "abc-2", 5)


@pytest.mark.parametrize(
    "event",
    [
        pytest.param({**object_created_event("a.csv", "e", 1), "source": "aws.ec2"}, id="source"),
        pytest.param(
            {**object_created_event("a.csv", "e", 1), "detail-type": "Object Deleted"}, id="type"
        ),
        pytest.param(
            {**object_created_event("a.csv", "e", 1), "detail": {"bucket": {"name": BUCKET}}},
            id="no-object",
        ),
        pytest.param({"Records": [{"s3": {}}]}, id="s3-notification-shape"),
    ],
)
def test_parse_event_rejects_other_events(event: dict[str, Any]) -> None:
    with pytest.raises(EventError):
        parse_event(event)


STATE_MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:orders"


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        pytest.param({"STATE_MACHINE_ARN": "orders"}, "STATE_MACHINE_ARN", id="arn"),
        pytest.param({"QUARANTINE_PREFIX": ""}, "QUARANTINE_PREFIX", id="quarantine-prefix"),
        pytest.param({"ALLOWED_EXTENSIONS": ".csv,.xlsx"}, "ALLOWED_EXTENSIONS", id="extension"),
        pytest.param({"MAX_OBJECT_BYTES": "0"}, "MAX_OBJECT_BYTES", id="max-bytes-zero"),
        pytest.param({"MAX_OBJECT_BYTES": "1GB"}, "MAX_OBJECT_BYTES", id="max-bytes-unit"),
        pytest.param({"REQUIRED_COLUMNS": " , "}, "REQUIRED_COLUMNS", id="required-columns"),
    ],
)
def test_load_config_names_the_bad_variable(overrides: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_config({**ENV, "STATE_MACHINE_ARN": STATE_MACHINE, **overrides})


def test_load_config_normalises_values() -> None:
    config = load_config({**ENV, "STATE_MACHINE_ARN": STATE_MACHINE, "QUARANTINE_PREFIX": "/q"})
    assert config.quarantine_prefix == "q/"
    assert config.allowed_extensions == (".csv", ".json")
    assert config.required_columns == ("order_id", "updated_at")
    assert config.max_object_bytes == 1024


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("landing/orders/a.csv", id="plain"),
        pytest.param("x/" + "very-long-name" * 20 + ".csv", id="long"),
        pytest.param("x/ünïcödé [1] {a}: b?*.csv", id="forbidden-characters"),
        pytest.param("x/", id="no-file-name"),
    ],
)
def test_execution_name_is_deterministic_and_valid(key: str) -> None:
    name = execution_name(BUCKET, key, "etag-1")
    assert name == execution_name(BUCKET, key, '"etag-1"')
    assert name != execution_name(BUCKET, key, "etag-2")
    assert name != execution_name("other-bucket", key, "etag-1")
    assert 1 <= len(name) <= 80
    assert all(c.isascii() and (c.isalnum() or c in "-_") for c in name)


@pytest.mark.parametrize(
    ("head", "fmt", "complete", "expected"),
    [
        pytest.param(b"Order_ID,Updated At\n", "csv", True, None, id="csv-ok"),
        pytest.param(b'"order_id","updated_at"', "csv", True, None, id="csv-quoted-no-newline"),
        pytest.param(
            b"order_id,updated_at,more",
            "csv",
            False,
            Problem("unreadable_header", "header line is longer than 24 bytes"),
            id="csv-header-cut-by-probe",
        ),
        pytest.param(
            b"order_id\n",
            "csv",
            True,
            Problem("missing_required_columns", "updated_at"),
            id="csv-missing",
        ),
        pytest.param(
            b'{"order_id": 1, "updated_at": 2}\n{"order_id": 3, "upd',
            "jsonl",
            False,
            None,
            id="jsonl-second-record-cut",
        ),
        pytest.param(
            b'{"order_id": 1, "upd',
            "jsonl",
            False,
            Problem("unreadable_header", "no complete JSON record in the first 20 bytes"),
            id="jsonl-first-record-cut",
        ),
    ],
)
def test_schema_problem(
    head: bytes, fmt: FileFormat, complete: bool, expected: Problem | None
) -> None:
    required = ("order_id", "updated_at")
    assert schema_problem(head, fmt, required, complete) == expected


def test_unexpected_aws_errors_propagate(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    event = aws.put("landing/orders/a.csv", GOOD_CSV)
    monkeypatch.setenv("STATE_MACHINE_ARN", STATE_MACHINE.replace("orders", "absent"))

    with pytest.raises(ClientError, match="StateMachineDoesNotExist"):
        handler.handler(event, None)


class _UploadDuringCopy:
    """S3 client stand-in: a newer upload lands on the source key right after the copy."""

    def __init__(self, s3: Any, newer_body: bytes) -> None:
        self._s3 = s3
        self._newer_body = newer_body

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s3, name)

    def copy(self, source: dict[str, str], bucket: str, key: str, **kwargs: Any) -> None:
        self._s3.copy(source, bucket, key, **kwargs)
        self._s3.put_object(Bucket=source["Bucket"], Key=source["Key"], Body=self._newer_body)


def test_quarantine_keeps_a_newer_upload_that_lands_during_the_move(aws: Aws) -> None:
    event = aws.put("landing/orders/a.txt", b"old")
    config = load_config(os.environ)
    clients = handler.Clients(s3=_UploadDuringCopy(aws.s3, b"new"), sfn=aws.sfn)

    result = handler.process_object(parse_event(event), config, clients)

    assert result["quarantined"][0]["quarantine_key"] == "quarantine/orders/a.txt"
    assert sorted(aws.keys()) == ["landing/orders/a.txt", "quarantine/orders/a.txt"]
    assert aws.s3.get_object(Bucket=BUCKET, Key="landing/orders/a.txt")["Body"].read() == b"new"


def test_a_quarantined_file_keeps_its_detail_in_ascii_for_the_alert(aws: Aws) -> None:
    event = aws.put("landing/orders/a.csv", "Größe,amount\n1,2\n".encode())

    handler.handler(event, None)

    moved = aws.s3.get_object(Bucket=BUCKET, Key="quarantine/orders/a.csv")
    assert moved["Metadata"]["quarantine-reason"] == "missing_required_columns"
    assert moved["Metadata"]["quarantine-detail"] == "order_id, updated_at"
    assert handler.metadata_text("Gr\u00f6\u00dfe\n" + "x" * 600).startswith("Gr\\xf6\\xdfe x")
    assert len(handler.metadata_text("x" * 600)) == 512
