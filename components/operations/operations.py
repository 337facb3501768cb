"""Operations: an encrypted alert topic with its subscribers, alarms on every monitored Lambda,
dead-letter queue and state machine, alarms on each pipeline's data (rejected rows, freshness),
Glue job failures routed to the topic, and one dashboard."""

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import pulumi
import pulumi_aws as aws
from pydantic import Field

from components.operations.data_alarms import (
    PIPELINE_WIDGETS,
    freshness_alarm_inputs,
    rejects_alarm_inputs,
)
from components.shared.topic import subscribe
from stack_config.base import StrictModel
from stack_config.operations import OperationsSettings
from stack_config.pipelines import METRICS_DIMENSION, METRICS_NAMESPACE, PipelineSettings

# The end states of a run that did not succeed, as Glue emits them in "Glue Job State Change"
# events (SUCCEEDED, FAILED, TIMEOUT, STOPPED; ERROR is a job-run state the events never carry).
# A stopped run is alerted too: its input waits for the next run.
GLUE_FAILED_STATES = ("FAILED", "TIMEOUT", "STOPPED")


class MetricFamily(NamedTuple):
    """One CloudWatch metric watched for every monitored thing of a kind."""

    label: str
    namespace: str
    metric: str
    statistic: str
    dimension: str


# Any datapoint above zero breaches; an absent metric (nothing ran) is not an alarm.
ALARM_FAMILIES = (
    MetricFamily("lambda-errors", "AWS/Lambda", "Errors", "Sum", "FunctionName"),
    MetricFamily("lambda-throttles", "AWS/Lambda", "Throttles", "Sum", "FunctionName"),
    MetricFamily(
        "dlq-depth", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", "QueueName"
    ),
    MetricFamily("sfn-failed", "AWS/States", "ExecutionsFailed", "Sum", "StateMachineArn"),
)
GLUE_FAILURES = MetricFamily("glue-job-failures", "AWS/Events", "TriggeredRules", "Sum", "RuleName")


class OperationsArgs(StrictModel):
    """The operations slice of the config, the pipelines whose data it watches, naming, region
    and tags."""

    operations: OperationsSettings
    name_prefix: str
    region: str
    tags: dict[str, str]
    pipelines: list[PipelineSettings] = Field(default_factory=list)


