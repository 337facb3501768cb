"""The warehouse load: every pending manifest is loaded by one bounded, polled Data API statement
taking its key as a bound parameter, then deleted; a failed load is recorded as an attempt, moves
the manifest to dead letter after the configured number of attempts, and never stops the next
manifest; any failed load reaches NotifyFailure with every manifest's outcome."""

import json
from typing import Any

import pytest

from components.pipelines.asl import ManifestLoad, pipeline_definition

TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts"
LOAD = ManifestLoad(
    bucket="dp-dev-curated",
    prefix="_manifests/orders/",
    target={"WorkgroupName": "dp-dev", "Database": "analytics"},
    sql="CALL curated.load_orders(:manifest)",
    statement_name="dp-dev-orders-load",
    pipeline="orders",
    attempts_prefix="_load_attempts/orders/",
    dead_letter_prefix="_dead_letter/orders/",
    max_polls=40,
)
TO_FAILURE = {"ErrorEquals": ["States.ALL"], "Next": "NotifyFailure", "ResultPath": "$.error"}
TO_LOAD_FAILED = {
    "ErrorEquals": ["States.ALL"],
    "Next": "RecordLoadFailure",
    "ResultPath": "$.error",
}


def _states(load: ManifestLoad = LOAD, partition: str = "aws") -> dict[str, Any]:
    definition = pipeline_definition(
        pipeline="orders",
        crawler_name="orders-crawler",
        job_name="orders-etl",
        topic_arn=TOPIC.replace("arn:aws:", f"arn:{partition}:"),
        load=load,
        partition=partition,
    )
    states: dict[str, Any] = json.loads(definition.to_json())["States"]
    return states


def _processor(states: dict[str, Any]) -> dict[str, Any]:
    processor: dict[str, Any] = states["LoadPendingManifests"]["ItemProcessor"]
    return processor


def test_pending_manifests_are_listed_under_the_tables_prefix_and_bounded() -> None:
    states = _states()
    listing = states["ListPendingLoads"]
    assert listing["Resource"] == "arn:aws:states:::aws-sdk:s3:listObjectsV2"
    assert listing["Parameters"] == {
        "Bucket": "dp-dev-curated",
        "Prefix": "_manifests/orders/",
        "MaxKeys": 100,
    }
    assert listing["ResultPath"] == "$.pendingLoads"
    assert listing["Catch"] == [TO_FAILURE]
    assert states["HasPendingLoads"] == {
        "Type": "Choice",
        "Choices": [
            {
                "Variable": "$.pendingLoads.KeyCount",
                "NumericGreaterThan": 0,
                "Next": "LoadPendingManifests",
            }
        ],
        "Default": "PipelineSucceeded",
    }


def test_manifests_load_one_at_a_time_and_failures_reach_notify_failure() -> None:
    states = _states()
    load = states["LoadPendingManifests"]
    assert load["Type"] == "Map"
    assert load["ItemsPath"] == "$.pendingLoads.Contents"
    assert load["ItemSelector"] == {"manifest.$": "$$.Map.Item.Value.Key"}
    assert load["MaxConcurrency"] == 1
    assert load["ItemProcessor"]["ProcessorConfig"] == {"Mode": "INLINE"}
    # Each item ends with its outcome; the Map keeps them all and says whether any failed.
    assert load["ResultSelector"] == {
        "items.$": "$",
        "anyFailed.$": "States.ArrayContains($[*].outcome, 'failed')",
    }
    assert load["ResultPath"] == "$.loads"
    assert load["Catch"] == [TO_FAILURE]
    assert load["Next"] == "AnyLoadFailed"
    assert states["AnyLoadFailed"] == {
        "Type": "Choice",
        "Choices": [
            {"Variable": "$.loads.anyFailed", "BooleanEquals": True, "Next": "ReportFailedLoads"}
        ],
        "Default": "PipelineSucceeded",
    }
    assert states["ReportFailedLoads"] == {
        "Type": "Pass",
        "Parameters": {"Error": "LoadFailed", "Cause.$": "States.JsonToString($.loads.items)"},
        "ResultPath": "$.error",
        "Next": "NotifyFailure",
    }


