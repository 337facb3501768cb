"""Pytest support for teams that unit-test policy packs against their own Pulumi programs.

In a `conftest.py`: `pytest_plugins = ["offline.testing"]`; then, in a test:

    def test_bucket_is_flagged(policy_violations):
        found = policy_violations("programs/bucket", stack="dev", pack=Path("my-pack"))
        assert ("s3-bucket-sse-kms", "logs") in {(v.policy_name, v.resource_name) for v in found}

`policy_violations` captures the program under the mocks and runs the pack over the analyzer
protocol, exactly as `python -m offline.check --program` does, and returns its violations.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import pytest

from offline.analyzer import Violation
from offline.harness import DEFAULT_PACK, check_program, load_program


class ViolationsOf(Protocol):
    def __call__(
        self,
        program: Path | str,
        *,
        stack: str = ...,
        pack: Path = ...,
        policy_config: Mapping[str, Any] | None = ...,
    ) -> list[Violation]: ...


def violations_of(
    program: Path | str,
    *,
    stack: str = "test",
    pack: Path = DEFAULT_PACK,
    policy_config: Mapping[str, Any] | None = None,
) -> list[Violation]:
    """Every violation `pack` reports for `program` with `Pulumi.<stack>.yaml`, sorted."""
    loaded = load_program(Path(program).resolve(), stack)
    report = check_program(loaded, pack=pack, policy_config=policy_config).report
    return sorted(report.violations, key=lambda v: (v.policy_name, v.urn, v.message))


@pytest.fixture
def policy_violations() -> ViolationsOf:
    """`violations_of`, as a fixture."""
    return violations_of
