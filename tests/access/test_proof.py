"""The access proof on the shipped release: every run-time principal of every stack it touches
(each stage's platform stack, the delivery stack, bootstrap's roles in each account) may make
every call its code, definitions and buildspecs make, with the service side's hidden needs;
and the proof fails when a grant goes or a call comes without one."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from offline.access.platform import Extract
from offline.access.proof import Finding, prove, world_from
from offline.access.sdk_calls import SdkCall
from offline.access.world import World
from offline.capture import PROJECT_ROOT, Capture, ReleaseCapture, capture_stack
from offline.mocks import MOCK_ACCOUNT_ID, Registration
from tests.access.conftest import changed
from tests.stacks import fixture_values

POLICY = "aws:iam/rolePolicy:RolePolicy"


def _report(findings: list[Finding]) -> str:
    return "\n".join(str(f) for f in findings)


def test_every_call_of_every_principal_is_allowed(access_world: World, extract: Extract) -> None:
    findings, calls = prove(access_world, extract=extract)
    assert not findings, f"{len(findings)} finding(s):\n{_report(findings)}"
    # Every role of every stack is some principal's: none is left unproven.
    assert {c.role.principal.arn for c in calls} == {r.principal.arn for r in access_world.roles}


def test_the_stacks_it_covers_are_those_the_release_touches(access_world: World) -> None:
    release = next(s for s in access_world.stacks if s.name == "delivery").capture
    stages = {s.stack for s in release.config.release.stages}
    covered = {s.name for s in access_world.stacks}
    assert stages | {"delivery"} <= covered
    # Bootstrap in every account a stage deploys to, and in the delivery account.
    targets = {
        s.capture.config.platform.delivery.target_account
        for s in access_world.stacks
        if s.platform and s.capture is not None and s.capture.config.platform.delivery
    }
    bootstrapped = {s.account for s in access_world.stacks if s.name.startswith("bootstrap ")}
    assert bootstrapped == targets | {MOCK_ACCOUNT_ID}


def _without_statements(world: World, role_name: str, drop: Any) -> World:
    """The world with the statements `drop` selects removed from a role's inline policy."""

    def edit(policy: Registration) -> Registration:
        document = json.loads(policy.inputs["policy"])
        document["Statement"] = [s for s in document["Statement"] if not drop(s)]
        return replace(policy, inputs={**policy.inputs, "policy": json.dumps(document)})

    role = next(r for r in world.roles if r.name == role_name)
    urn = role.registration.urn
    return changed(
        world, lambda r: r.type == POLICY and urn in r.property_dependencies.get("role", []), edit
    )


def _denied(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.role, f.what.split(" ", 1)[0]) for f in findings}


def test_verify_without_the_key_for_execution_data_fails(
    access_world: World, extract: Extract
) -> None:
    """The verify role as it was: its only KMS grant through S3. Starting a scheduled machine and
    reading any execution then fail on the machines' customer key."""
    verify = next(
        r.name for r in access_world.roles if r.name.endswith("-verify") and "release" not in r.name
    )
    world = _without_statements(
        access_world,
        verify,
        lambda s: "kms:EncryptionContext:aws:states:stateMachineArn" in json.dumps(s),
    )
    findings, _ = prove(world, extract=extract)
    assert {(verify, "kms:Decrypt"), (verify, "kms:GenerateDataKey")} <= _denied(findings), _report(
        findings
    )
    origins = " ".join(f.origin for f in findings)
    assert "describe_execution" in origins and "start_execution" in origins


def test_a_removed_grant_fails(access_world: World, extract: Extract) -> None:
    role = next(r.name for r in access_world.roles if r.name.endswith("-orchestrator"))
    world = _without_statements(access_world, role, lambda s: "glue:StartCrawler" in s["Action"])
    findings, _ = prove(world, extract=extract)
    assert (role, "glue:StartCrawler") in _denied(findings), _report(findings)


def test_a_new_task_without_its_grant_fails(access_world: World, extract: Extract) -> None:
    def add_task(machine: Registration) -> Registration:
        definition = json.loads(machine.inputs["definition"])
        definition["States"]["PutRunMetric"] = {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:cloudwatch:putMetricData",
            "Parameters": {"Namespace": "DataPlatform", "MetricData": []},
            "End": True,
        }
        return replace(machine, inputs={**machine.inputs, "definition": json.dumps(definition)})

    first = next(access_world.of_type("aws:sfn/stateMachine:StateMachine")).urn
    findings, _ = prove(changed(access_world, lambda r: r.urn == first, add_task), extract=extract)
    denied = [f for f in findings if f.what.startswith("cloudwatch:PutMetricData on * is denied")]
    assert denied and "PutRunMetric" in denied[0].origin, _report(findings)


def test_a_new_sdk_call_in_code_fails(access_world: World, extract: Extract) -> None:
    handler = Path("runtime/ingest/handler.py")

    def with_new_call(files: Any) -> list[SdkCall]:
        calls = extract(files)
        return (
            [*calls, SdkCall("s3", "delete_objects", f"{handler}:1")] if handler in files else calls
        )

    findings, _ = prove(access_world, extract=with_new_call)
    assert [f for f in findings if "s3.delete_objects" in f.what], _report(findings)


def test_the_extractor_finds_the_handlers_calls(extract: Extract) -> None:
    found = {(c.service, c.method) for c in extract([Path("runtime/ingest/handler.py")])}
    assert {("s3", "get_object"), ("s3", "copy"), ("stepfunctions", "start_execution")} <= found
    assert (PROJECT_ROOT / "runtime/ingest/handler.py").is_file()


def test_a_job_applying_declared_migrations_may_make_their_calls_and_needs_their_grants(
    fixture_release_capture: ReleaseCapture,
    fixture_captures: dict[str, Capture],
    extract: Extract,
) -> None:
    """A stage whose warehouse declares a migration: its pipeline's job rewrites curated files,
    the manifests naming them and the catalog's partitions. Proven with its grants; without
    the partition grant the proof names the call."""
    values = fixture_values("dev")
    platform = values["data-platform:platform"]
    table = platform["pipelines"][0]["target_table"]
    platform["warehouse"]["migrations"] = [
        {"version": 1, "kind": "drop", "table": table, "column": "retired_column"}
    ]
    migrating = capture_stack("dev", values=values)
    platforms = [
        migrating if s.stack == "dev" else fixture_captures[s.stack]
        for s in fixture_release_capture.config.release.stages
    ]
    world = world_from(fixture_release_capture, platforms)
    findings, calls = prove(world, extract=extract)
    assert not findings, _report(findings)
    job = next(
        j
        for j in world.of_type("aws:glue/job:Job")
        if j.inputs["defaultArguments"].get("--target_table") == table
    )
    role = world.role_of(job, "roleArn")
    assert role is not None and "--migrations" in job.inputs["defaultArguments"]
    made = {c.request.action for c in calls if c.role.name == role.name}
    assert {"glue:BatchUpdatePartition", "s3:DeleteObject", "glue:UpdateTable"} <= made
    world = _without_statements(
        world, role.name, lambda s: "glue:BatchUpdatePartition" in s["Action"]
    )
    findings, _ = prove(world, extract=extract)
    assert (role.name, "glue:BatchUpdatePartition") in _denied(findings), _report(findings)
