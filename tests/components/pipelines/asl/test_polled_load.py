"""The warehouse load is an asynchronous Data API statement polled to completion: every way out
of its loop is success, NotifyFailure or a bounded poll limit, and the SQL cannot be injected."""

import json
from typing import Any

import pytest

from components.pipelines.asl import (
    DATA_API_RETRY_ERRORS,
    LoadStep,
    PolledLoadStep,
    data_api_load_step,
    pipeline_definition,
)
from components.warehouse.sql import check_data_api_target, replace_from_parquet

TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts"
ROLE = "arn:aws:iam::123456789012:role/dwh-copy-role"
SERVERLESS = {"WorkgroupName": "dp-dev", "Database": "analytics"}
PROVISIONED = {"ClusterIdentifier": "dp-prod", "Database": "analytics"}
TO_FAILURE = {"ErrorEquals": ["States.ALL"], "Next": "NotifyFailure", "ResultPath": "$.error"}
LOOP = ["", "InitPoll", "Wait", "Describe", "Check", "CountPoll", "Failed", "PollLimit"]


def copy_load_steps(
    *,
    pipeline: str,
    target: dict[str, str],
    schema: str,
    table: str,
    curated_bucket: str,
    copy_role_arn: str,
    **step: Any,
) -> tuple[PolledLoadStep, ...]:
    """The load of one pipeline as `stack.py` composes it: the warehouse's SQL, polled."""
    check_data_api_target(target)
    sqls = replace_from_parquet(
        schema=schema, table=table, curated_bucket=curated_bucket, copy_role_arn=copy_role_arn
    )
    return (
        data_api_load_step(target=target, sqls=sqls, statement_name=f"{pipeline}-{table}", **step),
    )


def _copy(**overrides: Any) -> PolledLoadStep:
    values: dict[str, Any] = {
        "pipeline": "sales",
        "target": SERVERLESS,
        "schema": "curated",
        "table": "orders",
        "curated_bucket": "dp-dev-curated",
        "copy_role_arn": ROLE,
        "max_polls": 40,
    }
    (step,) = copy_load_steps(**{**values, **overrides})
    return step


def _states(*load_steps: LoadStep | PolledLoadStep) -> dict[str, Any]:
    definition = pipeline_definition(
        pipeline="sales",
        crawler_name="sales-crawler",
        job_name="sales-etl",
        topic_arn=TOPIC,
        load_steps=load_steps,
    )
    states: dict[str, Any] = json.loads(definition.to_json())["States"]
    return states


@pytest.mark.parametrize("target", [SERVERLESS, PROVISIONED], ids=["serverless", "provisioned"])
def test_copy_statement_loads_the_tables_curated_prefix_as_parquet(target: dict[str, str]) -> None:
    start = _states(_copy(target=target))["LoadWarehouse"]
    assert start["Resource"] == "arn:aws:states:::aws-sdk:redshiftdata:batchExecuteStatement"
    assert start["Parameters"] == {
        **target,
        "Sqls": [
            "DELETE FROM curated.orders",
            "COPY curated.orders FROM 's3://dp-dev-curated/orders/'"
            f" IAM_ROLE '{ROLE}' FORMAT AS PARQUET",
        ],
        "StatementName": "sales-orders",
    }
    assert start["ResultPath"] == "$.loadStatement"
    assert start["Next"] == "LoadWarehouseInitPoll"


