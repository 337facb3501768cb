"""The alarms on a pipeline's data, from its declared expectations and the metrics the pipeline
puts in `DataPlatform/Pipelines` (dimension Pipeline): rows rejected over the threshold in a Glue
run, and no successful warehouse load for longer than the freshness allows.

Each alarm's description is what its notification shows a person: what is wrong, then where to
look and what to do.
"""

from collections.abc import Mapping
from typing import Any

import pulumi_aws as aws

from stack_config.pipelines import METRICS_DIMENSION, METRICS_NAMESPACE, PipelineSettings

HOUR = 3600


def rejects_alarm_inputs(
    pipeline: PipelineSettings, period: int, evaluation_periods: int
) -> dict[str, Any]:
    """RowsRejected / RowsRead of a period above `max_reject_ratio` when the pipeline sets one,
    else any rejected row; a period in which nothing ran is not an alarm."""
    ratio = pipeline.expectations.batch.max_reject_ratio
    where = (
        f"Read them: s3://<raw bucket>/{pipeline.rejects_prefix} or the table "
        f"{pipeline.target_table}_rejects of the raw catalog database (source file, record, "
        "column, original text, reason)."
    )
    common: dict[str, Any] = {
        "evaluation_periods": evaluation_periods,
        "comparison_operator": "GreaterThanThreshold",
        "treat_missing_data": "notBreaching",
    }
    if ratio is None:
        return {
            **common,
            "alarm_description": f"{pipeline.name}: a Glue run rejected rows. {where}",
            **_metric("RowsRejected", pipeline.name, period),
            "threshold": 0,
        }
    return {
        **common,
        "alarm_description": (
            f"{pipeline.name}: a Glue run rejected more than {ratio:.1%} of the rows it read"
            f" (expectations.batch.max_reject_ratio); the batch is held. {where}"
        ),
        "metric_queries": [
            _query("rejected", "RowsRejected", pipeline.name, period),
            _query("read", "RowsRead", pipeline.name, period),
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="ratio",
                expression="IF(read > 0, rejected / read, 0)",
                label="rejected share of the rows read",
                return_data=True,
            ),
        ],
        "threshold": ratio,
    }


def freshness_alarm_inputs(pipeline: PipelineSettings) -> dict[str, Any] | None:
    """No LoadsSucceeded in any of the last `max_age_hours` hourly periods, a period without
    data counting as breaching: no load at all is stale data too. None without freshness."""
    freshness = pipeline.expectations.freshness
    if freshness is None:
        return None
    hours = freshness.max_age_hours
    return {
        "alarm_description": (
            f"{pipeline.name}: no load into the warehouse for {hours} hours"
            " (expectations.freshness.max_age_hours). Check that files still land under"
            f" {pipeline.source_prefix}, and look for quarantined files, held batches,"
            " dead-lettered manifests or failed executions of the pipeline."
        ),
        **_metric("LoadsSucceeded", pipeline.name, HOUR),
        "evaluation_periods": hours,
        "datapoints_to_alarm": hours,
        "threshold": 1,
        "comparison_operator": "LessThanThreshold",
        "treat_missing_data": "breaching",
    }


def _metric(metric: str, pipeline: str, period: int) -> dict[str, Any]:
    return {
        "namespace": METRICS_NAMESPACE,
        "metric_name": metric,
        "statistic": "Sum",
        "dimensions": {METRICS_DIMENSION: pipeline},
        "period": period,
    }


def _query(
    query_id: str, metric: str, pipeline: str, period: int
) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=query_id,
        return_data=False,
        metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
            namespace=METRICS_NAMESPACE,
            metric_name=metric,
            dimensions={METRICS_DIMENSION: pipeline},
            period=period,
            stat="Sum",
        ),
    )


PIPELINE_WIDGETS: Mapping[str, tuple[str, ...]] = {
    "rows per pipeline (DataPlatform/Pipelines)": (
        "RowsRead",
        "RowsCurated",
        "RowsRejected",
        "RowsInserted",
        "RowsReplaced",
    ),
    "data held back per pipeline (DataPlatform/Pipelines)": (
        "FilesQuarantined",
        "BatchesHeld",
        "ManifestsDeadLettered",
    ),
}
"""Dashboard widgets of the pipelines' own metrics: each metric of each pipeline a line."""
