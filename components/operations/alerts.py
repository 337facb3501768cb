"""The alert function of a stack: the readable alerts of what happens to data (a file quarantined
or landed under no pipeline's prefix, a batch held, a manifest dead-lettered) and of failed
executions, published to the alert topic.

Packaged from `runtime/alerts/` with the pipelines it knows written beside the handler
(`pipelines.json`, from the stack's config); EventBridge delivers it every object created in the
raw zone (it alerts on `quarantine/` and on keys under no pipeline's prefix: an event pattern
cannot exclude several prefixes, anything-but takes one) and the curated zone's held and
dead-letter prefixes; each state machine invokes it on a failure.
"""

import json
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from components.shared.aws_context import AwsEnv
from components.shared.event_function import (
    FunctionSpec,
    dead_letter_queue,
    event_function,
    invoked_by_rule,
    object_created_pattern,
)
from components.shared.iam import allow, policy_document, service_role
from components.shared.log_group import encrypted_log_group
from components.shared.queues import queue_statements
from stack_config.base import StrictModel
from stack_config.pipelines import PLATFORM_RAW_ROOTS, PipelineSettings

HANDLER_FILE = "runtime/alerts/handler.py"


class AlertFunctionArgs(StrictModel):
    """The stack's pipelines, naming, log retention and tags."""

    stack: str
    pipelines: list[PipelineSettings]
    name_prefix: str
    log_retention_days: int
    tags: dict[str, str]


def alert_config(stack: str, pipelines: Sequence[PipelineSettings]) -> dict[str, object]:
    """What the alert function reads from `pipelines.json`: every pipeline's prefixes."""
    return {
        "stack": stack,
        "platform_raw_roots": list(PLATFORM_RAW_ROOTS),
        "pipelines": [
            {
                "name": p.name,
                "source_prefix": p.source_prefix,
                "quarantine_prefix": p.quarantine_prefix,
                "rejects_prefix": p.rejects_prefix,
                "target_table": p.target_table,
                "manifest_prefix": p.manifest_prefix,
                "held_prefix": p.held_prefix,
                "dead_letter_prefix": p.dead_letter_prefix,
                "load_attempts_prefix": p.load_attempts_prefix,
                "run_report_prefix": p.run_report_prefix,
                "max_attempts": p.load.max_attempts,
            }
            for p in pipelines
        ],
    }


def curated_roots(pipelines: Sequence[PipelineSettings]) -> list[str]:
    """The top folders of the curated zone's held and dead-letter prefixes (`_held/`, ...)."""
    prefixes = [prefix for p in pipelines for prefix in (p.held_prefix, p.dead_letter_prefix)]
    return sorted({prefix.split("/", 1)[0] + "/" for prefix in prefixes})


