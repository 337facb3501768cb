"""EventBridge schedule expressions, accepted only when EventBridge would accept them.

The forms and ranges are those of "Schedule expressions for rules" in the EventBridge user guide
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html) and of
"Schedule types on EventBridge Scheduler"
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html):

- `rate(<value> <unit>)`: a positive whole value; the unit is minute, hour or day, singular when
  the value is 1 and plural otherwise.
- `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)`: minutes 0-59, hours
  0-23, day-of-month 1-31 (with `L` and `W`), month 1-12 or JAN-DEC, day-of-week 1-7 or SUN-SAT
  (with `L` and `#`), year 1970-2199; `,` `-` `*` and `/` combine values, and exactly one of
  day-of-month and day-of-week is `?`.

Each cron field is checked by `aws-cron-expression-validator`, which implements this dialect
(Quartz-like, six fields), not the Unix one; a rejection names the field and what it allows.
"""

import re
from typing import Annotated, Final

from aws_cron_expression_validator.validator import (
    AWSCronExpressionDayOfMonthError,
    AWSCronExpressionDayOfWeekError,
    AWSCronExpressionError,
    AWSCronExpressionHourError,
    AWSCronExpressionMinuteError,
    AWSCronExpressionMonthError,
    AWSCronExpressionValidator,
    AWSCronExpressionYearError,
)
from pydantic import AfterValidator

_RATE: Final = re.compile(r"rate\((?P<value>\d+) (?P<unit>minutes?|hours?|days?)\)")
_CRON: Final = re.compile(r"cron\((?P<fields>[^()]*)\)")
CRON_FIELDS: Final = ("minutes", "hours", "day-of-month", "month", "day-of-week", "year")
# What each field allows, as the EventBridge documentation's table states it.
CRON_ALLOWED: Final = {
    "minutes": "0-59, combined with , - * /",
    "hours": "0-23, combined with , - * /",
    "day-of-month": "1-31, combined with , - * ? / L W",
    "month": "1-12 or JAN-DEC, combined with , - * /",
    "day-of-week": "1-7 or SUN-SAT (1 is Sunday), combined with , - * ? L #",
    "year": "1970-2199, combined with , - * /",
}
_FIELD_OF_ERROR: Final[dict[type[AWSCronExpressionError], int]] = {
    AWSCronExpressionMinuteError: 0,
    AWSCronExpressionHourError: 1,
    AWSCronExpressionDayOfMonthError: 2,
    AWSCronExpressionMonthError: 3,
    AWSCronExpressionDayOfWeekError: 4,
    AWSCronExpressionYearError: 5,
}
SCHEDULE_FORMS: Final = (
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
    if len(parts) != len(CRON_FIELDS):
        return (
            f"a cron expression has exactly {len(CRON_FIELDS)} space-separated fields "
            f"({' '.join(CRON_FIELDS)}), not {len(parts)}"
        )
    if (parts[2] == "?") == (parts[4] == "?"):
        return "exactly one of the cron day-of-month and day-of-week fields must be '?'"
    try:
        AWSCronExpressionValidator.validate(fields)
    except AWSCronExpressionError as err:
        index = _FIELD_OF_ERROR.get(type(err))
        if index is None:
            return f"invalid cron expression: {err}"
        name = CRON_FIELDS[index]
        return f"the cron {name} field '{parts[index]}' is invalid; allowed: {CRON_ALLOWED[name]}"
    return None


def check_schedule(value: str) -> str:
    """Accept an EventBridge schedule expression; otherwise say what is wrong with it."""
    if rate := _RATE.fullmatch(value):
        problem = _rate_problem(rate["value"], rate["unit"])
    elif cron := _CRON.fullmatch(value):
        problem = _cron_problem(cron["fields"])
    else:
        problem = SCHEDULE_FORMS
    if problem is not None:
        raise ValueError(problem)
    return value


Schedule = Annotated[str, AfterValidator(check_schedule)]
"""An EventBridge schedule: `rate(<n> <unit>)` with a positive n and a unit that is singular
iff n is 1, or a six-field `cron(...)` whose every field is in its range, with exactly one of
day-of-month and day-of-week `?`."""
