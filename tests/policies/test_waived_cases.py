"""The fifth case kind, for every rule: an exception keyed by the rule's id hides exactly the
findings of the resource it names, and the pack reports how many it hid."""

import pytest

from policies.registry import RULES
from tests.policies import (
    test_coverage_rules,
    test_encryption_rules,
    test_network_identity_rules,
    test_security_rules,
    test_service_encryption_rules,
    test_tagging_rules,
)
from tests.policies.harness import Case, check, waived

JUDGED = [
    *test_encryption_rules.CASES,
    *test_service_encryption_rules.CASES,
    *test_security_rules.CASES,
    *test_network_identity_rules.CASES,
    *test_tagging_rules.CASES,
    *test_coverage_rules.CASES,
]
CASES: list[Case] = [
    waived(next(c for c in JUDGED if c.rule is rule and c.kind == "fail")) for rule in RULES
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_an_exception_waives_the_rule(case: Case) -> None:
    check(case)
