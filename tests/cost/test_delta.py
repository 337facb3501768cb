"""The monthly delta of real stack changes, captured offline with edited stack values."""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from cost.docs import captured
from cost.model import changes, estimate
from cost.prices import load_prices
from tests.stacks import fixture_values

PRICES = load_prices("eu-west-1")
DEV = captured("dev", fixture_values("dev"))


def _add_endpoint(platform: dict[str, Any]) -> None:
    platform["network"]["interface_endpoints"] = ["glue"]


def _provisioned(platform: dict[str, Any]) -> None:
    platform["warehouse"] = {
        "kind": "provisioned",
        "classification": "internal",
        "load_schema": "curated",
        "node_type": "ra3.xlplus",
        "number_of_nodes": 2,
        "automated_snapshot_retention_days": 7,
        "final_snapshot_on_delete": False,
    }


def _variant(edit: Callable[[dict[str, Any]], None]) -> list[dict[str, Any]]:
    values = copy.deepcopy(fixture_values("dev"))
    edit(values["data-platform:platform"])
    return captured("dev", values)


@pytest.mark.parametrize(
    ("edit", "expected", "total"),
    [
        pytest.param(
            _add_endpoint, ["+$24.09/month: 1 interface endpoint x 3 AZ"], "24.09",
            id="one-interface-endpoint",
        ),
        pytest.param(
            _provisioned, ["+$1,734.48/month: 1 Redshift cluster x 2 ra3.xlplus nodes"],
            "1734.48", id="serverless-to-provisioned",
        ),
    ],
)  # fmt: skip
def test_the_delta_of_a_change(
    edit: Callable[[dict[str, Any]], None], expected: list[str], total: str
) -> None:
    before, after = estimate(DEV, PRICES), estimate(_variant(edit), PRICES)
    assert [c.describe() for c in changes(before, after)] == expected
    assert after.total - before.total == Decimal(total)
