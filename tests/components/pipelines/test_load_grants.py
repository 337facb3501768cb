"""A pipeline's state machine may do what its load steps call, on its own prefixes only: list,
read and remove pending manifests, write and count attempt records, write dead letters, read its
statements' results, put metrics in the pipelines' namespace, invoke the alert function."""

from collections.abc import Callable
from typing import Any

import pulumi

from components.pipelines.orchestration import WarehouseLoad
from components.warehouse.warehouse import Warehouse
from offline.mocks import Registration
from stack_config.pipelines import METRICS_NAMESPACE, PipelineSettings
from tests.components.helpers import policy_statements
from tests.components.pipelines.test_data_pipeline import ORDERS, _pipeline

Runner = Callable[[Callable[[], object]], tuple[Registration, ...]]
FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:dp-test-alerts"
CURATED = "arn:aws:s3:::curated-bucket"
SETTINGS = PipelineSettings.model_validate(ORDERS)


def _load() -> WarehouseLoad:
    return WarehouseLoad(
        target=pulumi.Output.from_input({"WorkgroupName": "dp-test", "Database": "dev"}),
        sql="CALL curated.load_orders(:manifest)",
        statements=[],
        status_statements=Warehouse.load_status_statements,
    )


def _statements(run: Runner) -> list[dict[str, Any]]:
    resources = _pipeline(run, ORDERS, load=_load(), alert_function_arn=FUNCTION)
    return policy_statements(resources["orders-orchestration-role-policy"])


def _granted(statements: list[dict[str, Any]], action: str) -> list[tuple[str, Any]]:
    return [
        (resource, s.get("Condition"))
        for s in statements
        if action in s["Action"]
        for resource in s["Resource"]
    ]


def test_the_load_steps_reach_only_the_tables_own_prefixes(run_mocked: Runner) -> None:
    statements = _statements(run_mocked)
    manifests, attempts = SETTINGS.manifest_prefix, SETTINGS.load_attempts_prefix
    assert _granted(statements, "s3:GetObject") == [(f"{CURATED}/{manifests}*", None)]
    assert _granted(statements, "s3:DeleteObject") == [(f"{CURATED}/{manifests}*", None)]
    assert _granted(statements, "s3:PutObject") == [
        (f"{CURATED}/{attempts}*", None),
        (f"{CURATED}/{SETTINGS.dead_letter_prefix}*", None),
    ]
    assert _granted(statements, "s3:ListBucket") == [
        (CURATED, {"StringLike": {"s3:prefix": [f"{manifests}*", f"{attempts}*"]}})
    ]


def test_results_metrics_and_alerts_are_scoped(run_mocked: Runner) -> None:
    statements = _statements(run_mocked)
    # A load's status and its counts: read from any session of the role, by the warehouse's grant.
    assert _granted(statements, "redshift-data:GetStatementResult") == []
    resources = _pipeline(run_mocked, ORDERS, load=_load(), alert_function_arn=FUNCTION)
    role_id = resources["orders-orchestration-role"].outputs["uniqueId"]
    status = policy_statements(resources["orders-orchestration-role-load-status"])
    assert _granted(status, "redshift-data:GetStatementResult") == [
        ("*", {"StringLike": {"redshift-data:statement-owner-iam-userid": f"{role_id}:*"}})
    ]
    assert _granted(statements, "cloudwatch:PutMetricData") == [
        ("*", {"StringEquals": {"cloudwatch:namespace": METRICS_NAMESPACE}})
    ]
    assert _granted(statements, "lambda:InvokeFunction") == [(FUNCTION, None)]
