"""Lookups over captured registrations for component tests."""

import json
from collections.abc import Sequence
from typing import Any

from offline.mocks import Registration


def by_name(resources: Sequence[Registration]) -> dict[str, Registration]:
    return {r.name: r for r in resources}


def children_of(resources: Sequence[Registration], parent: Registration) -> set[str]:
    return {r.name for r in resources if r.parent == parent.urn}


def policy_statements(resource: Registration) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = json.loads(resource.inputs["policy"])["Statement"]
    return statements
