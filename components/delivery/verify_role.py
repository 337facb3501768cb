"""The role a release's Verify build assumes in this environment: it may land canary files, read
and remove the canary rows' curated partition, start the scheduled pipelines and follow their
executions, and nothing else: no other object, no other service, no data of real rows.

It is declared by the environment's own stack, since it names the stack's buckets and state
machines, and trusts only the delivery account's Verify build of this stack.
"""

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from components.delivery.names import stage_project, verify_role_name
from components.delivery.trust import release_trust
from components.shared.aws_context import AwsEnv
from components.shared.iam import Statement, allow, execution_data_grant, trusted_role
from stack_config.base import StrictModel
from stack_config.delivery import CanarySettings


class CanaryPipeline(StrictModel):
    """Where one pipeline's canary lands, where its rows arrive, and how it is started."""

    source_prefix: str
    canary_partition: str | None
    """The curated prefix of the canary rows' partition; None when the pipeline has no
    partition column, so its canary rows cannot be kept apart (only the execution is checked)."""
    scheduled: bool


class VerifyRoleArgs(StrictModel):
    """Whose Verify build may assume the role and what its canaries touch."""

    stack: str
    platform_prefix: str
    external_id: str
    canary: CanarySettings
    pipelines: dict[str, CanaryPipeline]
    tags: dict[str, str]


class VerifyRole(pulumi.ComponentResource):
    """The Verify build's role in this environment."""

    role: aws.iam.Role

    def __init__(
        self,
        name: str,
        args: VerifyRoleArgs,
        *,
        env: AwsEnv,
        delivery_account: pulumi.Input[str],
        raw_bucket: pulumi.Input[str],
        curated_bucket: pulumi.Input[str],
        kms_key_arn: pulumi.Input[str],
        state_machines: dict[str, pulumi.Output[str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:delivery:VerifyRole", name, None, opts)
        statements = [
            *canary_object_statements(env, args, raw_bucket, curated_bucket),
            allow(
                ["kms:GenerateDataKey", "kms:Decrypt"],
                [kms_key_arn],
                StringEquals={"kms:ViaService": f"s3.{env.region}.amazonaws.com"},
            ),
            *execution_statements(args, state_machines),
            # Starting a machine encrypts its input with the customer key and reading an
            # execution's history decrypts it, as the caller; Verify reports the failed state's
            # error from that history, so it decrypts, for this stack's machines only.
            execution_data_grant(env, kms_key_arn, list(state_machines.values())),
        ]
        trust = release_trust(
            partition=env.partition,
            delivery_account=delivery_account,
            projects=[stage_project(args.stack, "verify")],
            external_id=args.external_id,
        )
        self.role = trusted_role(
            f"{name}-role",
            trust=trust,
            statements=statements,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
            name=verify_role_name(args.platform_prefix),
        )
        self.register_outputs({"arn": self.role.arn})


def canary_object_statements(
    env: AwsEnv,
    args: VerifyRoleArgs,
    raw_bucket: pulumi.Input[str],
    curated_bucket: pulumi.Input[str],
) -> list[Statement]:
    """Put, read and remove canary files; read and remove the canary partitions."""
    objects = ["s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"]
    canary = args.canary.file_prefix
    raw = [env.s3_arn(raw_bucket, f"{p.source_prefix}{canary}-*") for p in args.pipelines.values()]
    partitions = [
        p.canary_partition for p in args.pipelines.values() if p.canary_partition is not None
    ]
    statements = [allow(["s3:PutObject", *objects], raw)]
    if partitions:
        statements += [
            allow(objects, [env.s3_arn(curated_bucket, f"{p}*") for p in partitions]),
            allow(
                ["s3:ListBucket", "s3:ListBucketVersions"],
                [env.s3_arn(curated_bucket)],
                StringLike={"s3:prefix": [f"{p}*" for p in partitions]},
            ),
        ]
    return statements


def execution_statements(
    args: VerifyRoleArgs, state_machines: dict[str, pulumi.Output[str]]
) -> list[Statement]:
    """Start the scheduled pipelines (as their schedule would); follow every pipeline's runs."""
    scheduled = [state_machines[n] for n, p in args.pipelines.items() if p.scheduled]
    executions: Sequence[pulumi.Output[str]] = [
        arn.apply(lambda a: a.replace(":stateMachine:", ":execution:", 1) + ":*")
        for arn in state_machines.values()
    ]
    follow = allow(["states:DescribeExecution", "states:GetExecutionHistory"], list(executions))
    return [allow(["states:StartExecution"], scheduled), follow] if scheduled else [follow]
