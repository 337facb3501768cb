"""Alert function: turns what went wrong in a pipeline into one message a person can act on, and
publishes it to the platform's alert topic.

It is started two ways. EventBridge delivers S3 "Object Created" events: a file quarantined in
the raw zone, a file landed under no pipeline's prefix, a batch held back from the warehouse or a
manifest moved to dead letter in the curated zone. A pipeline's state machine invokes it with a
failed execution's input and error. Every message opens with one line naming the pipeline, the
file or manifest and the reason, says where the data is, then what to do (the command that
releases or replays it).

The pipelines it knows, with their prefixes, are in `pipelines.json` beside this file (written by
the program from the stack's config); ALERT_TOPIC_ARN, RAW_BUCKET and CURATED_BUCKET come from the
environment.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]  # boto3 ships no type information
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

PIPELINES_FILE = Path(__file__).resolve().parent / "pipelines.json"
REASON_METADATA = "quarantine-reason"
DETAIL_METADATA = "quarantine-detail"
EXECUTION_FAILED = "execution-failed"
SUBJECT_LIMIT = 100  # SNS: at most 100 printable ASCII characters, no line breaks
CAUSE_LIMIT = 600
# What the ingestion function records as a quarantine reason, as a sentence.
REASONS = {
    "extension_not_allowed": "its extension is not one the pipeline reads",
    "too_large": "it is larger than the pipeline accepts",
    "empty": "it is empty",
    "unreadable_header": "its header cannot be read",
    "missing_required_columns": "it lacks required columns",
}


@dataclass(frozen=True)
class Pipeline:
    """One pipeline as `pipelines.json` describes it."""

    name: str
    source_prefix: str
    quarantine_prefix: str
    rejects_prefix: str
    target_table: str
    manifest_prefix: str
    held_prefix: str
    dead_letter_prefix: str
    load_attempts_prefix: str
    run_report_prefix: str
    max_attempts: int


@dataclass(frozen=True)
class Platform:
    """The stack, its pipelines and the raw-zone prefixes the platform writes itself."""

    stack: str
    pipelines: tuple[Pipeline, ...]
    platform_raw_roots: tuple[str, ...]


@dataclass(frozen=True)
class Alert:
    """A subject (one line) and a message whose first line says what happened."""

    subject: str
    message: str


def load_platform(path: Path = PIPELINES_FILE) -> Platform:
    document = json.loads(path.read_text(encoding="utf-8"))
    return Platform(
        stack=str(document["stack"]),
        pipelines=tuple(Pipeline(**p) for p in document["pipelines"]),
        platform_raw_roots=tuple(document["platform_raw_roots"]),
    )


def _subject(pipeline: str, what: str) -> str:
    text = re.sub(r"\s+", " ", f"[{pipeline}] {what}").encode("ascii", "replace").decode()
    return text if len(text) <= SUBJECT_LIMIT else text[: SUBJECT_LIMIT - 3] + "..."


def _shortened(text: str, limit: int = CAUSE_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def readable_cause(cause: str) -> str:
    """A service's JSON response reduced to its message: a Glue job run's ErrorMessage, a Data
    API statement's Error (or its status when it has none); other text as it is, shortened."""
    start = cause.find("{")
    if start >= 0:
        try:
            detail = json.loads(cause[start:])
        except ValueError:
            detail = None
        if isinstance(detail, dict):
            message = detail.get("ErrorMessage") or detail.get("Error")
            if not isinstance(message, str):
                status = detail.get("JobRunState") or detail.get("Status") or "no message"
                message = f"ended {status} without a message"
            return _shortened(f"{cause[:start]}{message}")
    return _shortened(cause)


# -- files and batches, from S3 events ---------------------------------------------------------


def quarantined(
    platform: Platform, pipeline: Pipeline, bucket: str, key: str, s3: Any
) -> Alert | None:
    """None when the file has left quarantine since (replayed): the alert would be stale."""
    try:
        metadata = s3.head_object(Bucket=bucket, Key=key).get("Metadata", {})
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    code = metadata.get(REASON_METADATA, "")
    # A code of the ingestion function as a sentence; the Glue job writes a sentence already.
    reason = REASONS.get(code) or code or "no reason was recorded"
    detail = metadata.get(DETAIL_METADATA)
    if detail:
        reason = f"{reason} ({detail})"
    source = pipeline.source_prefix + key.removeprefix(pipeline.quarantine_prefix)
    lines = [
        f"{pipeline.name}: file {source} was quarantined: {reason}.",
        f"It is kept at s3://{bucket}/{key}; none of its rows reached the table.",
        "What to do: fix the file (or the pipeline's declared columns, then deploy) and replay it:",
        f"  make replay STACK={platform.stack} PIPELINE={pipeline.name} FILE={key}",
    ]
    return Alert(_subject(pipeline.name, f"file quarantined: {source}"), "\n".join(lines))