def test_every_path_of_an_item_ends_in_an_outcome_and_only_a_broken_failure_path_fails() -> None:
    processor = _processor(_states())["States"]
    ends = {name: s for name, s in processor.items() if s.get("End") or s["Type"] == "Fail"}
    outcomes = {
        name: s["Parameters"].get("outcome") for name, s in ends.items() if "Parameters" in s
    }
    assert outcomes == {
        "LoadedByAnotherExecution": "loaded-elsewhere",
        "ManifestLoaded": "loaded",
        "ManifestLoadedUncounted": "loaded",
        "LoadToBeRetried": "failed",
        "ManifestDeadLettered": "dead-lettered",
    }
    assert processor["LoadFailed"] == {
        "Type": "Fail",
        "Error": "LoadFailed",
        "CausePath": "$.error.Cause",
    }
    # Only the failure path's own S3 calls lead there.
    into_fail = sorted(
        name
        for name, state in processor.items()
        for catch in state.get("Catch", [])
        if catch["Next"] == "LoadFailed"
    )
    assert into_fail == [
        "CountLoadAttempts",
        "DeadLetterManifest",
        "RecordLoadAttempt",
        "RemoveDeadLetteredManifest",
    ]


def test_the_statement_takes_the_manifest_key_as_a_bound_parameter() -> None:
    start = _processor(_states())["States"]["LoadWarehouse"]
    assert start["Resource"] == "arn:aws:states:::aws-sdk:redshiftdata:executeStatement"
    assert start["Parameters"] == {
        "WorkgroupName": "dp-dev",
        "Database": "analytics",
        "Sql": "CALL curated.load_orders(:manifest)",
        "Parameters": [{"Name": "manifest", "Value.$": "$.manifest"}],
        "StatementName": "dp-dev-orders-load",
    }
    assert start["ResultPath"] == "$.loadStatement"
    assert start["Catch"] == [TO_LOAD_FAILED]


