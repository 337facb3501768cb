"""The shipped strict profile for other teams' programs: every rule mandatory, no tag vocabulary
of this platform's, and a team's own values layered over it."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from offline.analyzer import PolicyInfo
from offline.analyzer.config import parse_config, reconcile
from offline.harness import STRICT_CONFIG, merge_policy_configs
from policies.registry import RULES


def _policies() -> list[PolicyInfo]:
    return [
        PolicyInfo(
            r.meta.name,
            r.meta.description,
            "advisory",
            "resource",
            {"properties": r.meta.config_schema} if r.meta.config_schema else None,
        )
        for r in RULES
    ]


def _reconciled(*layers: Mapping[str, Any]) -> dict[str, tuple[str | None, dict[str, Any]]]:
    """Each policy's level and properties as the engine reconciles the layered files ("all"
    is a key of the config, not a policy)."""
    merged = reconcile(_policies(), [parse_config(merge_policy_configs(layers))])
    return {name: (c.level, dict(c.properties)) for name, c in merged.items() if name != "all"}


def test_the_strict_profile_makes_every_rule_mandatory() -> None:
    strict = json.loads(STRICT_CONFIG.read_text(encoding="utf-8"))
    levels = {name: level for name, (level, _) in _reconciled(strict).items()}
    assert levels == {r.meta.name: "mandatory" for r in RULES}


def test_the_strict_profile_constrains_no_tag_values_until_a_team_adds_its_own() -> None:
    strict = json.loads(STRICT_CONFIG.read_text(encoding="utf-8"))
    assert _reconciled(strict)["tag-allowed-values"][1]["allowedValues"] == {}
    team = {"tag-allowed-values": {"allowedValues": {"Environment": ["dev", "prod"]}}}
    level, properties = _reconciled(strict, team)["tag-allowed-values"]
    assert (level, properties["allowedValues"]) == ("mandatory", {"Environment": ["dev", "prod"]})


def test_the_profile_is_shipped_inside_the_pack() -> None:
    assert STRICT_CONFIG.parent.parent == Path(__file__).resolve().parents[2] / "policies"
