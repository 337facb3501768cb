"""The cost model's words: the idle cost for `make check`, the budget finding, and the monthly
delta that `make diff` and the preview comment show next to the resource counts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

from cost.model import Estimate, changes, estimate, money
from cost.prices import PricesNotFoundError, load_prices

BUDGET_KEY: Final = "platform.cost.monthly_budget_usd"
MAX_CHANGES: Final = 8


def charge_lines(found: Estimate) -> list[str]:
    """One console line per priced item: its monthly cost, then what it is."""
    return [f"  {money(line.monthly):>10}  {line.label()}" for line in found.lines()]


def idle_summary(resources: Iterable[Mapping[str, Any]], region: str) -> tuple[str, Decimal | None]:
    """The console lines of the idle monthly cost, and the total (None without prices)."""
    try:
        prices = load_prices(region)
    except PricesNotFoundError as err:
        return f"Idle monthly cost: not estimated: {err}", None
    found = estimate(resources, prices)
    lines = [
        f"Idle monthly cost: {money(found.total)} ({region} list prices of {prices.retrieved};"
        " usage is billed on top, see docs/costs.md)",
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
        return [f"**Idle monthly cost:** not estimated: {err}.", ""]
    found = changes(old, new)
    delta = new.total - old.total
    head = f"**Idle monthly cost:** {money(delta, signed=True)}/month"
    if total_known:
        head += f", {money(new.total)}/month after this change"
    lines = [f"{head} ({region} list prices of {new.prices.retrieved}; usage on top).", ""]
    lines += [f"- {change.describe()}" for change in found[:MAX_CHANGES]]
    if len(found) > MAX_CHANGES:
        lines.append(f"- … and {len(found) - MAX_CHANGES} more")
    if found:
        lines.append("")
    return lines + _budget_lines(new.total if total_known else None, budget)


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
