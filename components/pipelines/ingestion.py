"""The ingestion function of one pipeline, invoked by S3 "Object Created" events via EventBridge.

Packaged from `runtime/ingest/`; reserved concurrency, X-Ray tracing, a KMS-encrypted
dead-letter queue, an environment encrypted with the customer key and an explicit log group.
"""

import pulumi
import pulumi_aws as aws

from components.pipelines.args import PipelineArgs
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

# Only the handler module is shipped (no caches or tests); boto3 comes with the Lambda runtime.
HANDLER_FILE = "runtime/ingest/handler.py"


class IngestionFunction(pulumi.ComponentResource):
    """Dead-letter queue, log group, role, function, EventBridge rule and invoke permission."""

    function: aws.lambda_.Function
    dead_letter_queue: aws.sqs.Queue

    def __init__(
        self,
        name: str,
        args: PipelineArgs,
        *,
        env: AwsEnv,
        kms_key_arn: pulumi.Input[str],
        raw_bucket: pulumi.Input[str],
        state_machine_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:ingestion:IngestionFunction", name, None, opts)
        self._name, self._args, self._child = name, args, pulumi.ResourceOptions(parent=self)
        function_name = f"{args.qualified_name}-ingest"
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
        role = self._role(env, kms_key_arn, raw_bucket, state_machine_arn, log_group)
        self.function = event_function(
            f"{name}-function",
            FunctionSpec(
                function_name=function_name,
                code=pulumi.AssetArchive({"handler.py": pulumi.FileAsset(HANDLER_FILE)}),
                environment=self._environment(state_machine_arn),
                timeout=60,
                memory_size=256,
                reserved_concurrency=args.pipeline.ingest.reserved_concurrency,
            ),
            role_arn=role.arn,
            kms_key_arn=kms_key_arn,
            log_group=log_group,
            dead_letters=self.dead_letter_queue,
            tags=args.tags,
            opts=self._child,
        )
        self._trigger(raw_bucket)
        self.register_outputs(
            {"function_name": self.function.name, "dead_letter_queue": self.dead_letter_queue.name}
        )

    def _environment(self, state_machine_arn: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
        pipeline = self._args.pipeline
        return {
            "STATE_MACHINE_ARN": state_machine_arn,
            "QUARANTINE_PREFIX": pipeline.quarantine_prefix,
            "SOURCE_PREFIX": pipeline.source_prefix,
            "ALLOWED_EXTENSIONS": ",".join(pipeline.allowed_extensions),
            "MAX_OBJECT_BYTES": str(pipeline.ingest.max_object_mb * 1024 * 1024),
            "REQUIRED_COLUMNS": ",".join(pipeline.required_columns),
        }

    def _role(
        self,
        env: AwsEnv,
        kms_key_arn: pulumi.Input[str],
        raw_bucket: pulumi.Input[str],
        state_machine_arn: pulumi.Input[str],
        log_group: aws.cloudwatch.LogGroup,
    ) -> aws.iam.Role:
        pipeline = self._args.pipeline
        source, quarantine = pipeline.source_prefix, pipeline.quarantine_prefix
        return service_role(
            f"{self._name}-role",
            service="lambda.amazonaws.com",
            statements=[
                allow(["s3:GetObject", "s3:DeleteObject"], [env.s3_arn(raw_bucket, f"{source}*")]),
                # The copy to quarantine is boto3's managed copy: multipart above 8 MB, and a
                # failed part aborts the upload (boto3, "File transfer configuration").
                allow(
                    ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
                    [env.s3_arn(raw_bucket, f"{quarantine}*")],
                ),
                # ListBucket turns a missing object into 404 (skipped) instead of 403.
                allow(
                    ["s3:ListBucket"],
                    [env.s3_arn(raw_bucket)],
                    StringLike={"s3:prefix": [f"{source}*", f"{quarantine}*"]},
                ),
                allow(["states:StartExecution"], [state_machine_arn]),
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

    def _trigger(self, raw_bucket: pulumi.Input[str]) -> None:
        pattern = object_created_pattern(raw_bucket, [self._args.pipeline.source_prefix])
        rule = aws.cloudwatch.EventRule(
            f"{self._name}-object-created",
            description=f"Files landing for pipeline {self._args.pipeline.name}",
            event_pattern=pattern,
            tags=self._args.tags,
            opts=self._child,
        )
        invoked_by_rule(
            f"{self._name}-target",
            f"{self._name}-invoke",
            rule=rule,
            function=self.function,
            dead_letters=self.dead_letter_queue,
            opts=self._child,
        )
        aws.sqs.QueuePolicy(
            f"{self._name}-dlq-policy",
            queue_url=self.dead_letter_queue.url,
            policy=policy_document(
                queue_statements(
                    self.dead_letter_queue.arn, rule.arn, sid="UndeliverableEventsFromTheRule"
                )
            ),
            opts=self._child,
        )
