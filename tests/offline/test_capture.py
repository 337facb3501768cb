"""The real program runs offline for every stack; protection follows config, not stack names.
Specifics are pinned on the fixture stacks; the user's stacks must only use nothing deprecated."""

import copy
import gc
import json
import logging
import warnings
from collections.abc import Callable
from pathlib import Path

import pulumi.runtime.resource as sdk_resource
import pytest
from pulumi.runtime.proto import source_pb2

from offline.capture import (
    OFFLINE_SECRET,
    Capture,
    StackNotFoundError,
    capture_stack,
    engine_config,
)
from offline.mocks import Registration
from offline.report import to_json_resources
from stack_config import StackConfigError
from tests.stacks import FIXTURE_STACKS, fixture_values, user_stacks

RunMocked = Callable[[Callable[[], object]], tuple[Registration, ...]]


def test_protection_comes_from_config_values_not_the_stack_name() -> None:
    values = copy.deepcopy(fixture_values("prod"))
    values["data-platform:platform"]["protection"] = {
        "protect": False,
        "retain_on_delete": False,
        "force_destroy_buckets": True,
    }
    capture = capture_stack("prod", values=values)
    key = next(r for r in capture.resources if r.type == "aws:kms/key:Key")
    assert (key.protect, key.retain_on_delete) == (False, False)


def test_invalid_config_registers_nothing() -> None:
    values = copy.deepcopy(fixture_values("dev"))
    values["data-platform:platform"]["lake"]["zones"][1]["name"] = "Bad Name"
    with pytest.raises(StackConfigError, match=r"platform\.lake\.zones\[1\]\.name"):
        capture_stack("dev", values=values)


def test_unknown_stack_lists_the_available_ones() -> None:
    with pytest.raises(
        StackNotFoundError, match=r"unknown stack 'qa'.*available: delivery, dev, prod"
    ):
        capture_stack("qa", FIXTURE_STACKS)


@pytest.mark.parametrize("stack", user_stacks())
def test_program_uses_no_deprecated_resources_or_arguments(
    stack: str, user_captures: dict[str, Capture], caplog: pytest.LogCaptureFixture
) -> None:
    # The session's captures were the warm-up: import-time notices of deprecated SDK classes
    # are not the program's.
    assert stack in user_captures
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        capture_stack(stack)
    deprecations = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    assert deprecations == []
    assert [r.message for r in caplog.records if "deprecated" in r.message.lower()] == []


def test_a_lake_only_stack_without_optional_layers_evaluates() -> None:
    values = copy.deepcopy(fixture_values("dev"))
    for optional in ("network", "warehouse", "delivery", "pipelines"):
        del values["data-platform:platform"][optional]
    types = {r.type for r in capture_stack("dev", values=values).resources}
    assert "aws:s3/bucket:Bucket" in types
    assert not {t for t in types if t.startswith(("aws:redshift", "aws:ec2", "aws:codebuild"))}
    assert "aws:cloudwatch/dashboard:Dashboard" in types


def test_the_cyclic_collector_is_paused_during_the_run_and_restored_after(
    run_mocked: RunMocked,
) -> None:
    seen: list[bool] = []
    run_mocked(lambda: seen.append(gc.isenabled()))
    assert (seen, gc.isenabled()) == ([False], True)


def test_a_failing_program_still_restores_the_cyclic_collector(run_mocked: RunMocked) -> None:
    def fail() -> None:
        raise RuntimeError("program failed")

    with pytest.raises(RuntimeError, match="program failed"):
        run_mocked(fail)
    assert gc.isenabled()


def test_a_caller_that_disabled_the_cyclic_collector_keeps_it_disabled(
    run_mocked: RunMocked,
) -> None:
    gc.disable()
    try:
        run_mocked(lambda: None)
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_fast_capture_is_byte_identical_to_the_sdks_full_work(
    stack: str, fixture_root: Path, fixture_captures: dict[str, Capture]
) -> None:
    # The check skips source positions and the final collection; neither may change a byte.
    full = capture_stack(stack, fixture_root, source_positions=True, reclaim=True)
    fast = fixture_captures[stack]
    assert json.dumps(to_json_resources(fast.resources)) == json.dumps(
        to_json_resources(full.resources)
    )


def test_source_positions_are_skipped_during_the_run_and_restored_after(
    run_mocked: RunMocked,
) -> None:
    during: list[object] = []
    original = sdk_resource._get_stack_trace
    run_mocked(lambda: during.append(sdk_resource._get_stack_trace))
    assert during == [source_pb2.StackTrace]
    assert sdk_resource._get_stack_trace is original


def test_every_registration_reaches_on_register_as_it_happens() -> None:
    seen: list[Registration] = []
    capture = capture_stack("dev", values=fixture_values("dev"), on_register=seen.append)
    assert seen == list(capture.resources)


def test_config_reaches_the_program_as_the_cli_hands_it() -> None:
    config, secrets = engine_config(
        "shop",
        {
            "aws:region": "eu-west-1",
            "size": 3,
            "shop:tags": {"team": "data"},
            "token": {"secure": "v1:AAAA"},
        },
    )
    assert config == {
        "aws:region": "eu-west-1",
        "shop:size": "3",
        "shop:tags": '{"team": "data"}',
        "shop:token": OFFLINE_SECRET,
    }
    assert secrets == ["shop:token"]
