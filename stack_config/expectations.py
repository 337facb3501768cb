"""What a pipeline expects of its data: row rules that reject rows, batch rules that hold a batch
back from the warehouse, and how fresh its data must stay.

Each row rule names a declared column (or the key) and is checked by `make check` against the
pipeline's columns and their types; the Glue job applies the same rules to every row it reads.
"""

import re
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from stack_config.base import ColumnName, StrictModel

NUMERIC_KINDS = ("int", "float", "decimal")
# PutMetricAlarm: Period x EvaluationPeriods may not exceed 604,800 s (7 days); the freshness alarm
# evaluates one-hour periods.
MAX_FRESHNESS_HOURS = 168


def _python_and_java_regex(value: str) -> str:
    """A pattern both Python's `re` (the row rules' specification) and Java's regex engine (Spark's
    `rlike`) read alike: no look-behind, named groups, possessive or atomic groups, inline flags,
    back-references or Unicode classes."""
    try:
        re.compile(value)
    except re.error as error:
        raise ValueError(f"is not a valid regular expression ({error})") from None
    unsupported = re.search(r"\(\?|\\[1-9pPkQEZz]|[*+?}]\+", value)
    if unsupported:
        raise ValueError(
            f"uses {unsupported.group(0)!r}; allowed are character classes, groups without '(?', "
            "alternation, anchors and the quantifiers * + ? {m,n}"
        )
    return value


Regex = Annotated[str, Field(min_length=1, max_length=512), AfterValidator(_python_and_java_regex)]


class NotNullRule(StrictModel):
    """The column must hold a value (an optional column made mandatory for this rule's rows)."""

    kind: Literal["not-null"] = Field(description="Reject rows where the column is empty.")
    column: ColumnName = Field(description="A declared column.")


class RangeRule(StrictModel):
    """A numeric column's value lies within [min, max]; empty values are left to not-null."""

    kind: Literal["range"] = Field(description="Reject rows whose value is outside the range.")
    column: ColumnName = Field(description="A declared column typed int, float or decimal(p,s).")
    min: float | None = Field(default=None, description="Smallest allowed value (inclusive).")
    max: float | None = Field(default=None, description="Largest allowed value (inclusive).")

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        """At least one bound; min is not above max."""
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class AllowedValuesRule(StrictModel):
    """A string column holds one of a fixed set of values (compared after trimming, exactly)."""

    kind: Literal["allowed-values"] = Field(description="Reject rows with any other value.")
    column: ColumnName = Field(description="A declared string column.")
    values: list[Annotated[str, Field(min_length=1, max_length=256)]] = Field(
        min_length=1, max_length=1000, description="The allowed values."
    )

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        """No value is listed twice."""
        repeated = sorted({v for v in self.values if self.values.count(v) > 1})
        if repeated:
            raise ValueError(f"values repeats {repeated}")
        return self


class PatternRule(StrictModel):
    """A string column's whole value matches a regular expression."""

    kind: Literal["pattern"] = Field(description="Reject rows whose value does not match.")
    column: ColumnName = Field(description="A declared string column.")
    regex: Regex = Field(description="Matched against the whole (trimmed) value.")


class UniqueKeyRule(StrictModel):
    """Within one file, a key appears at most once: every row of a repeated key is rejected
    (across files, the newest row of a key wins as usual)."""

    kind: Literal["unique-key"] = Field(description="Reject keys repeated within one file.")


RowRule = Annotated[
    NotNullRule | RangeRule | AllowedValuesRule | PatternRule | UniqueKeyRule,
    Field(discriminator="kind"),
]


class BatchRules(StrictModel):
    """What one Glue run's batch must satisfy before it is loaded; a batch that fails is held
    back from the warehouse (its manifest is not loaded, an alert names the rule) until it is
    released or a later batch supersedes it."""

    min_rows: Annotated[int, Field(ge=1, le=1_000_000_000)] | None = Field(
        default=None, description="Fewest rows a batch must read; none: no minimum."
    )
    max_reject_ratio: Annotated[float, Field(ge=0, le=1)] | None = Field(
        default=None,
        description="Largest share of a batch's rows that may be rejected (0.05 = 5 %); none: "
        "rejects never hold a batch (they are still written and counted).",
    )


class Freshness(StrictModel):
    """How long a pipeline may go without a successful load before its freshness alarm fires;
    no data counts as stale."""

    max_age_hours: Annotated[int, Field(ge=1, le=MAX_FRESHNESS_HOURS)] = Field(
        description="Hours since the last successful warehouse load (at most 168: the alarm "
        "looks back over hourly periods, and CloudWatch evaluates at most 7 days of them)."
    )


class Expectations(StrictModel):
    """A pipeline's declared expectations."""

    rows: list[RowRule] = Field(
        default_factory=list, max_length=100, description="Rules every row must pass."
    )
    null_on_cast_failure: list[ColumnName] = Field(
        default_factory=list,
        description="Optional columns whose value, when it cannot be cast to the column's type, "
        "becomes NULL and keeps its row (a reject record is still written); any other failed "
        "cast rejects the row.",
    )
    batch: BatchRules = Field(
        default_factory=BatchRules, description="Rules that hold a batch back from the warehouse."
    )
    freshness: Freshness | None = Field(
        default=None, description="Alarm when no load succeeds for this long; none: no alarm."
    )

    def problems(
        self, types: dict[str, str], required: list[str], optional: list[str]
    ) -> list[str]:
        """Rules that name an undeclared column or one of the wrong type; `types` holds every
        declared column's type."""
        found = []
        for index, rule in enumerate(self.rows):
            column = getattr(rule, "column", None)
            where = f"expectations.rows[{index}] ({rule.kind})"
            if column is None:
                continue
            if column not in types:
                found.append(f"{where} names '{column}', which is not a declared column")
            elif isinstance(rule, RangeRule) and not types[column].startswith(NUMERIC_KINDS):
                found.append(
                    f"{where}: '{column}' is typed {types[column]}; range needs int, float or "
                    "decimal(p,s)"
                )
            elif isinstance(rule, AllowedValuesRule | PatternRule) and types[column] != "string":
                found.append(
                    f"{where}: '{column}' is typed {types[column]}; {rule.kind} needs string"
                )
        for column in self.null_on_cast_failure:
            if column in required:
                found.append(
                    f"expectations.null_on_cast_failure names required column '{column}': a "
                    "required column may not be NULL"
                )
            elif column not in optional:
                found.append(
                    f"expectations.null_on_cast_failure names '{column}', which is not an "
                    "optional column"
                )
            elif types[column] == "string":
                found.append(
                    f"expectations.null_on_cast_failure names string column '{column}', which "
                    "never fails a cast"
                )
        return found
