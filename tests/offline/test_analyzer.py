"""The offline driver runs the real fixture pack and reports exactly what the engine would.

Every case starts the pack as a subprocess over gRPC; none of them stubs pulumi_policy.
"""

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from offline.analyzer import (
    UNKNOWN,
    EnforcementLevel,
    NotApplicable,
    PackInfo,
    PolicyConfigError,
    PolicyInfo,
    PolicyPackError,
    PolicyReport,
    PolicySession,
    Timings,
    Violation,
    render_report,
    run_policy_pack,
    secret,
)

PACK = Path(__file__).resolve().parents[1] / "fixtures" / "policy_pack"
PREFIX = "urn:pulumi:dev::data-platform::"
LAKE_URN = PREFIX + "dataplatform:storage:DataLake::lake"
BUCKET_TYPE = "aws:s3/bucket:Bucket"
SSE_TYPE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
BUCKET_URN = f"{PREFIX}dataplatform:storage:DataLake${BUCKET_TYPE}::lake-raw"
SSE_URN = f"{PREFIX}dataplatform:storage:DataLake${SSE_TYPE}::lake-raw-sse"
ROOT_URN = PREFIX + "pulumi:pulumi:Stack::data-platform-dev"
TAG_DESCRIPTION = "S3 buckets carry the required ownership tag."
SSE_DESCRIPTION = "Every S3 bucket has an encryption configuration that depends on it."
Resources = list[dict[str, Any]]


def _resources(
    *, tags: Any = None, property_dependencies: bool = True, with_sse: bool = True
) -> Resources:
    """The captured shape of a DataLake component with one bucket and its encryption."""
    lake = {
        "urn": LAKE_URN,
        "type": "dataplatform:storage:DataLake",
        "name": "lake",
        "custom": False,
        "parent": None,
        "provider": "",
        "inputs": {},
    }
    bucket = {
        "urn": BUCKET_URN,
        "type": BUCKET_TYPE,
        "name": "lake-raw",
        "custom": True,
        "parent": LAKE_URN,
        "provider": "",
        "protect": False,
        "retainOnDelete": False,
        "inputs": {"bucket": "lake-raw", "tags": {"owner": "data"} if tags is None else tags},
    }
    sse = {
        "urn": SSE_URN,
        "type": SSE_TYPE,
        "name": "lake-raw-sse",
        "custom": True,
        "parent": LAKE_URN,
        "provider": "",
        "dependencies": [BUCKET_URN],
        "propertyDependencies": {"bucket": [BUCKET_URN]} if property_dependencies else {},
        "inputs": {"bucket": UNKNOWN},
    }
    return [lake, bucket, sse] if with_sse else [lake, bucket]


def _violation(
    policy: str, message: str, level: EnforcementLevel, urn: str = BUCKET_URN
) -> Violation:
    description = TAG_DESCRIPTION if policy == "bucket-tagged" else SSE_DESCRIPTION
    return Violation(
        policy, "offline-fixture", "1.2.3", description, f"{description}\n{message}", urn, level
    )


UNTAGGED = _violation("bucket-tagged", "bucket lake-raw has no 'owner' tag", "advisory")
UNENCRYPTED = _violation(
    "bucket-encrypted", "bucket lake-raw (in lake) has no encryption configuration", "mandatory"
)


