"""Principals that AWS services act as on the platform's behalf: the warehouse's COPY role (the
load procedure's COPY reads the manifests and curated files) and the roles EventBridge rules
run their targets as (a schedule starts a state machine, a push starts the release, a pull
request or a schedule starts a build)."""

from __future__ import annotations

from collections.abc import Iterator

from offline.access.calls import Call, call
from offline.access.glue import s3_targets
from offline.access.platform import (
    CLUSTER,
    EVENT_TARGET,
    JOB,
    NAMESPACE,
    UnplacedCallError,
    data_key,
    s3_calls,
    with_keys,
)
from offline.access.world import World

# What a target's role is used for, by the target's service (Amazon EventBridge User Guide,
# "Using IAM roles to invoke targets"): the one action that starts the target.
TARGET_ACTIONS = {
    "states": "states:StartExecution",
    "codepipeline": "codepipeline:StartPipelineExecution",
    "codebuild": "codebuild:StartBuild",
}


def copy_calls(world: World) -> Iterator[Call]:
    """COPY of each job's manifests and curated files, as the warehouse's default IAM role
    (Amazon Redshift Database Developer Guide, 'COPY from Amazon S3': s3:GetObject on the
    manifest and each file it lists, kms:Decrypt for SSE-KMS objects)."""
    warehouses = [*world.of_type(NAMESPACE), *world.of_type(CLUSTER)]
    for warehouse in warehouses:
        role = world.role_of(warehouse, "defaultIamRoleArn")
        if role is None:
            continue
        stack = world.stack_of(warehouse)
        for job in (j for j in world.of_type(JOB) if world.stack_of(j) == stack):
            args = job.inputs.get("defaultArguments") or {}
            origin = f"the warehouse's COPY of Glue job {job.inputs['name']}'s output"
            for argument in ("--manifest_prefix", "--target_path"):
                targets = s3_targets(args[argument], ("s3:GetObject",))
                yield from s3_calls(world, role, targets, origin)


# Publishing flow logs to CloudWatch Logs (Amazon VPC User Guide, "IAM role for publishing flow
# logs to CloudWatch Logs"); DescribeLogGroups takes no resource.
FLOW_LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams")


def flow_log_calls(world: World) -> Iterator[Call]:
    for flow_log in world.of_type("aws:ec2/flowLog:FlowLog"):
        role = world.role_of(flow_log, "iamRoleArn")
        assert role is not None, f"{flow_log.name}: its role is not declared"
        origin = f"VPC flow log {flow_log.name} publishes"
        group = f"{flow_log.inputs['logDestination']}:*"
        yield from (call(role, a, group, origin) for a in FLOW_LOG_ACTIONS)
        yield call(role, "logs:DescribeLogGroups", "*", origin)


def event_target_calls(world: World) -> Iterator[Call]:
    """Each EventBridge target that runs as a role: the call that starts the target."""
    for target in world.of_type(EVENT_TARGET):
        if not target.inputs.get("roleArn"):
            continue
        role = world.role_of(target, "roleArn")
        assert role is not None, f"{target.name}: its role is not declared"
        arn = str(target.inputs["arn"])
        action = TARGET_ACTIONS.get(arn.split(":")[2])
        if action is None:
            raise UnplacedCallError(f"{target.name}: no action known to start target {arn}")
        made = call(role, action, arn, f"EventBridge target {target.name} starts {arn}")
        yield from with_keys(world, made, data_key(world, action, arn))