class AlertFunction(pulumi.ComponentResource):
    """Dead-letter queue, log group, role, function, its two EventBridge rules and permissions."""

    function: aws.lambda_.Function
    dead_letter_queue: aws.sqs.Queue

    def __init__(
        self,
        name: str,
        args: AlertFunctionArgs,
        *,
        env: AwsEnv,
        kms_key_arn: pulumi.Input[str],
        topic_arn: pulumi.Input[str],
        raw_bucket: pulumi.Input[str],
        curated_bucket: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:operations:AlertFunction", name, None, opts)
        self._name, self._args, self._child = name, args, pulumi.ResourceOptions(parent=self)
        function_name = f"{args.name_prefix}-alerts"
        self.dead_letter_queue = dead_letter_queue(
            f"{name}-dlq", kms_key_arn=kms_key_arn, tags=args.tags, opts=self._child
        )
        log_group = encrypted_log_group(
            f"{name}-logs",
            log_group_name=f"/aws/lambda/{function_name}",
            retention_days=args.log_retention_days,
            kms_key_arn=kms_key_arn,
            tags=args.tags,
            opts=self._child,
        )
        role = self._role(
            env,
            kms_key_arn,
            topic_arn=topic_arn,
            raw_bucket=raw_bucket,
            curated_bucket=curated_bucket,
            log_group=log_group,
        )
        config = json.dumps(alert_config(args.stack, args.pipelines), indent=1)
        self.function = event_function(
            f"{name}-function",
            FunctionSpec(
                function_name=function_name,
                code=pulumi.AssetArchive(
                    {
                        "handler.py": pulumi.FileAsset(HANDLER_FILE),
                        "pipelines.json": pulumi.StringAsset(config),
                    }
                ),
                environment={
                    "ALERT_TOPIC_ARN": topic_arn,
                    "RAW_BUCKET": raw_bucket,
                    "CURATED_BUCKET": curated_bucket,
                },
                timeout=30,
                memory_size=128,
            ),
            role_arn=role.arn,
            kms_key_arn=kms_key_arn,
            log_group=log_group,
            dead_letters=self.dead_letter_queue,
            tags=args.tags,
            opts=self._child,
        )
        self._triggers(raw_bucket, curated_bucket)
        self.register_outputs(
            {"function_name": self.function.name, "dead_letter_queue": self.dead_letter_queue.name}
        )

    def _role(
        self,
        env: AwsEnv,
        kms_key_arn: pulumi.Input[str],
        *,
        topic_arn: pulumi.Input[str],
        raw_bucket: pulumi.Input[str],
        curated_bucket: pulumi.Input[str],
        log_group: aws.cloudwatch.LogGroup,
    ) -> aws.iam.Role:
        pipelines = self._args.pipelines
        reads = [
            *(env.s3_arn(raw_bucket, f"{p.quarantine_prefix}*") for p in pipelines),
            *(env.s3_arn(curated_bucket, f"{p.run_report_prefix}*") for p in pipelines),
            *(env.s3_arn(curated_bucket, f"{p.load_attempts_prefix}*") for p in pipelines),
        ]
        listed = [
            f"{prefix}*"
            for p in pipelines
            for prefix in (p.load_attempts_prefix, p.run_report_prefix)
        ]
        data_grants = [
            # GetObject also authorises HeadObject (the quarantine reason is metadata).
            allow(["s3:GetObject"], reads),
            # ListBucket turns a missing run report into 404 instead of 403.
            allow(
                ["s3:ListBucket"], [env.s3_arn(curated_bucket)], StringLike={"s3:prefix": listed}
            ),
        ]
        return service_role(
            f"{self._name}-role",
            service="lambda.amazonaws.com",
            statements=[
                *(data_grants if pipelines else []),
                allow(["sns:Publish"], [topic_arn]),
                allow(["sqs:SendMessage"], [self.dead_letter_queue.arn]),
                allow(["kms:Decrypt", "kms:GenerateDataKey*"], [kms_key_arn]),
                allow(
                    ["logs:CreateLogStream", "logs:PutLogEvents"],
                    [log_group.arn.apply(lambda arn: f"{arn}:*")],
                ),
                allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]),
            ],
            tags=self._args.tags,
            opts=self._child,
        )

    def _triggers(self, raw_bucket: pulumi.Input[str], curated_bucket: pulumi.Input[str]) -> None:
        patterns = {
            "raw-objects": (
                "Objects created in the raw zone: quarantined files, files under no pipeline",
                object_created_pattern(raw_bucket, None),
            )
        }
        roots = curated_roots(self._args.pipelines)
        if roots:
            patterns["curated-alerts"] = (
                "Batches held and manifests dead-lettered in the curated zone",
                object_created_pattern(curated_bucket, roots),
            )
        rules: list[pulumi.Input[str]] = []
        for role, (description, pattern) in patterns.items():
            rule = aws.cloudwatch.EventRule(
                f"{self._name}-{role}",
                description=description,
                event_pattern=pattern,
                tags=self._args.tags,
                opts=self._child,
            )
            invoked_by_rule(
                f"{self._name}-{role}-target",
                f"{self._name}-{role}-invoke",
                rule=rule,
                function=self.function,
                dead_letters=self.dead_letter_queue,
                opts=self._child,
            )
            rules.append(rule.arn)
        aws.sqs.QueuePolicy(
            f"{self._name}-dlq-policy",
            queue_url=self.dead_letter_queue.url,
            policy=policy_document(
                queue_statements(self.dead_letter_queue.arn, rules, sid="UndeliverableAlertEvents")
            ),
            opts=self._child,
        )
