"""The release's principals: each pipeline's role (source, builds, approvals, artifacts), each
build's role (logs, source, artifacts, secrets, the roles it assumes) and, as each assumed role,
what its buildspec runs: the Pulumi CLI's state and secrets, `aws` commands, and the project's
own modules (`python -m ...`) with their SDK calls, bound to the stage's stack."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offline.access.calls import Call, call
from offline.access.platform import (
    Extract,
    Target,
    UnplacedCallError,
    bind,
    s3_arn,
    s3_calls,
    warehouse_calls_as,
    with_keys,
)
from offline.access.world import Role, Stack, World
from offline.capture import Capture
from offline.mocks import Registration
from pipeline_run.deployment import deployments
from policies.framework.yaml_file import read_buildspec

PIPELINE = "aws:codepipeline/pipeline:Pipeline"
PROJECT = "aws:codebuild/project:Project"
# CodePipeline UG, "CodePipeline service role" and each action's reference ("Service role
# permissions"): a CodeCommit source, a CodeBuild build, a manual approval's notification.
SOURCE_ACTIONS = {
    "CodeCommit": (
        "codecommit:GetBranch",
        "codecommit:GetCommit",
        "codecommit:UploadArchive",
        "codecommit:GetUploadArchiveStatus",
    ),
    "CodeStarSourceConnection": ("codeconnections:UseConnection",),
}
BUILD_ACTIONS = ("codebuild:StartBuild", "codebuild:BatchGetBuilds")
ARTIFACTS = ("s3:GetObject", "s3:PutObject")
_MODULE = re.compile(r"python3?\s+-m\s+([\w.]+)")
# What the warehouse's reconciliation reads in a drift build, as the drift role: the catalog
# through the Data API (run a statement, wait for it, read its result).
DRIFT_CATALOG_READS = (
    "redshift-data:ExecuteStatement",
    "redshift-data:DescribeStatement",
    "redshift-data:GetStatementResult",
)


@dataclass(frozen=True)
class ReleaseTarget:
    """A RELEASE_TARGETS entry of a build: the stage's stack and the role it assumes."""

    stack: str
    backend_url: str
    external_id: str
    role_arn: str


def pipeline_calls(world: World) -> Iterator[Call]:
    for pipeline in world.of_type(PIPELINE):
        role = world.role_of(pipeline, "roleArn")
        assert role is not None, f"{pipeline.name}: its role is not declared"
        store = pipeline.inputs["artifactStores"][0]
        origin = f"pipeline {pipeline.inputs['name']}"
        objects: list[Target] = [
            (a, s3_arn(store["location"], "release/source/x.zip"), {}) for a in ARTIFACTS
        ]
        yield from s3_calls(world, role, objects, f"{origin} keeps its artifacts")
        for stage in pipeline.inputs["stages"]:
            for action in stage["actions"]:
                yield from _action_calls(
                    world, pipeline, role, action, f"{origin}, {stage['name']}"
                )


def _action_calls(
    world: World, pipeline: Registration, role: Role, action: dict[str, Any], origin: str
) -> Iterator[Call]:
    stack = world.stack_of(pipeline)
    configuration = action.get("configuration") or {}
    provider = action["provider"]
    if action["category"] == "Source":
        repository = configuration.get("RepositoryName")
        resource = (
            f"arn:aws:codecommit:{stack.region}:{stack.account}:{repository}"
            if repository
            else configuration["ConnectionArn"]
        )
        key = _repository_key(world, resource)
        for name in SOURCE_ACTIONS[provider]:
            yield from with_keys(world, call(role, name, resource, origin), key)
    elif provider == "CodeBuild":
        name = configuration["ProjectName"]
        project = f"arn:aws:codebuild:{stack.region}:{stack.account}:project/{name}"
        yield from (call(role, a, project, origin) for a in BUILD_ACTIONS)
    elif "NotificationArn" in configuration:
        topic = configuration["NotificationArn"]
        found = world.by_arn(topic)
        key = found.inputs.get("kmsMasterKeyId") if found else None
        yield from with_keys(world, call(role, "sns:Publish", topic, f"{origin} notifies"), key)


def _repository_key(world: World, arn: str) -> str | None:
    for repository in world.of_type("aws:codecommit/repository:Repository"):
        if repository.outputs.get("arn") == arn:
            return repository.inputs.get("kmsKeyId")
    return None


