"""Every resource type the user's stacks declare is known to the cost model (billed by a rule,
billed per use, or free while idle), so `make check` and the pull-request comment never price
one of them "unknown"."""

from __future__ import annotations

from cost.model import estimate
from cost.prices import PricesNotFoundError, load_prices
from offline.capture import Capture, ReleaseCapture
from offline.report import to_json_resources


def test_every_declared_type_is_known_to_the_cost_model(
    user_captures: dict[str, Capture], user_release_captures: dict[str, ReleaseCapture]
) -> None:
    captures: dict[str, Capture | ReleaseCapture] = {**user_captures, **user_release_captures}
    unknown = {}
    for stack, capture in captures.items():
        try:
            prices = load_prices(capture.config.region)
        except PricesNotFoundError:
            prices = load_prices("eu-west-1")  # which types are known does not depend on prices
        found = estimate(to_json_resources(capture.resources), prices).unpriced
        unknown.update({line.item: f"{stack}: {line.calculation}" for line in found})
    assert unknown == {}, "give each type a rule in cost/rules.py, or add it to FREE_WHILE_IDLE"
