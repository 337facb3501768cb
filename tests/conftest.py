"""Shared fixtures: the shipped stacks captured once per session, a mock runner, and the one
local Spark session every Spark test shares."""

from collections.abc import Callable
from typing import Any

import pytest

from offline.capture import Capture, ReleaseCapture, capture_program, capture_release, capture_stack
from offline.mocks import Registration

# `policy_violations`: any Pulumi program through any pack, as other teams use it.
pytest_plugins = ["offline.testing"]

SHIPPED_STACKS = ("dev", "prod")
RELEASE_STACK = "delivery"


@pytest.fixture(scope="session")
def shipped_captures() -> dict[str, Capture]:
    """The real program run offline once per shipped platform stack."""
    return {stack: capture_stack(stack) for stack in SHIPPED_STACKS}


@pytest.fixture(scope="session")
def release_capture() -> ReleaseCapture:
    """The real program run offline for the shipped delivery stack (the release pipeline)."""
    return capture_release(RELEASE_STACK)


@pytest.fixture
def run_mocked() -> Callable[[Callable[[], object]], tuple[Registration, ...]]:
    """Run a function that declares resources under the platform mocks; return registrations."""

    def run(program: Callable[[], object]) -> tuple[Registration, ...]:
        return capture_program(program, project="data-platform", stack="test", region="eu-west-1")

    return run


@pytest.fixture(scope="session")
def spark() -> Any:
    """The process's local Spark (Glue 5.0's PySpark); a missing PySpark or Java fails, never
    skips."""
    from pipeline_run.spark import SparkUnavailableError, local_spark

    try:
        return local_spark()
    except SparkUnavailableError as error:
        pytest.fail(str(error), pytrace=False)
