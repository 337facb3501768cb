"""The pack under the real analyzer servicer: config files, enforcement levels and unknowns."""

import pytest
from pulumi.runtime import proto
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from policies.registry import RULES
from tests.policies import engine
from tests.stacks import FIXTURE_STACKS

CONFIG = FIXTURE_STACKS / "policies" / "config"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
QUEUE = "aws:sqs/queue:Queue"
BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
TAGS = {"Environment": "dev", "Project": "p", "Owner": "o", "CostCenter": "c", "ManagedBy": "m"}
DESCRIPTION = {r.meta.name: r.meta.description for r in RULES}


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        pytest.param(None, proto.ADVISORY, id="default-medium-is-advisory"),
        pytest.param("dev.json", proto.MANDATORY, id="dev-enforces-log-group-kms"),
        pytest.param("prod.json", proto.MANDATORY, id="prod-makes-it-mandatory"),
    ],
)
def test_enforcement_level_comes_from_config(config: str | None, expected: int) -> None:
    analyzer = engine.servicer()
    if config:
        engine.configure(analyzer, CONFIG / config)
    response = engine.analyze(analyzer, LOG_GROUP, "audit", {"tags": TAGS})
    urn = f"urn:pulumi:dev::data-platform::{LOG_GROUP}::audit"
    assert engine.diagnostics(response, "log-group-kms") == [
        (
            DESCRIPTION["log-group-kms"] + f"\n{LOG_GROUP} 'audit': has no kmsKeyId "
            "(a customer-managed KMS key is required)",
            expected,
            urn,
        )
    ]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        pytest.param("dev.json", [], id="dev-allows-dev"),
        pytest.param("prod.json", ["has Environment='dev'; allowed: prod"], id="prod-allows-prod"),
    ],
)
def test_config_properties_reach_the_rule(config: str, expected: list[str]) -> None:
    analyzer = engine.servicer()
    engine.configure(analyzer, CONFIG / config)
    response = engine.analyze(analyzer, QUEUE, "events", {"tags": TAGS, "kmsMasterKeyId": "k"})
    facts = [m.split(": ", 1)[1] for m, _, _ in engine.diagnostics(response, "tag-allowed-values")]
    assert facts == expected


def test_unknown_value_is_an_advisory_note_and_other_violations_survive() -> None:
    analyzer = engine.servicer()
    raw_urn = f"urn:pulumi:dev::data-platform::{BUCKET}::raw"
    resources = [
        engine.stack_resource(BUCKET, "raw", {"bucket": "raw"}),
        engine.stack_resource(BUCKET, "curated", {"bucket": "curated"}),
        engine.stack_resource(
            SSE,
            "raw-sse",
            {
                "bucket": UNKNOWN_STRING_VALUE,
                "rules": [
                    {"applyServerSideEncryptionByDefault": {"sseAlgorithm": UNKNOWN_STRING_VALUE}}
                ],
            },
            {"bucket": [raw_urn]},
        ),
    ]
    found = engine.diagnostics(engine.analyze_stack(analyzer, resources), "s3-bucket-sse-kms")
    assert found == [
        (
            DESCRIPTION["s3-bucket-sse-kms"] + f"\n{BUCKET} 'curated': has no "
            "BucketServerSideEncryptionConfiguration (default encryption is not declared)",
            proto.MANDATORY,
            f"urn:pulumi:dev::data-platform::{BUCKET}::curated",
        ),
        (
            "can't run policy 's3-bucket-sse-kms' from policy pack "
            "'data-platform-guardrails@v0.1.0' during preview: s3-bucket-sse-kms: "
            f"{BUCKET} 'raw': cannot verify the SSE algorithm at preview "
            "(rules.0.applyServerSideEncryptionByDefault.sseAlgorithm is unknown) "
            f"[{raw_urn}]",
            proto.ADVISORY,
            "",
        ),
    ]
