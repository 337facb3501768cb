"""The stacks through the real pack over gRPC, as `make check` and a preview run it.

Each user stack, with its policy config, is evaluated once per session: no mandatory violation.
Each fixture stack is evaluated as it is and once with every mutation below applied to its real
capture; each mutation targets a different resource, so the new violations of the mutated run
must be exactly one per mutation, with its rule and resource.
"""

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from offline.analyzer import PolicyReport, render_report, run_policy_pack
from offline.capture import Capture, ReleaseCapture
from offline.policy_check import load_policy_config
from offline.report import to_json_resources
from policies.registry import RULES
from tests.stacks import FIXTURE_STACKS, fixture_stacks, user_stacks

PACK = Path(__file__).resolve().parents[2] / "policies"
BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
IAM_POLICY_TYPES = ("aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy")
ADMIN_STATEMENT = {"Sid": "OfflineTestAdmin", "Effect": "Allow", "Action": "*", "Resource": "*"}
Resources = list[dict[str, Any]]
Key = tuple[str, str, str]


@dataclass(frozen=True)
class Mutation:
    """Changes the capture in place and returns the URN the `policy` violation must name."""

    name: str
    policy: str
    fact: str
    apply: Callable[[Resources], str]


def _named(resources: Resources, type_: str, name: str) -> dict[str, Any]:
    found = [r for r in resources if r["type"] == type_ and r["name"] == name]
    assert len(found) == 1, f"the capture has no single {type_} named {name!r}"
    return found[0]


def _bucket_of(companion: dict[str, Any]) -> str:
    """The bucket a companion resource configures, joined as the rules join it."""
    (bucket,) = companion["propertyDependencies"]["bucket"]
    return str(bucket)


def _drop_encryption(resources: Resources) -> str:
    sse = _named(resources, SSE, "lake-curated-encryption")
    resources.remove(sse)
    return _bucket_of(sse)


def _zone_bucket_on_aes256(resources: Resources) -> str:
    sse = _named(resources, SSE, "lake-raw-encryption")
    for rule in sse["inputs"]["rules"]:
        rule["applyServerSideEncryptionByDefault"] = {"sseAlgorithm": "AES256"}
    return _bucket_of(sse)


def _public_access_flag_off(resources: Resources) -> str:
    block = _named(resources, BLOCK, "lake-artifacts-public-access")
    block["inputs"]["restrictPublicBuckets"] = False
    return _bucket_of(block)


def _drop_owner_tag(resources: Resources) -> str:
    key = _named(resources, "aws:kms/key:Key", "platform-key")
    del key["inputs"]["tags"]["Owner"]
    return str(key["urn"])


def _wildcard_iam_statement(resources: Resources) -> str:
    """Widens the first IAM policy document the program declares (by URN)."""
    target = next(
        (r for r in resources if r["type"] in IAM_POLICY_TYPES and _is_json(r["inputs"])), None
    )
    assert target is not None, "the capture has no IAM policy with a known JSON document"
    document = json.loads(target["inputs"]["policy"])
    document["Statement"] = [*_as_list(document.get("Statement")), ADMIN_STATEMENT]
    target["inputs"]["policy"] = json.dumps(document)
    return str(target["urn"])


def _is_json(inputs: dict[str, Any]) -> bool:
    return isinstance(inputs.get("policy"), str) and inputs["policy"].startswith("{")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


MUTATIONS = (
    Mutation(
        "bucket-without-encryption-config",
        "s3-bucket-sse-kms",
        "has no BucketServerSideEncryptionConfiguration",
        _drop_encryption,
    ),
    Mutation(
        "zone-bucket-on-aes256",
        "s3-bucket-sse-kms",
        "uses AES256 in 'lake-raw-encryption' rules[0] but is not an access-logs target bucket",
        _zone_bucket_on_aes256,
    ),
    Mutation(
        "public-access-flag-off",
        "s3-public-access-block",
        "public access block 'lake-artifacts-public-access' does not enable restrictPublicBuckets",
        _public_access_flag_off,
    ),
    Mutation(
        "required-tag-removed", "required-tags", "is missing required tags Owner", _drop_owner_tag
    ),
    Mutation(
        "wildcard-iam-statement",
        "iam-no-wildcard-admin",
        "statement 'OfflineTestAdmin' allows Action '*' on Resource '*'",
        _wildcard_iam_statement,
    ),
)


