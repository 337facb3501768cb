"""`make check` end to end: the offline check as a subprocess, as CI and users run it, on
projects made of the fixture stacks (tests/stacks.py).

Violations come from real inputs: a copy of the project whose stack file declares an
`Environment` tag value the stack's policy config does not allow.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from offline import status
from offline.capture import PROJECT_ROOT
from tests.offline.reports import sarif
from tests.stacks import FIXTURE_STACKS, fixture_project

PACK_NAME = "data-platform-guardrails"


def check_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m offline.check ARGS` from the project root, as CI runs it."""
    return subprocess.run(
        [sys.executable, "-m", "offline.check", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_check_summarises_and_writes_json(stack: str, tmp_path: Path, fixture_root: Path) -> None:
    out = tmp_path / "capture.json"
    result = check_cli("--stack", stack, "--json", str(out), "--root", str(fixture_root))
    assert result.returncode == 0, result.stderr
    assert f"Offline check of stack '{stack}'" in result.stdout
    assert "lake (dataplatform:storage:DataLake)" in result.stdout
    resources = json.loads(out.read_text())
    custom = [r for r in resources if r["custom"]]
    assert f"Total: {len(custom)} resources in {len(resources) - len(custom)} components" in (
        result.stdout
    )
    bucket = next(r for r in resources if r["name"] == "lake-raw-bucket")
    assert {"type", "name", "parent", "inputs", "dependencies", "propertyDependencies"} <= (
        bucket.keys()
    )
    assert bucket["parent"].endswith("::lake-raw")
    assert bucket["inputs"]["tags"]["Environment"] == stack
    assert f"{PACK_NAME} " in result.stdout
    assert "mandatory policy violation" not in result.stderr


def test_unknown_stack_exits_2_with_a_clear_message(fixture_root: Path) -> None:
    result = check_cli("--stack", "staging", "--root", str(fixture_root))
    assert result.returncode == 2
    assert "unknown stack 'staging'" in result.stderr
    assert "available: delivery, dev, prod" in result.stderr


def test_invalid_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    broken = (FIXTURE_STACKS / "Pulumi.dev.yaml").read_text().replace("name: curated", "name: Cur")
    (tmp_path / "Pulumi.dev.yaml").write_text(broken)
    result = check_cli("--stack", "dev", "--root", str(tmp_path))
    assert result.returncode == 2
    assert "platform.lake.zones[1].name" in result.stderr
    assert "got 'Cur'" in result.stderr
    assert result.stdout == ""


def test_missing_stack_argument_is_a_usage_error() -> None:
    result = check_cli()
    assert result.returncode == 2
    assert "--stack" in result.stderr


def _project(root: Path, stacks: dict[str, str]) -> Path:
    """A fixture project (program, pack, the fixture stacks and their policy configs) with stack
    files derived from the fixture ones.

    `stacks` maps a stack name to the fixture stack file it copies with `environment: staging`.
    """
    fixture_project(root)
    for stack, source in stacks.items():
        text = (FIXTURE_STACKS / f"Pulumi.{source}.yaml").read_text()
        staged = text.replace(f"environment: {source}", "environment: staging")
        assert staged != text
        (root / f"Pulumi.{stack}.yaml").write_text(staged)
    return root


def test_mandatory_violation_exits_1_naming_policy_level_and_resource(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", {"prod": "prod"})

    result = check_cli("--stack", "prod", "--root", str(root))

    assert result.returncode == 1, result.stderr
    assert "Offline check of stack 'prod'" in result.stdout
    assert "tag-allowed-values [mandatory]" in result.stdout
    bucket_urn = (
        "urn:pulumi:prod::data-platform::dataplatform:storage:SecureBucket"
        "$aws:s3/bucket:Bucket::lake-raw-bucket"
    )
    assert f"  - lake-raw-bucket ({bucket_urn})" in result.stdout
    assert "has Environment='staging'; allowed: prod" in result.stdout
    assert "mandatory policy violation(s) in stack 'prod'" in result.stderr


def test_advisory_violation_is_printed_and_exits_0(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", {"dev": "dev"})

    result = check_cli("--stack", "dev", "--root", str(root))

    assert result.returncode == 0, result.stderr
    assert "tag-allowed-values [advisory]" in result.stdout
    assert "has Environment='staging'; allowed: dev" in result.stdout
    assert ", 0 mandatory" in result.stdout


def test_no_policies_skips_the_pack(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", {"prod": "prod"})

    result = check_cli("--stack", "prod", "--root", str(root), "--no-policies")

    assert result.returncode == 0, result.stderr
    assert "Offline check of stack 'prod'" in result.stdout
    assert PACK_NAME not in result.stdout


def test_missing_policy_config_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", {"staging": "dev"})

    result = check_cli("--stack", "staging", "--root", str(root))

    assert result.returncode == 2
    config = root / "policies" / "config" / "staging.json"
    assert f"error: no policy config for stack 'staging': {config} does not exist" in (
        result.stderr
    )
    assert result.stdout == ""


def test_invalid_policy_config_exits_2(tmp_path: Path) -> None:
    root = fixture_project(tmp_path / "project")
    pack = root / "policies"
    config = json.loads((pack / "config" / "dev.json").read_text())
    config["required-tags"] = "strict"
    (pack / "config" / "dev.json").write_text(json.dumps(config))

    result = check_cli("--stack", "dev", "--root", str(root), "--policy-pack", str(pack))

    assert result.returncode == 2
    assert "parsing enforcement level for 'required-tags': 'strict' is not one of" in (
        result.stderr
    )


UNENCRYPTED_LOG_GROUP = """
import pulumi_aws as aws

aws.cloudwatch.LogGroup(
    "unencrypted-audit",
    retention_in_days=7,
    tags={
        "Environment": "dev",
        "Project": "data-platform",
        "Owner": "data-engineering",
        "CostCenter": "CC-1040",
        "ManagedBy": "pulumi",
    },
)
"""


def _dev_with_unencrypted_log_group(root: Path) -> Path:
    """The dev stack's program plus one log group without a customer-managed key."""
    root = _project(root, {})
    with (root / "__main__.py").open("a") as program:
        program.write(UNENCRYPTED_LOG_GROUP)
    return root


def test_unencrypted_log_group_fails_the_dev_check_naming_the_rule(tmp_path: Path) -> None:
    root = _dev_with_unencrypted_log_group(tmp_path / "project")
    report = tmp_path / "findings.sarif"

    result = check_cli("--stack", "dev", "--root", str(root), "--report", str(report))

    assert result.returncode == status.VIOLATIONS, result.stdout + result.stderr
    assert "ENC-005 log-group-kms [mandatory]" in result.stdout
    assert "  - unencrypted-audit (" in result.stdout
    assert "has no kmsKeyId (a customer-managed KMS key is required)" in result.stdout
    assert "1 mandatory policy violation(s) in stack 'dev'" in result.stderr
    assert "  Remediation: Set kms_key_id on the LogGroup" in result.stdout
    (run,) = sarif(report)["runs"]
    (finding,) = [r for r in run["results"] if r["ruleId"] == "ENC-005"]
    lines = root.joinpath("__main__.py").read_text().splitlines()
    declared = 1 + next(i for i, line in enumerate(lines) if "aws.cloudwatch.LogGroup(" in line)
    assert finding["level"] == "error"
    assert finding["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "__main__.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": declared},
    }
    assert finding["locations"][0]["logicalLocations"][0]["name"] == "unencrypted-audit"
    assert run["invocations"][0]["exitCode"] == status.VIOLATIONS


def test_a_policy_config_can_still_make_encryption_advisory(tmp_path: Path) -> None:
    root = _dev_with_unencrypted_log_group(tmp_path / "project")
    config = json.loads((root / "policies" / "config" / "dev.json").read_text())
    config["log-group-kms"]["enforcementLevel"] = "advisory"
    relaxed = tmp_path / "relaxed.json"
    relaxed.write_text(json.dumps(config))

    result = check_cli("--stack", "dev", "--root", str(root), "--policy-config", str(relaxed))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "ENC-005 log-group-kms [advisory]" in result.stdout


def test_waived_findings_are_counted_and_name_their_exception(tmp_path: Path) -> None:
    root = _dev_with_unencrypted_log_group(tmp_path / "project")
    shipped = (root / "policies" / "exceptions.yaml").read_text()
    granted = yaml.safe_load(shipped)["exceptions"]
    added = {
        "rule": "ENC-005",
        "resource": "unencrypted-audit",
        "reason": "the vendor shipper reads this group and cannot use a CMK",
        "owner": "data-engineering",
        "expires": "2999-12-31",
    }
    (root / "policies" / "exceptions.yaml").write_text(
        yaml.safe_dump({"exceptions": [*granted, added]})
    )

    result = check_cli("--stack", "dev", "--root", str(root))

    assert result.returncode == 0, result.stdout + result.stderr
    shipped_grants = len(yaml.safe_load(shipped)["exceptions"])
    assert f"{shipped_grants + 1} finding(s) waived by {shipped_grants + 1} exception(s):" in (
        result.stdout
    )
    assert (
        "  - ENC-005 log-group-kms: waived by exception ENC-005 for 'unencrypted-audit' "
        "(1 finding(s); owner data-engineering, until 2999-12-31)"
    ) in result.stdout


def test_a_malformed_exceptions_file_is_named_without_a_traceback(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", {})
    (root / "policies" / "exceptions.yaml").write_text(
        "exceptions:\n  - rule: ENC-005\n    resource: audit\n    reason: too short\n"
    )

    result = check_cli("--stack", "dev", "--root", str(root))

    assert result.returncode == status.PACK_FAILED
    assert "exceptions.yaml: exceptions[0] (ENC-005 audit).reason: must be at least 10" in (
        result.stderr
    )
    assert "exceptions[0] (ENC-005 audit).owner: required key is missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_failing_stack_program_exits_3_with_its_line_and_the_findings_before(
    tmp_path: Path,
) -> None:
    root = _dev_with_unencrypted_log_group(tmp_path / "project")
    with (root / "__main__.py").open("a") as program:
        program.write("raise RuntimeError('the audit sink is not configured')\n")
    failing_line = len((root / "__main__.py").read_text().splitlines())

    result = check_cli("--stack", "dev", "--root", str(root))

    assert result.returncode == status.PROGRAM_FAILED, result.stdout + result.stderr
    assert (
        "the program raised RuntimeError: the audit sink is not configured "
        f"(at __main__.py:{failing_line})"
    ) in result.stderr
    assert "ENC-005 log-group-kms [mandatory]" in result.stdout
