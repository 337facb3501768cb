"""A pipeline's Step Functions state machine: (when scheduled, check that something landed)
crawl, run the Glue job, load; a failure notifies.

The definition is built by the typed ASL builder (validated before it is serialised); the machine
is encrypted with the customer key, logs to a KMS-encrypted log group and is traced with X-Ray.
Its role has a fixed name: it is also the warehouse's database user for this pipeline's loads.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.pipelines.args import PipelineArgs
from components.pipelines.asl import ManifestLoad, pipeline_definition
from components.shared.aws_context import AwsEnv
from components.shared.iam import Statement, allow, policy_document, service_role
from components.shared.log_group import encrypted_log_group
from stack_config.pipelines import METRICS_NAMESPACE

# Step Functions log delivery is configured through CloudWatch Logs' delivery API, which does not
# support resource-level permissions (AWS Step Functions developer guide, "IAM policies for
# logging to CloudWatch Logs").
_LOG_DELIVERY_ACTIONS = [
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
]
_XRAY_ACTIONS = [
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
]


@dataclass(frozen=True)
class WarehouseLoad:
    """What the warehouse gives a pipeline's load: where to run it (a Data API target), the SQL
    that loads one manifest (taking its key as `:manifest`) and the IAM statements to run it."""

    target: pulumi.Output[Mapping[str, str]]
    sql: str
    statements: Sequence[Statement]
    # Given the role's unique id: what polls the role's own loads from any of its sessions.
    status_statements: Callable[[pulumi.Input[str]], Sequence[Statement]]


class PipelineStateMachine(pulumi.ComponentResource):
    """Log group, role and the state machine of one pipeline."""

    state_machine: aws.sfn.StateMachine
    arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: PipelineArgs,
        *,
        env: AwsEnv,
        kms_key_arn: pulumi.Input[str],
        crawler: aws.glue.Crawler,
        job: aws.glue.Job,
        topic_arn: pulumi.Input[str],
        curated_bucket: pulumi.Input[str],
        load: WarehouseLoad | None = None,
        landed_queue: aws.sqs.Queue | None = None,
        alert_function_arn: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`alert_function_arn`: the function that writes a failure's alert (the topic gets the
        raw failure when it cannot be invoked)."""
        super().__init__("dataplatform:orchestration:PipelineStateMachine", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        machine_name = args.qualified_name
        log_group = encrypted_log_group(
            f"{name}-logs",
            log_group_name=f"/aws/vendedlogs/states/{machine_name}",
            retention_days=args.log_retention_days,
            kms_key_arn=kms_key_arn,
            tags=args.tags,
            opts=child,
        )
        load_grants = (
            [*load.statements, *_load_grants(args, env, curated_bucket)] if load is not None else []
        )
        alert_grants = (
            [allow(["lambda:InvokeFunction"], [alert_function_arn])]
            if alert_function_arn is not None
            else []
        )
        role = service_role(
            f"{name}-role",
            name=args.orchestrator_role_name,
            service="states.amazonaws.com",
            source_account=env.account_id,
            statements=[
                allow(["glue:StartCrawler", "glue:GetCrawler"], [_crawler_arn(env, crawler)]),
                allow(
                    [
                        "glue:StartJobRun",
                        "glue:GetJobRun",
                        "glue:GetJobRuns",
                        "glue:BatchStopJobRun",
                    ],
                    [env.arn("glue", pulumi.Output.concat("job/", job.name))],
                ),
                allow(["sns:Publish"], [topic_arn]),
                *alert_grants,
                allow(["kms:Decrypt", "kms:GenerateDataKey*"], [kms_key_arn]),
                allow(_LOG_DELIVERY_ACTIONS, ["*"]),
                allow(_XRAY_ACTIONS, ["*"]),
                *load_grants,
                *(
                    [
                        allow(
                            ["sqs:ReceiveMessage", "sqs:PurgeQueue", "sqs:SendMessage"],
                            [landed_queue.arn],
                        )
                    ]
                    if landed_queue is not None
                    else []
                ),
            ],
            tags=args.tags,
            opts=child,
        )
        if load is not None:
            # A policy of its own: it names the role's unique id, known once the role exists.
            aws.iam.RolePolicy(
                f"{name}-role-load-status",
                role=role.id,
                policy=policy_document(load.status_statements(role.unique_id)),
                opts=child,
            )
        definition = pulumi.Output.all(
            crawler.name,
            job.name,
            pulumi.Output.from_input(topic_arn),
            pulumi.Output.from_input(curated_bucket),
            load.target if load is not None else None,
            landed_queue.url if landed_queue is not None else None,
            alert_function_arn,
        ).apply(
            lambda values: pipeline_definition(
                pipeline=args.pipeline.name,
                crawler_name=values[0],
                job_name=values[1],
                topic_arn=values[2],
                load=_manifest_load(args, values[3], values[4], load),
                job_input_keys=(),
                partition=env.partition,
                landed_queue_url=values[5],
                alert_function_arn=values[6],
            ).to_json()
        )
        self.state_machine = aws.sfn.StateMachine(
            f"{name}-state-machine",
            name=machine_name,
            type="STANDARD",
            role_arn=role.arn,
            definition=definition,
            logging_configuration=aws.sfn.StateMachineLoggingConfigurationArgs(
                level="ERROR",
                include_execution_data=False,
                log_destination=log_group.arn.apply(lambda arn: f"{arn}:*"),
            ),
            tracing_configuration=aws.sfn.StateMachineTracingConfigurationArgs(enabled=True),
            encryption_configuration=aws.sfn.StateMachineEncryptionConfigurationArgs(
                type="CUSTOMER_MANAGED_KMS_KEY",
                kms_key_id=kms_key_arn,
                kms_data_key_reuse_period_seconds=300,
            ),
            tags=args.tags,
            opts=child,
        )
        self.arn = self.state_machine.arn
        self.register_outputs({"arn": self.arn, "name": self.state_machine.name})


def _manifest_load(
    args: PipelineArgs,
    bucket: str,
    target: Mapping[str, str] | None,
    load: WarehouseLoad | None,
) -> ManifestLoad | None:
    if target is None or load is None:
        return None
    pipeline = args.pipeline
    return ManifestLoad(
        bucket=bucket,
        prefix=pipeline.manifest_prefix,
        target=target,
        sql=load.sql,
        statement_name=f"{args.qualified_name}-load",
        pipeline=pipeline.name,
        attempts_prefix=pipeline.load_attempts_prefix,
        dead_letter_prefix=pipeline.dead_letter_prefix,
        max_attempts=pipeline.load.max_attempts,
    )


def _load_grants(
    args: PipelineArgs, env: AwsEnv, curated_bucket: pulumi.Input[str]
) -> list[Statement]:
    """The S3, Data API and CloudWatch calls of the load steps beyond running the statement:
    list, read (as a copy's source) and remove pending manifests, write and count attempt
    records, write dead letters, read the statement's counts, put the load metrics."""
    pipeline = args.pipeline
    manifests, attempts = pipeline.manifest_prefix, pipeline.load_attempts_prefix
    return [
        allow(
            ["s3:ListBucket"],
            [env.s3_arn(curated_bucket)],
            StringLike={"s3:prefix": [f"{manifests}*", f"{attempts}*"]},
        ),
        allow(["s3:GetObject", "s3:DeleteObject"], [env.s3_arn(curated_bucket, f"{manifests}*")]),
        allow(
            ["s3:PutObject"],
            [
                env.s3_arn(curated_bucket, f"{attempts}*"),
                env.s3_arn(curated_bucket, f"{pipeline.dead_letter_prefix}*"),
            ],
        ),
        allow(
            ["cloudwatch:PutMetricData"],
            ["*"],
            StringEquals={"cloudwatch:namespace": METRICS_NAMESPACE},
        ),
    ]


def _crawler_arn(env: AwsEnv, crawler: aws.glue.Crawler) -> pulumi.Output[str]:
    return env.arn("glue", pulumi.Output.concat("crawler/", crawler.name))
