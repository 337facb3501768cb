"""docs/costs.md and the README's cost parts are generated, fresh, and agree with `make check`."""

from __future__ import annotations

import re

import pytest

from cost import docs
from offline.check import main as check

RENDERED = docs.render_all()


def test_costs_doc_is_fresh() -> None:
    assert docs.OUTPUT.read_text(encoding="utf-8") == RENDERED[0], (
        "docs/costs.md is stale: run python -m cost.docs"
    )


def test_readme_cost_parts_are_fresh() -> None:
    assert docs.README.read_text(encoding="utf-8") == RENDERED[1], (
        "README.md's cost table or sample is stale: run python -m cost.docs"
    )


@pytest.mark.parametrize("stack", docs.STACKS)
def test_make_check_prints_the_idle_cost_the_doc_states(
    stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(["--stack", stack, "--no-policies"]) == 0
    printed = re.search(r"^Idle monthly cost: (\$[\d,.]+) ", capsys.readouterr().out, re.M)
    assert printed is not None
    assert f"## {stack}: {printed[1]} a month idle" in docs.OUTPUT.read_text(encoding="utf-8")
    assert f"| {stack} | {printed[1]}/month |" in docs.README.read_text(encoding="utf-8")
