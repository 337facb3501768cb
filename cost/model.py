"""Prices a list of `{type, inputs}` resource records (an offline capture, or the states in a
preview): the idle monthly cost, grouped as "1 interface endpoint x 3 AZ", the per-use prices
of what is billed by work, and the monthly delta between two such lists."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from cost.prices import PriceTable
from cost.rules import FREE_WHILE_IDLE, RULES, Charge, judged, unknown
from cost.usage import USE_RULES, UseCost

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    """Idle charges of the same kind added up: `count` x `item` x `per`."""

    item: str
    per: str
    count: int
    monthly: Decimal
    calculation: str
    priced: bool = True

    def label(self, count: int | None = None) -> str:
        """E.g. `1 interface endpoint x 3 AZ`, `5 CloudWatch alarms`."""
        n = self.count if count is None else count
        item = self.item if n == 1 else _plural(self.item)
        return f"{n} {item}" + (f" x {self.per}" if self.per else "")


@dataclass(frozen=True)
class Estimate:
    """The idle charges and per-use prices of one set of resources in one region."""

    prices: PriceTable
    charges: tuple[Charge, ...]
    usage: tuple[tuple[str, UseCost], ...]

    @property
    def total(self) -> Decimal:
        """The idle monthly cost of what is priced, to the cent (with `unpriced`, a floor)."""
        return sum((c.monthly for c in self.charges), Decimal(0)).quantize(CENT, ROUND_HALF_UP)

    @property
    def unpriced(self) -> list[Line]:
        """What the model cannot price: unknown types, and billed ones without a price."""
        return [line for line in self.lines() if not line.priced]

    def lines(self) -> list[Line]:
        """Charges grouped by kind, most expensive first, the unpriced ones last."""
        groups: dict[tuple[str, str, bool], list[Charge]] = {}
        for charge in self.charges:
            groups.setdefault((charge.item, charge.per, charge.priced), []).append(charge)
        lines = [
            Line(item, per, len(group), sum((c.monthly for c in group), Decimal(0)),
                 group[0].calculation, priced)
            for (item, per, priced), group in groups.items()
        ]  # fmt: skip
        return sorted(lines, key=lambda line: (not line.priced, -line.monthly, line.item, line.per))


@dataclass(frozen=True)
class Change:
    """How one kind of idle charge changes: `count` more (or fewer), `monthly` dollars."""

    line: Line
    count: int
    monthly: Decimal

    def describe(self, quote: Callable[[str], str] = str) -> str:
        """E.g. `+$24.09/month: 1 interface endpoint x 3 AZ`; what the model cannot price is
        `unknown` with the reason. `quote` escapes the words that come from inputs."""
        label = quote(self.line.label(abs(self.count)))
        if not self.line.priced:
            sign = "+" if self.count > 0 else "-"
            return f"{sign}unknown/month: {label} ({quote(self.line.calculation)})"
        return f"{money(self.monthly, signed=True)}/month: {label}"


def _plural(item: str) -> str:
    return item + ("es" if item.endswith("s") else "s")


def money(amount: Decimal, *, signed: bool = False) -> str:
    """`$1,925.33`; with `signed`, `+$24.09` or `-$0.40`."""
    rounded = amount.quantize(CENT, ROUND_HALF_UP)
    sign = ("+" if rounded >= 0 else "-") if signed else ("-" if rounded < 0 else "")
    return f"{sign}${abs(rounded):,.2f}"


def estimate(resources: Iterable[Mapping[str, Any]], prices: PriceTable) -> Estimate:
    """Price every record with a `type` and `inputs` (other fields are ignored)."""
    charges: list[Charge] = []
    usage: list[tuple[str, UseCost]] = []
    for resource in resources:
        type_, inputs = str(resource.get("type", "")), resource.get("inputs") or {}
        if rule := RULES.get(type_):
            charges.extend(rule(inputs, prices))
        elif judged(type_) and type_ not in FREE_WHILE_IDLE and type_ not in USE_RULES:
            charges.append(unknown(type_))
        if (use_rule := USE_RULES.get(type_)) and (use := use_rule(inputs, prices)):
            usage.append((str(resource.get("name", "")), use))
    return Estimate(prices, tuple(charges), tuple(usage))


def changes(before: Estimate, after: Estimate) -> list[Change]:
    """What changes between two estimates, kind by kind, largest change first."""
    old = {(line.item, line.per, line.priced): line for line in before.lines()}
    new = {(line.item, line.per, line.priced): line for line in after.lines()}
    found = []
    for key in old.keys() | new.keys():
        was, now = old.get(key), new.get(key)
        monthly = (now.monthly if now else Decimal(0)) - (was.monthly if was else Decimal(0))
        count = (now.count if now else 0) - (was.count if was else 0)
        line = now if now is not None else was
        moved = monthly.quantize(CENT) != 0 if line is not None and line.priced else count != 0
        if line is not None and moved:
            found.append(Change(line, count, monthly))
    return sorted(found, key=lambda c: (c.line.priced, -abs(c.monthly), c.line.item, c.line.per))