def build_calls(world: World, root: Path, extract: Extract) -> Iterator[Call]:
    """Each build project: what CodeBuild does as its role, then its buildspec."""
    for project in world.of_type(PROJECT):
        role = world.role_of(project, "serviceRole")
        assert role is not None, f"{project.name}: its role is not declared"
        yield from _codebuild_calls(world, project, role)
        yield from _buildspec_calls(world, project, role, root, extract)


def _codebuild_calls(world: World, project: Registration, role: Role) -> Iterator[Call]:
    """CodeBuild as the project's role (AWS CodeBuild User Guide, 'Allow CodeBuild to interact
    with other AWS services'): its logs, its source, its input and output artifacts, secrets."""
    stack, name = world.stack_of(project), project.inputs["name"]
    origin = f"CodeBuild runs {name}"
    group = project.inputs["logsConfig"]["cloudwatchLogs"]["groupName"]
    logs = f"arn:aws:logs:{stack.region}:{stack.account}:log-group:{group}:*"
    yield from (call(role, a, logs, origin) for a in ("logs:CreateLogStream", "logs:PutLogEvents"))
    source = project.inputs["source"]
    if source["type"] == "CODECOMMIT":
        repository = source["location"].rsplit("/", 1)[-1]
        arn = f"arn:aws:codecommit:{stack.region}:{stack.account}:{repository}"
        yield from with_keys(
            world, call(role, "codecommit:GitPull", arn, origin), _repository_key(world, arn)
        )
    else:
        bucket = _artifact_bucket(world, name)
        objects: list[Target] = [
            (a, s3_arn(bucket, f"release/source/{name}.zip"), {}) for a in ARTIFACTS
        ]
        yield from s3_calls(world, role, objects, f"{origin} with the pipeline's artifacts")
    for variable in project.inputs["environment"].get("environmentVariables") or []:
        if variable.get("type") == "SECRETS_MANAGER":
            yield call(
                role,
                "secretsmanager:GetSecretValue",
                variable["value"],
                f"{origin} ({variable['name']})",
            )


def _artifact_bucket(world: World, project: str) -> str:
    for pipeline in world.of_type(PIPELINE):
        names = [
            (a.get("configuration") or {}).get("ProjectName")
            for s in pipeline.inputs["stages"]
            for a in s["actions"]
        ]
        if project in names:
            return str(pipeline.inputs["artifactStores"][0]["location"])
    raise UnplacedCallError(f"build {project} reads artifacts, but no pipeline runs it")


def _commands(path: Path) -> list[str]:
    spec = read_buildspec(path)
    phases = spec.get("phases", {})
    commands: list[str] = []
    for phase in ("install", "pre_build", "build", "post_build"):
        block = phases.get(phase) or {}
        commands += [str(c) for c in block.get("commands", [])]
        commands += [str(c) for c in block.get("finally", [])]
    return commands


def _targets(project: Registration) -> list[ReleaseTarget]:
    variables = {
        v["name"]: v["value"]
        for v in project.inputs["environment"].get("environmentVariables") or []
    }
    entries = json.loads(variables.get("RELEASE_TARGETS", "[]"))
    return [
        ReleaseTarget(e["stack"], e["backend_url"], e["external_id"], e["role_arn"])
        for e in entries
    ]


def _buildspec_calls(
    world: World, project: Registration, role: Role, root: Path, extract: Extract
) -> Iterator[Call]:
    name = project.inputs["name"]
    spec = project.inputs["source"]["buildspec"]
    commands = _commands(root / spec)
    targets = _targets(project)
    for target in targets:
        yield from _assume(
            world, role, target, f"{name} ({spec}) assumes its role for {target.stack}"
        )
    switched = False
    for command in commands:
        switched = switched or "review.targets env" in command
        identities: Sequence[ReleaseTarget | None] = (
            targets if switched or "review.run_preview" in command else [None]
        )
        for chosen in identities:
            yield from _command_calls(
                world, project, role, chosen, command=command, root=root, extract=extract
            )


