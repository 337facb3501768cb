"""EventBridge, as far as a landed file goes: the documented S3 "Object Created" event, matched
against every rule the program declared (with moto's implementation of EventBridge patterns) and
delivered to each matching rule's targets: the ingestion function's real handler, called with
its declared environment, or a queue.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from unittest import mock

from moto.events.models import EventPattern

from offline.mocks import Registration
from runtime.ingest import handler

RULE_TYPE = "aws:cloudwatch/eventRule:EventRule"
TARGET_TYPE = "aws:cloudwatch/eventTarget:EventTarget"
FUNCTION_TYPE = "aws:lambda/function:Function"
QUEUE_TYPE = "aws:sqs/queue:Queue"


@dataclass
class Delivery:
    """Where one event went: each function's result, each queue's name, the functions' logs."""

    rules: list[str] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    queued: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)


class EventBus:
    """The declared rules with event patterns, and their targets, from a capture."""

    def __init__(self, resources: tuple[Registration, ...], sqs: Any) -> None:
        self._sqs = sqs
        self._rules = [r for r in resources if r.type == RULE_TYPE and r.inputs.get("eventPattern")]
        self._targets = [r for r in resources if r.type == TARGET_TYPE]
        self._functions = {str(r.outputs["arn"]): r for r in resources if r.type == FUNCTION_TYPE}
        self._queues = {str(r.outputs["arn"]): r for r in resources if r.type == QUEUE_TYPE}

    def deliver(
        self, event: Mapping[str, Any], environment: Mapping[str, str] | None = None
    ) -> Delivery:
        """`event` to the targets of every rule it matches; a function target runs with
        `environment` when one is given, else with its declared variables."""
        delivery = Delivery()
        for rule in self._rules:
            if not EventPattern.load(rule.inputs["eventPattern"]).matches_event(event):  # type: ignore[arg-type]
                continue
            delivery.rules.append(rule.name)
            rule_name = rule.outputs.get("name", rule.name)
            for target in (t for t in self._targets if t.inputs.get("rule") == rule_name):
                self._deliver_to(str(target.inputs["arn"]), event, delivery, environment)
        return delivery

    def _deliver_to(
        self,
        arn: str,
        event: Mapping[str, Any],
        delivery: Delivery,
        environment: Mapping[str, str] | None,
    ) -> None:
        if arn in self._functions:
            declared = (self._functions[arn].inputs.get("environment") or {}).get("variables")
            variables = environment or {str(k): str(v) for k, v in (declared or {}).items()}
            result, logs = invoke_handler(event, variables)
            delivery.results.append(result)
            delivery.logs += logs
        elif arn in self._queues:
            name = str(self._queues[arn].outputs["name"])
            url = self._sqs.get_queue_url(QueueName=name)["QueueUrl"]
            self._sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))
            delivery.queued.append(name)
        else:
            raise LookupError(f"no emulated target for {arn}")


def invoke_handler(
    event: Mapping[str, Any], variables: Mapping[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """The ingestion handler's result for `event` with the function's declared `variables`, and
    the lines it logged. os.environ itself is left alone: executions read it on other threads."""
    logs = io.StringIO()
    with mock.patch.object(handler, "os", _OsWith({**os.environ, **variables})), _logs_to(logs):
        result = dict(handler.handler(event, None))
    return result, logs.getvalue().splitlines()


def object_created_event(
    region: str, bucket: str, key: str, size: int, etag: str, *, account: str
) -> dict[str, Any]:
    """An S3 "Object Created" event as EventBridge delivers it (S3 User Guide, "EventBridge
    event message structure")."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": account,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {
                "key": key,
                "size": size,
                "etag": etag.strip('"'),
                "sequencer": f"{uuid.uuid4().int:020X}"[:18],
            },
            "request-id": uuid.uuid4().hex[:16].upper(),
            "requester": account,
            "source-ip-address": "10.0.0.1",
            "reason": "PutObject",
        },
    }


class _OsWith:
    """The os module, with `environ` replaced: what the ingestion handler sees as its process."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = dict(environ)

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)


@contextlib.contextmanager
def _logs_to(stream: io.StringIO) -> Iterator[None]:
    """The handler's JSON log lines go to `stream` (Lambda sends its stdout to CloudWatch Logs)
    instead of this process's stdout."""
    handler.configure_logging()  # its level, as the function sets it
    logger = handler.LOGGER
    capture = logging.StreamHandler(stream)
    capture.setFormatter(handler.JsonFormatter())
    saved, logger.handlers = logger.handlers, [capture]
    try:
        yield
    finally:
        logger.handlers = saved