def test_the_poll_loop_is_bounded_and_deletes_the_manifest_only_when_finished() -> None:
    processor = _processor(_states())
    states = processor["States"]
    assert processor["StartAt"] == "LoadWarehouse"
    assert states["LoadWarehouseDescribe"]["Parameters"] == {"Id.$": "$.loadStatement.Id"}
    check = states["LoadWarehouseCheck"]
    assert check["Choices"] == [
        {
            "Variable": "$.loadStatus.Status",
            "StringEquals": "FINISHED",
            "Next": "RemoveLoadedManifest",
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
    ]
    assert check["Default"] == "LoadWarehouseCountPoll"
    assert states["LoadWarehouseCountPoll"]["Next"] == "LoadWarehouseWait"
    remove = states["RemoveLoadedManifest"]
    assert remove["Resource"] == "arn:aws:states:::aws-sdk:s3:deleteObject"
    assert remove["Parameters"] == {"Bucket": "dp-dev-curated", "Key.$": "$.manifest"}
    assert remove["Catch"] == [TO_LOAD_FAILED]


def test_a_failed_statement_fails_the_item_with_the_whole_status_as_cause() -> None:
    states = _processor(_states())["States"]
    assert states["LoadWarehouseFailed"]["Parameters"] == {
        "Error": "LoadWarehouseFailed",
        "Cause.$": "States.JsonToString($.loadStatus)",
    }
    assert states["LoadWarehouseFailed"]["Next"] == "CheckManifestPending"
    assert states["LoadWarehousePollLimit"]["Result"]["Error"] == "LoadWarehousePollLimitReached"
    assert states["LoadWarehousePollLimit"]["Next"] == "RecordLoadFailure"
    # The original error and the manifest's file name (the last segment of its key).
    segments = "States.StringSplit($.manifest, '/')"
    assert states["RecordLoadFailure"] == {
        "Type": "Pass",
        "Parameters": {
            "Cause.$": "States.Format('{}: {}', $.error.Error, $.error.Cause)",
            "file.$": f"States.ArrayGetItem({segments}, "
            f"States.MathAdd(States.ArrayLength({segments}), -1))",
        },
        "ResultPath": "$.failure",
        "Next": "RecordLoadAttempt",
    }


def test_each_execution_records_one_attempt_and_the_count_decides_the_dead_letter() -> None:
    states = _processor(_states())["States"]
    record = states["RecordLoadAttempt"]
    assert record["Resource"] == "arn:aws:states:::aws-sdk:s3:putObject"
    assert record["Parameters"] == {
        "Bucket": "dp-dev-curated",
        # One object per execution: a retried write replaces it, the execution counts once.
        "Key.$": "States.Format('_load_attempts/orders/{}/{}', $.failure.file, $$.Execution.Name)",
        "Body.$": "$.failure.Cause",
        "ContentType": "text/plain; charset=utf-8",
    }
    count = states["CountLoadAttempts"]
    assert count["Resource"] == "arn:aws:states:::aws-sdk:s3:listObjectsV2"
    assert count["Parameters"] == {
        "Bucket": "dp-dev-curated",
        "Prefix.$": "States.Format('_load_attempts/orders/{}/', $.failure.file)",
    }
    assert count["ResultSelector"] == {"count.$": "$.KeyCount"}
    assert states["IsAttemptLimitReached"] == {
        "Type": "Choice",
        "Choices": [
            {
                "Variable": "$.attempts.count",
                "NumericGreaterThanEquals": LOAD.max_attempts,
                "Next": "DeadLetterManifest",
            }
        ],
        "Default": "LoadToBeRetried",
    }
    assert states["LoadToBeRetried"]["Parameters"] == {
        "manifest.$": "$.manifest",
        "outcome": "failed",
        "attempts.$": "$.attempts.count",
        "max_attempts": LOAD.max_attempts,
        "reason.$": "$.failure.Cause",
    }


def test_a_dead_lettered_manifest_is_copied_then_removed_and_counted() -> None:
    states = _processor(_states())["States"]
    copy = states["DeadLetterManifest"]
    assert copy["Resource"] == "arn:aws:states:::aws-sdk:s3:copyObject"
    assert copy["Parameters"] == {
        "Bucket": "dp-dev-curated",
        "CopySource.$": "States.Format('dp-dev-curated/{}', $.manifest)",
        "Key.$": "States.Format('_dead_letter/orders/{}', $.failure.file)",
    }
    assert copy["Next"] == "RemoveDeadLetteredManifest"
    remove = states["RemoveDeadLetteredManifest"]
    assert remove["Parameters"] == {"Bucket": "dp-dev-curated", "Key.$": "$.manifest"}
    assert remove["Next"] == "CountDeadLetter"
    metric = states["CountDeadLetter"]
    assert metric["Resource"] == "arn:aws:states:::aws-sdk:cloudwatch:putMetricData"
    assert metric["Parameters"] == {
        "Namespace": "DataPlatform/Pipelines",
        "MetricData": [
            {
                "MetricName": "ManifestsDeadLettered",
                "Value": 1,
                "Unit": "Count",
                "Dimensions": [{"Name": "Pipeline", "Value": "orders"}],
            }
        ],
    }
    # A metric that cannot be put does not change what happened to the manifest.
    assert [c["Next"] for c in metric["Catch"]] == ["ManifestDeadLettered"]


def test_a_loaded_manifest_reports_its_counts_when_the_statement_returns_them() -> None:
    states = _processor(_states())["States"]
    assert states["RemoveLoadedManifest"]["Next"] == "HasLoadCounts"
    assert states["HasLoadCounts"] == {
        "Type": "Choice",
        "Choices": [
            {
                "Variable": "$.loadStatus.HasResultSet",
                "BooleanEquals": True,
                "Next": "GetLoadCounts",
            }
        ],
        "Default": "PutLoadSucceeded",
    }
    result = states["GetLoadCounts"]
    assert result["Resource"] == "arn:aws:states:::aws-sdk:redshiftdata:getStatementResult"
    assert result["Parameters"] == {"Id.$": "$.loadStatement.Id"}
    assert [c["Next"] for c in result["Catch"]] == ["PutLoadSucceeded"]
    # A result of another shape is not read: the Choice checks the fourth value is there.
    assert result["ResultSelector"] == {"row.$": "$.Records[0]"}
    readable = states["AreLoadCountsReadable"]["Choices"][0]
    assert readable["Variable"] == "$.loadResult.row[3].LongValue"
    assert states["ReadLoadCounts"]["Parameters"] == {
        "staged.$": "$.loadResult.row[0].LongValue",
        "inserted.$": "$.loadResult.row[1].LongValue",
        "replaced.$": "$.loadResult.row[2].LongValue",
        "ignored_older.$": "$.loadResult.row[3].LongValue",
    }
    metrics = states["PutLoadMetrics"]["Parameters"]["MetricData"]
    assert [(m["MetricName"], m.get("Value", m.get("Value.$"))) for m in metrics] == [
        ("LoadsSucceeded", 1),
        ("RowsStaged", "$.loadCounts.staged"),
        ("RowsInserted", "$.loadCounts.inserted"),
        ("RowsReplaced", "$.loadCounts.replaced"),
        ("RowsIgnoredOlder", "$.loadCounts.ignored_older"),
    ]
    assert states["PutLoadMetrics"]["Next"] == "ManifestLoaded"
    assert states["ManifestLoaded"]["Parameters"]["counts.$"] == "$.loadCounts"


def test_a_failed_load_of_a_manifest_another_execution_removed_is_not_a_failure() -> None:
    # Only a successful load removes a manifest: when it is gone, the work was done elsewhere.
    states = _processor(_states())["States"]
    check = states["CheckManifestPending"]
    assert check["Resource"] == "arn:aws:states:::aws-sdk:s3:listObjectsV2"
    assert check["Parameters"] == {
        "Bucket": "dp-dev-curated",
        "Prefix.$": "$.manifest",
        "MaxKeys": 1,
    }
    assert check["ResultSelector"] == {"KeyCount.$": "$.KeyCount"}
    assert check["ResultPath"] == "$.manifestPending"
    # Its own error does not replace the load's, which is what the alert reports.
    assert check["Catch"] == [
        {
            "ErrorEquals": ["States.ALL"],
            "Next": "RecordLoadFailure",
            "ResultPath": "$.manifestCheckError",
        }
    ]
    assert states["IsManifestPending"] == {
        "Type": "Choice",
        "Choices": [
            {
                "Variable": "$.manifestPending.KeyCount",
                "NumericEquals": 0,
                "Next": "LoadedByAnotherExecution",
            }
        ],
        "Default": "RecordLoadFailure",
    }
    assert states["LoadedByAnotherExecution"]["End"] is True


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_every_task_resource_is_in_the_definitions_partition(partition: str) -> None:
    states = _states(partition=partition)
    tasks = {s["Resource"] for s in states.values() if s["Type"] == "Task"}
    tasks |= {s["Resource"] for s in _processor(states)["States"].values() if s["Type"] == "Task"}
    assert tasks == {
        f"arn:{partition}:states:::aws-sdk:glue:getJobRuns",
        f"arn:{partition}:states:::aws-sdk:glue:startCrawler",
        f"arn:{partition}:states:::aws-sdk:glue:getCrawler",
        f"arn:{partition}:states:::glue:startJobRun.sync",
        f"arn:{partition}:states:::aws-sdk:s3:listObjectsV2",
        f"arn:{partition}:states:::aws-sdk:redshiftdata:executeStatement",
        f"arn:{partition}:states:::aws-sdk:redshiftdata:describeStatement",
        f"arn:{partition}:states:::aws-sdk:redshiftdata:getStatementResult",
        f"arn:{partition}:states:::aws-sdk:s3:deleteObject",
        f"arn:{partition}:states:::aws-sdk:s3:putObject",
        f"arn:{partition}:states:::aws-sdk:s3:copyObject",
        f"arn:{partition}:states:::aws-sdk:cloudwatch:putMetricData",
        f"arn:{partition}:states:::sns:publish",
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"sql": "CALL curated.load_orders('x')"}, ":manifest", id="no-parameter"),
        pytest.param({"prefix": "_manifests/orders"}, "ending in '/'", id="prefix-not-a-folder"),
        pytest.param(
            {"dead_letter_prefix": "_manifests/orders/"}, "distinct", id="dead-letter-is-pending"
        ),
        pytest.param({"max_polls": 0}, "max_polls", id="unbounded-polls"),
        pytest.param({"max_manifests": 1001}, "manifests", id="too-many-manifests"),
        pytest.param({"max_attempts": 0}, "max_attempts", id="no-attempt"),
    ],
)
def test_a_manifest_load_rejects_what_step_functions_or_s3_would(
    overrides: dict[str, Any], message: str
) -> None:
    values: dict[str, Any] = {
        "bucket": "b",
        "prefix": "_manifests/orders/",
        "target": {"WorkgroupName": "w", "Database": "d"},
        "sql": "CALL s.load_orders(:manifest)",
        "statement_name": "n",
        "pipeline": "orders",
        "attempts_prefix": "_load_attempts/orders/",
        "dead_letter_prefix": "_dead_letter/orders/",
    }
    with pytest.raises(ValueError, match=message):
        ManifestLoad(**{**values, **overrides})


def test_unknown_partition_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown partition 'aws-eu'"):
        pipeline_definition(
            pipeline="p", crawler_name="c", job_name="j", topic_arn=TOPIC, partition="aws-eu"
        )
