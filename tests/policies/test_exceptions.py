"""Exceptions: active ones waive, expired ones bring the violation back, bad files fail clearly."""

import textwrap
from datetime import date
from pathlib import Path

import pytest

from policies.framework.waivers import (
    ExceptionsFile,
    ExceptionsFileError,
    RuleException,
    load_exceptions,
)
from policies.registry import EXCEPTIONS_FILE, RegistryError, build_policies
from policies.rules.encryption import log_group_kms, s3_bucket_sse_kms
from tests.policies.harness import res, run, urn

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
BUCKET = "aws:s3/bucket:Bucket"
REASON = "vendor log shipper cannot read CMK-encrypted groups"
FACT = f"{LOG_GROUP} 'audit': has no kmsKeyId (a customer-managed KMS key is required)"


def waiver(resource: str, expires: date, rule: str = "ENC-005") -> ExceptionsFile:
    grant = RuleException(
        rule=rule, resource=resource, reason=REASON, owner="data-eng", expires=expires
    )
    return ExceptionsFile(exceptions=(grant,))


@pytest.mark.parametrize(
    "resource",
    [pytest.param("audit", id="by-name"), pytest.param(urn(LOG_GROUP, "audit"), id="by-urn")],
)
@pytest.mark.parametrize(
    ("expires", "said"),
    [
        pytest.param(date(2025, 12, 31), "", id="future"),
        pytest.param(date(2025, 6, 1), ", expires in 0 day(s)", id="today"),
    ],
)
def test_active_exception_waives_the_resource(resource: str, expires: date, said: str) -> None:
    outcome = run(
        log_group_kms.RULE, (res(LOG_GROUP, "audit"),), exceptions=waiver(resource, expires)
    )
    assert outcome.violations == []
    assert outcome.not_applicable == (
        f"waived by exception ENC-005 for {resource!r} "
        f"(1 finding(s); owner data-eng, until {expires.isoformat()}{said}): {REASON}"
    )


def test_exception_on_a_compliant_resource_waives_nothing() -> None:
    compliant = res(LOG_GROUP, "audit", {"kmsKeyId": "arn:aws:kms:eu-west-1:1:key/k"})
    outcome = run(log_group_kms.RULE, (compliant,), exceptions=waiver("audit", date(2030, 1, 1)))
    assert (outcome.violations, outcome.not_applicable) == ([], None)


def test_expired_exception_returns_the_violation_with_a_note() -> None:
    outcome = run(
        log_group_kms.RULE,
        (res(LOG_GROUP, "audit"),),
        exceptions=waiver("audit", date(2025, 5, 31)),
    )
    assert outcome.violations == [
        (
            f"{FACT} [exception expired on 2025-05-31 (owner data-eng: {REASON})]",
            urn(LOG_GROUP, "audit"),
        )
    ]


def test_today_is_injectable() -> None:
    grant = waiver("audit", date(2025, 5, 31))
    before = run(
        log_group_kms.RULE, (res(LOG_GROUP, "audit"),), exceptions=grant, today=date(2025, 5, 30)
    )
    assert before.violations == []


@pytest.mark.parametrize(
    ("today", "said"),
    [
        pytest.param(date(2029, 12, 1), "", id="a-month-away"),
        pytest.param(date(2029, 12, 2), ", expires in 30 day(s)", id="thirty-days"),
        pytest.param(date(2030, 1, 1), ", expires in 0 day(s)", id="last-day"),
    ],
)
def test_an_exception_about_to_expire_says_so_with_each_waiver(today: date, said: str) -> None:
    outcome = run(
        log_group_kms.RULE,
        (res(LOG_GROUP, "audit"),),
        exceptions=waiver("audit", date(2030, 1, 1)),
        today=today,
    )
    assert outcome.not_applicable == (
        f"waived by exception ENC-005 for 'audit' (1 finding(s); owner data-eng, "
        f"until 2030-01-01{said}): {REASON}"
    )