class Operations(pulumi.ComponentResource):
    """Alerting and the environment's dashboard; monitored things are keyed by a stable label."""

    topic_arn: pulumi.Output[str]
    dashboard_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: OperationsArgs,
        *,
        alert_topic_arn: pulumi.Input[str],
        lambda_functions: Mapping[str, pulumi.Input[str]] | None = None,
        dead_letter_queues: Mapping[str, pulumi.Input[str]] | None = None,
        state_machines: Mapping[str, pulumi.Input[str]] | None = None,
        glue_jobs: Mapping[str, pulumi.Input[str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`alert_topic_arn` is the platform's NotificationTopic, which CloudWatch and
        EventBridge may publish to; the pipelines alert through the same topic."""
        super().__init__("dataplatform:operations:Operations", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self.topic_arn = pulumi.Output.from_input(alert_topic_arn)
        self._build_subscriptions()
        monitored = {
            "lambda-errors": dict(lambda_functions or {}),
            "lambda-throttles": dict(lambda_functions or {}),
            "dlq-depth": dict(dead_letter_queues or {}),
            "sfn-failed": dict(state_machines or {}),
        }
        for family in ALARM_FAMILIES:
            for label, value in monitored[family.label].items():
                self._alarm(family, label, value)
        for pipeline in args.pipelines:
            self._data_alarms(pipeline)
        glue_rule = f"{args.name_prefix}-glue-job-failures"
        if glue_jobs:
            self._build_glue_failure_rule(glue_rule, list(glue_jobs.values()))
        monitored[GLUE_FAILURES.label] = {"all": glue_rule} if glue_jobs else {}
        dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=f"{args.name_prefix}-operations",
            dashboard_body=dashboard_body(
                args.region,
                args.operations.alarm_period_seconds,
                monitored,
                [p.name for p in args.pipelines],
            ),
            opts=self._child,
        )
        self.dashboard_name = dashboard.dashboard_name
        self.register_outputs({"topic_arn": self.topic_arn, "dashboard": self.dashboard_name})

    def _build_subscriptions(self) -> None:
        subscriptions = self._args.operations.subscriptions
        subscribe(f"{self._name}-subscription", self.topic_arn, subscriptions, self._child)

    def _alarm(self, family: MetricFamily, label: str, value: pulumi.Input[str]) -> None:
        settings, prefix = self._args.operations, self._args.name_prefix
        aws.cloudwatch.MetricAlarm(
            f"{self._name}-{family.label}-{label}",
            name=f"{prefix}-{family.label}-{label}",
            alarm_description=f"{family.metric} of {label} above 0 ({prefix})",
            namespace=family.namespace,
            metric_name=family.metric,
            statistic=family.statistic,
            dimensions={family.dimension: value},
            period=settings.alarm_period_seconds,
            evaluation_periods=settings.evaluation_periods,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=[self.topic_arn],
            ok_actions=[self.topic_arn],
            tags=self._args.tags,
            opts=self._child,
        )

    def _data_alarms(self, pipeline: PipelineSettings) -> None:
        """Rejected rows over the pipeline's threshold; no load for longer than its freshness."""
        settings, prefix = self._args.operations, self._args.name_prefix
        alarms = {
            "rejects": rejects_alarm_inputs(
                pipeline, settings.alarm_period_seconds, settings.evaluation_periods
            ),
            "freshness": freshness_alarm_inputs(pipeline),
        }
        for kind, inputs in alarms.items():
            if inputs is None:
                continue
            aws.cloudwatch.MetricAlarm(
                f"{self._name}-{kind}-{pipeline.name}",
                name=f"{prefix}-{kind}-{pipeline.name}",
                alarm_actions=[self.topic_arn],
                ok_actions=[self.topic_arn],
                tags=self._args.tags,
                opts=self._child,
                **inputs,
            )

    def _build_glue_failure_rule(self, rule_name: str, job_names: list[pulumi.Input[str]]) -> None:
        rule = aws.cloudwatch.EventRule(
            f"{self._name}-glue-failures",
            name=rule_name,
            description="Glue job runs that failed, timed out or errored",
            event_pattern=pulumi.Output.json_dumps(glue_failure_pattern(job_names)),
            state="ENABLED",
            tags=self._args.tags,
            opts=self._child,
        )
        aws.cloudwatch.EventTarget(
            f"{self._name}-glue-failures-to-topic",
            rule=rule.name,
            arn=self.topic_arn,
            input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                input_paths={
                    "job": "$.detail.jobName",
                    "state": "$.detail.state",
                    "run": "$.detail.jobRunId",
                    "message": "$.detail.message",
                    "time": "$.time",
                },
                input_template='"Glue job <job> ended <state> at <time> (run <run>): <message>"',
            ),
            opts=self._child,
        )


def glue_failure_pattern(job_names: list[pulumi.Input[str]]) -> dict[str, object]:
    """The EventBridge pattern of a failed, timed-out or errored run of one of `job_names`."""
    return {
        "source": ["aws.glue"],
        "detail-type": ["Glue Job State Change"],
        "detail": {"jobName": job_names, "state": list(GLUE_FAILED_STATES)},
    }


def dashboard_body(
    region: str,
    period: int,
    monitored: Mapping[str, Mapping[str, pulumi.Input[str]]],
    pipelines: Sequence[str] = (),
) -> pulumi.Output[str]:
    """One metric widget per alarm family (each monitored thing a line), one of Glue failures
    (the failure rule's triggers) and, with pipelines, the pipelines' own metrics (each metric of
    each pipeline a line), two widgets per row."""
    charts: list[tuple[str, str, list[list[pulumi.Input[str]]]]] = []
    for family in (*ALARM_FAMILIES, GLUE_FAILURES):
        namespace, metric = family.namespace, family.metric
        lines: list[list[pulumi.Input[str]]] = [
            [namespace, metric, family.dimension, value]
            for value in monitored[family.label].values()
        ]
        charts.append(
            (f"{family.label} ({metric})", family.statistic, lines or [[namespace, metric]])
        )
    if pipelines:
        for title, metrics in PIPELINE_WIDGETS.items():
            lines = [
                [METRICS_NAMESPACE, metric, METRICS_DIMENSION, name]
                for name in pipelines
                for metric in metrics
            ]
            charts.append((title, "Sum", lines))
    widgets = [
        {
            "type": "metric",
            "x": (index % 2) * 12,
            "y": (index // 2) * 6,
            "width": 12,
            "height": 6,
            "properties": {
                "title": title,
                "region": region,
                "stat": statistic,
                "period": period,
                "view": "timeSeries",
                "metrics": lines,
            },
        }
        for index, (title, statistic, lines) in enumerate(charts)
    ]
    return pulumi.Output.json_dumps({"widgets": widgets})
