"""The cost model's words: the idle cost for `make check`, the budget finding, and the monthly
delta that `make diff` and the preview comment show next to the resource counts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

from cost.model import Estimate, changes, estimate, money
from cost.prices import PricesNotFoundError, load_prices
from review.markdown import text

BUDGET_KEY: Final = "platform.cost.monthly_budget_usd"
MAX_CHANGES: Final = 8


def charge_lines(found: Estimate) -> list[str]:
    """One console line per item: its monthly cost (or `unknown` and why), then what it is."""
    return [
        f"  {money(line.monthly):>10}  {line.label()}"
        if line.priced
        else f"  {'unknown':>10}  {line.label()} ({line.calculation})"
        for line in found.lines()
    ]


def idle_summary(resources: Iterable[Mapping[str, Any]], region: str) -> tuple[str, Decimal | None]:
    """The console lines of the idle monthly cost, and the total (None without prices)."""
    try:
        prices = load_prices(region)
    except PricesNotFoundError as err:
        return f"Idle monthly cost: not estimated: {err}", None
    found = estimate(resources, prices)
    floor = "at least " if found.unpriced else ""
    lines = [
        f"Idle monthly cost: {floor}{money(found.total)} ({region} list prices of"
        f" {prices.retrieved}; usage is billed on top, see docs/costs.md)",
        *charge_lines(found),
    ]
    return "\n".join(lines), found.total


def over_budget(total: Decimal, budget: Decimal | None) -> str | None:
    """The finding when the idle cost is over the stack's budget, else None."""
    if budget is None or total <= budget:
        return None
    return (
        f"the idle monthly cost {money(total)} is over the stack's budget of {money(budget)}"
        f" ({BUDGET_KEY}) by {money(total - budget)}"
    )


def _estimates(
    before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]], region: str
) -> tuple[Estimate, Estimate]:
    prices = load_prices(region)
    return estimate(before, prices), estimate(after, prices)


def delta_markdown(
    before: Iterable[Mapping[str, Any]],
    after: Iterable[Mapping[str, Any]],
    region: str | None,
    *,
    budget: Decimal | None = None,
    total_known: bool = True,
) -> list[str]:
    """Markdown lines: the idle monthly delta kind by kind, and the budget when it is exceeded.

    `total_known` is False when `after` is only the changed resources (a preview digest), so
    the total after the change, and hence the budget, cannot be told.
    """
    if region is None:
        return ["**Idle monthly cost:** not estimated: the preview does not name its region.", ""]
    try:
        old, new = _estimates(before, after, region)
    except PricesNotFoundError as err:
        return [f"**Idle monthly cost:** not estimated: {text(str(err))}.", ""]
    found = changes(old, new)
    unknown = [change for change in found if not change.line.priced]
    delta = money(new.total - old.total, signed=True)
    head = f"**Idle monthly cost:** {delta}/month"
    if unknown:
        plural = "s" if len(unknown) != 1 else ""
        head = (
            f"**Idle monthly cost:** unknown ({len(unknown)} change{plural} the model cannot price)"
        )
        head += f", {delta}/month for the rest" if len(unknown) < len(found) else ""
    if total_known:
        head += _after(new)
    lines = [f"{head} ({text(region)} list prices of {new.prices.retrieved}; usage on top).", ""]
    lines += [f"- {change.describe(text)}" for change in found[:MAX_CHANGES]]
    if len(found) > MAX_CHANGES:
        lines.append(f"- … and {len(found) - MAX_CHANGES} more")
    if found:
        lines.append("")
    return lines + _budget_lines(new.total if total_known else None, budget)


def _after(new: Estimate) -> str:
    """The idle cost after the change; a floor, or unknown, when part of it cannot be priced."""
    if not new.unpriced:
        return f", {money(new.total)}/month after this change"
    return f", at least {money(new.total)}/month after it" if new.total else ", unknown after it"


def _budget_lines(total: Decimal | None, budget: Decimal | None) -> list[str]:
    if budget is None:
        return []
    if total is None:
        return [f"_The monthly budget ({money(budget)}) is checked by `make check`; this preview"
                " lists only the changed resources._", ""]  # fmt: skip
    finding = over_budget(total, budget)
    if finding is None:
        return []
    return ["> [!CAUTION]", f"> **Over budget:** {finding}.", ""]