@dataclass(frozen=True)
class MutatedRun:
    report: PolicyReport
    targets: dict[str, str]


def _run(stack: str, resources: Resources, *, configs: Path = PACK) -> PolicyReport:
    """The pack on `resources` with the stack's policy config from `configs`/config/."""
    return run_policy_pack(PACK, resources, config=load_policy_config(configs, stack))


def _keys(report: PolicyReport) -> set[Key]:
    return {(v.policy_name, v.urn, v.enforcement_level) for v in report.violations}


@pytest.fixture(scope="session")
def user_reports(
    user_captures: dict[str, Capture], user_release_captures: dict[str, ReleaseCapture]
) -> dict[str, PolicyReport]:
    """Each user stack's capture (platform and delivery) through the pack with its policy
    config, once."""
    captures: dict[str, Capture | ReleaseCapture] = {**user_captures, **user_release_captures}
    return {
        stack: _run(stack, to_json_resources(capture.resources))
        for stack, capture in captures.items()
    }


@pytest.fixture(scope="session")
def shipped_reports(fixture_captures: dict[str, Capture]) -> dict[str, PolicyReport]:
    """Each fixture stack's capture through the pack with its fixture policy config, once."""
    return {
        stack: _run(
            stack, to_json_resources(capture.resources), configs=FIXTURE_STACKS / "policies"
        )
        for stack, capture in fixture_captures.items()
    }


@pytest.fixture(scope="session")
def mutated_runs(fixture_captures: dict[str, Capture]) -> dict[str, MutatedRun]:
    """Each shipped stack with every mutation applied, through the pack in one run."""
    runs = {}
    for stack, capture in fixture_captures.items():
        resources = copy.deepcopy(to_json_resources(capture.resources))
        targets = {m.name: m.apply(resources) for m in MUTATIONS}
        assert len(set(targets.values())) == len(MUTATIONS), "mutations must not share a resource"
        runs[stack] = MutatedRun(
            _run(stack, resources, configs=FIXTURE_STACKS / "policies"), targets
        )
    return runs


@pytest.mark.parametrize("stack", [*user_stacks(), *user_stacks(release=True)])
def test_user_stack_has_no_mandatory_violation(
    stack: str, user_reports: dict[str, PolicyReport]
) -> None:
    report = user_reports[stack]

    assert report.pack.name == "data-platform-guardrails"
    assert {p.name for p in report.pack.policies} == {r.meta.name for r in RULES}
    assert report.mandatory == (), render_report(report)


@pytest.mark.parametrize("stack", fixture_stacks())
@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_mutation_trips_its_rule_on_its_resource(
    stack: str, mutation: Mutation, mutated_runs: dict[str, MutatedRun]
) -> None:
    run = mutated_runs[stack]
    urn = run.targets[mutation.name]

    found = [v for v in run.report.violations if v.policy_name == mutation.policy and v.urn == urn]

    assert len(found) == 1, render_report(run.report)
    assert found[0].enforcement_level == "mandatory"
    assert mutation.fact in found[0].message


@pytest.mark.parametrize("stack", fixture_stacks())
def test_mutations_add_exactly_their_own_violations(
    stack: str,
    shipped_reports: dict[str, PolicyReport],
    mutated_runs: dict[str, MutatedRun],
) -> None:
    run = mutated_runs[stack]
    expected = {(m.policy, run.targets[m.name], "mandatory") for m in MUTATIONS}

    assert _keys(run.report) - _keys(shipped_reports[stack]) == expected
