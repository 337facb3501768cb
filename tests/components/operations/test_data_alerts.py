"""The data alerts from config: the alert function with the pipelines it knows and the events it
hears, and each pipeline's alarms on rejected rows and freshness."""

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from components.operations.alerts import AlertFunction, AlertFunctionArgs, alert_config
from components.operations.operations import Operations, OperationsArgs
from components.shared.aws_context import AwsEnv
from components.shared.tagging import is_taggable
from offline.mocks import Registration
from stack_config.operations import OperationsSettings
from stack_config.pipelines import METRICS_DIMENSION, METRICS_NAMESPACE, PipelineSettings
from tests.components.helpers import by_name, children_of, policy_statements

Runner = Callable[[Callable[[], object]], tuple[Registration, ...]]
TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/test"
BASE: dict[str, Any] = {
    "source_prefix": "sales/",
    "format": "csv",
    "trigger": {"kind": "object-created"},
    "required_columns": ["sale_id", "sold_at"],
    "key_columns": ["sale_id"],
    "order_column": "sold_at",
}
WATCHED = PipelineSettings.model_validate(
    {
        **BASE,
        "name": "sales",
        "target_table": "sales",
        "expectations": {"batch": {"max_reject_ratio": 0.05}, "freshness": {"max_age_hours": 6}},
    }
)
PLAIN = PipelineSettings.model_validate(
    {**BASE, "name": "visits", "source_prefix": "visits/", "target_table": "visits"}
)
OPERATIONS = OperationsSettings.model_validate(
    {"subscriptions": [{"protocol": "email", "endpoint": "ops@example.com"}]}
)


def _alert_function(run: Runner) -> dict[str, Registration]:
    def program() -> None:
        AlertFunction(
            "alerts",
            AlertFunctionArgs(
                stack="qa",
                pipelines=[WATCHED, PLAIN],
                name_prefix="dp-qa",
                log_retention_days=30,
                tags={"Environment": "test"},
            ),
            env=AwsEnv(region="eu-west-1", account_id=pulumi.Output.from_input("123456789012")),
            kms_key_arn=KEY,
            topic_arn=TOPIC,
            raw_bucket="raw-bucket",
            curated_bucket="curated-bucket",
        )

    return by_name(run(program))


def test_the_function_ships_the_pipelines_it_knows_beside_its_handler(
    run_mocked: Runner,
) -> None:
    resources = _alert_function(run_mocked)
    assert resources["alerts"].type == "dataplatform:operations:AlertFunction"
    function = resources["alerts-function"].inputs
    assert function["name"] == "dp-qa-alerts"
    code = function["code"]
    assert isinstance(code, pulumi.AssetArchive)
    config, handler = code.assets["pipelines.json"], code.assets["handler.py"]
    assert isinstance(config, pulumi.StringAsset) and isinstance(handler, pulumi.FileAsset)
    assert json.loads(config.text) == alert_config("qa", [WATCHED, PLAIN])
    assert handler.path == "runtime/alerts/handler.py"
    assert function["environment"]["variables"] == {
        "ALERT_TOPIC_ARN": TOPIC,
        "RAW_BUCKET": "raw-bucket",
        "CURATED_BUCKET": "curated-bucket",
    }
    assert function["kmsKeyArn"] == KEY and function["tracingConfig"] == {"mode": "Active"}
    assert "alerts-dlq" in children_of(list(resources.values()), resources["alerts"])


def test_it_hears_every_raw_object_and_the_curated_held_and_dead_letter_prefixes(
    run_mocked: Runner,
) -> None:
    resources = _alert_function(run_mocked)
    raw = json.loads(resources["alerts-raw-objects"].inputs["eventPattern"])
    assert raw == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": ["raw-bucket"]}},
    }
    curated = json.loads(resources["alerts-curated-alerts"].inputs["eventPattern"])
    assert curated["detail"] == {
        "bucket": {"name": ["curated-bucket"]},
        "object": {"key": [{"prefix": "_dead_letter/"}, {"prefix": "_held/"}]},
    }
    for role in ("raw-objects", "curated-alerts"):
        target = resources[f"alerts-{role}-target"].inputs
        assert target["deadLetterConfig"]["arn"] == resources["alerts-dlq"].outputs["arn"]
        assert resources[f"alerts-{role}-invoke"].inputs["principal"] == "events.amazonaws.com"


