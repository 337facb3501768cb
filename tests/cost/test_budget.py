"""A stack's monthly budget: typed config, a mandatory finding in `make check`, a line in the
pull-request comment."""

from __future__ import annotations

import copy
import json
from decimal import ROUND_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from cost.model import estimate, money
from cost.prices import load_prices
from offline.capture import capture_stack
from offline.check import main as check
from offline.report import to_json_resources
from review.preview_comment import render_preview_comment
from review.preview_cost import preview_cost
from review.preview_model import parse_preview
from stack_config import StackConfigError, parse_stack_config
from tests.stacks import fixture_values

URN = "urn:pulumi:dev::data-platform::dataplatform:network:Network$aws:ec2/vpcEndpoint:VpcEndpoint"


def _stack_file(tmp_path: Path, budget: Any) -> Path:
    values = copy.deepcopy(fixture_values("dev"))
    values["data-platform:platform"]["cost"] = {"monthly_budget_usd": budget}
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump({"config": values}), encoding="utf-8")
    return path


def _idle_total() -> Decimal:
    resources = to_json_resources(capture_stack("dev", values=fixture_values("dev")).resources)
    return estimate(resources, load_prices("eu-west-1")).total


@pytest.mark.parametrize(
    ("below", "status"),
    [pytest.param(Decimal("0.01"), 1, id="over"), pytest.param(Decimal(0), 0, id="within")],
)
def test_make_check_fails_when_the_idle_cost_is_over_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], below: Decimal, status: int
) -> None:
    # The budget sits just under, or exactly at, dev's idle cost as the model prices it today.
    idle = _idle_total()
    budget = idle.quantize(Decimal("0.01"), ROUND_UP) - below  # budgets are in whole cents
    stack_file = str(_stack_file(tmp_path, str(budget)))
    assert check(["--stack", "dev", "--stack-file", stack_file, "--no-policies"]) == status
    err = capsys.readouterr().err
    line = (
        f"error: stack 'dev': the idle monthly cost {money(idle)} is over the stack's budget"
        f" of {money(budget)} (platform.cost.monthly_budget_usd) by {money(idle - budget)}\n"
    )
    assert (line in err.splitlines(keepends=True)) is (status == 1)


@pytest.mark.parametrize(
    ("budget", "problem"),
    [
        pytest.param(0, "must be more than 0 (got 0)", id="zero"),
        pytest.param("lots", "must be a number (got 'lots')", id="text"),
        pytest.param(1.005, "no more than 2 decimal places (got 1.005)", id="fractions"),
    ],
)
def test_a_bad_budget_names_its_key_path(budget: Any, problem: str) -> None:
    values = copy.deepcopy(fixture_values("dev"))
    values["data-platform:platform"]["cost"] = {"monthly_budget_usd": budget}
    with pytest.raises(StackConfigError) as caught:
        parse_stack_config("dev", values)
    assert "platform.cost.monthly_budget_usd: " in str(caught.value)
    assert problem in str(caught.value)


def _stream(*events: dict[str, Any]) -> str:
    tail = [{"summaryEvent": {"resourceChanges": {"create": 1}}}]
    return "".join(
        json.dumps({"sequence": i, "timestamp": 1764057600 + i, **e}) + "\n"
        for i, e in enumerate([{"preludeEvent": {"config": {"aws:region": "eu-west-1"}}},
                               *events, *tail])
    )  # fmt: skip


def test_the_comment_says_when_a_change_goes_over_budget() -> None:
    endpoint = {"vpcEndpointType": "Interface", "subnetIds": ["a", "b", "c"]}
    create = {"resourcePreEvent": {"metadata": {
        "op": "create", "urn": f"{URN}::network-endpoint-glue",
        "type": "aws:ec2/vpcEndpoint:VpcEndpoint",
        "new": {"type": "aws:ec2/vpcEndpoint:VpcEndpoint", "inputs": endpoint},
    }}}  # fmt: skip
    preview = parse_preview(_stream(create))
    cost = preview_cost(preview, budget=Decimal(20))
    comment = render_preview_comment(preview, stack="dev", cost=cost)
    assert "**Idle monthly cost:** +$24.09/month, $24.09/month after this change" in comment
    assert "- +$24.09/month: 1 interface endpoint x 3 AZ" in comment
    assert (
        "> **Over budget:** the idle monthly cost $24.09 is over the stack's budget of $20.00"
        " (platform.cost.monthly_budget_usd) by $4.09." in comment
    )
