"""Drive one pipeline through boto3 clients only: land a file, start an execution as the schedule
rule would, wait for an execution and read the path it took. The same code runs against emulated
AWS (`make run-local`) and against a deployed environment.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from components.pipelines.asl import LOAD_PENDING_MANIFESTS, NOTIFY_FAILURE
from pipeline_run.deployment import PipelineDeployment

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
# A status poll reads no execution data: with METADATA_ONLY, DescribeExecution of a machine
# encrypted with a customer key needs no kms:Decrypt (Step Functions API reference,
# DescribeExecution, includedData), so polling costs no KMS request.
STATUS_ONLY = {"includedData": "METADATA_ONLY"}


def execution_status(sfn: Any, execution_arn: str) -> str:
    """An execution's status, without its (encrypted) data."""
    return str(sfn.describe_execution(executionArn=execution_arn, **STATUS_ONLY)["status"])


@dataclass(frozen=True)
class StateVisit:
    """One state the execution entered, and how long it stayed."""

    name: str
    seconds: float


@dataclass(frozen=True)
class Failure:
    """Where an execution went wrong: the state that failed, and its original error."""

    state: str
    error: str
    cause: str

    @property
    def summary(self) -> str:
        """The cause, with a service's JSON response reduced to its error message."""
        start = self.cause.find("{")
        if start < 0:
            return self.cause
        try:
            detail = json.loads(self.cause[start:])
        except ValueError:
            return self.cause
        if not isinstance(detail, dict):
            return self.cause
        message = detail.get("ErrorMessage") or detail.get("Error")  # Glue run, Data API statement
        return f"{self.cause[:start]}{message}" if isinstance(message, str) else self.cause


@dataclass(frozen=True)
class ExecutionOutcome:
    """How an execution ended and the states it went through, in order."""

    arn: str
    status: str
    path: tuple[StateVisit, ...]
    error: str | None = None
    cause: str | None = None
    seconds: float = 0.0
    failure: Failure | None = None
    loads: tuple[dict[str, Any], ...] = ()
    """What became of each pending manifest the execution loaded (its Map's items)."""

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    def visited(self, state: str) -> bool:
        return any(visit.name == state for visit in self.path)


@dataclass
class PipelineDriver:
    """Land, start and wait, for one pipeline, through `s3` and `sfn` clients."""

    deployment: PipelineDeployment
    s3: Any
    sfn: Any
    poll_seconds: float = 0.2
    sleep: Callable[[float], None] = field(default=time.sleep)

    def land(self, name: str, body: bytes) -> str:
        """Put a file under the pipeline's raw prefix; its key."""
        key = f"{self.deployment.settings.source_prefix}{name}"
        self.s3.put_object(Bucket=self.deployment.raw_bucket, Key=key, Body=body)
        return key

    def start_scheduled(self) -> str:
        """Start an execution with the input EventBridge gives a scheduled rule's target."""
        event = {
            "version": "0",
            "id": f"local-{time.time_ns()}",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "resources": [self.deployment.schedule_rule_arn or ""],
            "detail": {},
        }
        started = self.sfn.start_execution(
            stateMachineArn=self.deployment.state_machine_arn,
            name=str(uuid.uuid4()),  # EventBridge lets Step Functions name it
            input=json.dumps(event),
        )
        return str(started["executionArn"])

    def wait(self, execution_arn: str, timeout: float) -> ExecutionOutcome:
        """Poll until the execution ends (or `timeout` seconds pass) and read its history."""
        deadline = time.monotonic() + timeout
        while execution_status(self.sfn, execution_arn) not in TERMINAL:
            if time.monotonic() > deadline:
                break
            self.sleep(self.poll_seconds)
        # The error and cause of a failure are execution data, decrypted by the caller.
        described = self.sfn.describe_execution(executionArn=execution_arn)
        events = self._history(execution_arn)
        status = str(described["status"])
        return ExecutionOutcome(
            arn=execution_arn,
            status=status,
            path=_path(events),
            error=described.get("error"),
            cause=described.get("cause"),
            seconds=_seconds(described.get("startDate"), described.get("stopDate")),
            failure=_failure(events, described) if status != "SUCCEEDED" else None,
            loads=_loads(events),
        )

    def _history(self, execution_arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = self.sfn.get_execution_history(
                executionArn=execution_arn,
                maxResults=1000,
                **({"nextToken": token} if token else {}),
            )
            events += page["events"]
            token = page.get("nextToken")
            if not token:
                return events


def _path(events: list[dict[str, Any]]) -> tuple[StateVisit, ...]:
    visits: list[StateVisit] = []
    entered: dict[str, datetime] = {}
    for event in events:
        details = event.get("stateEnteredEventDetails") or event.get("stateExitedEventDetails")
        if details is None:
            continue
        name = details["name"]
        if event["type"].endswith("StateEntered"):
            entered[name] = event["timestamp"]
        elif name in entered:
            visits.append(StateVisit(name, _seconds(entered.pop(name), event["timestamp"])))
    visits += [StateVisit(name, 0.0) for name in entered]  # entered, never exited
    return tuple(visits)


def _loads(events: list[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """The outcome of every manifest the load Map processed, from the output it exited with."""
    for event in events:
        exited = event.get("stateExitedEventDetails")
        if exited is None or exited["name"] != LOAD_PENDING_MANIFESTS:
            continue
        items = (json.loads(exited.get("output") or "{}").get("loads") or {}).get("items")
        return tuple(i for i in items or [] if isinstance(i, dict))
    return ()


def _failure(events: list[dict[str, Any]], described: dict[str, Any]) -> Failure:
    """The original error: what NotifyFailure received at $.error when a Catch sent it there,
    else the execution's own error (an error no Catch takes, such as States.Runtime)."""
    names: list[str] = []
    unfinished: list[str] = []
    for event in events:
        exited = event.get("stateExitedEventDetails")
        if exited is not None and exited["name"] in unfinished:
            del unfinished[len(unfinished) - 1 - unfinished[::-1].index(exited["name"])]
        entered = event.get("stateEnteredEventDetails")
        if entered is None:
            continue
        if entered["name"] == NOTIFY_FAILURE and names:
            error = json.loads(entered.get("input") or "{}").get("error") or {}
            return Failure(names[-1], str(error.get("Error")), str(error.get("Cause")))
        names.append(entered["name"])
        unfinished.append(entered["name"])
    return Failure(
        (unfinished or names or ["(none)"])[-1],
        str(described.get("error") or described["status"]),
        str(described.get("cause") or ""),
    )


def _seconds(start: Any, stop: Any) -> float:
    if not isinstance(start, datetime) or not isinstance(stop, datetime):
        return 0.0
    return max((stop - start).total_seconds(), 0.0)