def test_its_role_reads_only_quarantine_run_reports_and_attempts(run_mocked: Runner) -> None:
    statements = policy_statements(_alert_function(run_mocked)["alerts-role-policy"])
    (reads,) = [s["Resource"] for s in statements if s["Action"] == ["s3:GetObject"]]
    assert sorted(reads) == sorted(
        [f"arn:aws:s3:::raw-bucket/{p.quarantine_prefix}*" for p in (WATCHED, PLAIN)]
        + [
            f"arn:aws:s3:::curated-bucket/{prefix}*"
            for p in (WATCHED, PLAIN)
            for prefix in (p.run_report_prefix, p.load_attempts_prefix)
        ]
    )
    assert not [s for s in statements if "s3:PutObject" in s["Action"]]


def _operations(run: Runner) -> dict[str, Registration]:
    def program() -> None:
        Operations(
            "ops",
            OperationsArgs(
                operations=OPERATIONS,
                name_prefix="dp-qa",
                region="eu-west-1",
                tags={"Environment": "test"},
                pipelines=[WATCHED, PLAIN],
            ),
            alert_topic_arn=TOPIC,
        )

    return by_name(run(program))


def test_rejected_rows_alarm_over_the_ratio_or_on_any_reject(run_mocked: Runner) -> None:
    resources = _operations(run_mocked)
    ratio = resources["ops-rejects-sales"].inputs
    assert ratio["threshold"] == 0.05 and ratio["comparisonOperator"] == "GreaterThanThreshold"
    queries = {q["id"]: q for q in ratio["metricQueries"]}
    assert queries["ratio"]["expression"] == "IF(read > 0, rejected / read, 0)"
    assert {queries[i]["metric"]["metricName"] for i in ("rejected", "read")} == {
        "RowsRejected",
        "RowsRead",
    }
    assert queries["read"]["metric"]["dimensions"] == {METRICS_DIMENSION: "sales"}
    anyone = resources["ops-rejects-visits"].inputs
    assert (anyone["namespace"], anyone["metricName"], anyone["threshold"]) == (
        METRICS_NAMESPACE,
        "RowsRejected",
        0,
    )
    for alarm in (ratio, anyone):
        assert alarm["treatMissingData"] == "notBreaching"
        assert alarm["alarmActions"] == [TOPIC]
        assert "rejects/" in alarm["alarmDescription"]


def test_freshness_alarms_when_no_load_succeeded_for_max_age_hours(run_mocked: Runner) -> None:
    resources = _operations(run_mocked)
    assert "ops-freshness-visits" not in resources, "no freshness expectation, no alarm"
    alarm = resources["ops-freshness-sales"].inputs
    assert (alarm["metricName"], alarm["statistic"], alarm["period"]) == (
        "LoadsSucceeded",
        "Sum",
        3600,
    )
    assert alarm["evaluationPeriods"] == alarm["datapointsToAlarm"] == 6
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("LessThanThreshold", 1)
    assert alarm["treatMissingData"] == "breaching", "no load at all is stale data"
    assert alarm["alarmDescription"].startswith("sales: no load into the warehouse for 6 hours")


@pytest.mark.parametrize("builder", [_alert_function, _operations])
def test_every_taggable_resource_is_tagged(
    run_mocked: Runner, builder: Callable[[Runner], dict[str, Registration]]
) -> None:
    untagged = [
        r.name
        for r in builder(run_mocked).values()
        if r.custom
        and is_taggable(r.type)
        and r.inputs.get("tags", {}).get("Environment") != "test"
    ]
    assert untagged == []


def test_the_dashboard_shows_each_pipelines_own_metrics(run_mocked: Runner) -> None:
    body = json.loads(_operations(run_mocked)["ops-dashboard"].inputs["dashboardBody"])
    lines = [line for widget in body["widgets"] for line in widget["properties"]["metrics"]]
    for pipeline in ("sales", "visits"):
        for metric in ("RowsRead", "RowsRejected", "RowsInserted", "ManifestsDeadLettered"):
            assert [METRICS_NAMESPACE, metric, METRICS_DIMENSION, pipeline] in lines
