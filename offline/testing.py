"""Pytest support for teams that unit-test policy packs against their own Pulumi programs.

In a `conftest.py`: `pytest_plugins = ["offline.testing"]`; then, in a test:

    def test_bucket_is_flagged(policy_violations):
        found = policy_violations("programs/bucket", stack="dev", pack=Path("my-pack"))
        assert ("s3-bucket-sse-kms", "logs") in {(v.policy_name, v.resource_name) for v in found}

`policy_violations` previews the program in a child process and runs the pack over the analyzer
protocol, exactly as `python -m offline.check --program` does, and returns its violations; a
program that does not complete fails the test with its file, line and traceback
(`ProgramFailedError`). `policy_check` returns the whole `ProgramCheck` instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import pytest

from offline.analyzer import Violation
from offline.harness import (
    DEFAULT_PACK,
    DEFAULT_TIMEOUT,
    ProgramCheck,
    check_program,
    load_answers,
    load_program,
)


class ProgramFailedError(AssertionError):
    """The program under test did not complete; the message says where and why."""


class ViolationsOf(Protocol):
    def __call__(
        self,
        program: Path | str,
        *,
        stack: str = ...,
        pack: Path = ...,
        policy_config: Mapping[str, Any] | None = ...,
        answers: Path | None = ...,
    ) -> list[Violation]: ...


def check_of(
    program: Path | str,
    *,
    stack: str = "test",
    pack: Path = DEFAULT_PACK,
    policy_config: Mapping[str, Any] | None = None,
    answers: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> ProgramCheck:
    """The whole offline check of `program` with `Pulumi.<stack>.yaml`, failed or not."""
    loaded = load_program(Path(program).resolve(), stack)
    return check_program(
        loaded,
        pack=pack,
        policy_config=policy_config,
        answers=load_answers(answers),
        timeout=timeout,
    )


def violations_of(
    program: Path | str,
    *,
    stack: str = "test",
    pack: Path = DEFAULT_PACK,
    policy_config: Mapping[str, Any] | None = None,
    answers: Path | None = None,
) -> list[Violation]:
    """Every violation `pack` reports for `program`, sorted; raises if the program failed."""
    result = check_of(program, stack=stack, pack=pack, policy_config=policy_config, answers=answers)
    if result.failure is not None:
        raise ProgramFailedError(f"{result.program.root}: {result.failure.render()}")
    return sorted(result.report.violations, key=lambda v: (v.policy_name, v.urn, v.message))


@pytest.fixture
def policy_violations() -> ViolationsOf:
    """`violations_of`, as a fixture."""
    return violations_of


@pytest.fixture
def policy_check() -> Any:
    """`check_of`, as a fixture."""
    return check_of
