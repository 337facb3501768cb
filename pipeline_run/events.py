"""EventBridge, as far as created objects go: the documented S3 "Object Created" event, matched
against every rule the program declared (with moto's implementation of EventBridge patterns) and
delivered to each matching rule's targets: a function's real handler, called with its declared
environment, or a queue.

A function runs from the code the program ships for it: the ingestion handler as the repository's
module, any other function from its unpacked archive (the handler and the files shipped beside
it), imported under a name of its own.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import logging
import os
import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import pulumi
from moto.events.models import EventPattern

from components.pipelines.ingestion import HANDLER_FILE as INGEST_HANDLER
from offline.capture import PROJECT_ROOT
from offline.mocks import Registration
from runtime.ingest import handler

RULE_TYPE = "aws:cloudwatch/eventRule:EventRule"
TARGET_TYPE = "aws:cloudwatch/eventTarget:EventTarget"
FUNCTION_TYPE = "aws:lambda/function:Function"
QUEUE_TYPE = "aws:sqs/queue:Queue"


@dataclass
class Delivery:
    """Where one event went: the ingestion functions' results, the other functions' results
    (the alert function's), each queue's name, the functions' logs."""

    rules: list[str] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    queued: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)


class LocalFunction:
    """A declared Lambda function, run in this process with its declared environment."""

    def __init__(self, registration: Registration, workdir: Path) -> None:
        self.registration, self.name = registration, registration.name
        declared = (registration.inputs.get("environment") or {}).get("variables") or {}
        self.environment = {str(k): str(v) for k, v in declared.items()}
        assets = _archive(registration.inputs.get("code"))
        shipped = assets.get("handler.py")
        self.ingestion = (
            isinstance(shipped, pulumi.FileAsset) and str(shipped.path) == INGEST_HANDLER
        )
        self._module: ModuleType | None = None
        self._lock = threading.Lock()  # executions invoke it from their own threads
        if not self.ingestion:
            self._module = _unpacked_module(registration.name, assets, workdir)

    def invoke(
        self, event: Mapping[str, Any], environment: Mapping[str, str] | None = None
    ) -> tuple[dict[str, Any], list[str]]:
        """The handler's result for `event`, and what it logged."""
        variables = environment or self.environment
        if self.ingestion:
            return invoke_handler(event, variables)
        assert self._module is not None
        entry = str(self.registration.inputs.get("handler", "handler.handler")).split(".")[-1]
        call: Callable[[Mapping[str, Any], object], Any] = getattr(self._module, entry)
        with (
            self._lock,
            mock.patch.object(self._module, "os", _OsWith({**os.environ, **variables})),
        ):
            return dict(call(event, None)), []


def _archive(code: Any) -> dict[str, Any]:
    return dict(code.assets) if isinstance(code, pulumi.AssetArchive) else {}


def _unpacked_module(name: str, assets: Mapping[str, Any], workdir: Path) -> ModuleType:
    """The function's archive written to a folder of its own, its handler module imported."""
    folder = workdir / f"function-{name}"
    folder.mkdir(parents=True, exist_ok=True)
    for file_name, asset in assets.items():
        if isinstance(asset, pulumi.FileAsset):
            (folder / file_name).write_bytes((PROJECT_ROOT / str(asset.path)).read_bytes())
        elif isinstance(asset, pulumi.StringAsset):
            (folder / file_name).write_text(str(asset.text))
    spec = importlib.util.spec_from_file_location(
        f"function_{uuid.uuid4().hex}", folder / "handler.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it is executed
    spec.loader.exec_module(module)
    return module


class EventBus:
    """The declared rules with event patterns, and their targets, from a capture."""

    def __init__(self, resources: tuple[Registration, ...], sqs: Any, workdir: Path) -> None:
        self._sqs = sqs
        self._rules = [r for r in resources if r.type == RULE_TYPE and r.inputs.get("eventPattern")]
        self._targets = [r for r in resources if r.type == TARGET_TYPE]
        self.functions = {
            str(r.outputs["arn"]): LocalFunction(r, workdir)
            for r in resources
            if r.type == FUNCTION_TYPE
        }
        self._queues = {str(r.outputs["arn"]): r for r in resources if r.type == QUEUE_TYPE}

    def deliver(
        self,
        event: Mapping[str, Any],
        environments: Mapping[str, Mapping[str, str]] | None = None,
    ) -> Delivery:
        """`event` to the targets of every rule it matches; a function named in `environments`
        runs with that environment, any other with its declared variables."""
        delivery = Delivery()
        for rule in self._rules:
            if not EventPattern.load(rule.inputs["eventPattern"]).matches_event(event):  # type: ignore[arg-type]
                continue
            delivery.rules.append(rule.name)
            rule_name = rule.outputs.get("name", rule.name)
            for target in (t for t in self._targets if t.inputs.get("rule") == rule_name):
                self._deliver_to(str(target.inputs["arn"]), event, delivery, environments or {})
        return delivery

    def _deliver_to(
        self,
        arn: str,
        event: Mapping[str, Any],
        delivery: Delivery,
        environments: Mapping[str, Mapping[str, str]],
    ) -> None:
        if arn in self.functions:
            function = self.functions[arn]
            if function.ingestion:
                result, logs = function.invoke(event, environments.get(function.name))
                delivery.results.append(result)
                delivery.logs += logs
                return
            try:  # invoked asynchronously: an error is the function's, not the sender's
                delivery.alerts.append(function.invoke(event)[0])
            except Exception as error:
                delivery.errors.append(f"{function.name}: {type(error).__name__}: {error}")
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
