"""Shared strict base and constrained types for every stack-config model.

Every model forbids unknown keys and is immutable once validated; every constrained string
explains what it allows when it rejects a value.
"""

import re
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class StrictModel(BaseModel):
    """Base of all config models: unknown keys are errors, instances are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Pattern:
    """A string constraint: the whole value matches `pattern`; `allowed` says what that means."""

    pattern: re.Pattern[str]
    allowed: str

    def __call__(self, value: str) -> str:
        if not self.pattern.fullmatch(value):
            raise ValueError(f"must be {self.allowed}")
        return value


@dataclass(frozen=True)
class OneOf:
    """A string constraint: one of a kept list of `values`; `allowed` says what that means."""

    values: frozenset[str]
    allowed: str

    def __call__(self, value: str) -> str:
        if value not in self.values:
            close = get_close_matches(value, sorted(self.values), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ValueError(f"must be {self.allowed}{hint}")
        return value


def matching(pattern: str, allowed: str) -> AfterValidator:
    """A validator that accepts strings matching `pattern` and otherwise says what is allowed."""
    return AfterValidator(Pattern(re.compile(pattern), allowed))


def _not_aws_prefixed(value: str) -> str:
    """Must not start with 'aws:' (reserved by AWS)."""
    if value.lower().startswith("aws:"):
        raise ValueError("must not start with 'aws:', which AWS reserves")
    return value


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

ColumnName = Annotated[
    str, matching(r"[a-z][a-z0-9_]{0,62}", "a snake_case column name (a-z, 0-9, _; max 63)")
]
