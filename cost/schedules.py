"""How often an EventBridge schedule fires in an average month, for the cost model.

`rate()` is exact. `cron()` is counted field by field (minutes x hours x days x months), the
days from day-of-month, or from day-of-week at 7 days a week; `L`, `W` and `#` count as one day
a month. Expressions are already valid (stack_config/schedule.py); the count is an estimate.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

_RATE: Final = re.compile(r"rate\((\d+) (minute|hour|day)s?\)")
_MONTHS: Final = (
    "JAN",
    "FEB",
    "MAR",
    "APR",
    "MAY",
    "JUN",
    "JUL",
    "AUG",
    "SEP",
    "OCT",
    "NOV",
    "DEC",
)
_DAYS: Final = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_NAMES: Final = {name: i + 1 for names in (_MONTHS, _DAYS) for i, name in enumerate(names)}


def runs_per_month(expression: str, hours_per_month: int) -> Decimal:
    """Firings of `expression` in a month of `hours_per_month` hours."""
    hours = Decimal(hours_per_month)
    rate = _RATE.fullmatch(expression)
    if rate is not None:
        per_hour = {"minute": Decimal(60), "hour": Decimal(1), "day": Decimal(1) / 24}
        return hours * per_hour[rate.group(2)] / int(rate.group(1))
    minutes, hour, dom, month, dow, _year = expression.removeprefix("cron(")[:-1].split()
    days = hours / 24
    if dom not in ("*", "?"):
        per_month = Decimal(_count(dom, 1, 31)) * days / 31 if "L" not in dom else Decimal(1)
    elif dow not in ("*", "?"):
        per_month = Decimal(_count(dow, 1, 7)) * days / 7 if "#" not in dow else Decimal(1)
    else:
        per_month = days
    months = Decimal(_count(month, 1, 12)) / 12
    return _count(minutes, 0, 59) * _count(hour, 0, 23) * per_month * months


def _count(field: str, low: int, high: int) -> int:
    """How many values of [low, high] a cron field names."""
    values: set[int] = set()
    for part in field.split(","):
        base, _, step = part.partition("/")
        if base in ("*", "?"):
            start, end = low, high
        elif "-" in base:
            first, last = base.split("-")
            start, end = _value(first), _value(last)
        else:
            start = _value(base.split("#")[0])
            end = high if step else start
        values.update(range(start, end + 1, int(step) if step else 1))
    return len(values)


def _value(token: str) -> int:
    """A field's value: a number, a name (JAN, MON), or one with L or W after it (5L, 15W)."""
    if token.upper() in _NAMES:
        return _NAMES[token.upper()]
    digits = token.rstrip("LW")
    return int(digits) if digits else 1  # L alone: one day (the last)