def test_load_loop_states_follow_the_glue_job_in_order() -> None:
    states = _states(_copy())
    loop = [f"LoadWarehouse{suffix}" for suffix in LOOP]
    assert list(states)[10 : 10 + len(loop)] == loop
    assert states["RunGlueJob"]["Next"] == "LoadWarehouse"
    assert states["LoadWarehouseInitPoll"] == {
        "Type": "Pass",
        "Result": {"Attempts": 1},
        "ResultPath": "$.loadPoll",
        "Next": "LoadWarehouseWait",
    }
    assert states["LoadWarehouseWait"] == {
        "Type": "Wait",
        "Seconds": 15,
        "Next": "LoadWarehouseDescribe",
    }
    describe = states["LoadWarehouseDescribe"]
    assert describe["Resource"] == "arn:aws:states:::aws-sdk:redshiftdata:describeStatement"
    assert describe["Parameters"] == {"Id.$": "$.loadStatement.Id"}
    assert (describe["ResultPath"], describe["Next"]) == ("$.loadStatus", "LoadWarehouseCheck")


def test_status_decides_between_success_failure_limit_and_another_poll() -> None:
    check = _states(_copy())["LoadWarehouseCheck"]
    assert check == {
        "Type": "Choice",
        "Choices": [
            {
                "Variable": "$.loadStatus.Status",
                "StringEquals": "FINISHED",
                "Next": "NotifySuccess",
            },
            {
                "Variable": "$.loadStatus.Status",
                "StringEquals": "FAILED",
                "Next": "LoadWarehouseFailed",
            },
            {
                "Variable": "$.loadStatus.Status",
                "StringEquals": "ABORTED",
                "Next": "LoadWarehouseFailed",
            },
            {
                "Variable": "$.loadPoll.Attempts",
                "NumericGreaterThanEquals": 40,
                "Next": "LoadWarehousePollLimit",
            },
        ],
        "Default": "LoadWarehouseCountPoll",
    }


def test_failure_and_poll_limit_record_the_error_and_notify() -> None:
    states = _states(_copy())
    assert states["LoadWarehouseFailed"] == {
        "Type": "Pass",
        "Parameters": {
            "Error": "LoadWarehouseFailed",
            "Cause.$": "States.JsonToString($.loadStatus)",
        },
        "ResultPath": "$.error",
        "Next": "NotifyFailure",
    }
    limit = states["LoadWarehousePollLimit"]
    assert limit["Result"]["Error"] == "LoadWarehousePollLimitReached"
    assert (limit["ResultPath"], limit["Next"]) == ("$.error", "NotifyFailure")
    count = states["LoadWarehouseCountPoll"]
    assert count["Parameters"] == {"Attempts.$": "States.MathAdd($.loadPoll.Attempts, 1)"}
    assert count["Next"] == "LoadWarehouseWait"


def test_data_api_calls_retry_transient_errors_and_catch_to_notify_failure() -> None:
    states = _states(_copy())
    for name in ("LoadWarehouse", "LoadWarehouseDescribe"):
        (retrier,) = states[name]["Retry"]
        assert retrier["ErrorEquals"] == list(DATA_API_RETRY_ERRORS)
        assert "States.TaskFailed" not in retrier["ErrorEquals"]
        assert states[name]["Catch"] == [TO_FAILURE]
        assert states[name]["TimeoutSeconds"] == 60


def test_loads_chain_in_order_with_plain_load_steps() -> None:
    second = _copy(table="customers", state_name="LoadCustomers")
    vacuum = LoadStep(
        name="Vacuum",
        resource="arn:aws:states:::aws-sdk:redshiftdata:executeStatement",
        parameters={**SERVERLESS, "Sql": "VACUUM"},
        retry_on=("States.Timeout",),
    )
    states = _states(_copy(), second, vacuum)
    assert states["LoadWarehouseCheck"]["Choices"][0]["Next"] == "LoadCustomers"
    assert states["LoadCustomersCheck"]["Choices"][0]["Next"] == "Vacuum"
    assert states["Vacuum"]["Next"] == "NotifySuccess"


def test_generated_state_names_may_not_clash() -> None:
    clash = LoadStep(name="LoadWarehouseWait", resource="r", parameters={}, retry_on=("E",))
    with pytest.raises(ValueError, match="LoadWarehouseWait"):
        _states(_copy(), clash)


