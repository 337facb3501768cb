"""The platform key rotates, has an alias and a policy scoped to the account and its services,
including the log delivery service that brings encrypted Step Functions logs."""

import fnmatch
from collections.abc import Callable
from typing import Any

import pytest

from components.storage.kms_key import KmsKey, KmsKeyArgs
from offline.arns import generated_uuid
from offline.capture import Capture
from offline.mocks import Registration
from stack_config.protection import ProtectionSettings
from tests.components.helpers import by_name, policy_statements
from tests.stacks import user_stacks

Runner = Callable[[Callable[[], object]], tuple[Registration, ...]]
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY = "aws:kms/key:Key"


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
        log_delivery=False,
        tags={},
        protection=ProtectionSettings(),
    )
    resources = by_name(run_mocked(lambda: KmsKey("state", args, account_id="123456789012")))
    sids = [s["Sid"] for s in policy_statements(resources["state-key"])]
    assert sids == ["AccountAdministersKeyThroughIam", "CloudWatchLogsInThisAccount"]


def test_log_delivery_is_scoped_to_this_accounts_logs(run_mocked: Runner) -> None:
    statements = {s["Sid"]: s for s in policy_statements(_key(run_mocked)["platform-key"])}
    delivery = statements["LogDeliveryForThisAccount"]
    assert delivery["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert set(delivery["Action"]) == {"kms:Decrypt*", "kms:GenerateDataKey*"}
    conditions = delivery["Condition"]
    assert conditions["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    assert conditions["ArnLike"] == {"aws:SourceArn": "arn:aws:logs:eu-west-1:123456789012:*"}


def _depended_on(resource: Registration, prop: str, type_: str, by_urn: dict[str, Any]) -> Any:
    (found,) = [by_urn[u] for u in resource.property_dependencies[prop] if by_urn[u].type == type_]
    return found


def _log_delivery_may(key: Registration, action: str, source_arn: str) -> bool:
    """Whether the key policy lets the log delivery service do `action` for `source_arn`."""
    for statement in policy_statements(key):
        principal = statement.get("Principal", {})
        if (
            statement["Effect"] != "Allow"
            or principal.get("Service") != "delivery.logs.amazonaws.com"
        ):
            continue
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        arn_like = statement.get("Condition", {}).get("ArnLike", {}).get("aws:SourceArn", "*")
        if any(fnmatch.fnmatchcase(action, a) for a in actions) and fnmatch.fnmatchcase(
            source_arn, arn_like
        ):
            return True
    return False


@pytest.mark.parametrize("stack", user_stacks())
def test_encrypted_state_machine_logs_can_be_delivered(
    stack: str, user_captures: dict[str, Capture]
) -> None:
    resources = user_captures[stack].resources
    by_urn = {r.urn: r for r in resources}
    machines = [r for r in resources if r.type == "aws:sfn/stateMachine:StateMachine"]
    assert len(machines) == len(user_captures[stack].config.platform.pipelines)
    for machine in machines:
        log_group = _depended_on(machine, "loggingConfiguration", LOG_GROUP, by_urn)
        key = _depended_on(log_group, "kmsKeyId", KEY, by_urn)
        # The delivery's aws:SourceArn is a CloudWatch Logs ARN of this account and region,
        # like the log group's own.
        source = machine.inputs["loggingConfiguration"]["logDestination"]
        for action in ("kms:Decrypt", "kms:GenerateDataKey"):
            assert _log_delivery_may(key, action, source), (machine.name, key.name, action)
