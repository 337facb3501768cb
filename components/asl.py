"""Typed Amazon States Language (ASL) model and the data-pipeline state machine built with it.

A StateMachineDefinition only serialises after validate() has proved that every transition target
exists, every state is reachable from StartAt, and every state can still reach a terminal state.
"""

from __future__ import annotations

import copy
import json
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, TypeAlias

JsonValue: TypeAlias = str | int | float | bool | list["JsonValue"] | dict[str, "JsonValue"] | None
QueryLanguage: TypeAlias = Literal["JSONPath", "JSONata"]
ComparisonOperator: TypeAlias = Literal[
    "StringEquals",
    "StringMatches",
    "StringLessThan",
    "StringGreaterThan",
    "NumericEquals",
    "NumericLessThan",
    "NumericGreaterThan",
    "NumericLessThanEquals",
    "NumericGreaterThanEquals",
    "BooleanEquals",
    "IsPresent",
    "IsNull",
]

ALL_ERRORS = "States.ALL"
_MAX_STATE_NAME = 80


class DefinitionError(ValueError):
    """A state machine definition that Step Functions would reject or that could never finish."""

    def __init__(self, state: str | None, problem: str) -> None:
        where = "definition" if state is None else f"state {state!r}"
        super().__init__(f"{where}: {problem}")
        self.state = state
        self.problem = problem


def _put(out: dict[str, JsonValue], key: str, value: JsonValue) -> None:
    if value is not None:
        out[key] = value


def _put_result_path(out: dict[str, JsonValue], result_path: str | None) -> None:
    # "$" is the ASL default and is omitted; None is the meaningful JSON null (discard the result).
    if result_path != "$":
        out["ResultPath"] = result_path


def _put_transition(out: dict[str, JsonValue], next_state: str | None, end: bool) -> None:
    _put(out, "Next", next_state)
    if end:
        out["End"] = True


def _json(value: Mapping[str, JsonValue] | None) -> JsonValue:
    return None if value is None else copy.deepcopy(dict(value))


