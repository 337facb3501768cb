"""ASL JSON values, the field-serialisation rules every state shares, and the Retry and Catch
entries of a Task. A field left at its ASL default is omitted, so output stays minimal.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

JsonValue: TypeAlias = str | int | float | bool | list["JsonValue"] | dict[str, "JsonValue"] | None

ALL_ERRORS = "States.ALL"


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