@pytest.mark.parametrize(
    "field, value",
    [
        ("table", "orders'; DROP TABLE x; --"),
        ("schema", "Curated"),
        ("curated_bucket", "bucket' IAM_ROLE 'x"),
        ("copy_role_arn", "arn:aws:iam::123456789012:user/someone"),
    ],
)
def test_values_that_reach_the_sql_are_checked(field: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"{field} .* is not allowed in SQL"):
        _copy(**{field: value})


def test_target_must_name_one_warehouse_and_a_database() -> None:
    with pytest.raises(ValueError, match="target must have keys"):
        _copy(target={**SERVERLESS, "ClusterIdentifier": "x"})


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"poll_seconds": 0}, "poll_seconds >= 1"),
        ({"max_polls": 0}, "max_polls >= 1"),
        ({"failed_statuses": ()}, "at least one status"),
        ({"name": "L" * 72}, "no room for state suffixes"),
    ],
)
def test_polled_load_step_rejects_invalid_values(overrides: dict[str, Any], message: str) -> None:
    values: dict[str, Any] = {
        "name": "Load",
        "resource": "r",
        "parameters": {},
        "status_resource": "s",
        "retry_on": ("E",),
    }
    with pytest.raises(ValueError, match=message):
        PolledLoadStep(**{**values, **overrides})


def _task_resources(states: dict[str, Any]) -> set[str]:
    return {state["Resource"] for state in states.values() if state["Type"] == "Task"}


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_every_task_resource_is_in_the_definitions_partition(partition: str) -> None:
    definition = pipeline_definition(
        pipeline="sales",
        crawler_name="sales-crawler",
        job_name="sales-etl",
        topic_arn=TOPIC,
        load_steps=copy_load_steps(
            pipeline="sales",
            target=SERVERLESS,
            schema="curated",
            table="orders",
            curated_bucket="dp-dev-curated",
            copy_role_arn=ROLE.replace("arn:aws:", f"arn:{partition}:"),
            partition=partition,
        ),
        partition=partition,
    )
    states: dict[str, Any] = json.loads(definition.to_json())["States"]
    assert _task_resources(states) == {
        f"arn:{partition}:states:::aws-sdk:glue:startCrawler",
        f"arn:{partition}:states:::aws-sdk:glue:getCrawler",
        f"arn:{partition}:states:::glue:startJobRun.sync",
        f"arn:{partition}:states:::aws-sdk:redshiftdata:batchExecuteStatement",
        f"arn:{partition}:states:::aws-sdk:redshiftdata:describeStatement",
        f"arn:{partition}:states:::sns:publish",
    }


def test_a_definition_for_aws_cn_has_only_aws_cn_task_resources() -> None:
    definition = pipeline_definition(
        pipeline="sales",
        crawler_name="sales-crawler",
        job_name="sales-etl",
        topic_arn="arn:aws-cn:sns:cn-north-1:123456789012:alerts",
        load_steps=(_copy(partition="aws-cn"),),
        partition="aws-cn",
    )
    resources = _task_resources(json.loads(definition.to_json())["States"])
    assert len(resources) == 6
    assert [r for r in resources if not r.startswith("arn:aws-cn:states:::")] == []


def test_load_steps_built_for_another_partition_are_rejected() -> None:
    with pytest.raises(ValueError, match="not in partition aws-cn"):
        pipeline_definition(
            pipeline="sales",
            crawler_name="sales-crawler",
            job_name="sales-etl",
            topic_arn=TOPIC,
            load_steps=(_copy(),),
            partition="aws-cn",
        )


@pytest.mark.parametrize("build", ["definition", "load steps"])
def test_unknown_partition_is_rejected(build: str) -> None:
    with pytest.raises(ValueError, match="unknown partition 'aws-eu'"):
        if build == "definition":
            pipeline_definition(
                pipeline="p", crawler_name="c", job_name="j", topic_arn=TOPIC, partition="aws-eu"
            )
        else:
            _copy(partition="aws-eu")