@dataclass(frozen=True, kw_only=True)
class Retrier:
    """One entry of a Task's Retry list; the wait grows by backoff_rate after each attempt."""

    error_equals: tuple[str, ...]
    interval_seconds: int = 1
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: int | None = None
    jitter_strategy: Literal["FULL", "NONE"] | None = None

    def __post_init__(self) -> None:
        if not self.error_equals:
            raise ValueError("Retrier.error_equals must name at least one error")
        if self.interval_seconds < 1 or self.max_attempts < 0 or self.backoff_rate < 1.0:
            raise ValueError("Retrier needs interval_seconds >= 1, max_attempts >= 0, rate >= 1")
        if self.max_delay_seconds is not None and self.max_delay_seconds < 1:
            raise ValueError("Retrier.max_delay_seconds must be >= 1")

    def to_dict(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {
            "ErrorEquals": list(self.error_equals),
            "IntervalSeconds": self.interval_seconds,
            "MaxAttempts": self.max_attempts,
            "BackoffRate": self.backoff_rate,
        }
        _put(out, "MaxDelaySeconds", self.max_delay_seconds)
        _put(out, "JitterStrategy", self.jitter_strategy)
        return out


@dataclass(frozen=True, kw_only=True)
class Catcher:
    """One entry of a Task's Catch list: matching errors go to `next`, error at result_path."""

    error_equals: tuple[str, ...]
    next: str
    result_path: str | None = "$"

    def __post_init__(self) -> None:
        if not self.error_equals:
            raise ValueError("Catcher.error_equals must name at least one error")

    def to_dict(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {"ErrorEquals": list(self.error_equals), "Next": self.next}
        _put_result_path(out, self.result_path)
        return out


@dataclass(frozen=True, kw_only=True)
class Task:
    """A Task state; `arguments` is the JSONata counterpart of `parameters`."""

    resource: str
    parameters: Mapping[str, JsonValue] | None = None
    arguments: Mapping[str, JsonValue] | None = None
    result_path: str | None = "$"
    timeout_seconds: int | None = None
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()
    next: str | None = None
    end: bool = False
    comment: str | None = None

    def __post_init__(self) -> None:
        if self.parameters is not None and self.arguments is not None:
            raise ValueError("Task takes Parameters (JSONPath) or Arguments (JSONata), not both")
        if self.timeout_seconds is not None and self.timeout_seconds < 1:
            raise ValueError("Task.timeout_seconds must be >= 1")

    def to_dict(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {"Type": "Task", "Resource": self.resource}
        _put(out, "Comment", self.comment)
        _put(out, "Parameters", _json(self.parameters))
        _put(out, "Arguments", _json(self.arguments))
        _put_result_path(out, self.result_path)
        _put(out, "TimeoutSeconds", self.timeout_seconds)
        if self.retry:
            out["Retry"] = [r.to_dict() for r in self.retry]
        if self.catch:
            out["Catch"] = [c.to_dict() for c in self.catch]
        _put_transition(out, self.next, self.end)
        return out


@dataclass(frozen=True, kw_only=True)
class Pass:
    """A Pass state; `result` (when not None) replaces the input at result_path."""

    result: JsonValue = None
    parameters: Mapping[str, JsonValue] | None = None
    result_path: str | None = "$"
    next: str | None = None
    end: bool = False
    comment: str | None = None

    def to_dict(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {"Type": "Pass"}
        _put(out, "Comment", self.comment)
        _put(out, "Result", copy.deepcopy(self.result))
        _put(out, "Parameters", _json(self.parameters))
        _put_result_path(out, self.result_path)
        _put_transition(out, self.next, self.end)
        return out


@dataclass(frozen=True, kw_only=True)
class Wait:
    """A Wait state for a fixed number of seconds."""

    seconds: int
    next: str | None = None
    end: bool = False
    comment: str | None = None

    def __post_init__(self) -> None:
        if self.seconds < 0:
            raise ValueError("Wait.seconds must be >= 0")

    def to_dict(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {"Type": "Wait", "Seconds": self.seconds}
        _put(out, "Comment", self.comment)
        _put_transition(out, self.next, self.end)
        return out


def _operand_fits(operator: ComparisonOperator, value: str | int | float | bool) -> bool:
    if operator.startswith("Numeric"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if operator.startswith("String"):
        return isinstance(value, str)
    return isinstance(value, bool)


@dataclass(frozen=True, kw_only=True)
class ChoiceRule:
    """A single JSONPath comparison, e.g. `$.x` StringEquals "READY" -> next."""

    variable: str
    operator: ComparisonOperator
    value: str | int | float | bool
    next: str

    def __post_init__(self) -> None:
        if not _operand_fits(self.operator, self.value):
            raise ValueError(f"{self.operator} cannot compare with {self.value!r}")

    def to_dict(self) -> dict[str, JsonValue]:
        return {"Variable": self.variable, self.operator: self.value, "Next": self.next}


@dataclass(frozen=True, kw_only=True)
class Choice:
    """A Choice state: the first matching rule wins, otherwise `default`."""

    choices: tuple[ChoiceRule, ...]
    default: str | None = None
    comment: str | None = None

    def __post_init__(self) -> None:
        if not self.choices:
            raise ValueError("Choice needs at least one rule")

    def to_dict(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {"Type": "Choice"}
        _put(out, "Comment", self.comment)
        out["Choices"] = [rule.to_dict() for rule in self.choices]
        _put(out, "Default", self.default)
        return out


@dataclass(frozen=True, kw_only=True)
class Succeed:
    """A terminal state that ends the execution successfully."""

    comment: str | None = None

    def to_dict(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {"Type": "Succeed"}
        _put(out, "Comment", self.comment)
        return out


@dataclass(frozen=True, kw_only=True)
class Fail:
    """A terminal state that fails the execution with a fixed Error and Cause."""

    error: str
    cause: str
    comment: str | None = None

    def to_dict(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {"Type": "Fail"}
        _put(out, "Comment", self.comment)
        out["Error"] = self.error
        out["Cause"] = self.cause
        return out


State: TypeAlias = Task | Pass | Wait | Choice | Succeed | Fail


def _normal_targets(state: State) -> tuple[str, ...]:
    """Targets taken when nothing fails: Next, Choice rules and Default."""
    if isinstance(state, Choice):
        default = () if state.default is None else (state.default,)
        return tuple(rule.next for rule in state.choices) + default
    if isinstance(state, Succeed | Fail):
        return ()
    return () if state.next is None else (state.next,)


def _all_targets(state: State) -> tuple[str, ...]:
    catches = tuple(c.next for c in state.catch) if isinstance(state, Task) else ()
    return _normal_targets(state) + catches


def _is_terminal(state: State) -> bool:
    if isinstance(state, Succeed | Fail):
        return True
    return not isinstance(state, Choice) and state.end


def _check_transition(name: str, state: State) -> None:
    if isinstance(state, Choice | Succeed | Fail):
        return
    if state.next is not None and state.end:
        raise DefinitionError(name, "has both Next and End; a state ends or moves on, not both")
    if state.next is None and not state.end:
        raise DefinitionError(name, "has neither Next nor End")


def _check_error_lists(name: str, field: str, lists: Sequence[tuple[str, ...]]) -> None:
    for index, errors in enumerate(lists):
        if ALL_ERRORS in errors and (len(errors) > 1 or index != len(lists) - 1):
            raise DefinitionError(name, f"{ALL_ERRORS} must be alone in the last {field} entry")


def _check_query_language(name: str, state: State, language: QueryLanguage | None) -> None:
    if isinstance(state, Task) and state.arguments is not None and language != "JSONata":
        raise DefinitionError(name, "uses Arguments, which needs QueryLanguage 'JSONata'")
    if language != "JSONata":
        return
    jsonpath_only = isinstance(state, Choice) or (
        isinstance(state, Task | Pass)
        and (state.parameters is not None or state.result_path != "$")
    )
    if jsonpath_only:
        raise DefinitionError(name, "uses JSONPath fields (Parameters/ResultPath/Variable)")


def _check_state(
    name: str, state: State, names: Mapping[str, State], lang: QueryLanguage | None
) -> None:
    if not name or len(name) > _MAX_STATE_NAME:
        raise DefinitionError(name, f"state names must be 1-{_MAX_STATE_NAME} characters")
    _check_transition(name, state)
    for target in _all_targets(state):
        if target not in names:
            raise DefinitionError(name, f"transitions to {target!r}, which is not a state")
    if isinstance(state, Task):
        _check_error_lists(name, "Retry", [r.error_equals for r in state.retry])
        _check_error_lists(name, "Catch", [c.error_equals for c in state.catch])
    _check_query_language(name, state, lang)


def _closure(seeds: Iterable[str], edges: Mapping[str, Iterable[str]]) -> set[str]:
    seen = set(seeds)
    queue = deque(seen)
    while queue:
        for target in edges.get(queue.popleft(), ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _check_graph(start_at: str, states: Mapping[str, State]) -> None:
    reachable = _closure([start_at], {n: _all_targets(s) for n, s in states.items()})
    unreachable = [name for name in states if name not in reachable]
    if unreachable:
        raise DefinitionError(unreachable[0], f"is not reachable from StartAt {start_at!r}")
    # Only normal transitions count as a way out: a loop that ends only when a Task errors would
    # otherwise spin until the execution times out.
    reverse: dict[str, list[str]] = {name: [] for name in states}
    for name, state in states.items():
        for target in _normal_targets(state):
            reverse[target].append(name)
    finishing = _closure([n for n, s in states.items() if _is_terminal(s)], reverse)
    stuck = [name for name in states if name not in finishing]
    if stuck:
        raise DefinitionError(stuck[0], f"can never reach Succeed, Fail or End (stuck: {stuck})")


@dataclass(frozen=True, kw_only=True)
class StateMachineDefinition:
    """A whole ASL document; to_dict()/to_json() validate first and never emit a broken graph."""

    start_at: str
    states: Mapping[str, State]
    comment: str | None = None
    timeout_seconds: int | None = None
    query_language: QueryLanguage | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "states", MappingProxyType(dict(self.states)))

    def validate(self) -> None:
        """Raise DefinitionError naming the first offending state, if any."""
        if not self.states:
            raise DefinitionError(None, "States is empty")
        if self.start_at not in self.states:
            raise DefinitionError(self.start_at, "is named by StartAt but is not in States")
        for name, state in self.states.items():
            _check_state(name, state, self.states, self.query_language)
        _check_graph(self.start_at, self.states)

    def to_dict(self) -> dict[str, JsonValue]:
        self.validate()
        out: dict[str, JsonValue] = {}
        _put(out, "Comment", self.comment)
        _put(out, "QueryLanguage", self.query_language)
        out["StartAt"] = self.start_at
        _put(out, "TimeoutSeconds", self.timeout_seconds)
        out["States"] = {name: state.to_dict() for name, state in self.states.items()}
        return out

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent)


# --- The data-pipeline state machine -----------------------------------------------------------

START_CRAWLER = "StartCrawler"
INIT_CRAWLER_POLL = "InitCrawlerPoll"
WAIT_FOR_CRAWLER = "WaitForCrawler"
GET_CRAWLER = "GetCrawler"
CHECK_CRAWLER_STATE = "CheckCrawlerState"
COUNT_CRAWLER_POLL = "CountCrawlerPoll"
CRAWLER_POLL_LIMIT = "CrawlerPollLimitReached"
CHECK_CRAWL_RESULT = "CheckCrawlResult"
CRAWL_FAILED = "CrawlFailed"
RUN_GLUE_JOB = "RunGlueJob"
NOTIFY_SUCCESS = "NotifySuccess"
PIPELINE_SUCCEEDED = "PipelineSucceeded"
NOTIFY_FAILURE = "NotifyFailure"
PIPELINE_FAILED = "PipelineFailed"

# Retry only what a later attempt can fix: throttling, service-side faults and hung API calls
# (States.Timeout on a task bounded to seconds). States.TaskFailed is deliberately absent: a
# failed Glue job run or a missing crawler/topic fails the same way again. The Glue job gets no
# States.Timeout retry either: a run that hit its hours-long timeout should page, not re-run.
GLUE_API_RETRY_ERRORS = (
    "Glue.ThrottlingException",
    "Glue.InternalServiceException",
    "Glue.OperationTimeoutException",
    "States.Timeout",
)
GLUE_JOB_RETRY_ERRORS = (
    "Glue.ConcurrentRunsExceededException",
    "Glue.ThrottlingException",
    "Glue.InternalServiceException",
    "Glue.OperationTimeoutException",
)
SNS_RETRY_ERRORS = ("SNS.InternalErrorException", "SNS.KMSThrottlingException", "States.Timeout")

_API_TIMEOUT_SECONDS = 60
_GLUE_SDK = "arn:aws:states:::aws-sdk:glue"
_SNS_PUBLISH = "arn:aws:states:::sns:publish"


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

_LONGEST_POLL_SUFFIX = "PollLimit"
_LOAD_STATEMENT = "$.loadStatement"
_LOAD_STATUS = "$.loadStatus"
_LOAD_POLL = "$.loadPoll"


def _backoff(errors: tuple[str, ...], *, interval: int, attempts: int, cap: int) -> Retrier:
    return Retrier(
        error_equals=errors,
        interval_seconds=interval,
        max_attempts=attempts,
        backoff_rate=2.0,
        max_delay_seconds=cap,
        jitter_strategy="FULL",
    )


def _guarded_task(
    resource: str,
    parameters: Mapping[str, JsonValue],
    *,
    next_state: str,
    retry: Retrier,
    timeout_seconds: int,
    result_path: str | None = None,
    first_catch: tuple[Catcher, ...] = (),
) -> Task:
    """A Task that retries `retry` and routes every other error to NotifyFailure."""
    to_failure = Catcher(error_equals=(ALL_ERRORS,), next=NOTIFY_FAILURE, result_path="$.error")
    return Task(
        resource=resource,
        parameters=parameters,
        result_path=result_path,
        timeout_seconds=timeout_seconds,
        retry=(retry,),
        catch=(*first_catch, to_failure),
        next=next_state,
    )


def _error_marker(error: str, cause: str) -> Pass:
    """Record an error the way a Catch would, so NotifyFailure reads $.error either way."""
    return Pass(result={"Error": error, "Cause": cause}, result_path="$.error", next=NOTIFY_FAILURE)


def _crawler_states(crawler: str, poll_seconds: int) -> dict[str, State]:
    """Start the crawler (an already running crawl counts as started) and poll it."""
    api_retry = _backoff(GLUE_API_RETRY_ERRORS, interval=5, attempts=4, cap=60)
    already_running = Catcher(
        error_equals=("Glue.CrawlerRunningException",),
        next=INIT_CRAWLER_POLL,
        result_path="$.crawlerAlreadyRunning",
    )
    return {
        START_CRAWLER: _guarded_task(
            f"{_GLUE_SDK}:startCrawler",
            {"Name": crawler},
            next_state=INIT_CRAWLER_POLL,
            retry=api_retry,
            timeout_seconds=_API_TIMEOUT_SECONDS,
            first_catch=(already_running,),
        ),
        INIT_CRAWLER_POLL: Pass(
            result={"Attempts": 1}, result_path="$.crawlerPoll", next=WAIT_FOR_CRAWLER
        ),
        WAIT_FOR_CRAWLER: Wait(seconds=poll_seconds, next=GET_CRAWLER),
        GET_CRAWLER: _guarded_task(
            f"{_GLUE_SDK}:getCrawler",
            {"Name": crawler},
            next_state=CHECK_CRAWLER_STATE,
            retry=api_retry,
            timeout_seconds=_API_TIMEOUT_SECONDS,
            result_path="$.crawler",
        ),
    }


def _crawler_decisions(crawler: str, poll_seconds: int, max_polls: int) -> dict[str, State]:
    """Leave the poll loop when the crawler is READY or after max_polls polls, whichever first."""
    ready = ChoiceRule(
        variable="$.crawler.Crawler.State",
        operator="StringEquals",
        value="READY",
        next=CHECK_CRAWL_RESULT,
    )
    exhausted = ChoiceRule(
        variable="$.crawlerPoll.Attempts",
        operator="NumericGreaterThanEquals",
        value=max_polls,
        next=CRAWLER_POLL_LIMIT,
    )
    crawl_ok = ChoiceRule(
        variable="$.crawler.Crawler.LastCrawl.Status",
        operator="StringEquals",
        value="SUCCEEDED",
        next=RUN_GLUE_JOB,
    )
    return {
        CHECK_CRAWLER_STATE: Choice(choices=(ready, exhausted), default=COUNT_CRAWLER_POLL),
        COUNT_CRAWLER_POLL: Pass(
            parameters={"Attempts.$": "States.MathAdd($.crawlerPoll.Attempts, 1)"},
            result_path="$.crawlerPoll",
            next=WAIT_FOR_CRAWLER,
        ),
        CRAWLER_POLL_LIMIT: _error_marker(
            "CrawlerPollLimitReached",
            f"crawler {crawler} still running after {max_polls} polls of {poll_seconds}s",
        ),
        CHECK_CRAWL_RESULT: Choice(choices=(crawl_ok,), default=CRAWL_FAILED),
        CRAWL_FAILED: _error_marker("CrawlFailed", f"last crawl of {crawler} did not succeed"),
    }


def _job_state(job: str, input_keys: Sequence[str], timeout_seconds: int, next_state: str) -> Task:
    parameters: dict[str, JsonValue] = {"JobName": job}
    if input_keys:
        # The context object keeps the execution input intact whatever earlier states added.
        parameters["Arguments"] = {f"--{k}.$": f"$$.Execution.Input.{k}" for k in input_keys}
    return _guarded_task(
        "arn:aws:states:::glue:startJobRun.sync",
        parameters,
        next_state=next_state,
        retry=_backoff(GLUE_JOB_RETRY_ERRORS, interval=30, attempts=5, cap=600),
        timeout_seconds=timeout_seconds,
        result_path="$.glueJob",
    )


def _polled_load_states(step: PolledLoadStep, after: str) -> dict[str, State]:
    """Start, wait, describe, decide; a bounded loop whose only exits are after or NotifyFailure."""
    name = step.name
    retry = _backoff(step.retry_on, interval=5, attempts=4, cap=120)
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


def _load_states(load_steps: Sequence[AnyLoadStep]) -> dict[str, State]:
    names = [step.name for step in load_steps]
    if len(set(names)) != len(names):
        raise ValueError(f"load step names must be unique, got {names}")
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


def _notify_states(pipeline: str, topic_arn: str) -> dict[str, State]:
    sns_retry = _backoff(SNS_RETRY_ERRORS, interval=2, attempts=3, cap=30)
    failure = (
        "States.Format('Execution {} failed with {}: {}', "
        "$$.Execution.Id, $.error.Error, $.error.Cause)"
    )
    success = "States.Format('Execution {} succeeded.', $$.Execution.Id)"
    return {
        NOTIFY_SUCCESS: _guarded_task(
            _SNS_PUBLISH,
            {
                "TopicArn": topic_arn,
                "Subject": f"[{pipeline}] succeeded"[:100],
                "Message.$": success,
            },
            next_state=PIPELINE_SUCCEEDED,
            retry=sns_retry,
            timeout_seconds=_API_TIMEOUT_SECONDS,
        ),
        PIPELINE_SUCCEEDED: Succeed(),
        # Its own failure must not loop back into itself: it fails the execution directly.
        NOTIFY_FAILURE: Task(
            resource=_SNS_PUBLISH,
            parameters={
                "TopicArn": topic_arn,
                "Subject": f"[{pipeline}] FAILED"[:100],
                "Message.$": failure,
            },
            result_path=None,
            timeout_seconds=_API_TIMEOUT_SECONDS,
            retry=(sns_retry,),
            catch=(Catcher(error_equals=(ALL_ERRORS,), next=PIPELINE_FAILED),),
            next=PIPELINE_FAILED,
        ),
        PIPELINE_FAILED: Fail(error="PipelineFailed", cause=f"{pipeline} pipeline failed"),
    }


def pipeline_definition(
    *,
    pipeline: str,
    crawler_name: str,
    job_name: str,
    topic_arn: str,
    load_steps: Sequence[AnyLoadStep] = (),
    job_input_keys: Sequence[str] = ("bucket", "key"),
    crawler_poll_seconds: int = 30,
    max_crawler_polls: int = 60,
    job_timeout_seconds: int = 6 * 3600,
) -> StateMachineDefinition:
    """Crawl, wait for the crawler, run the Glue job, run load_steps in order, notify, succeed.

    A PolledLoadStep expands to its start/wait/describe/decide loop (see its docstring).

    Every Task retries its transient errors and sends anything else to NotifyFailure -> Fail.
    Plain strings in, so a Pulumi component can call this inside Output.all(...).apply(...).
    """
    if crawler_poll_seconds < 1 or max_crawler_polls < 1:
        raise ValueError("crawler_poll_seconds and max_crawler_polls must be >= 1")
    after_job = load_steps[0].name if load_steps else NOTIFY_SUCCESS
    parts: list[dict[str, State]] = [
        _crawler_states(crawler_name, crawler_poll_seconds),
        _crawler_decisions(crawler_name, crawler_poll_seconds, max_crawler_polls),
        {RUN_GLUE_JOB: _job_state(job_name, job_input_keys, job_timeout_seconds, after_job)},
        _load_states(load_steps),
        _notify_states(pipeline, topic_arn),
    ]
    states: dict[str, State] = {}
    for part in parts:
        clash = sorted(states.keys() & part.keys())
        if clash:
            raise ValueError(f"load steps reuse built-in state names {clash}")
        states.update(part)
    definition = StateMachineDefinition(
        comment=f"{pipeline}: crawl, transform with Glue, load, notify",
        start_at=START_CRAWLER,
        states=states,
    )
    definition.validate()
    return definition
