"""One dataset's pipeline, declared from its config entry: crawler, Glue job, state machine and
its trigger (the ingestion function for arriving files, or a schedule with the landing signal
that lets a scheduled run skip when nothing landed).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.pipelines.args import PipelineArgs
from components.pipelines.crawler import GlueCrawler
from components.pipelines.ingestion import IngestionFunction
from components.pipelines.job import GlueJob
from components.pipelines.landing import LandingSignal
from components.pipelines.orchestration import PipelineStateMachine, WarehouseLoad
from components.shared.aws_context import AwsEnv
from components.shared.iam import allow, execution_data_grant, service_role
from stack_config.pipelines import ScheduleTrigger


@dataclass(frozen=True)
class LakeLocations:
    """Where a pipeline reads and writes: bucket and catalog names (resolved at deploy time)."""

    raw_bucket: pulumi.Output[str]
    curated_bucket: pulumi.Output[str]
    artifacts_bucket: pulumi.Output[str]
    raw_database: pulumi.Output[str]
    curated_database: pulumi.Output[str]
    security_configuration: pulumi.Output[str]


class DataPipeline(pulumi.ComponentResource):
    """A complete, encrypted, orchestrated pipeline for one dataset."""

    job: GlueJob
    state_machine: PipelineStateMachine
    ingestion: IngestionFunction | None

    def __init__(
        self,
        name: str,
        args: PipelineArgs,
        *,
        env: AwsEnv,
        kms_key_arn: pulumi.Input[str],
        lake: LakeLocations,
        topic_arn: pulumi.Input[str],
        load: WarehouseLoad | None = None,
        alert_function_arn: pulumi.Input[str] | None = None,
        job_after: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:pipeline:DataPipeline", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        crawler = GlueCrawler(
            f"{name}-crawler",
            args,
            env=env,
            kms_key_arn=kms_key_arn,
            raw_bucket=lake.raw_bucket,
            raw_database=lake.raw_database,
            security_configuration=lake.security_configuration,
            opts=child,
        )
        self.job = GlueJob(
            f"{name}-etl",
            args,
            env=env,
            kms_key_arn=kms_key_arn,
            raw_bucket=lake.raw_bucket,
            curated_bucket=lake.curated_bucket,
            artifacts_bucket=lake.artifacts_bucket,
            curated_database=lake.curated_database,
            raw_database=lake.raw_database,
            security_configuration=lake.security_configuration,
            after=job_after,
            opts=child,
        )
        trigger = args.pipeline.trigger
        landing = (
            LandingSignal(
                f"{name}-landing",
                args,
                kms_key_arn=kms_key_arn,
                raw_bucket=lake.raw_bucket,
                opts=child,
            )
            if isinstance(trigger, ScheduleTrigger)
            else None
        )
        self.state_machine = PipelineStateMachine(
            f"{name}-orchestration",
            args,
            env=env,
            kms_key_arn=kms_key_arn,
            crawler=crawler.crawler,
            job=self.job.job,
            topic_arn=topic_arn,
            curated_bucket=lake.curated_bucket,
            load=load,
            landed_queue=landing.queue if landing is not None else None,
            alert_function_arn=alert_function_arn,
            opts=child,
        )
        self.ingestion = None
        if isinstance(trigger, ScheduleTrigger):
            self._schedule(name, trigger, args, env, kms_key_arn)
        else:
            self.ingestion = IngestionFunction(
                f"{name}-ingest",
                args,
                env=env,
                kms_key_arn=kms_key_arn,
                raw_bucket=lake.raw_bucket,
                state_machine_arn=self.state_machine.arn,
                opts=child,
            )
        self.register_outputs({"state_machine": self.state_machine.arn, "job": self.job.job.name})

    def _schedule(
        self,
        name: str,
        trigger: ScheduleTrigger,
        args: PipelineArgs,
        env: AwsEnv,
        kms_key_arn: pulumi.Input[str],
    ) -> None:
        child = pulumi.ResourceOptions(parent=self)
        role = service_role(
            f"{name}-schedule-role",
            service="events.amazonaws.com",
            source_account=env.account_id,
            statements=[
                allow(["states:StartExecution"], [self.state_machine.arn]),
                # The machine is encrypted with the customer key: starting it encrypts the input
                # with it, as the caller (Step Functions Developer Guide, data at rest).
                execution_data_grant(env, kms_key_arn, [self.state_machine.arn]),
            ],
            tags=args.tags,
            opts=child,
        )
        rule = aws.cloudwatch.EventRule(
            f"{name}-schedule",
            description=f"Scheduled run of pipeline {args.pipeline.name}",
            schedule_expression=trigger.expression,
            tags=args.tags,
            opts=child,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-schedule-target",
            rule=rule.name,
            arn=self.state_machine.arn,
            role_arn=role.arn,
            opts=child,
        )
