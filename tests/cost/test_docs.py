"""docs/costs.md and the README's cost parts are generated from the stack files, fresh, and agree
with `make check`; a stale one names the command that refreshes it."""

from __future__ import annotations

import re

import pytest

from cost import docs
from offline.check import main as check
from tests.generated import assert_fresh

pytestmark = pytest.mark.stack_files


@pytest.fixture(scope="module")
def rendered() -> tuple[str, str]:
    return docs.render_all()


def test_costs_doc_is_fresh(rendered: tuple[str, str]) -> None:
    assert_fresh(docs.OUTPUT, rendered[0])


def test_readme_cost_parts_are_fresh(rendered: tuple[str, str]) -> None:
    assert_fresh(docs.README, rendered[1])


@pytest.mark.parametrize("stack", docs.priced_stacks())
def test_make_check_prints_the_idle_cost_the_doc_states(
    stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(["--stack", stack, "--no-policies"]) == 0
    printed = re.search(r"^Idle monthly cost: (\$[\d,.]+) ", capsys.readouterr().out, re.M)
    assert printed is not None
    assert f"## {stack}: {printed[1]} a month idle" in docs.OUTPUT.read_text(encoding="utf-8")
    assert f"| {stack} | {printed[1]}/month |" in docs.README.read_text(encoding="utf-8")