def test_the_documented_examples_are_valid_exceptions_that_have_not_expired(
    tmp_path: Path,
) -> None:
    # The README's example and the exceptions file's commented one are copied by users: they
    # must load, and must not have expired on the day they are read.
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    block = textwrap.dedent(readme.split("```yaml\n", 1)[1].split("```", 1)[0])
    block = block.removeprefix("exceptions:\n")
    commented = [
        line.removeprefix("#").removeprefix(" ")
        for line in EXCEPTIONS_FILE.read_text(encoding="utf-8").splitlines()
        if line.startswith("#   ")
    ]
    for text in ("exceptions:\n" + block, "exceptions:\n" + "\n".join(commented) + "\n"):
        path = tmp_path / "exceptions.yaml"
        path.write_text(text, encoding="utf-8")
        (example,) = load_exceptions(path).exceptions
        assert example.expires > date.today(), (
            f"the example exception expired on {example.expires}: give README.md's and"
            " policies/exceptions.yaml's example a later `expires`"
        )


def test_exception_for_another_resource_changes_nothing() -> None:
    outcome = run(
        log_group_kms.RULE, (res(LOG_GROUP, "audit"),), exceptions=waiver("other", date(2030, 1, 1))
    )
    assert outcome.violations == [(FACT, urn(LOG_GROUP, "audit"))]


def test_stack_rule_waives_one_bucket_and_still_reports_the_rest() -> None:
    buckets = (res(BUCKET, "legacy", {}), res(BUCKET, "curated", {}))
    outcome = run(
        s3_bucket_sse_kms.RULE,
        buckets,
        exceptions=waiver("legacy", date(2030, 1, 1), rule="ENC-001"),
    )
    assert outcome.violations == [
        (
            f"{BUCKET} 'curated': has no BucketServerSideEncryptionConfiguration "
            "(default encryption is not declared)",
            urn(BUCKET, "curated"),
        )
    ]
    assert outcome.not_applicable == (
        f"waived by exception ENC-001 for 'legacy' (1 finding(s); owner data-eng, "
        f"until 2030-01-01): {REASON}"
    )


def test_shipped_exceptions_file_loads() -> None:
    assert isinstance(load_exceptions(EXCEPTIONS_FILE), ExceptionsFile)


def test_unknown_rule_in_exceptions_is_rejected() -> None:
    with pytest.raises(RegistryError, match="unknown rule ids: ENC-999"):
        build_policies(exceptions=waiver("audit", date(2030, 1, 1), rule="ENC-999"))


GOOD = "  - rule: ENC-005\n    resource: audit\n    reason: {reason}\n    owner: data-eng\n"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        pytest.param(
            "exceptions:\n" + GOOD.format(reason=REASON) + "    expires: soon\n",
            "exceptions.yaml: exceptions[0] (ENC-005 audit).expires: must be a date such as"
            " 2026-12-31",
            id="bad-date",
        ),
        pytest.param(
            "exceptions:\n  - rule: ENC-005\n    resource: audit\n    reason: "
            + REASON
            + "\n    expires: 2030-01-01\n",
            "exceptions.yaml: exceptions[0] (ENC-005 audit).owner: required key is missing",
            id="missing-owner",
        ),
        pytest.param(
            "exceptions:\n"
            + GOOD.format(reason=REASON)
            + "    expires: 2030-01-01\n    ticket: OPS-1\n",
            "exceptions.yaml: exceptions[0] (ENC-005 audit).ticket: unknown key",
            id="unknown-field",
        ),
        pytest.param(
            "exceptions:\n" + GOOD.format(reason="because") + "    expires: 2030-01-01\n",
            "exceptions.yaml: exceptions[0] (ENC-005 audit).reason: must be at least 10"
            " characters long",
            id="short-reason",
        ),
        pytest.param(
            "exceptions: [", "exceptions.yaml:1:14: cannot read exceptions file", id="invalid-yaml"
        ),
        pytest.param(
            "exceptions:\n" + GOOD.format(reason=REASON) + "    owner: someone-else\n",
            "exceptions.yaml:6:5: cannot read exceptions file: exceptions[0]: key 'owner' appears"
            " twice (lines 5 and 6)",
            id="owner-twice",
        ),
    ],
)
def test_malformed_file_names_the_field(tmp_path: Path, body: str, error: str) -> None:
    path = tmp_path / "exceptions.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ExceptionsFileError) as raised:
        load_exceptions(path)
    assert str(raised.value).startswith(error)
