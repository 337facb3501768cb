"""Shared strict base and constrained types for every stack-config model.

Every model forbids unknown keys and is immutable once validated; every constrained string
explains what it allows when it rejects a value.
"""

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class StrictModel(BaseModel):
    """Base of all config models: unknown keys are errors, instances are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def matching(pattern: str, allowed: str) -> AfterValidator:
    """A validator that accepts strings matching `pattern` and otherwise says what is allowed."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"must be {allowed}")
        return value

    return AfterValidator(check)


def _not_aws_prefixed(value: str) -> str:
    if value.lower().startswith("aws:"):
        raise ValueError("must not start with 'aws:', which AWS reserves")
    return value


_RATE = re.compile(r"rate\((?P<value>\d+) (?P<unit>minutes?|hours?|days?)\)")
_CRON = re.compile(r"cron\((?P<fields>[^()]*)\)")
_CRON_FIELDS = ("minutes", "hours", "day-of-month", "month", "day-of-week", "year")
# What each cron field may contain (numbers, names, ranges, lists, steps and the wildcards).
_CRON_FIELD_CHARS = (
    re.compile(r"[0-9,*/-]+"),
    re.compile(r"[0-9,*/-]+"),
    re.compile(r"[0-9,*/?LW-]+"),
    re.compile(r"[0-9A-Za-z,*/-]+"),
    re.compile(r"[0-9A-Za-z,*/?L#-]+"),
    re.compile(r"[0-9,*/-]+"),
)
_SCHEDULE_FORMS = (
    "must be an EventBridge schedule: 'rate(<value> <unit>)' such as 'rate(1 hour)' or "
    "'rate(6 hours)', or 'cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)' "
    "such as 'cron(0 3 * * ? *)'"
)


def _rate_problem(value: str, unit: str) -> str | None:
    if int(value) < 1 or value.startswith("0"):
        return f"the rate value must be a positive integer (no leading zeros), not '{value}'"
    singular = unit.removesuffix("s")
    expected = singular if int(value) == 1 else f"{singular}s"
    if unit != expected:
        return f"the rate unit must be '{expected}' when the value is {value}, not '{unit}'"
    return None


def _cron_problem(fields: str) -> str | None:
    parts = fields.split(" ")
    if len(parts) != len(_CRON_FIELDS):
        return (
            f"a cron expression has exactly {len(_CRON_FIELDS)} space-separated fields "
            f"({' '.join(_CRON_FIELDS)}), not {len(parts)}"
        )
    bad = [
        name
        for name, part, chars in zip(_CRON_FIELDS, parts, _CRON_FIELD_CHARS, strict=True)
        if not chars.fullmatch(part)
    ]
    if bad:
        return f"invalid cron field(s): {', '.join(bad)}"
    if (parts[2] == "?") == (parts[4] == "?"):
        return "exactly one of the cron day-of-month and day-of-week fields must be '?'"
    return None


def check_schedule(value: str) -> str:
    """Accept an EventBridge rule schedule expression; otherwise say what is wrong with it."""
    if rate := _RATE.fullmatch(value):
        problem = _rate_problem(rate["value"], rate["unit"])
    elif cron := _CRON.fullmatch(value):
        problem = _cron_problem(cron["fields"])
    else:
        problem = _SCHEDULE_FORMS
    if problem is not None:
        raise ValueError(problem)
    return value


Schedule = Annotated[str, AfterValidator(check_schedule)]
"""An EventBridge rule schedule: `rate(<n> <unit>)` with a positive n and a unit that is singular
iff n is 1, or a six-field `cron(...)` with exactly one of day-of-month and day-of-week `?`."""

Environment = Literal["dev", "test", "staging", "prod"]
"""Deployment environments; the Environment tag and policy config use the same values."""

DataClassification = Literal["public", "internal", "confidential", "restricted"]
"""Sensitivity of the data a store holds; tagged as DataClassification."""

ResourceName = Annotated[
    str,
    matching(
        r"[a-z][a-z0-9-]{0,22}[a-z0-9]",
        "2-24 lower-case letters, digits or hyphens, starting with a letter, not ending in '-'",
    ),
]

_TAG_CHARS = r"[\w\s.:/=+\-@]"
TagValue = Annotated[
    str, matching(rf"{_TAG_CHARS}{{1,256}}", "1-256 letters, digits, spaces or _.:/=+-@")
]
TagKey = Annotated[
    str,
    matching(rf"{_TAG_CHARS}{{1,128}}", "1-128 letters, digits, spaces or _.:/=+-@"),
    AfterValidator(_not_aws_prefixed),
]

Days = Annotated[int, Field(ge=1, le=36500)]
