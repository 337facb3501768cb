"""Shared fixtures: the shipped stacks captured once per session, and a mock runner."""

from collections.abc import Callable

import pytest

from offline.capture import Capture, capture_program, capture_stack
from offline.mocks import Registration

# `policy_violations`: any Pulumi program through any pack, as other teams use it.
pytest_plugins = ["offline.testing"]

SHIPPED_STACKS = ("dev", "prod")


@pytest.fixture(scope="session")
def shipped_captures() -> dict[str, Capture]:
    """The real program run offline once per shipped stack."""
    return {stack: capture_stack(stack) for stack in SHIPPED_STACKS}


@pytest.fixture
def run_mocked() -> Callable[[Callable[[], object]], tuple[Registration, ...]]:
    """Run a function that declares resources under the platform mocks; return registrations."""

    def run(program: Callable[[], object]) -> tuple[Registration, ...]:
        return capture_program(program, project="data-platform", stack="test", region="eu-west-1")

    return run
