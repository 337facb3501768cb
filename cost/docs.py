"""Renders docs/costs.md and the README's cost table and sample comment from the cost model and
the stack files (every platform stack, captured offline); `make docs`, or `python -m cost.docs
[--check]`."""

from __future__ import annotations

import copy
import re
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from cost.model import Estimate, estimate, money
from cost.prices import PriceTable, load_prices
from cost.report import delta_markdown
from cost.rules import PIPELINE_SCHEDULE, pipeline_schedule
from offline.capture import PROJECT_ROOT, available_stacks, capture_stack, read_stack_values
from offline.generated import generator_main
from offline.report import to_json_resources
from review.capture_diff import render_capture_diff
from stack_config.loader import PLATFORM_KEY, REGION_KEY
from stack_config.pipelines import JOB_METRICS, LOAD_METRICS, METRICS_NAMESPACE

OUTPUT: Final = PROJECT_ROOT / "docs" / "costs.md"
README: Final = PROJECT_ROOT / "README.md"
REGION: Final = "eu-west-1"
_MARKED = re.compile(
    r"(<!-- cost:(?P<name>[a-z-]+) -->\n)(?:.*?\n)?(<!-- /cost:(?P=name) -->)", re.S
)


def priced_stacks() -> list[str]:
    """The platform stacks of the repository in the region the docs price (`REGION`)."""
    values = {stack: read_stack_values(stack) for stack in available_stacks()}
    return [s for s, v in values.items() if PLATFORM_KEY in v and v.get(REGION_KEY) == REGION]


def unpriced_stacks() -> list[str]:
    """The platform stacks in other regions: the docs name them, without figures."""
    values = {stack: read_stack_values(stack) for stack in available_stacks()}
    return [
        f"{stack} ({v.get(REGION_KEY)})"
        for stack, v in values.items()
        if PLATFORM_KEY in v and v.get(REGION_KEY) != REGION
    ]


