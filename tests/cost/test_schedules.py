"""How often a schedule fires in an average month (730 hours): exact for rate(), counted field
by field for cron()."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cost.schedules import runs_per_month


@pytest.mark.parametrize(
    ("expression", "runs"),
    [
        ("rate(1 hour)", "730"),
        ("rate(6 hours)", "121.67"),
        ("rate(5 minutes)", "8760"),
        ("rate(1 day)", "30.42"),
        ("cron(0 * * * ? *)", "730"),
        ("cron(0/15 * * * ? *)", "2920"),
        ("cron(0 3 * * ? *)", "30.42"),
        ("cron(30 2,14 * * ? *)", "60.83"),
        ("cron(15 2 ? * MON-FRI *)", "21.73"),
        ("cron(0 8 ? * 2-6 *)", "21.73"),
        ("cron(0 8 1 * ? *)", "0.98"),
        ("cron(0 8 L * ? *)", "1"),
        ("cron(0 8 ? * 6#3 *)", "1"),
        ("cron(0 0 1 JAN,JUL ? *)", "0.16"),
    ],
)
def test_runs_per_month(expression: str, runs: str) -> None:
    assert runs_per_month(expression, 730).quantize(Decimal("0.01")) == Decimal(runs).quantize(
        Decimal("0.01")
    )
