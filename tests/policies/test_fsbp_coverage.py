"""The FSBP coverage table: every control on a service the pack judges has a rule citing it or a
written reason, reasons stay true to the rules, and the generated document is fresh."""

import re

from policies import coverage
from policies.registry import RULES
from tests.generated import assert_fresh

KINDS = {"covered", "not-yet", "resilience", "logging", "operations", "deployed-state", "account"}


def test_every_control_in_scope_has_a_rule_or_a_reason() -> None:
    cited, reasons = coverage.citations(), coverage.reasons()
    bare = [c.id for c in coverage.in_scope() if c.id not in cited and c.id not in reasons]
    assert bare == [], "add a rule citing these controls or a reason in fsbp_reasons.yaml"


def test_reasons_name_only_controls_in_scope_that_no_rule_cites() -> None:
    scope = {c.id for c in coverage.in_scope()}
    reasons, cited = coverage.reasons(), coverage.citations()
    assert sorted(set(reasons) - scope) == []
    assert sorted(set(reasons) & set(cited)) == []


def test_each_reason_has_a_kind_and_a_rule_that_covers_its_service() -> None:
    rules = {r.meta.id: r for r in RULES}
    services = {c.id: c.service for c in coverage.controls()}
    for control, reason in coverage.reasons().items():
        assert reason["kind"] in KINDS, control
        assert reason["reason"].endswith("."), control
        assert ("covered_by" in reason) == (reason["kind"] == "covered"), control
        if "covered_by" in reason:
            modules = coverage.SERVICE_MODULES[services[control]]
            types = rules[reason["covered_by"]].meta.resource_types
            judged = {t.split(":")[1].split("/")[0] for t in types}
            assert judged & set(modules) or rules[reason["covered_by"]].meta.scope_note, control


def test_every_cited_fsbp_control_is_in_the_control_list() -> None:
    known = {c.id for c in coverage.controls()}
    assert sorted(set(coverage.citations()) - known) == []


def test_the_control_list_records_where_it_came_from() -> None:
    source = coverage.source()
    assert source["package"] == "prowler" and re.fullmatch(r"\d+\.\d+\.\d+", source["version"])
    assert re.fullmatch(r"[0-9a-f]{64}", source["sha256"])
    ids = [c.id for c in coverage.controls()]
    assert len(ids) == len(set(ids)) > 200


def test_the_coverage_document_is_fresh() -> None:
    assert_fresh(coverage.OUTPUT, coverage.render())
