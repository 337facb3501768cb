"""Pins the pack's rule set, its metadata, generated files and the per-stack config files."""

import json
import re
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from pulumi_policy import EnforcementLevel

from offline.capture import available_stacks
from policies import catalog
from policies.framework.model import Severity
from policies.framework.rule import ResourceRule
from policies.registry import RULES, build_policies
from policies.tools import gen_taggable
from tests.generated import assert_fresh
from tests.policies import test_waived_cases
from tests.policies.harness import KINDS
from tests.stacks import FIXTURE_STACKS

ROOT = Path(__file__).resolve().parents[2]
ALL_CASES = [*test_waived_cases.JUDGED, *test_waived_cases.CASES]
SEVERITIES = {
    "ENC-001": "high",
    "ENC-002": "high",
    "ENC-003": "medium",
    "ENC-004": "critical",
    "ENC-005": "medium",
    "ENC-006": "medium",
    "ENC-007": "medium",
    "ENC-008": "medium",
    "ENC-009": "high",
    "ENC-010": "high",
    "ENC-011": "high",
    "ENC-012": "medium",
    "ENC-013": "high",
    "ENC-014": "high",
    "ENC-015": "high",
    "ENC-016": "medium",
    "ENC-017": "medium",
    "ENC-018": "low",
    "ENC-019": "high",
    "ENC-020": "medium",
    "ENC-021": "medium",
    "ENC-022": "medium",
    "ENC-023": "medium",
    "ENC-024": "high",
    "ENC-025": "high",
    "ENC-026": "high",
    "ENC-027": "high",
    "ENC-028": "medium",
    "ENC-029": "high",
    "ENC-030": "medium",
    "ENC-031": "high",
    "TAG-001": "medium",
    "TAG-002": "low",
    "TAG-003": "high",
    "SEC-001": "critical",
    "SEC-002": "critical",
    "SEC-003": "critical",
    "SEC-004": "high",
    "SEC-005": "critical",
    "SEC-006": "critical",
    "SEC-007": "high",
    "SEC-008": "critical",
    "SEC-009": "high",
    "SEC-010": "critical",
    "SEC-011": "low",
    "SEC-012": "low",
    "SEC-013": "critical",
    "SEC-014": "critical",
    "SEC-015": "high",
    "SEC-016": "high",
    "SEC-017": "high",
    "SEC-018": "critical",
    "SEC-019": "medium",
    "SEC-020": "medium",
}
REQUIRED_TAG_RULES = {"TAG-001", "TAG-003"}
STACK_RULES = {"ENC-001", "ENC-002", "ENC-015", "ENC-026", "SEC-001"}


def test_rule_ids_and_severities_are_pinned() -> None:
    assert {r.meta.id: r.meta.severity.value for r in RULES} == SEVERITIES


def test_stack_rules_are_exactly_the_cross_resource_ones() -> None:
    assert {r.meta.id for r in RULES if not isinstance(r, ResourceRule)} == STACK_RULES


def test_every_rule_has_controls_and_every_kind_of_case() -> None:
    kinds: dict[str, set[str]] = defaultdict(set)
    for case in ALL_CASES:
        kinds[case.rule.meta.id].add(case.kind)
    for rule in RULES:
        assert rule.meta.controls, rule.meta.id
        assert kinds[rule.meta.id] == KINDS, rule.meta.id


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in ALL_CASES]
    assert len(ids) == len(set(ids))


def test_policies_carry_metadata_and_severity_derived_enforcement() -> None:
    policies = build_policies()
    assert [p.name for p in policies] == [r.meta.name for r in RULES]
    for policy, rule in zip(policies, RULES, strict=True):
        severe = rule.meta.severity in (Severity.HIGH, Severity.CRITICAL)
        expected = EnforcementLevel.MANDATORY if severe else EnforcementLevel.ADVISORY
        assert policy.enforcement_level == expected
        assert policy.severity is not None and policy.severity.value == rule.meta.severity.value
        assert policy.remediation_steps == rule.meta.remediation
        assert policy.description == rule.meta.description


def test_catalog_is_fresh() -> None:
    assert_fresh(catalog.OUTPUT, catalog.render())


def test_taggable_types_are_fresh() -> None:
    stored = json.loads(gen_taggable.OUTPUT.read_text(encoding="utf-8"))
    assert stored == gen_taggable.render(), (
        "policies/data/taggable_types.json is stale: run python -m policies.tools.gen_taggable"
    )


def _config(stack: str, root: Path = FIXTURE_STACKS) -> dict[str, dict[str, object]]:
    loaded: dict[str, dict[str, object]] = json.loads(
        (root / "policies" / "config" / f"{stack}.json").read_text(encoding="utf-8")
    )
    return loaded


@pytest.mark.stack_files
@pytest.mark.parametrize("stack", available_stacks())
def test_config_file_names_known_policies_and_schema_properties(stack: str) -> None:
    metas = {r.meta.name: r.meta for r in RULES}
    for name, entry in _config(stack, ROOT).items():
        assert name in metas, name
        assert entry["enforcementLevel"] in {"advisory", "mandatory"}
        assert set(entry) - {"enforcementLevel"} <= set(metas[name].config_schema), name


def test_prod_keeps_every_rule_mandatory() -> None:
    config = _config("prod")
    assert {r.meta.name for r in RULES} == set(config)
    assert {e["enforcementLevel"] for e in config.values()} == {"mandatory"}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_encryption_and_required_tag_rule_is_mandatory(stack: str) -> None:
    config = _config(stack)
    enforced = [r.meta for r in RULES if r.meta.category == "encryption"]
    enforced += [r.meta for r in RULES if r.meta.id in REQUIRED_TAG_RULES]
    assert {m.name: config[m.name]["enforcementLevel"] for m in enforced} == {
        m.name: "mandatory" for m in enforced
    }


def test_the_version_and_rule_count_agree_across_the_packaging_files() -> None:
    pack = ROOT / "policies"
    version = yaml.safe_load((pack / "PulumiPolicy.yaml").read_text())["version"]
    project = tomllib.loads((pack / "pyproject.toml").read_text())["project"]["version"]
    changelog = (pack / "CHANGELOG.md").read_text()
    assert project == version
    assert re.findall(r"^## (\S+)$", changelog, re.M)[0] == version
    assert f"{len(RULES)} rules" in (pack / "README.md").read_text()
    assert (
        f"{len(RULES)}\nencryption, tagging and security rules" in (ROOT / "README.md").read_text()
    )
