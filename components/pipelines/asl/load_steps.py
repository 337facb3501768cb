"""The steps a pipeline runs after its Glue job: a LoadStep is one guarded Task, a PolledLoadStep
a bounded start/wait/describe/decide loop. Either way the only exits are the next step or
NotifyFailure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from components.pipelines.asl.definition import _MAX_STATE_NAME
from components.pipelines.asl.fields import JsonValue
from components.pipelines.asl.pipeline_tasks import (
    NOTIFY_FAILURE,
    NOTIFY_SUCCESS,
    _backoff,
    _error_marker,
    _guarded_task,
    integration_arn,
)
from components.pipelines.asl.states import Choice, ChoiceRule, Pass, State, Wait


@dataclass(frozen=True, kw_only=True)
class LoadStep:
    """A Task run after the Glue job (e.g. a Redshift Data API load), with the shared retry and
    NotifyFailure path; its result is discarded so the execution input flows on unchanged."""

    name: str
    resource: str
    parameters: Mapping[str, JsonValue]
    retry_on: tuple[str, ...]
    timeout_seconds: int = 900


@dataclass(frozen=True, kw_only=True)
class PolledLoadStep:
    """An asynchronous load (Redshift Data API shape): start a statement, then poll until done.

    States, all prefixed with `name`: `<name>` starts it (the response's `Id` at $.loadStatement)
    -> `<name>InitPoll` -> `<name>Wait` -> `<name>Describe` (status at $.loadStatus) ->
    `<name>Check`: `succeeded_status` moves on; a `failed_statuses` value goes to `<name>Failed`,
    `max_polls` polls to `<name>PollLimit`, both recording $.error and going to NotifyFailure;
    anything else counts the poll and waits again.
    """

    name: str
    resource: str
    parameters: Mapping[str, JsonValue]
    status_resource: str
    retry_on: tuple[str, ...]
    succeeded_status: str = "FINISHED"
    failed_statuses: tuple[str, ...] = ("FAILED", "ABORTED")
    poll_seconds: int = 15
    max_polls: int = 240
    api_timeout_seconds: int = 60

    def __post_init__(self) -> None:
        if self.poll_seconds < 1 or self.max_polls < 1:
            raise ValueError("PolledLoadStep needs poll_seconds >= 1 and max_polls >= 1")
        if not self.failed_statuses:
            raise ValueError("PolledLoadStep.failed_statuses must name at least one status")
        if len(self.name) + len(_LONGEST_POLL_SUFFIX) > _MAX_STATE_NAME:
            raise ValueError(f"PolledLoadStep.name {self.name!r} leaves no room for state suffixes")


AnyLoadStep: TypeAlias = LoadStep | PolledLoadStep
"""What `pipeline_definition(load_steps=...)` accepts."""

DATA_API_RETRY_ERRORS = (
    "RedshiftData.ActiveStatementsExceededException",
    "RedshiftData.ActiveSessionsExceededException",
    "RedshiftData.InternalServerException",
    "RedshiftData.DatabaseConnectionException",
    "States.Timeout",
)


def data_api_load_step(
    *,
    target: Mapping[str, str],
    sqls: Sequence[str],
    statement_name: str,
    state_name: str = "LoadWarehouse",
    poll_seconds: int = 15,
    max_polls: int = 240,
    partition: str = "aws",
) -> PolledLoadStep:
    """`sqls` as one Redshift Data API batch (one transaction), polled until it finishes.

    The Task resources are in `partition`, which must be the state machine's.
    """
    data_api = integration_arn(partition, "aws-sdk:redshiftdata")
    return PolledLoadStep(
        name=state_name,
        resource=f"{data_api}:batchExecuteStatement",
        parameters={**target, "Sqls": list(sqls), "StatementName": statement_name[:500]},
        status_resource=f"{data_api}:describeStatement",
        retry_on=DATA_API_RETRY_ERRORS,
        poll_seconds=poll_seconds,
        max_polls=max_polls,
    )


_LONGEST_POLL_SUFFIX = "PollLimit"
_LOAD_STATEMENT = "$.loadStatement"
_LOAD_STATUS = "$.loadStatus"
_LOAD_POLL = "$.loadPoll"


def _polled_load_states(step: PolledLoadStep, after: str) -> dict[str, State]:
    """Start, wait, describe, decide; a bounded loop whose only exits are after or NotifyFailure."""
    return {**_poll_loop_states(step), **_poll_decisions(step, after)}


def _poll_loop_states(step: PolledLoadStep) -> dict[str, State]:
    """Start the statement, then wait and describe it until <name>Check decides."""
    name = step.name
    retry = _backoff(step.retry_on, interval=5, attempts=4, cap=120)
    return {
        name: _guarded_task(
            step.resource,
            step.parameters,
            next_state=f"{name}InitPoll",
            retry=retry,
            timeout_seconds=step.api_timeout_seconds,
            result_path=_LOAD_STATEMENT,
        ),
        f"{name}InitPoll": Pass(result={"Attempts": 1}, result_path=_LOAD_POLL, next=f"{name}Wait"),
        f"{name}Wait": Wait(seconds=step.poll_seconds, next=f"{name}Describe"),
        f"{name}Describe": _guarded_task(
            step.status_resource,
            {"Id.$": f"{_LOAD_STATEMENT}.Id"},
            next_state=f"{name}Check",
            retry=retry,
            timeout_seconds=step.api_timeout_seconds,
            result_path=_LOAD_STATUS,
        ),
    }


def _poll_decisions(step: PolledLoadStep, after: str) -> dict[str, State]:
    """Move on to after when done, record the error on failure or too many polls, else poll."""
    name = step.name
    status = f"{_LOAD_STATUS}.Status"

    def on_status(value: str, target: str) -> ChoiceRule:
        return ChoiceRule(variable=status, operator="StringEquals", value=value, next=target)

    exhausted = ChoiceRule(
        variable=f"{_LOAD_POLL}.Attempts",
        operator="NumericGreaterThanEquals",
        value=step.max_polls,
        next=f"{name}PollLimit",
    )
    failed = tuple(on_status(value, f"{name}Failed") for value in step.failed_statuses)
    return {
        f"{name}Check": Choice(
            choices=(on_status(step.succeeded_status, after), *failed, exhausted),
            default=f"{name}CountPoll",
        ),
        f"{name}CountPoll": Pass(
            parameters={"Attempts.$": f"States.MathAdd({_LOAD_POLL}.Attempts, 1)"},
            result_path=_LOAD_POLL,
            next=f"{name}Wait",
        ),
        # The whole status response is the cause: its Error field is absent for some statuses.
        f"{name}Failed": Pass(
            parameters={
                "Error": f"{name}Failed",
                "Cause.$": f"States.JsonToString({_LOAD_STATUS})",
            },
            result_path="$.error",
            next=NOTIFY_FAILURE,
        ),
        f"{name}PollLimit": _error_marker(
            f"{name}PollLimitReached",
            f"{name} still running after {step.max_polls} polls of {step.poll_seconds}s",
        ),
    }


def _check_partition(step: AnyLoadStep, partition: str) -> None:
    """A step built for another partition would name a service integration that does not exist
    where the state machine runs."""
    resources = [step.resource]
    if isinstance(step, PolledLoadStep):
        resources.append(step.status_resource)
    wrong = [r for r in resources if r.startswith("arn:") and r.split(":")[1] != partition]
    if wrong:
        raise ValueError(
            f"load step {step.name} resources {wrong} are not in partition {partition}"
        )


def _load_states(load_steps: Sequence[AnyLoadStep], partition: str = "aws") -> dict[str, State]:
    names = [step.name for step in load_steps]
    if len(set(names)) != len(names):
        raise ValueError(f"load step names must be unique, got {names}")
    for step in load_steps:
        _check_partition(step, partition)
    states: dict[str, State] = {}
    successors = [*names[1:], NOTIFY_SUCCESS] if names else []
    for step, after in zip(load_steps, successors, strict=True):
        if isinstance(step, PolledLoadStep):
            part = _polled_load_states(step, after)
        else:
            part = {
                step.name: _guarded_task(
                    step.resource,
                    step.parameters,
                    next_state=after,
                    retry=_backoff(step.retry_on, interval=5, attempts=4, cap=120),
                    timeout_seconds=step.timeout_seconds,
                )
            }
        clash = sorted(states.keys() & part.keys())
        if clash:
            raise ValueError(f"load step names must be unique, states {clash} repeat")
        states.update(part)
    return states