def held(platform: Platform, pipeline: Pipeline, bucket: str, key: str, s3: Any) -> Alert:
    run_id = key.removeprefix(pipeline.held_prefix).removesuffix(".json")
    report_key = f"{pipeline.run_report_prefix}{run_id}.json"
    reasons = ["the run report does not say why"]
    counts = ""
    try:
        report = json.loads(s3.get_object(Bucket=bucket, Key=report_key)["Body"].read())
        reasons = [str(r) for r in report.get("batch", {}).get("reasons", [])] or reasons
        counts = (
            f" It read {report.get('rows_read', '?')} rows and rejected"
            f" {report.get('rows_rejected', '?')}."
        )
    except (ClientError, ValueError):
        reasons = [f"no run report at s3://{bucket}/{report_key}"]
    lines = [
        f"{pipeline.name}: batch {run_id} was held back from the warehouse: {'; '.join(reasons)}.",
        f"Its manifest waits at s3://{bucket}/{key}; the run report is"
        f" s3://{bucket}/{report_key}.{counts}",
        f"What to do: read the rejected rows (s3://<raw bucket>/{pipeline.rejects_prefix}, table"
        f" {pipeline.target_table}_rejects). To load the batch anyway:",
        f"  make release STACK={platform.stack} PIPELINE={pipeline.name} RUN={run_id}",
        "Left held, it is never loaded; a later batch brings newer versions of its keys.",
    ]
    return Alert(_subject(pipeline.name, f"batch held: {run_id}"), "\n".join(lines))


def dead_lettered(platform: Platform, pipeline: Pipeline, bucket: str, key: str, s3: Any) -> Alert:
    name = key.removeprefix(pipeline.dead_letter_prefix)
    attempts = _attempts(s3, bucket, f"{pipeline.load_attempts_prefix}{name}/")
    last = readable_cause(attempts[-1]) if attempts else "no attempt was recorded"
    lines = [
        f"{pipeline.name}: manifest {name} moved to dead letter after {len(attempts)} failed"
        f" loads: {last}",
        f"It is at s3://{bucket}/{key}; later manifests load without it, its rows are not in"
        " the table.",
        "What to do: fix the cause (the error above), then load it again:",
        f"  make replay STACK={platform.stack} PIPELINE={pipeline.name}"
        f" MANIFEST={name.removesuffix('.json')}",
    ]
    return Alert(_subject(pipeline.name, f"manifest dead-lettered: {name}"), "\n".join(lines))


