"""A Python Lambda function that EventBridge rules invoke, secure by construction: arm64, traced,
its environment under the customer key, its own log group, and a KMS-encrypted dead-letter queue
for what neither the function nor the rule's retries could handle."""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

RUNTIME = "python3.12"
# A dead letter is kept as long as SQS keeps any message.
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600


@dataclass(frozen=True)
class FunctionSpec:
    """What differs between functions: name, code, size, environment, concurrency."""

    function_name: str
    code: pulumi.AssetArchive
    environment: dict[str, pulumi.Input[str]]
    timeout: int
    memory_size: int
    reserved_concurrency: int | None = None


def dead_letter_queue(
    name: str, *, kms_key_arn: pulumi.Input[str], tags: dict[str, str], opts: pulumi.ResourceOptions
) -> aws.sqs.Queue:
    return aws.sqs.Queue(
        name,
        kms_master_key_id=kms_key_arn,
        kms_data_key_reuse_period_seconds=300,
        message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
        tags=tags,
        opts=opts,
    )


def event_function(
    name: str,
    spec: FunctionSpec,
    *,
    role_arn: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
    log_group: aws.cloudwatch.LogGroup,
    dead_letters: aws.sqs.Queue,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> aws.lambda_.Function:
    """The function `spec` describes, its handler `handler.handler`."""
    return aws.lambda_.Function(
        name,
        name=spec.function_name,
        runtime=RUNTIME,
        architectures=["arm64"],
        handler="handler.handler",
        code=spec.code,
        role=role_arn,
        timeout=spec.timeout,
        memory_size=spec.memory_size,
        reserved_concurrent_executions=spec.reserved_concurrency,
        kms_key_arn=kms_key_arn,
        environment=aws.lambda_.FunctionEnvironmentArgs(variables=spec.environment),
        tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
        dead_letter_config=aws.lambda_.FunctionDeadLetterConfigArgs(target_arn=dead_letters.arn),
        logging_config=aws.lambda_.FunctionLoggingConfigArgs(
            log_format="Text", log_group=log_group.name
        ),
        tags=tags,
        opts=opts,
    )


def invoked_by_rule(
    target_name: str,
    permission_name: str,
    *,
    rule: aws.cloudwatch.EventRule,
    function: aws.lambda_.Function,
    dead_letters: aws.sqs.Queue,
    opts: pulumi.ResourceOptions,
) -> None:
    """The rule's target (retried for an hour, then to the dead-letter queue) and the permission
    for that rule only to invoke the function."""
    aws.cloudwatch.EventTarget(
        target_name,
        rule=rule.name,
        arn=function.arn,
        retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(
            maximum_event_age_in_seconds=3600, maximum_retry_attempts=8
        ),
        dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(arn=dead_letters.arn),
        opts=opts,
    )
    aws.lambda_.Permission(
        permission_name,
        action="lambda:InvokeFunction",
        function=function.name,
        principal="events.amazonaws.com",
        source_arn=rule.arn,
        opts=opts,
    )


def object_created_pattern(
    bucket: pulumi.Input[str], prefixes: Sequence[str] | None
) -> pulumi.Output[str]:
    """The EventBridge pattern of S3 "Object Created" events in `bucket`, for keys under one of
    `prefixes` (any key when None)."""
    detail: dict[str, object] = {"bucket": {"name": [bucket]}}
    if prefixes is not None:
        detail["object"] = {"key": [{"prefix": prefix} for prefix in prefixes]}
    return pulumi.Output.json_dumps(
        {"source": ["aws.s3"], "detail-type": ["Object Created"], "detail": detail}
    )