def captured(stack: str, values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The stack's resources as `make check JSON=...` writes them."""
    return to_json_resources(capture_stack(stack, values=values).resources)


def _price_rows(prices: PriceTable) -> list[str]:
    rows = [
        *prices.prices.items(),
        *((f"Redshift {k}", v) for k, v in prices.redshift_nodes.items()),
    ]
    return [
        f"| `{key}` | {price.price} | {price.unit} | [{price.source}]({price.source}) "
        f"| {price.assumption or '—'} |"
        for key, price in rows
    ]


def _stack_section(stack: str, found: Estimate) -> list[str]:
    lines = [f"## {stack}: {money(found.total)} a month idle", "",
             "| Charge | Calculation | USD/month |", "|---|---|---:|"]  # fmt: skip
    lines += [
        f"| {line.label()} | {line.count} x {line.calculation} | {money(line.monthly)} |"
        if line.count > 1
        else f"| {line.label()} | {line.calculation} | {money(line.monthly)} |"
        for line in found.lines()
    ]
    lines += [f"| **Idle total** | | **{money(found.total)}** |", "", "Billed per use:", "",
              "| Resource | Price | Per | How |", "|---|---:|---|---|"]  # fmt: skip
    lines += [
        f"| {use.item} `{name}` | {money(use.price)} | {use.unit} | {use.calculation} |"
        for name, use in sorted(found.usage, key=lambda u: (u[1].item, u[0]))
    ]
    return [*lines, ""]


def _switches(prices: PriceTable) -> list[str]:
    hours = prices.hours_per_month
    endpoint = prices["interface_endpoint"] * hours
    nat = (prices["nat_gateway"] + prices["public_ipv4"]) * hours
    node = prices.redshift_nodes["ra3.xlplus"].price * hours
    schedule = {"scheduleExpression": "rate(1 hour)", "description": f"{PIPELINE_SCHEDULE}x"}
    hourly = sum((c.monthly for c in pipeline_schedule(schedule, prices)), Decimal(0))
    metrics = (*JOB_METRICS, *LOAD_METRICS)
    return [
        "## What changes the bill", "", "| Change | USD/month |", "|---|---:|",
        f"| one more interface endpoint in 3 AZs | {money(endpoint * 3, signed=True)} |",
        f"| one more AZ for each interface endpoint | {money(endpoint, signed=True)} |",
        f"| a NAT gateway with its public IPv4 address | {money(nat, signed=True)} |",
        f"| one more `ra3.xlplus` node | {money(node, signed=True)} |",
        f"| one more alarm | {money(prices['alarm_standard'], signed=True)} |",
        "| serverless warehouse at zero use | +$0.00 (compute is billed per RPU-hour used) |",
        f"| an hourly scheduled pipeline while nothing lands | {money(hourly, signed=True)} (its"
        " runs check the landing queue: no crawl, no Glue run) |",
        f"| a pipeline's {len(metrics)} metrics in `{METRICS_NAMESPACE}`, in a month it runs and"
        f" loads every hour | {money(prices['custom_metric'] * len(metrics), signed=True)} (none"
        " in an hour without a run or a load) |",
        f"| one more pipeline's data alarms (rows rejected; freshness) | "
        f"{money(prices['alarm_standard'] * 2, signed=True)} (a rejects alarm on a ratio counts"
        " two metrics) |",
        f"| the S3 events behind the data alerts and the ingestion |"
        f" {money(prices['eventbridge_aws_events'], signed=True)} (AWS service events; the alert"
        " function is billed per invocation) |",
        "",
    ]  # fmt: skip


def render(estimates: dict[str, Estimate], prices: PriceTable) -> str:
    """The whole of docs/costs.md."""
    lines = [
        "# What the stacks cost",
        "",
        "Generated by `make docs` (`python -m cost.docs`) from the cost model (`cost/`), the price",
        f"table `cost/prices/{prices.region}.yaml` and the stack files; do not edit. `make check",
        "STACK=<stack>` prints the same idle figures; `make diff` and the pull-request comment",
        "show how a change moves them.",
        "",
        "The idle cost is what a stack costs per month before it does any work: resources billed",
        "by the hour or the month. Everything else is billed per use (priced below per unit of",
        "work); a log group costs nothing until logs arrive, and its retention decides how long",
        "each GB is billed for storage. S3 has no minimum charge.",
        "",
        f"## Prices ({prices.region}, {prices.currency}, read {prices.retrieved},"
        f" {prices.hours_per_month} hours a month)",
        "",
        "| Key | USD | Per | Source | Assumption |",
        "|---|---:|---|---|---|",
        *_price_rows(prices),
        "",
    ]
    for stack, found in estimates.items():
        lines += _stack_section(stack, found)
    if others := unpriced_stacks():
        lines += [f"Not priced here (no {prices.region} prices apply): {', '.join(others)}.", ""]
    return "\n".join([*lines, *_switches(prices)]).rstrip() + "\n"


def with_one_endpoint(stack: str) -> dict[str, Any]:
    """The stack's values with one more interface endpoint (`sts`), for the sample comment."""
    values = copy.deepcopy(read_stack_values(stack))
    network = values[PLATFORM_KEY]["network"]
    network["interface_endpoints"] = [*network.get("interface_endpoints", []), "sts"]
    return values


def readme_parts(estimates: dict[str, Estimate], sample: str) -> dict[str, str]:
    """The generated parts of the README, by marker name."""
    rows = [
        f"| {stack} | {money(found.total)}/month | "
        + ", ".join(f"{line.label()} ({money(line.monthly)})" for line in found.lines()[:3])
        + " |"
        for stack, found in estimates.items()
    ]
    table = "\n".join(["| Stack | Idle floor | Largest charges |", "|---|---:|---|", *rows])
    return {"table": table, "sample": f"```markdown\n{sample.rstrip()}\n```"}


def _sample(resources: dict[str, list[dict[str, Any]]]) -> str:
    """The `make diff` comment for one more interface endpoint in the first stack with a
    network."""
    stack = next((s for s in resources if read_stack_values(s)[PLATFORM_KEY].get("network")), None)
    if stack is None:
        return "No stack in this region has a network to show the sample on."
    head = captured(stack, with_one_endpoint(stack))
    cost = delta_markdown(resources[stack], head, REGION)
    return render_capture_diff(resources[stack], head, stack=stack, base_ref="main", cost=cost)


def render_all() -> tuple[str, str]:
    """docs/costs.md and the README with its generated parts."""
    prices = load_prices(REGION)
    resources = {stack: captured(stack) for stack in priced_stacks()}
    estimates = {stack: estimate(found, prices) for stack, found in resources.items()}
    parts = readme_parts(estimates, _sample(resources))
    readme = _MARKED.sub(
        lambda m: m.group(1) + parts[m.group("name")] + "\n" + m.group(3),
        README.read_text(encoding="utf-8"),
    )
    return render(estimates, prices), readme


def main(argv: Sequence[str]) -> int:
    def targets() -> list[tuple[Path, str]]:
        docs, readme = render_all()
        return [(OUTPUT, docs), (README, readme)]

    return generator_main(
        argv,
        prog="cost.docs",
        description="Render docs/costs.md and the README's cost table and sample comment.",
        render=targets,
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
