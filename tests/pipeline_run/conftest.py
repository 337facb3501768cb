"""An emulated environment per test, built from a fixture stack's capture (or another one), on
the shared Spark."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from offline.capture import Capture
from pipeline_run.emulation import Emulation

Emulate = Callable[..., contextlib.AbstractContextManager[Emulation]]


@pytest.fixture
def emulate(fixture_captures: dict[str, Capture], spark: Any, tmp_path: Path) -> Emulate:
    """`with emulate("dev") as emulation:` (a fixture stack), optionally with another capture
    (a changed one, or a user stack's) or options."""

    @contextlib.contextmanager
    def start(stack: str, *, capture: Capture | None = None, **options: Any) -> Iterator[Emulation]:
        chosen = capture if capture is not None else fixture_captures[stack]
        with Emulation(chosen, spark=lambda: spark, workdir=tmp_path, **options) as emulation:
            yield emulation

    return start


FLOW_STACK = Path(__file__).resolve().parents[1] / "fixtures" / "stacks" / "flow.yaml"


@pytest.fixture(scope="session")
def flow_capture() -> Capture:
    """The stack the data-flow drills own (tests/fixtures/stacks/flow.yaml), captured once."""
    from offline.capture import capture_stack, read_config_file

    return capture_stack("flow", values=read_config_file(FLOW_STACK))
