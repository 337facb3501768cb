"""Operations alert on every monitored thing through the encrypted topic, route Glue failures to
it with a readable message, and show the same metrics on one dashboard."""

import json
from collections.abc import Callable
from typing import Any

from components.operations.operations import Operations, OperationsArgs
from components.shared.tagging import is_taggable
from offline.mocks import Registration
from stack_config.operations import OperationsSettings
from tests.components.helpers import by_name, children_of

Runner = Callable[[Callable[[], object]], tuple[Registration, ...]]
TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:platform-alerts"
MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:sales"
SETTINGS = OperationsSettings.model_validate(
    {
        "subscriptions": [
            {"protocol": "email", "endpoint": "data-oncall@example.com"},
            {"protocol": "https", "endpoint": "https://hooks.example.com/alerts"},
        ],
        "alarm_period_seconds": 60,
        "evaluation_periods": 2,
    }
)


def _run(run: Runner, *, monitored: bool = True, topic: str = TOPIC_ARN) -> dict[str, Registration]:
    def program() -> None:
        Operations(
            "ops",
            OperationsArgs(
                operations=SETTINGS,
                name_prefix="dp-test",
                region="eu-west-1",
                tags={"Environment": "test"},
            ),
            lambda_functions={"ingest": "dp-test-ingest"} if monitored else None,
            dead_letter_queues={"ingest": "dp-test-ingest-dlq"} if monitored else None,
            state_machines={"sales": MACHINE} if monitored else None,
            glue_jobs={"sales": "dp-test-sales-etl"} if monitored else None,
            alert_topic_arn=topic,
        )

    return by_name(run(program))


def _alarms(resources: dict[str, Registration]) -> dict[str, dict[str, Any]]:
    return {
        r.name: r.inputs
        for r in resources.values()
        if r.type == "aws:cloudwatch/metricAlarm:MetricAlarm"
    }


def test_children_are_parented_and_named(run_mocked: Runner) -> None:
    resources = _run(run_mocked)
    assert resources["ops"].type == "dataplatform:operations:Operations"
    children = children_of(list(resources.values()), resources["ops"])
    assert {"ops-glue-failures", "ops-glue-failures-to-topic"} <= children
    assert {"ops-dashboard", "ops-lambda-errors-ingest", "ops-sfn-failed-sales"} <= children
    assert not [r for r in resources.values() if r.type == "aws:sns/topic:Topic"]


def test_subscriptions_come_from_config(run_mocked: Runner) -> None:
    resources = _run(run_mocked)
    subscriptions = [
        r.inputs
        for r in resources.values()
        if r.type == "aws:sns/topicSubscription:TopicSubscription"
    ]
    assert sorted((s["protocol"], s["endpoint"]) for s in subscriptions) == [
        ("email", "data-oncall@example.com"),
        ("https", "https://hooks.example.com/alerts"),
    ]
    assert {s["topic"] for s in subscriptions} == {TOPIC_ARN}


def test_one_alarm_per_metric_and_monitored_thing(run_mocked: Runner) -> None:
    alarms = _alarms(_run(run_mocked))
    summary = {
        name: (a["namespace"], a["metricName"], a["statistic"], a["dimensions"])
        for name, a in alarms.items()
    }
    assert summary == {
        "ops-lambda-errors-ingest": (
            "AWS/Lambda",
            "Errors",
            "Sum",
            {"FunctionName": "dp-test-ingest"},
        ),
        "ops-lambda-throttles-ingest": (
            "AWS/Lambda",
            "Throttles",
            "Sum",
            {"FunctionName": "dp-test-ingest"},
        ),
        "ops-dlq-depth-ingest": (
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "Maximum",
            {"QueueName": "dp-test-ingest-dlq"},
        ),
        "ops-sfn-failed-sales": (
            "AWS/States",
            "ExecutionsFailed",
            "Sum",
            {"StateMachineArn": MACHINE},
        ),
    }


def test_alarms_fire_above_zero_notify_the_topic_and_ignore_missing_data(
    run_mocked: Runner,
) -> None:
    for name, alarm in _alarms(_run(run_mocked)).items():
        assert (alarm["threshold"], alarm["comparisonOperator"]) == (0, "GreaterThanThreshold"), (
            name
        )
        assert alarm["treatMissingData"] == "notBreaching", name
        assert alarm["alarmActions"] == [TOPIC_ARN], name
        assert (alarm["period"], alarm["evaluationPeriods"]) == (60, 2), name
        assert alarm["name"] == name.replace("ops-", "dp-test-", 1), name


def test_glue_failures_are_routed_to_the_topic_with_a_readable_message(run_mocked: Runner) -> None:
    resources = _run(run_mocked)
    rule = resources["ops-glue-failures"].inputs
    assert json.loads(rule["eventPattern"]) == {
        "source": ["aws.glue"],
        "detail-type": ["Glue Job State Change"],
        "detail": {"jobName": ["dp-test-sales-etl"], "state": ["FAILED", "TIMEOUT", "STOPPED"]},
    }
    assert rule["state"] == "ENABLED"
    target = resources["ops-glue-failures-to-topic"].inputs
    assert target["arn"] == TOPIC_ARN
    transformer = target["inputTransformer"]
    assert transformer["inputPaths"]["job"] == "$.detail.jobName"
    assert transformer["inputPaths"]["state"] == "$.detail.state"
    assert transformer["inputTemplate"].startswith('"Glue job <job> ended <state>')


def test_dashboard_shows_every_alarm_metric_and_glue_failures(run_mocked: Runner) -> None:
    dashboard = _run(run_mocked)["ops-dashboard"].inputs
    assert dashboard["dashboardName"] == "dp-test-operations"
    widgets = json.loads(dashboard["dashboardBody"])["widgets"]
    metrics = [w["properties"]["metrics"] for w in widgets]
    assert metrics == [
        [["AWS/Lambda", "Errors", "FunctionName", "dp-test-ingest"]],
        [["AWS/Lambda", "Throttles", "FunctionName", "dp-test-ingest"]],
        [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "dp-test-ingest-dlq"]],
        [["AWS/States", "ExecutionsFailed", "StateMachineArn", MACHINE]],
        [["AWS/Events", "TriggeredRules", "RuleName", "dp-test-glue-job-failures"]],
    ]
    assert {w["properties"]["region"] for w in widgets} == {"eu-west-1"}


def test_nothing_monitored_still_gives_topic_and_dashboard(run_mocked: Runner) -> None:
    resources = _run(run_mocked, monitored=False)
    assert _alarms(resources) == {}
    assert "ops-glue-failures" not in resources
    assert "ops-dashboard" in resources


def test_every_taggable_resource_is_tagged(run_mocked: Runner) -> None:
    resources = _run(run_mocked)
    untagged = [
        r.name
        for r in resources.values()
        if r.custom
        and is_taggable(r.type)
        and r.inputs.get("tags", {}).get("Environment") != "test"
    ]
    assert untagged == []