def _children() -> set[int]:
    """PIDs whose parent is this test process, zombies included, read from /proc."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == os.getpid():
            found.add(int(stat.parent.name))
    return found


def _run(resources: Sequence[Mapping[str, Any]], **kwargs: Any) -> PolicyReport:
    before = _children()
    try:
        return run_policy_pack(PACK, resources, **kwargs)
    finally:
        assert _children() <= before, "the policy pack subprocess outlived the call"


def _write_pack(root: Path, main: str) -> Path:
    root.mkdir()
    (root / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (root / "__main__.py").write_text(main)
    return root


def test_info_lists_both_policies_with_yaml_version_and_schema() -> None:
    report = _run(_resources())

    assert report.pack == PackInfo(
        "offline-fixture",
        "1.2.3",
        (
            PolicyInfo("bucket-encrypted", SSE_DESCRIPTION, "mandatory", "stack", None),
            PolicyInfo(
                "bucket-tagged",
                TAG_DESCRIPTION,
                "advisory",
                "resource",
                {"properties": {"requiredTag": {"type": "string", "default": "owner"}}},
            ),
        ),
    )


def test_compliant_resources_give_no_violations_and_timings() -> None:
    report = _run(_resources())

    assert report.violations == ()
    assert report.timings.total >= report.timings.startup > 0


def test_noncompliant_resources_give_exactly_the_expected_violations() -> None:
    report = _run(_resources(tags={}, with_sse=False))

    assert report.violations == (UNTAGGED, UNENCRYPTED)
    assert report.mandatory == (UNENCRYPTED,)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        pytest.param({"bucket-tagged": "disabled"}, [UNENCRYPTED], id="disable-resource-policy"),
        pytest.param(
            {"bucket-tagged": {"enforcementLevel": "mandatory"}},
            [
                _violation("bucket-tagged", "bucket lake-raw has no 'owner' tag", "mandatory"),
                UNENCRYPTED,
            ],
            id="raise-to-mandatory",
        ),
        pytest.param({"all": "disabled"}, [], id="all-disabled"),
        pytest.param(
            {"all": "advisory"},
            [
                UNTAGGED,
                _violation(
                    "bucket-encrypted",
                    "bucket lake-raw (in lake) has no encryption configuration",
                    "advisory",
                ),
            ],
            id="all-advisory",
        ),
    ],
)
def test_config_changes_enforcement(config: dict[str, Any], expected: list[Violation]) -> None:
    report = _run(_resources(tags={}, with_sse=False), config=config)

    assert list(report.violations) == expected


def test_config_property_changes_what_the_policy_requires() -> None:
    report = _run(_resources(), config={"bucket-tagged": {"requiredTag": "team"}})

    assert report.violations == (
        _violation("bucket-tagged", "bucket lake-raw has no 'team' tag", "advisory"),
    )


def test_stack_policy_joins_through_property_dependencies_not_plain_dependencies() -> None:
    report = _run(_resources(property_dependencies=False))

    assert report.violations == (UNENCRYPTED,)


def test_stack_wide_violation_is_filed_under_the_root_stack() -> None:
    report = _run(_resources()[:1])

    assert report.violations == (
        _violation("bucket-encrypted", "the stack has no S3 buckets", "mandatory", ROOT_URN),
    )


def test_unknown_input_is_left_to_the_deployment_against_the_resource() -> None:
    report = _run(_resources(tags=UNKNOWN))

    # The engine's advisory "can't run policy ... during preview" is not a violation: the report
    # keeps it apart, as a judgement the deployment makes.
    assert report.violations == ()
    assert report.unjudged == (
        Violation(
            "bucket-tagged",
            "offline-fixture",
            "1.2.3",
            TAG_DESCRIPTION,
            "can't run policy 'bucket-tagged' from policy pack 'offline-fixture@v0.0.1' "
            "during preview: string value at .tags can't be known during preview",
            BUCKET_URN,
            "advisory",
        ),
    )
    rendered = render_report(report)
    assert "1 judgement(s) left to the deployment" in rendered
    assert "string value at .tags can't be known during preview" in rendered


def test_secret_input_reaches_the_policy_unwrapped() -> None:
    report = _run(_resources(tags=secret({"owner": "data"})))

    assert report.violations == ()


@pytest.mark.parametrize(
    ("config", "error"),
    [
        pytest.param(
            {"bucket-tagged": {"requiredTag": 5}},
            "validating policy config: offline-fixture 1.2.3  bucket-tagged: "
            "requiredTag: Invalid type. Expected: string, given: integer",
            id="schema-type",
        ),
        pytest.param(
            {"bucket-tagged": "strict"},
            "parsing enforcement level for 'bucket-tagged': 'strict' is not one of",
            id="unknown-level",
        ),
        pytest.param(
            {"bucket-tagged": 3},
            "parsing 'bucket-tagged': 3 is not a string or object",
            id="bad-shape",
        ),
    ],
)
def test_invalid_config_is_rejected(config: dict[str, Any], error: str) -> None:
    with pytest.raises(PolicyConfigError) as raised:
        _run(_resources(), config=config)

    assert str(raised.value).startswith(error)


def test_pack_that_fails_to_start_raises_with_its_stderr(tmp_path: Path) -> None:
    broken = _write_pack(tmp_path / "broken", "raise RuntimeError('fixture pack is broken')\n")
    before = _children()

    with pytest.raises(PolicyPackError) as raised:
        run_policy_pack(broken, _resources())

    message = str(raised.value)
    assert message.startswith("policy pack exited before reporting its port (exit code 1)")
    assert "RuntimeError: fixture pack is broken" in message
    assert _children() <= before


def test_pack_that_never_serves_times_out_and_is_killed(tmp_path: Path) -> None:
    hanging = _write_pack(tmp_path / "hanging", "import time\ntime.sleep(120)\n")
    before = _children()

    with pytest.raises(PolicyPackError, match=r"did not report its port within 1\.5s"):
        run_policy_pack(hanging, _resources(), timeout=1.5)

    assert _children() <= before


def test_directory_without_pulumipolicy_yaml_is_not_a_pack(tmp_path: Path) -> None:
    with pytest.raises(PolicyPackError, match="failed to load Pulumi policy project"):
        run_policy_pack(tmp_path, _resources())


def test_render_report_groups_by_policy_with_mandatory_first() -> None:
    stack_wide = _violation("bucket-encrypted", "the stack has no buckets", "mandatory", ROOT_URN)
    info = PackInfo("offline-fixture", "1.2.3", ())
    report = PolicyReport(info, (UNTAGGED, UNENCRYPTED, stack_wide), Timings(0, 0, 0, 0, 0, 0), "")

    assert render_report(report) == (
        "offline-fixture 1.2.3: 3 violation(s), 2 mandatory\n"
        "\n"
        "bucket-encrypted [mandatory]\n"
        f"  {SSE_DESCRIPTION}\n"
        f"  - lake-raw ({BUCKET_URN})\n"
        "      bucket lake-raw (in lake) has no encryption configuration\n"
        f"  - data-platform-dev ({ROOT_URN})\n"
        "      the stack has no buckets\n"
        "\n"
        "bucket-tagged [advisory]\n"
        f"  {TAG_DESCRIPTION}\n"
        f"  - lake-raw ({BUCKET_URN})\n"
        "      bucket lake-raw has no 'owner' tag\n"
    )
    assert render_report(PolicyReport(info, (), Timings(0, 0, 0, 0, 0, 0), "")) == (
        "offline-fixture 1.2.3: no policy violations\n"
    )


def test_a_session_analyzes_resources_sent_before_and_after_the_pack_is_ready() -> None:
    lake, bucket, sse = _resources(tags={}, with_sse=True)
    before = _children()
    with PolicySession(PACK, stack="dev", project="data-platform") as session:
        session.analyze(lake)  # sent at once: the pack is still starting, so it waits
        deadline = time.monotonic() + 30
        while session._info is None and time.monotonic() < deadline:  # the pack is ready
            time.sleep(0.01)
        session.analyze(bucket)
        session.analyze(sse)
        report = session.finish([lake, bucket, sse])
    assert _children() <= before
    assert report.violations == (UNTAGGED,)


def test_violations_follow_the_captured_order_whatever_order_the_threads_sent_them() -> None:
    # Registrations reach `analyze` on the SDK's worker threads, in no fixed order.
    def bucket(name: str) -> dict[str, Any]:
        return {
            "urn": f"{PREFIX}{BUCKET_TYPE}::{name}",
            "type": BUCKET_TYPE,
            "name": name,
            "custom": True,
            "parent": None,
            "provider": "",
            "inputs": {"bucket": name, "tags": {}},
        }

    captured = [bucket(f"bucket-{i}") for i in range(6)]
    with PolicySession(PACK, stack="dev", project="data-platform") as session:
        deadline = time.monotonic() + 30
        while session._info is None and time.monotonic() < deadline:  # the pack is ready
            time.sleep(0.01)
        for record in reversed(captured):
            session.analyze(record)
        report = session.finish(captured)
    tagged = [v.urn for v in report.violations if v.policy_name == "bucket-tagged"]
    assert tagged == [r["urn"] for r in captured]


def test_a_session_over_a_broken_pack_raises_at_finish_and_leaves_no_process(
    tmp_path: Path,
) -> None:
    broken = _write_pack(tmp_path / "broken", "raise RuntimeError('fixture pack is broken')\n")
    before = _children()
    with (
        PolicySession(broken, stack="dev", project="data-platform") as session,
        pytest.raises(PolicyPackError, match="fixture pack is broken"),
    ):
        for record in _resources():
            session.analyze(record)
        session.finish(_resources())
    assert _children() <= before


def test_render_report_names_the_display_name_remediation_and_waivers() -> None:
    encrypted = PolicyInfo(
        "bucket-encrypted",
        SSE_DESCRIPTION,
        "mandatory",
        "stack",
        None,
        display_name="ENC-001 bucket-encrypted",
        remediation="Add the encryption configuration.",
    )
    waivers = (
        NotApplicable(
            "bucket-encrypted",
            "",
            "waived by exception ENC-001 for 'a' (2 finding(s); owner o, until 2030-01-01): r\n"
            "waived by exception ENC-001 for 'b' (1 finding(s); owner o, until 2030-01-01): r",
        ),
        NotApplicable("bucket-tagged", BUCKET_URN, "the bucket is not ours"),
    )
    info = PackInfo("offline-fixture", "1.2.3", (encrypted,))
    report = PolicyReport(info, (UNENCRYPTED,), Timings(0, 0, 0, 0, 0, 0), "", waivers)

    assert render_report(report) == (
        "offline-fixture 1.2.3: 1 violation(s), 1 mandatory\n"
        "\n"
        "ENC-001 bucket-encrypted [mandatory]\n"
        f"  {SSE_DESCRIPTION}\n"
        "  Remediation: Add the encryption configuration.\n"
        f"  - lake-raw ({BUCKET_URN})\n"
        "      bucket lake-raw (in lake) has no encryption configuration\n"
        "\n"
        "3 finding(s) waived by 2 exception(s):\n"
        "  - ENC-001 bucket-encrypted: waived by exception ENC-001 for 'a' (2 finding(s); owner o,"
        " until 2030-01-01): r\n"
        "  - ENC-001 bucket-encrypted: waived by exception ENC-001 for 'b' (1 finding(s); owner o,"
        " until 2030-01-01): r\n"
    )