def _assume(world: World, role: Role, target: ReleaseTarget, origin: str) -> Iterator[Call]:
    assumed = world.role(target.role_arn)
    if assumed is None:
        raise UnplacedCallError(f"{origin}: {target.role_arn} is declared by no covered stack")
    yield call(
        role, "sts:AssumeRole", target.role_arn, origin, **{"sts:ExternalId": target.external_id}
    )


def _command_calls(
    world: World,
    project: Registration,
    build_role: Role,
    target: ReleaseTarget | None,
    *,
    command: str,
    root: Path,
    extract: Extract,
) -> Iterator[Call]:
    role = build_role if target is None else world.role(target.role_arn)
    assert role is not None
    if role.stack.platform:  # its resources, not another stack's of the same names
        world = world.scoped(role.stack)
        role = world.role(role.principal.arn) or role
    origin = f"{project.inputs['name']}: `{command.strip().splitlines()[0][:80]}`"
    # review.run_preview and review.approved run `pulumi preview` as the target role.
    pulumi = re.search(
        r"pulumi (up|preview|stack select|stack output)|review\.(run_preview|approved)", command
    )
    if target is not None and pulumi:
        yield from _state_calls(world, role, target, origin, write="pulumi up" in command)
        if "--refresh" in command:
            yield from _drift_catalog(world, role, target, origin)
    if target is not None and "aws s3 ls" in command:
        bucket = target.backend_url.removeprefix("s3://").split("/", 1)[0]
        prefix = f".pulumi/locks/organization/data-platform/{target.stack}/"
        yield call(role, "s3:ListBucket", s3_arn(bucket), origin, **{"s3:prefix": prefix})
    for module in _MODULE.findall(command):
        files = module_files(root, module)
        bindings = _module_bindings(world, project, module, target)
        for sdk in extract(files):
            yield from bind(world, role, sdk, bindings, origin)


def _state_calls(
    world: World, role: Role, target: ReleaseTarget, origin: str, *, write: bool
) -> Iterator[Call]:
    """The Pulumi CLI on a DIY S3 backend (project-scoped layout) with an awskms secrets
    provider: read the stack, take its lock, decrypt its secrets key; an update writes it."""
    bucket = target.backend_url.removeprefix("s3://").split("/", 1)[0]
    stack = f".pulumi/stacks/data-platform/{target.stack}.json"
    lock = f".pulumi/locks/organization/data-platform/{target.stack}/lock.json"
    objects: list[Target] = [
        ("s3:ListBucket", s3_arn(bucket), {"s3:prefix": ".pulumi/"}),
        ("s3:GetObject", s3_arn(bucket, ".pulumi/meta.yaml"), {}),
        ("s3:GetObject", s3_arn(bucket, stack), {}),
        ("s3:PutObject", s3_arn(bucket, lock), {}),
        ("s3:DeleteObject", s3_arn(bucket, lock), {}),
    ]
    if write:
        history = f".pulumi/history/data-platform/{target.stack}/{target.stack}-1.history.json"
        objects += [
            ("s3:PutObject", s3_arn(bucket, stack), {}),
            ("s3:PutObject", s3_arn(bucket, history), {}),
        ]
    yield from s3_calls(world, role, objects, f"{origin} (Pulumi state)")
    alias = _secrets_alias(world, target.stack)
    account = target.role_arn.split(":")[4]
    key = world.key_by_alias(alias, account)
    if key is None:
        raise UnplacedCallError(
            f"{origin}: secrets key {alias} of account {account} is not declared"
        )
    yield call(
        role,
        "kms:Decrypt",
        key,
        f"{origin} (stack secrets)",
        **{"kms:ResourceAliases": world.key_aliases(key)},
    )


def _platform(world: World, stack: str) -> Stack:
    found = next(
        (s for s in world.stacks if s.name == stack and isinstance(s.capture, Capture)), None
    )
    if found is None:
        raise UnplacedCallError(f"stack {stack} is a release target but not a covered stack")
    return found


def _secrets_alias(world: World, stack: str) -> str:
    capture = _platform(world, stack).capture
    assert isinstance(capture, Capture) and capture.config.platform.delivery is not None
    return capture.config.platform.delivery.secrets_key_alias


