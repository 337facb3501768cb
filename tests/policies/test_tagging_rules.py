"""Named cases for the tagging rules, including provider default tags and config overrides."""

from typing import get_args

import pytest

from policies.framework.tags import TAGGABLE_TYPES
from policies.rules.tagging import data_classification, required_tags, tag_allowed_values
from stack_config.base import DataClassification, Environment
from tests.policies.harness import Case, U, check, provider, res
from tests.policies.test_encryption_rules import BUCKET, QUEUE, cannot, na_type, v

POLICY = "aws:s3/bucketPolicy:BucketPolicy"
FULL = {
    "Environment": "dev",
    "Project": "data-platform",
    "Owner": "data-eng",
    "CostCenter": "cc-1042",
    "ManagedBy": "pulumi",
}
SCOPE = f"all {len(TAGGABLE_TYPES)} pulumi-aws types that accept tags"


def _required_cases() -> list[Case]:
    rule = required_tags.RULE
    return [
        Case("own-tags", rule, "pass", (res(QUEUE, "events", {"tags": FULL}),)),
        Case(
            "provider-default-tags", rule, "pass", (res(QUEUE, "events", {}, prov=provider(FULL)),)
        ),
        Case(
            "default-provider-no-tags",
            rule,
            "fail",
            (res(BUCKET, "raw", {"tags": {"Environment": "dev"}}, prov=provider()),),
            violations=(
                v(BUCKET, "raw", "is missing required tags Project, Owner, CostCenter, ManagedBy"),
            ),
        ),
        Case(
            "configured-keys",
            rule,
            "fail",
            (res(QUEUE, "events", {"tags": FULL}),),
            config={"requiredTags": ["Team"]},
            violations=(v(QUEUE, "events", "is missing required tags Team"),),
        ),
        Case(
            "not-taggable",
            rule,
            "not-applicable",
            (res(POLICY, "raw-policy", {}),),
            not_applicable=f"TAG-001 judges {SCOPE} only",
        ),
        Case(
            "tag-values-unknown",
            rule,
            "unknown",
            (res(QUEUE, "events", {"tags": dict.fromkeys(FULL, U)}),),
        ),
        Case(
            "tags-map-unknown",
            rule,
            "unknown",
            (res(QUEUE, "events", {"tags": U}),),
            unverified=(cannot(QUEUE, "events", "the tags map", "tags"),),
        ),
    ]


def _allowed_cases() -> list[Case]:
    rule = tag_allowed_values.RULE
    return [
        Case(
            "allowed",
            rule,
            "pass",
            (
                res(
                    BUCKET,
                    "raw",
                    {"tags": {"DataClassification": "confidential"}},
                    prov=provider(FULL),
                ),
            ),
        ),
        Case(
            "environment-test",
            rule,
            "pass",
            (res(QUEUE, "events", {"tags": {**FULL, "Environment": "test"}}),),
        ),
        Case(
            "environment-qa",
            rule,
            "fail",
            (res(QUEUE, "events", {"tags": {**FULL, "Environment": "qa"}}),),
            violations=(
                v(QUEUE, "events", "has Environment='qa'; allowed: dev, test, staging, prod"),
            ),
        ),
        Case(
            "prod-only-config",
            rule,
            "fail",
            (res(QUEUE, "events", {"tags": FULL}),),
            config={"allowedValues": {"Environment": ["prod"]}},
            violations=(v(QUEUE, "events", "has Environment='dev'; allowed: prod"),),
        ),
        Case(
            "not-taggable",
            rule,
            "not-applicable",
            (res(POLICY, "raw-policy", {}),),
            not_applicable=f"TAG-002 judges {SCOPE} only",
        ),
        Case(
            "value-unknown",
            rule,
            "unknown",
            (res(QUEUE, "events", {"tags": {**FULL, "Environment": U}}),),
            unverified=(cannot(QUEUE, "events", "the Environment tag value", "tags.Environment"),),
        ),
    ]


def _classification_cases() -> list[Case]:
    rule = data_classification.RULE
    classified = {**FULL, "DataClassification": "internal"}
    return [
        Case(
            "provider-default", rule, "pass", (res(BUCKET, "raw", {}, prov=provider(classified)),)
        ),
        Case(
            "unclassified",
            rule,
            "fail",
            (res(BUCKET, "raw", {"tags": FULL}),),
            violations=(v(BUCKET, "raw", "has no DataClassification tag"),),
        ),
        Case(
            "queue",
            rule,
            "not-applicable",
            (res(QUEUE, "events", {}),),
            not_applicable=na_type(rule),
        ),
        Case(
            "provider-tags-unknown",
            rule,
            "unknown",
            (res(BUCKET, "raw", {}, prov=provider(raw=U)),),
            unverified=(cannot(BUCKET, "raw", "the provider's defaultTags", "defaultTags"),),
        ),
    ]


CASES: list[Case] = [*_required_cases(), *_allowed_cases(), *_classification_cases()]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_tagging_rule(case: Case) -> None:
    check(case)


def _default_allowed(key: str) -> list[str]:
    allowed: list[str] = tag_allowed_values.META.config_defaults()["allowedValues"][key]
    return allowed


def test_default_allowed_environments_are_the_configs_environments() -> None:
    assert _default_allowed("Environment") == list(get_args(Environment))


def test_default_allowed_classifications_include_every_config_classification() -> None:
    assert set(get_args(DataClassification)) <= set(_default_allowed("DataClassification"))
