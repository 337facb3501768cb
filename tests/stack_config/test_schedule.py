"""Schedules: every cron field is range- and name-checked as EventBridge checks it, and a bad one
is reported at its key path, naming the field and what it allows."""

import copy

import pytest

from stack_config import StackConfigError, parse_stack_config
from stack_config.release_loader import parse_release_config
from stack_config.schedule import CRON_ALLOWED, check_schedule
from tests.stacks import fixture_values

ACCEPTED = {
    "every 15 minutes in office hours": "cron(0/15 8-18 ? * MON-FRI *)",
    "hourly": "cron(0 * * * ? *)",
    "last day of the month": "cron(0 12 L * ? 2030)",
    "last weekday of the month": "cron(0 12 LW * ? *)",
    "nearest weekday to the 15th": "cron(0 12 15W * ? *)",
    "third Friday": "cron(0 10 ? * 6#3 *)",
    "fifth Friday by name": "cron(0 10 ? * FRI#5 *)",
    "last Friday": "cron(0 10 ? * 6L *)",
    "weekends by name": "cron(30 6 ? * SUN,SAT *)",
    "quarter by month names": "cron(0 0 1 JAN-MAR ? 2025-2030)",
    "every fifth day": "cron(0 0 1/5 * ? *)",
    "lists of days": "cron(0 0 1,15 * ? *)",
    "first and last years": "cron(59 23 31 DEC ? 1970,2199)",
    "one minute": "rate(1 minute)",
    "six hours": "rate(6 hours)",
    "thirty days": "rate(30 days)",
}


@pytest.mark.parametrize("expression", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_eventbridge_expressions_are_accepted(expression: str) -> None:
    assert check_schedule(expression) == expression


REJECTED = {
    "hour 25": ("cron(0 25 * * ? *)", "hours", "25"),
    "minute 99": ("cron(99 2 ? * MON-FRI *)", "minutes", "99"),
    "day name spelt out": ("cron(0 2 ? * MONDAY *)", "day-of-week", "MONDAY"),
    "minute 60": ("cron(60 0 * * ? *)", "minutes", "60"),
    "hour range past 23": ("cron(0 20-24 * * ? *)", "hours", "20-24"),
    "day-of-month 0": ("cron(0 0 0 * ? *)", "day-of-month", "0"),
    "day-of-month 32": ("cron(0 0 32 * ? *)", "day-of-month", "32"),
    "month 13": ("cron(0 0 1 13 ? *)", "month", "13"),
    "month name spelt out": ("cron(0 0 1 JANUARY ? *)", "month", "JANUARY"),
    "day-of-week 0 (Unix Sunday)": ("cron(0 0 ? * 0 *)", "day-of-week", "0"),
    "day-of-week 8": ("cron(0 0 ? * 8 *)", "day-of-week", "8"),
    "sixth Friday": ("cron(0 0 ? * 6#6 *)", "day-of-week", "6#6"),
    "W in day-of-week": ("cron(0 0 ? * 2W *)", "day-of-week", "2W"),
    "# in day-of-month": ("cron(0 0 1#2 * ? *)", "day-of-month", "1#2"),
    "year before 1970": ("cron(0 0 1 * ? 1969)", "year", "1969"),
    "year after 2199": ("cron(0 0 1 * ? 2200)", "year", "2200"),
    "letters in hours": ("cron(0 x * * ? *)", "hours", "x"),
}


@pytest.mark.parametrize("expression, field, value", REJECTED.values(), ids=REJECTED.keys())
def test_out_of_range_fields_are_rejected_naming_the_field(
    expression: str, field: str, value: str
) -> None:
    with pytest.raises(ValueError) as caught:
        check_schedule(expression)
    assert str(caught.value) == (
        f"the cron {field} field '{value}' is invalid; allowed: {CRON_ALLOWED[field]}"
    )


@pytest.mark.parametrize(
    "expression",
    ["cron(0 3 * * * *)", "cron(0 3 ? * ? *)", "cron(0 3 5 * MON *)"],
    ids=["both *", "both ?", "both set"],
)
def test_exactly_one_day_field_is_a_question_mark(expression: str) -> None:
    with pytest.raises(ValueError, match="exactly one of the cron day-of-month and day-of-week"):
        check_schedule(expression)


@pytest.mark.parametrize(
    "stack, key, expression, field",
    [
        ("dev", "platform.pipelines.1.trigger.expression", "cron(0 25 * * ? *)", "hours"),
        ("delivery", "release.drift_schedule", "cron(0 2 ? * MONDAY *)", "day-of-week"),
    ],
    ids=["pipeline trigger", "drift schedule"],
)
def test_a_bad_schedule_in_a_stack_file_names_its_key_path(
    stack: str, key: str, expression: str, field: str
) -> None:
    values = copy.deepcopy(fixture_values(stack))
    top, *parents, leaf = key.split(".")
    node = values[f"data-platform:{top}"]
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[leaf] = expression
    parse = parse_release_config if top == "release" else parse_stack_config
    with pytest.raises(StackConfigError) as caught:
        parse(stack, values)
    (problem,) = caught.value.problems
    path = ".".join(p if not p.isdigit() else f"[{p}]" for p in key.split("."))
    assert problem.path == path.replace(".[", "[")
    assert f"the cron {field} field" in problem.message
    assert problem.value == repr(expression)