def _drift_catalog(world: World, role: Role, target: ReleaseTarget, origin: str) -> Iterator[Call]:
    """The warehouse's catalog, read through the Data API during the drift check."""
    stack = _platform(world, target.stack)
    yield from warehouse_calls_as(
        world, stack, role, DRIFT_CATALOG_READS, f"{origin} reads the warehouse catalog"
    )


def module_files(root: Path, module: str) -> list[Path]:
    """A project module and the modules of its own package it imports, transitively."""
    package = module.split(".", 1)[0]
    seen: list[Path] = []
    pending = [module]
    while pending:
        name = pending.pop()
        path = Path(*name.split(".")).with_suffix(".py")
        if path in seen or not (root / path).is_file():
            continue
        seen.append(path)
        tree = ast.parse((root / path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.split(".")[0] == package
            ):
                pending.append(node.module)
            elif isinstance(node, ast.Import):
                pending += [a.name for a in node.names if a.name.split(".")[0] == package]
    return seen


def _module_bindings(
    world: World, project: Registration, module: str, target: ReleaseTarget | None
) -> dict[tuple[str, str], list[Target]]:
    if module == "pipeline_run.verify" and target is not None:
        return verify_targets(_platform(world, target.stack))
    if module == "review.post_comment":
        return _comment_targets(world, project)
    return {}


def _comment_targets(world: World, project: Registration) -> dict[tuple[str, str], list[Target]]:
    stack = world.stack_of(project)
    source = project.inputs["source"]
    if source["type"] != "CODECOMMIT":
        return {}
    repository = source["location"].rsplit("/", 1)[-1]
    arn = f"arn:aws:codecommit:{stack.region}:{stack.account}:{repository}"
    operations = (
        "post_comment_for_pull_request",
        "get_comments_for_pull_request",
        "update_comment",
    )
    return {("codecommit", op): [(_pascal("codecommit", op), arn, {})] for op in operations}


def _pascal(prefix: str, method: str) -> str:
    return f"{prefix}:" + "".join(p.capitalize() for p in method.split("_"))


def verify_targets(stack: Stack) -> dict[tuple[str, str], list[Target]]:
    """Where Verify (pipeline_run.verify) acts: each pipeline's canary file in the raw bucket,
    the canary partition in the curated bucket, the scheduled machines it starts and the
    executions it follows (docs/delivery.md, Verify)."""
    capture = stack.capture
    assert isinstance(capture, Capture) and capture.config.platform.delivery is not None
    canary = capture.config.platform.delivery.verification.canary
    found: dict[tuple[str, str], list[Target]] = {}

    def add(operation: tuple[str, str], *targets: Target) -> None:
        found.setdefault(operation, []).extend(targets)

    for pipeline in deployments(capture).values():
        settings = pipeline.settings
        landed = s3_arn(pipeline.raw_bucket, f"{settings.source_prefix}{canary.file_prefix}-r1.csv")
        add(("s3", "put_object"), ("s3:PutObject", landed, {}))
        add(("s3", "head_object"), ("s3:GetObject", landed, {}))
        add(
            ("s3", "delete_object"),
            ("s3:DeleteObject", landed, {}),
            ("s3:DeleteObjectVersion", landed, {}),
        )
        executions = (
            pipeline.state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":canary"
        )
        for operation in ("describe_execution", "get_execution_history"):
            action = _pascal("states", operation)
            add(("stepfunctions", operation), (action, executions, {}))
        if pipeline.scheduled:
            add(
                ("stepfunctions", "start_execution"),
                ("states:StartExecution", pipeline.state_machine_arn, {}),
            )
        if settings.partition_source_column is None:
            continue
        table = str(pipeline.job.inputs["defaultArguments"]["--target_path"]).removeprefix(
            f"s3://{pipeline.curated_bucket}/"
        )
        partition = canary.partition(table)
        rows = s3_arn(pipeline.curated_bucket, f"{partition}part-0000.parquet")
        listing = {"s3:prefix": partition}
        add(("s3", "get_object"), ("s3:GetObject", rows, {}))
        add(("s3", "delete_object"), ("s3:DeleteObjectVersion", rows, {}))
        add(("s3", "list_objects_v2"), ("s3:ListBucket", s3_arn(pipeline.curated_bucket), listing))
        add(
            ("s3", "list_object_versions"),
            ("s3:ListBucketVersions", s3_arn(pipeline.curated_bucket), listing),
        )
    return found
