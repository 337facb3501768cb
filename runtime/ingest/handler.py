"""Ingestion Lambda: each S3 "Object Created" event starts the pipeline or quarantines the file.

Idempotent under retried events: the execution name is a hash of bucket/key/etag, an existing
execution counts as started, and a file already moved to quarantine is reported, not moved again.
"""

import csv
import hashlib
import json
import logging
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal, NamedTuple, TypedDict

import boto3  # type: ignore[import-untyped]  # boto3 ships no type information
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

FileFormat = Literal["csv", "jsonl"]

KNOWN_FORMATS: dict[str, FileFormat] = {
    ".csv": "csv",
    ".json": "jsonl",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
PROBE_BYTES = 64 * 1024
SOURCE_ETAG_METADATA = "source-etag"
REASON_METADATA = "quarantine-reason"
DETAIL_METADATA = "quarantine-detail"
# S3 user metadata travels in HTTP headers: US-ASCII, and at most 2 KB for all of it.
_DETAIL_LIMIT = 512
_MISSING_CODES = frozenset({"NoSuchKey", "NotFound", "404"})
_CHANGED_CODES = frozenset({"PreconditionFailed", "412"})
_EMPTY_RANGE_CODES = frozenset({"InvalidRange", "416"})

LOGGER = logging.getLogger("pipelines.ingest")


class ConfigError(ValueError):
    """The function's environment variables do not describe a usable pipeline."""


class EventError(ValueError):
    """The event is not an S3 "Object Created" event delivered by EventBridge."""


class HeaderError(ValueError):
    """The first bytes of the object do not contain a readable header or first record."""


class _ObjectMissingError(Exception):
    """The object is gone (deleted or already moved)."""


class _ObjectChangedError(Exception):
    """The key now holds a different version than the event named."""


class StartedEntry(TypedDict):
    bucket: str
    key: str
    execution_name: str
    execution_arn: str
    already_existed: bool


class QuarantinedEntry(TypedDict):
    bucket: str
    key: str
    quarantine_key: str
    reason: str
    detail: str


class SkippedEntry(TypedDict):
    bucket: str
    key: str
    reason: str


class Result(TypedDict):
    """What the invocation did; exactly one entry across the three lists per event."""

    started: list[StartedEntry]
    quarantined: list[QuarantinedEntry]
    skipped: list[SkippedEntry]


class Problem(NamedTuple):
    reason: str
    detail: str


@dataclass(frozen=True)
class ObjectRef:
    """The object version an event describes; `etag` is stored without quotes."""

    bucket: str
    key: str
    etag: str
    size: int
    sequencer: str | None = None


@dataclass(frozen=True)
class Config:
    """From STATE_MACHINE_ARN, QUARANTINE_PREFIX, ALLOWED_EXTENSIONS, MAX_OBJECT_BYTES,
    REQUIRED_COLUMNS and the optional SOURCE_PREFIX (stripped when building quarantine keys)."""

    state_machine_arn: str
    quarantine_prefix: str
    allowed_extensions: tuple[str, ...]
    max_object_bytes: int
    required_columns: tuple[str, ...]
    source_prefix: str = ""


@dataclass(frozen=True)
class Clients:
    """boto3 S3 and Step Functions clients (typed Any: boto3 ships no type information)."""

    s3: Any
    sfn: Any


def to_snake_case(name: str) -> str:
    """Same rule as the Glue job's, so the header check agrees with the curated column names."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.strip())
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", spaced)
    return re.sub(r"[^0-9a-zA-Z]+", "_", spaced).strip("_").lower()


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def load_config(env: Mapping[str, str]) -> Config:
    """Read and check every variable, reporting all problems at once by variable name."""
    problems: list[str] = []
    arn = env.get("STATE_MACHINE_ARN", "")
    if not re.fullmatch(r"arn:[\w-]+:states:[\w-]+:\d{12}:stateMachine:[\w-]+", arn):
        problems.append("STATE_MACHINE_ARN must be a Step Functions state machine ARN")
    prefix = env.get("QUARANTINE_PREFIX", "").lstrip("/")
    if not prefix:
        problems.append("QUARANTINE_PREFIX must be a non-empty key prefix, e.g. quarantine/orders/")
    extensions = tuple(ext.lower() for ext in _split(env.get("ALLOWED_EXTENSIONS", "")))
    if not extensions or any(ext not in KNOWN_FORMATS for ext in extensions):
        problems.append(f"ALLOWED_EXTENSIONS must list some of {', '.join(KNOWN_FORMATS)}")
    max_bytes = env.get("MAX_OBJECT_BYTES", "")
    if not max_bytes.isdigit() or int(max_bytes) < 1:
        problems.append("MAX_OBJECT_BYTES must be a positive integer")
    required = tuple(
        dict.fromkeys(to_snake_case(c) for c in _split(env.get("REQUIRED_COLUMNS", "")))
    )
    if not all(required) or not required:
        problems.append("REQUIRED_COLUMNS must list at least one column name")
    if problems:
        raise ConfigError("; ".join(problems))
    return Config(
        state_machine_arn=arn,
        quarantine_prefix=prefix if prefix.endswith("/") else f"{prefix}/",
        allowed_extensions=extensions,
        max_object_bytes=int(max_bytes),
        required_columns=required,
        source_prefix=env.get("SOURCE_PREFIX", "").lstrip("/"),
    )


def parse_event(event: Mapping[str, Any]) -> ObjectRef:
    """The object an EventBridge S3 event names. EventBridge keys are not URL-encoded."""
    if event.get("source") != "aws.s3" or event.get("detail-type") != "Object Created":
        raise EventError(f"not an S3 Object Created event: {event.get('detail-type')!r}")
    try:
        detail = event["detail"]
        obj = detail["object"]
        return ObjectRef(
            bucket=str(detail["bucket"]["name"]),
            key=str(obj["key"]),
            etag=str(obj["etag"]).strip('"'),
            size=int(obj["size"]),
            sequencer=obj.get("sequencer"),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise EventError(f"S3 event lacks bucket name or object key/etag/size: {error}") from error


def execution_name(bucket: str, key: str, etag: str) -> str:
    """Deterministic name: readable file stem plus a hash; at most 73 chars of [A-Za-z0-9_-]."""
    digest = hashlib.sha256(json.dumps([bucket, key, etag.strip('"')]).encode()).hexdigest()
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", key.rsplit("/", 1)[-1]).strip("-")[:40]
    return f"{stem}-{digest[:32]}" if stem else digest[:32]


def execution_arn(state_machine_arn: str, name: str) -> str:
    """The ARN Step Functions gives an execution `name` of a standard state machine."""
    parts = state_machine_arn.split(":")
    return ":".join([*parts[:5], "execution", parts[6], name])


def quarantine_key(key: str, config: Config) -> str:
    """Quarantine prefix plus the key's path relative to SOURCE_PREFIX (the whole key if none)."""
    relative = key.removeprefix(config.source_prefix) if config.source_prefix else key
    return config.quarantine_prefix + relative.lstrip("/")


def file_format(key: str, allowed_extensions: tuple[str, ...]) -> FileFormat | None:
    """The format the key's extension announces, if that extension is allowed."""
    lowered = key.lower()
    return next((KNOWN_FORMATS[e] for e in allowed_extensions if lowered.endswith(e)), None)


def static_problem(ref: ObjectRef, config: Config) -> Problem | None:
    """Problems visible from the event alone, before reading any bytes."""
    if file_format(ref.key, config.allowed_extensions) is None:
        allowed = ", ".join(config.allowed_extensions)
        return Problem("extension_not_allowed", f"allowed: {allowed}")
    if ref.size > config.max_object_bytes:
        return Problem("too_large", f"{ref.size} bytes > {config.max_object_bytes}")
    if ref.size == 0:
        return Problem("empty", "object has no bytes")
    return None


def csv_header(head: bytes, complete: bool) -> list[str]:
    """Column names from the first line; `complete` says `head` is the whole object."""
    line, newline, _ = head.partition(b"\n")
    if not newline and not complete:
        raise HeaderError(f"header line is longer than {len(head)} bytes")
    try:
        text = line.decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError as error:
        raise HeaderError("header is not UTF-8") from error
    return next(csv.reader([text]), [])


def jsonl_keys(head: bytes, complete: bool) -> list[str]:
    """Keys of the first JSON-lines record; a record cut off by the probe is unreadable."""
    lines = head.split(b"\n")
    candidates = lines if complete else lines[:-1]
    first = next((line for line in candidates if line.strip()), None)
    if first is None:
        raise HeaderError(f"no complete JSON record in the first {len(head)} bytes")
    try:
        record = json.loads(first.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HeaderError(f"first record is not UTF-8 JSON: {error}") from error
    if not isinstance(record, dict):
        raise HeaderError("first record is not a JSON object")
    return [str(key) for key in record]


def schema_problem(
    head: bytes, fmt: FileFormat, required: tuple[str, ...], complete: bool
) -> Problem | None:
    """Missing required columns (compared as snake_case) or an unreadable header."""
    try:
        columns = csv_header(head, complete) if fmt == "csv" else jsonl_keys(head, complete)
    except HeaderError as error:
        return Problem("unreadable_header", str(error))
    present = {to_snake_case(column) for column in columns}
    missing = [column for column in required if column not in present]
    return Problem("missing_required_columns", ", ".join(missing)) if missing else None


def _error_code(error: Exception) -> str:
    response: Mapping[str, Any] = getattr(error, "response", {})
    return str(response.get("Error", {}).get("Code", ""))


def read_head(s3: Any, ref: ObjectRef) -> bytes:
    """The first PROBE_BYTES of exactly the version the event names (If-Match on its etag)."""
    try:
        response = s3.get_object(
            Bucket=ref.bucket,
            Key=ref.key,
            Range=f"bytes=0-{PROBE_BYTES - 1}",
            IfMatch=f'"{ref.etag}"',
        )
    except ClientError as error:
        code = _error_code(error)
        if code in _MISSING_CODES:
            raise _ObjectMissingError from error
        if code in _CHANGED_CODES:
            raise _ObjectChangedError from error
        if code in _EMPTY_RANGE_CODES:
            return b""
        raise
    body: bytes = response["Body"].read()
    return body


def _skipped(ref: ObjectRef, reason: str) -> Result:
    log(logging.INFO, "object_skipped", bucket=ref.bucket, key=ref.key, reason=reason)
    entry: SkippedEntry = {"bucket": ref.bucket, "key": ref.key, "reason": reason}
    return {"started": [], "quarantined": [], "skipped": [entry]}


def _quarantined(ref: ObjectRef, target: str, problem: Problem) -> Result:
    entry: QuarantinedEntry = {
        "bucket": ref.bucket,
        "key": ref.key,
        "quarantine_key": target,
        "reason": problem.reason,
        "detail": problem.detail,
    }
    log(logging.WARNING, "object_quarantined", **entry)
    return {"started": [], "quarantined": [entry], "skipped": []}


def _after_missing(ref: ObjectRef, config: Config, s3: Any) -> Result:
    """A vanished source is a no-op retry if quarantine holds this version, else skipped."""
    target = quarantine_key(ref.key, config)
    try:
        metadata = s3.head_object(Bucket=ref.bucket, Key=target)["Metadata"]
    except ClientError as error:
        if _error_code(error) not in _MISSING_CODES:
            raise
        return _skipped(ref, "not_found")
    if metadata.get(SOURCE_ETAG_METADATA) != ref.etag:
        return _skipped(ref, "not_found")
    reason = metadata.get(REASON_METADATA, "unknown")
    return _quarantined(ref, target, Problem(reason, "already in quarantine"))


def metadata_text(text: str) -> str:
    """`text` as an S3 metadata value: ASCII (other characters escaped), one line, bounded."""
    flat = " ".join(text.split()).encode("ascii", "backslashreplace").decode("ascii")
    return flat if len(flat) <= _DETAIL_LIMIT else flat[: _DETAIL_LIMIT - 3] + "..."


def quarantine(ref: ObjectRef, problem: Problem, config: Config, s3: Any) -> Result:
    """Copy this version under the quarantine prefix, then delete the source if unchanged."""
    target = quarantine_key(ref.key, config)
    extra = {
        "CopySourceIfMatch": f'"{ref.etag}"',
        "Metadata": {
            SOURCE_ETAG_METADATA: ref.etag,
            REASON_METADATA: problem.reason,
            DETAIL_METADATA: metadata_text(problem.detail),
        },
        "MetadataDirective": "REPLACE",
    }
    try:
        # Managed copy: a single CopyObject cannot copy objects over 5 GB.
        s3.copy({"Bucket": ref.bucket, "Key": ref.key}, ref.bucket, target, ExtraArgs=extra)
    except ClientError as error:
        code = _error_code(error)
        if code in _MISSING_CODES:
            return _after_missing(ref, config, s3)
        if code in _CHANGED_CODES:
            return _skipped(ref, "object_changed")
        raise
    try:
        s3.delete_object(Bucket=ref.bucket, Key=ref.key, IfMatch=f'"{ref.etag}"')
    except ClientError as error:
        if _error_code(error) not in _MISSING_CODES | _CHANGED_CODES:
            raise
        # A newer upload replaced the source after the copy; it gets its own event.
        log(logging.WARNING, "source_not_deleted", bucket=ref.bucket, key=ref.key)
    return _quarantined(ref, target, problem)


def start_pipeline(ref: ObjectRef, config: Config, sfn: Any) -> Result:
    """Start the state machine once per object version; a repeat start counts as success."""
    name = execution_name(ref.bucket, ref.key, ref.etag)
    payload = {"bucket": ref.bucket, "key": ref.key, "etag": ref.etag, "size": ref.size}
    already_existed = False
    try:
        arn = sfn.start_execution(
            stateMachineArn=config.state_machine_arn,
            name=name,
            input=json.dumps(payload, sort_keys=True),
        )["executionArn"]
    except ClientError as error:
        if _error_code(error) != "ExecutionAlreadyExists":
            raise
        arn, already_existed = execution_arn(config.state_machine_arn, name), True
    entry: StartedEntry = {
        "bucket": ref.bucket,
        "key": ref.key,
        "execution_name": name,
        "execution_arn": arn,
        "already_existed": already_existed,
    }
    log(logging.INFO, "execution_started", **entry)
    return {"started": [entry], "quarantined": [], "skipped": []}


def process_object(ref: ObjectRef, config: Config, clients: Clients) -> Result:
    """Validate one object version and route it: start, quarantine or skip."""
    if ref.key.startswith(config.quarantine_prefix):
        return _skipped(ref, "in_quarantine_prefix")
    if ref.key.endswith("/"):
        return _skipped(ref, "folder_marker")
    problem = static_problem(ref, config)
    fmt = file_format(ref.key, config.allowed_extensions)
    if problem is None and fmt is not None:
        try:
            head = read_head(clients.s3, ref)
        except _ObjectMissingError:
            return _after_missing(ref, config, clients.s3)
        except _ObjectChangedError:
            return _skipped(ref, "object_changed")
        complete = len(head) >= ref.size
        problem = schema_problem(head, fmt, config.required_columns, complete)
    if problem is not None:
        return quarantine(ref, problem, config, clients.s3)
    return start_pipeline(ref, config, clients.sfn)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, message and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def log(level: int, message: str, **fields: object) -> None:
    LOGGER.log(level, message, extra={"fields": fields})


def configure_logging() -> logging.Handler:
    """Attach one stdout JSON handler; no propagation, so Lambda's root handler adds no copy."""
    for existing in LOGGER.handlers:
        if isinstance(existing.formatter, JsonFormatter):
            return existing
    json_handler = logging.StreamHandler(sys.stdout)
    json_handler.setFormatter(JsonFormatter())
    LOGGER.addHandler(json_handler)
    LOGGER.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
    LOGGER.propagate = False
    return json_handler


@cache
def _clients() -> Clients:
    """Created on first use, not at import, so tests can install moto before any client exists."""
    return Clients(s3=boto3.client("s3"), sfn=boto3.client("stepfunctions"))


def handler(event: Mapping[str, Any], context: object) -> Result:
    """Lambda entry point for one EventBridge S3 "Object Created" event."""
    configure_logging()
    config = load_config(os.environ)
    ref = parse_event(event)
    request_id = getattr(context, "aws_request_id", None)
    log(
        logging.INFO,
        "event_received",
        request_id=request_id,
        sequencer=ref.sequencer,
        bucket=ref.bucket,
        key=ref.key,
    )
    return process_object(ref, config, _clients())
