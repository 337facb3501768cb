"""Shared fixtures: the fixture stacks and the user's stacks captured once per session (see
tests/README.md for which to use), a mock runner, and the one local Spark session every Spark
test shares. A test that uses a `user_*` fixture is marked `stack_files`."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from offline.capture import (
    Capture,
    ReleaseCapture,
    capture_program,
    capture_release,
    capture_stack,
    read_stack_values,
)
from offline.mocks import Registration
from tests.stacks import fixture_project, fixture_stacks, fixture_values, user_stacks

# `policy_violations`: any Pulumi program through any pack, as other teams use it.
pytest_plugins = ["offline.testing"]

# The fixtures that read the user's stack files; their tests are marked `stack_files`.
USER_FIXTURES = frozenset({"user_captures", "user_release_captures"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if USER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.stack_files)


@pytest.fixture(scope="session")
def fixture_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project holding the fixture stacks, built once: read it, never change it (a test that
    changes a project builds its own with `tests.stacks.fixture_project`)."""
    return fixture_project(tmp_path_factory.mktemp("fixture-project"))


@pytest.fixture(scope="session")
def fixture_captures(fixture_root: Path) -> dict[str, Capture]:
    """The real program run offline once per fixture platform stack (`dev`, `prod`)."""
    return {stack: capture_stack(stack, fixture_root) for stack in fixture_stacks()}


@pytest.fixture(scope="session")
def fixture_release_capture(fixture_root: Path) -> ReleaseCapture:
    """The real program run offline for the fixture delivery stack (the release pipeline)."""
    (stack,) = fixture_stacks(release=True)
    return capture_release(stack, fixture_root)


@pytest.fixture(scope="session")
def user_captures(fixture_captures: dict[str, Capture]) -> dict[str, Capture]:
    """The real program run offline once per user platform stack; a stack file with the same
    config as the fixture stack of its name shares that capture."""
    captures = {}
    for stack in user_stacks():
        same = stack in fixture_captures and read_stack_values(stack) == fixture_values(stack)
        captures[stack] = fixture_captures[stack] if same else capture_stack(stack)
    return captures


@pytest.fixture(scope="session")
def user_release_captures() -> dict[str, ReleaseCapture]:
    """The real program run offline once per user delivery stack."""
    return {stack: capture_release(stack) for stack in user_stacks(release=True)}


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
