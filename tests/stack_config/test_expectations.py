"""A pipeline's expectations, decimal columns and load settings: what config accepts, and every
refusal names the rule and the column."""

from typing import Any

import pytest
from pydantic import ValidationError

from stack_config.pipelines import PipelineSettings, decimal_parts


def _pipeline(**changes: Any) -> dict[str, Any]:
    """A pipeline owned by these tests: every column type, one optional column of each kind."""
    pipeline: dict[str, Any] = {
        "name": "payments",
        "source_prefix": "payments/",
        "format": "csv",
        "trigger": {"kind": "object-created"},
        "target_table": "payments",
        "required_columns": ["payment_id", "amount", "paid_at"],
        "optional_columns": ["status", "note", "attempts"],
        "key_columns": ["payment_id"],
        "order_column": "paid_at",
        "column_types": {
            "payment_id": "int",
            "amount": "decimal(12,2)",
            "paid_at": "timestamp",
            "attempts": "int",
        },
    }
    pipeline.update(changes)
    return pipeline


def _errors(**changes: Any) -> str:
    with pytest.raises(ValidationError) as raised:
        PipelineSettings.model_validate(_pipeline(**changes))
    return str(raised.value)


def test_defaults_declare_no_expectation_and_three_load_attempts() -> None:
    settings = PipelineSettings.model_validate(_pipeline())
    assert settings.expectations.rows == []
    assert settings.expectations.batch.min_rows is None
    assert settings.expectations.freshness is None
    assert settings.load.max_attempts == 3


def test_every_rule_kind_is_accepted_on_a_column_of_its_type() -> None:
    rows: list[dict[str, Any]] = [
        {"kind": "not-null", "column": "status"},
        {"kind": "range", "column": "amount", "min": 0},
        {"kind": "range", "column": "attempts", "min": 1, "max": 10},
        {"kind": "allowed-values", "column": "status", "values": ["open", "paid"]},
        {"kind": "pattern", "column": "note", "regex": "[A-Z]{2}-[0-9]+"},
        {"kind": "unique-key"},
    ]
    expectations = {
        "rows": rows,
        "null_on_cast_failure": ["attempts"],
        "batch": {"min_rows": 10, "max_reject_ratio": 0.05},
        "freshness": {"max_age_hours": 26},
    }
    settings = PipelineSettings.model_validate(_pipeline(expectations=expectations))
    assert [rule.kind for rule in settings.expectations.rows] == [r["kind"] for r in rows]
    assert settings.expectations.freshness is not None
    assert settings.expectations.freshness.max_age_hours == 26


@pytest.mark.parametrize(
    "expectations, expected",
    [
        (
            {"rows": [{"kind": "not-null", "column": "colour"}]},
            "expectations.rows[0] (not-null) names 'colour', which is not a declared column",
        ),
        (
            {"rows": [{"kind": "range", "column": "status", "min": 1}]},
            "expectations.rows[0] (range): 'status' is typed string; range needs int, float",
        ),
        (
            {"rows": [{"kind": "pattern", "column": "amount", "regex": "[0-9]+"}]},
            "'amount' is typed decimal(12,2); pattern needs string",
        ),
        (
            {"rows": [{"kind": "allowed-values", "column": "attempts", "values": ["1"]}]},
            "'attempts' is typed int; allowed-values needs string",
        ),
        ({"null_on_cast_failure": ["amount"]}, "names required column 'amount'"),
        ({"null_on_cast_failure": ["note"]}, "string column 'note', which never fails a cast"),
        ({"null_on_cast_failure": ["colour"]}, "'colour', which is not an optional column"),
    ],
    ids=[
        "unknown",
        "range-on-string",
        "pattern-on-decimal",
        "values-on-int",
        "null-required",
        "null-string",
        "null-unknown",
    ],
)
def test_a_rule_on_the_wrong_column_names_rule_and_column(
    expectations: dict[str, Any], expected: str
) -> None:
    assert expected in _errors(expectations=expectations)


@pytest.mark.parametrize(
    "rule, expected",
    [
        ({"kind": "range", "column": "amount"}, "give min, max or both"),
        ({"kind": "range", "column": "amount", "min": 5, "max": 1}, "min 5.0 is above max 1.0"),
        ({"kind": "allowed-values", "column": "status", "values": ["a", "a"]}, "repeats ['a']"),
        ({"kind": "pattern", "column": "note", "regex": "(?<=x)y"}, "uses '(?'"),
        ({"kind": "pattern", "column": "note", "regex": "(a"}, "is not a valid regular expr"),
        ({"kind": "pattern", "column": "note", "regex": r"(a)\1"}, "uses '\\\\1'"),
        ({"kind": "between", "column": "amount"}, "rows.0"),
    ],
    ids=["no-bound", "inverted", "repeated", "lookbehind", "unbalanced", "backref", "unknown"],
)
def test_a_malformed_rule_says_what_is_wrong(rule: dict[str, Any], expected: str) -> None:
    assert expected in _errors(expectations={"rows": [rule]})


@pytest.mark.parametrize(
    "batch, key",
    [({"max_reject_ratio": 1.5}, "max_reject_ratio"), ({"min_rows": 0}, "min_rows")],
)
def test_batch_rules_are_bounded(batch: dict[str, Any], key: str) -> None:
    assert key in _errors(expectations={"batch": batch})


@pytest.mark.parametrize(
    "column_type, parts",
    [("decimal(12,2)", (12, 2)), ("decimal(38,0)", (38, 0)), ("decimal(1,1)", (1, 1))],
)
def test_decimal_columns_carry_precision_and_scale(
    column_type: str, parts: tuple[int, int]
) -> None:
    types = {"payment_id": "int", "amount": column_type, "paid_at": "timestamp"}
    settings = PipelineSettings.model_validate(_pipeline(column_types=types))
    assert decimal_parts(dict(settings.curated_columns)["amount"]) == parts


@pytest.mark.parametrize(
    "column_type, expected",
    [
        ("decimal(39,2)", "precision of 1-38"),
        ("decimal(4,6)", "scale of 0 up to the precision"),
        ("decimal(0,0)", "precision of 1-38"),
        ("decimal", "decimal(p,s) such as decimal(12,2)"),
        ("money", "one of string, int, float, bool, date, timestamp"),
    ],
)
def test_a_bad_decimal_says_what_is_allowed(column_type: str, expected: str) -> None:
    types = {"payment_id": "int", "amount": column_type, "paid_at": "timestamp"}
    assert expected in _errors(column_types=types)


def test_platform_prefixes_are_reserved_and_distinct_per_pipeline() -> None:
    assert "reserved for the platform" in _errors(source_prefix="rejects/payments/")
    settings = PipelineSettings.model_validate(_pipeline())
    prefixes = [
        settings.quarantine_prefix,
        settings.rejects_prefix,
        settings.held_prefix,
        settings.dead_letter_prefix,
        settings.run_report_prefix,
        settings.manifest_prefix,
    ]
    assert len(set(prefixes)) == len(prefixes)
    assert all(p.endswith("/") for p in prefixes)


def test_load_attempts_are_bounded() -> None:
    assert "load.max_attempts" in _errors(load={"max_attempts": 0})