def _attempts(s3: Any, bucket: str, prefix: str) -> list[str]:
    """The error of each recorded attempt, oldest first."""
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    ordered = sorted(listed, key=lambda item: (item["LastModified"], item["Key"]))
    return [
        attempt_text(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
        for item in ordered
    ]


def attempt_text(body: bytes) -> str:
    """An attempt record's error. Step Functions writes a string Body of PutObject as a JSON
    string (quoted and escaped), so one is decoded; any other body is taken as text."""
    text = body.decode("utf-8", "replace")
    try:
        decoded = json.loads(text)
    except ValueError:
        return text
    return decoded if isinstance(decoded, str) else text


def unmatched(platform: Platform, bucket: str, key: str) -> Alert:
    prefixes = ", ".join(f"{p.source_prefix} ({p.name})" for p in platform.pipelines)
    near = [p for p in platform.pipelines if _near(key, p.source_prefix)]
    hint = f" It looks meant for {near[0].source_prefix}." if near else ""
    example = near[0].name if near else "<pipeline>"
    top = key.split("/", 1)[0] + "/" if "/" in key else key
    lines = [
        f"{platform.stack}: file {key} landed in s3://{bucket} under no pipeline's prefix;"
        f" nothing reads it.{hint}",
        f"The pipelines read: {prefixes or 'none'}.",
        "What to do: land it under its pipeline's prefix, for example:",
        f"  make backfill STACK={platform.stack} PIPELINE={example} PREFIX={top}",
    ]
    return Alert(_subject(platform.stack, f"file under no pipeline: {key}"), "\n".join(lines))


def _near(key: str, prefix: str) -> bool:
    """`Orders/x.csv` or `order/x.csv` for `orders/`: the first folder differs only in case or
    a trailing s."""
    folder = key.split("/", 1)[0].lower().rstrip("s")
    return bool(folder) and folder == prefix.split("/", 1)[0].lower().rstrip("s")


def route_object(platform: Platform, bucket: str, key: str, s3: Any) -> Alert | None:
    """The alert an object created in the raw or curated bucket calls for, if any."""
    if key.endswith("/"):
        return None
    if bucket == os.environ.get("RAW_BUCKET"):
        for pipeline in platform.pipelines:
            if key.startswith(pipeline.quarantine_prefix):
                return quarantined(platform, pipeline, bucket, key, s3)
        owned = [p.source_prefix for p in platform.pipelines] + list(platform.platform_raw_roots)
        return None if key.startswith(tuple(owned)) else unmatched(platform, bucket, key)
    for pipeline in platform.pipelines:
        if key.startswith(pipeline.held_prefix):
            return held(platform, pipeline, bucket, key, s3)
        if key.startswith(pipeline.dead_letter_prefix):
            return dead_lettered(platform, pipeline, bucket, key, s3)
    return None


# -- failed executions, from the state machines -----------------------------------------------


def execution_failed(platform: Platform, payload: Mapping[str, Any]) -> Alert:
    name = str(payload.get("pipeline", "?"))
    pipeline = next((p for p in platform.pipelines if p.name == name), None)
    execution = str(payload.get("execution", ""))
    error = payload.get("error") or {}
    code, cause = str(error.get("Error", "unknown error")), str(error.get("Cause") or "")
    started_by = _started_by(payload.get("input") or {})
    failed_loads = _failed_loads(code, cause)
    if failed_loads and pipeline is not None:
        lines = _load_failure_lines(platform, pipeline, failed_loads)
        subject = f"load failed: {_file(str(failed_loads[0].get('manifest', '')))}"
    else:
        first, todo = _failure_lines(name, code, cause, started_by)
        lines, subject = [first, *todo], f"FAILED: {code}"
    lines.append(f"Execution: {execution}")
    return Alert(_subject(name, subject), "\n".join(lines))


def _started_by(run_input: Mapping[str, Any]) -> str:
    if "bucket" in run_input and "key" in run_input:
        return f"file s3://{run_input['bucket']}/{run_input['key']}"
    if "load_only" in run_input:
        return "the load of its pending manifests"
    if run_input.get("detail-type") == "Scheduled Event":
        return f"its scheduled run of {run_input.get('time', '?')}"
    return "this execution"


def _failed_loads(code: str, cause: str) -> list[Mapping[str, Any]]:
    if code != "LoadFailed":
        return []
    try:
        items = json.loads(cause)
    except ValueError:
        return []
    if not isinstance(items, list):
        return []
    return [i for i in items if isinstance(i, dict) and i.get("outcome") == "failed"]


def _file(key: str) -> str:
    return key.rsplit("/", 1)[-1]


def _load_failure_lines(
    platform: Platform, pipeline: Pipeline, failed: Sequence[Mapping[str, Any]]
) -> list[str]:
    lines = []
    for item in failed:
        attempts, limit = item.get("attempts", "?"), item.get("max_attempts", "?")
        lines.append(
            f"{pipeline.name}: load of manifest {item.get('manifest')} failed (attempt {attempts}"
            f" of {limit}): {readable_cause(str(item.get('reason', '')))}"
        )
    lines += [
        "The manifest stays pending and the next execution loads it again; after"
        f" {pipeline.max_attempts} failed attempts it moves to {pipeline.dead_letter_prefix} and"
        " later manifests load without it.",
        "What to do: fix the cause above (the table, the warehouse, or the manifest's files).",
    ]
    return lines


def _failure_lines(name: str, code: str, cause: str, started_by: str) -> tuple[str, list[str]]:
    reason = readable_cause(cause)
    if code == "States.TaskFailed" and '"JobRunState"' in cause:
        run = re.search(r'"Id"\s*:\s*"([^"]+)"', cause)
        return (
            f"{name}: Glue job run {run[1] if run else ''} for {started_by} failed: {reason}",
            [
                "Files that run read are read again by the next run once the cause is fixed.",
                "What to do: read the run's error and log (Glue console, job runs), fix the"
                " script, the job or its input.",
            ],
        )
    if code in ("CrawlerPollLimitReached", "CrawlFailed"):
        return (
            f"{name}: the crawl for {started_by} failed: {reason}",
            ["What to do: look at the crawler's last crawl in the Glue console."],
        )
    return (
        f"{name}: {started_by} failed with {code}: {reason}",
        ["What to do: fix the cause above; the next execution tries again."],
    )


# -- entry point ---------------------------------------------------------------------------


@cache
def _clients() -> tuple[Any, Any]:
    """Created on first use, not at import, so tests can install moto before any client exists."""
    return boto3.client("s3"), boto3.client("sns")


def handler(event: Mapping[str, Any], context: object) -> dict[str, Any]:
    """Lambda entry point: an EventBridge S3 event or a state machine's failure payload."""
    platform = load_platform()
    s3, sns = _clients()
    if event.get("kind") == EXECUTION_FAILED:
        alert: Alert | None = execution_failed(platform, event)
    elif event.get("source") == "aws.s3" and event.get("detail-type") == "Object Created":
        detail = event["detail"]
        alert = route_object(platform, detail["bucket"]["name"], detail["object"]["key"], s3)
    else:
        raise ValueError(f"not an alert this function writes: {json.dumps(event)[:300]}")
    if alert is None:
        return {"published": None}
    published = sns.publish(
        TopicArn=os.environ["ALERT_TOPIC_ARN"], Subject=alert.subject, Message=alert.message
    )
    return {"published": published["MessageId"], "subject": alert.subject}
