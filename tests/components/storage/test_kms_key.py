"""The platform key rotates, has an alias and a policy scoped to the account and its services."""

from collections.abc import Callable

import pytest

from components.storage.kms_key import KmsKey, KmsKeyArgs
from offline.arns import generated_uuid
from offline.mocks import Registration
from stack_config.protection import ProtectionSettings
from tests.components.helpers import by_name, policy_statements

Runner = Callable[[Callable[[], object]], tuple[Registration, ...]]


def _key(run: Runner, region: str = "eu-west-1", protect: bool = True) -> dict[str, Registration]:
    args = KmsKeyArgs(
        description="test key",
        alias="alias/data-platform-test",
        deletion_window_days=30,
        region=region,
        tags={"Environment": "test"},
        protection=ProtectionSettings(protect=protect, retain_on_delete=protect),
    )
    return by_name(run(lambda: KmsKey("platform", args, account_id="123456789012")))


def test_key_rotates_with_configured_window_and_alias(run_mocked: Runner) -> None:
    resources = _key(run_mocked)
    key = resources["platform-key"]
    assert key.parent == resources["platform"].urn
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == 30
    alias = resources["platform-alias"]
    assert alias.inputs == {
        "name": "alias/data-platform-test",
        "targetKeyId": generated_uuid("aws:kms/key:Key", "platform-key"),
    }
    assert (key.protect, key.retain_on_delete) == (True, True)


def test_policy_grants_admin_to_the_account_only(run_mocked: Runner) -> None:
    statements = policy_statements(_key(run_mocked)["platform-key"])
    admin = statements[0]
    assert admin["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert all(s["Principal"] != "*" for s in statements)


def test_service_statements_are_constrained_to_the_account(run_mocked: Runner) -> None:
    statements = {s["Sid"]: s for s in policy_statements(_key(run_mocked)["platform-key"])}
    logs = statements["CloudWatchLogsInThisAccount"]
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert logs["Condition"]["ArnLike"] == {
        "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:*"
    }
    services = statements["PlatformServicesInThisAccount"]
    assert services["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    assert "kms:*" not in services["Action"]


@pytest.mark.parametrize(
    "region, partition",
    [("eu-west-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")],
)
def test_arns_use_the_region_partition(run_mocked: Runner, region: str, partition: str) -> None:
    admin = policy_statements(_key(run_mocked, region)["platform-key"])[0]
    assert admin["Principal"]["AWS"] == f"arn:{partition}:iam::123456789012:root"


def test_a_key_without_platform_services_has_no_service_statement(run_mocked: Runner) -> None:
    args = KmsKeyArgs(
        description="state key",
        alias="alias/state",
        deletion_window_days=30,
        region="eu-west-1",
        services=(),
        tags={},
        protection=ProtectionSettings(),
    )
    resources = by_name(run_mocked(lambda: KmsKey("state", args, account_id="123456789012")))
    sids = [s["Sid"] for s in policy_statements(resources["state-key"])]
    assert sids == ["AccountAdministersKeyThroughIam", "CloudWatchLogsInThisAccount"]
