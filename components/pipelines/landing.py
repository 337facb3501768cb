"""The signal a scheduled pipeline reads to skip runs with nothing to do: every file landing under
its prefix leaves a message in an encrypted queue (an EventBridge rule on S3 "Object Created",
the same events the ingestion function of a file-triggered pipeline receives).

The queue accepts messages only from its rule, only over TLS; the state machine reads and
purges it (see asl/landing_steps.py). Messages are kept 14 days, the SQS maximum: a schedule
paused for longer forgets what landed meanwhile until the next file lands.
"""

import pulumi
import pulumi_aws as aws

from components.pipelines.args import PipelineArgs
from components.shared.event_function import object_created_pattern
from components.shared.iam import policy_document
from components.shared.queues import queue_statements

RETENTION_SECONDS = 14 * 24 * 3600


class LandingSignal(pulumi.ComponentResource):
    """The landing queue of one scheduled pipeline and the rule that fills it."""

    queue: aws.sqs.Queue

    def __init__(
        self,
        name: str,
        args: PipelineArgs,
        *,
        kms_key_arn: pulumi.Input[str],
        raw_bucket: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:pipeline:LandingSignal", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.queue = aws.sqs.Queue(
            f"{name}-queue",
            name=f"{args.qualified_name}-landed",
            kms_master_key_id=kms_key_arn,
            kms_data_key_reuse_period_seconds=300,
            message_retention_seconds=RETENTION_SECONDS,
            tags=args.tags,
            opts=child,
        )
        rule = aws.cloudwatch.EventRule(
            f"{name}-object-created",
            description=f"Files landing for scheduled pipeline {args.pipeline.name}",
            event_pattern=object_created_pattern(raw_bucket, [args.pipeline.source_prefix]),
            tags=args.tags,
            opts=child,
        )
        aws.cloudwatch.EventTarget(f"{name}-target", rule=rule.name, arn=self.queue.arn, opts=child)
        aws.sqs.QueuePolicy(
            f"{name}-queue-policy",
            queue_url=self.queue.url,
            policy=policy_document(
                queue_statements(self.queue.arn, rule.arn, sid="LandedFilesFromTheRule")
            ),
            opts=child,
        )
        self.register_outputs({"queue_url": self.queue.url})
