"""The ASL state types (Task, Pass, Wait, Choice, Map, Succeed, Fail) and their serialisation.

Each constructor rejects values Step Functions would reject; graph checks live in definition.py.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

from components.pipelines.asl.fields import (
    Catcher,
    JsonValue,
    Retrier,
    _json,
    _put,
    _put_result_path,
    _put_transition,
)

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


@dataclass(frozen=True, kw_only=True)
class Task:
    """A Task state; `arguments` is the JSONata counterpart of `parameters`."""

    resource: str
    parameters: Mapping[str, JsonValue] | None = None
    arguments: Mapping[str, JsonValue] | None = None
    result_selector: Mapping[str, JsonValue] | None = None
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
        _put(out, "ResultSelector", _json(self.result_selector))
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
    """A terminal state that fails with a fixed Error and Cause, or with ones read from the
    input through `error_path` and `cause_path`."""

    error: str | None = None
    cause: str | None = None
    error_path: str | None = None
    cause_path: str | None = None
    comment: str | None = None

    def __post_init__(self) -> None:
        if (self.error is None) == (self.error_path is None):
            raise ValueError("Fail takes exactly one of error and error_path")
        if self.cause is not None and self.cause_path is not None:
            raise ValueError("Fail takes at most one of cause and cause_path")

    def to_dict(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {"Type": "Fail"}
        _put(out, "Comment", self.comment)
        _put(out, "Error", self.error)
        _put(out, "ErrorPath", self.error_path)
        _put(out, "Cause", self.cause)
        _put(out, "CausePath", self.cause_path)
        return out


@dataclass(frozen=True, kw_only=True)
class Map:
    """An inline Map state: runs `states` from `start_at` once per item of `items_path`.

    The item processor is a graph of its own (definition.py validates it like the top level);
    its states cannot transition out of it, so a failure inside ends at a Fail state there and
    reaches the outer graph through this state's Catch.
    """

    items_path: str
    start_at: str
    states: Mapping[str, State]
    item_selector: Mapping[str, JsonValue] | None = None
    max_concurrency: int = 0
    result_selector: Mapping[str, JsonValue] | None = None
    result_path: str | None = "$"
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()
    next: str | None = None
    end: bool = False
    comment: str | None = None

    def __post_init__(self) -> None:
        if self.max_concurrency < 0:
            raise ValueError("Map.max_concurrency must be >= 0 (0: no limit)")

    def to_dict(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {"Type": "Map"}
        _put(out, "Comment", self.comment)
        out["ItemsPath"] = self.items_path
        _put(out, "ItemSelector", _json(self.item_selector))
        if self.max_concurrency:
            out["MaxConcurrency"] = self.max_concurrency
        out["ItemProcessor"] = {
            "ProcessorConfig": {"Mode": "INLINE"},
            "StartAt": self.start_at,
            "States": {name: state.to_dict() for name, state in self.states.items()},
        }
        _put(out, "ResultSelector", _json(self.result_selector))
        _put_result_path(out, self.result_path)
        if self.retry:
            out["Retry"] = [r.to_dict() for r in self.retry]
        if self.catch:
            out["Catch"] = [c.to_dict() for c in self.catch]
        _put_transition(out, self.next, self.end)
        return out


State: TypeAlias = Task | Pass | Wait | Choice | Map | Succeed | Fail
