"""The proof: capture every stack (each platform stack of the release, the delivery stack, and
bootstrap in each account as the release's config implies), derive every call, evaluate each.

A call is proven when IAM would allow it: the role's identity policies, the resource's policy
(bucket, queue, topic), the key policy for KMS, the trust policy for sts:AssumeRole, across
accounts. Anything the proof cannot place (a role nothing acts as, a call without a resource)
is a finding too: the proof fails closed.
"""

from __future__ import annotations

import json
import runpy
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offline.access.calls import Call
from offline.access.evaluate import Document, Request, allowed
from offline.access.glue import crawler_calls, job_calls
from offline.access.platform import Extract, UnplacedCallError, function_calls, machine_calls
from offline.access.release import build_calls, pipeline_calls
from offline.access.sdk_calls import extracted
from offline.access.services import copy_calls, event_target_calls, flow_log_calls
from offline.access.world import QUEUE_POLICY, TOPIC, TOPIC_POLICY, Stack, World
from offline.capture import (
    PROJECT_ROOT,
    Capture,
    ReleaseCapture,
    capture_program,
    capture_release,
    capture_stack,
    offline_account,
)
from offline.mocks import MOCK_ACCOUNT_ID
from stack_config.release import CodeCommitSource

BOOTSTRAP = "data-platform-bootstrap"


@dataclass(frozen=True)
class Finding:
    """A call IAM would refuse, or something the proof could not place."""

    role: str
    what: str
    origin: str

    def __str__(self) -> str:
        return f"{self.role}: {self.what}\n    from {self.origin}"


def bootstrap_backends(
    release: ReleaseCapture, platforms: Sequence[Capture]
) -> dict[str, dict[str, Any]]:
    """Bootstrap's config in each account, as docs/delivery.md has the operator write it from
    the release: the account's stages, those pull requests preview, the delivery account."""
    delivery_account = MOCK_ACCOUNT_ID  # the account capture_release answers as
    by_stack = {c.stack: c for c in platforms}
    backends: dict[str, dict[str, Any]] = {}
    for stage in release.config.release.stages:
        capture = by_stack[stage.stack]
        delivery = capture.config.platform.delivery
        assert delivery is not None
        backend = backends.setdefault(delivery.target_account, _backend(release, capture))
        backend["release"]["stacks"].append(stage.stack)
        if stage.previewed_by_pull_requests:
            backend["release"]["pull_request_stacks"].append(stage.stack)
        if delivery.target_account != delivery_account:
            backend["release"]["delivery_account_id"] = delivery_account
    source = release.config.release.source
    shared = backends.setdefault(delivery_account, _backend(release, None))
    shared["repository"] = source.repository if isinstance(source, CodeCommitSource) else None
    return backends


def _backend(release: ReleaseCapture, capture: Capture | None) -> dict[str, Any]:
    tags = release.config.release.tags
    backend: dict[str, Any] = {
        "environment": release.config.release.environment,
        "owner": tags.owner,
        "cost_center": tags.cost_center,
        "repository": None,
        "key_alias": release.config.release.account.key_alias,
        "release": {"stacks": [], "pull_request_stacks": []},
    }
    if capture is not None:
        delivery = capture.config.platform.delivery
        assert delivery is not None
        backend["key_alias"] = capture.config.platform.account.key_alias
        backend["release"]["external_id"] = delivery.external_id
    else:
        backend["glue_catalog_encryption"] = False
        del backend["release"]
    return backend


def capture_bootstrap(account: str, backend: dict[str, Any], region: str, root: Path) -> Stack:
    config = {"aws:region": region, f"{BOOTSTRAP}:backend": json.dumps(backend)}
    main = str(root / "bootstrap" / "__main__.py")
    resources = capture_program(
        lambda: runpy.run_path(main, run_name="__main__"),
        project=BOOTSTRAP,
        stack=f"account-{account}",
        region=region,
        config=config,
        account_id=account,
    )
    return Stack(f"bootstrap account-{account}", account, region, resources)


def world_of(release_stack: str = "delivery", root: Path = PROJECT_ROOT) -> World:
    """Every stack the release touches, captured offline."""
    release = capture_release(release_stack, root)
    stages = release.config.release.stages
    return world_from(release, [capture_stack(s.stack, root) for s in stages], root)


def world_from(
    release: ReleaseCapture, platforms: Sequence[Capture], root: Path = PROJECT_ROOT
) -> World:
    """The release, its stages' platform stacks and bootstrap in each of their accounts."""
    region = release.config.region
    stacks = [
        Stack(c.stack, offline_account(c.config), c.config.region, c.resources, c, platform=True)
        for c in platforms
    ]
    stacks.append(Stack(release.stack, MOCK_ACCOUNT_ID, region, release.resources, release))
    for account, backend in bootstrap_backends(release, platforms).items():
        stacks.append(capture_bootstrap(account, backend, region, root))
    return World(stacks)


def all_calls(world: World, root: Path, extract: Extract) -> Iterator[Call]:
    """Every call of every principal the stacks declare."""
    for stack in (s for s in world.stacks if s.platform):
        scope = world.scoped(stack)
        account_alias = stack.capture.config.platform.account.key_alias
        yield from machine_calls(scope)
        yield from function_calls(scope, extract)
        yield from job_calls(scope, extract, account_alias)
        yield from crawler_calls(scope, account_alias)
        yield from copy_calls(scope)
        yield from flow_log_calls(scope)
        yield from event_target_calls(scope)
    release = World([s for s in world.stacks if not s.platform])
    yield from event_target_calls(release)
    yield from pipeline_calls(release)
    yield from build_calls(world, root, extract)


def resource_policy(world: World, request: Request) -> tuple[Document | None, str | None]:
    """The policy of the requested resource that takes part, and the resource's account."""
    arn, service = request.resource, request.action.split(":", 1)[0]
    if service == "kms":
        return world.key_policy(arn), arn.split(":")[4]
    if request.action == "sts:AssumeRole":
        role = world.role(arn)
        return (role.trust if role else None), arn.split(":")[4]
    if arn.startswith("arn:aws:s3:::"):
        bucket = world.bucket(arn.removeprefix("arn:aws:s3:::").split("/", 1)[0])
        if bucket is None:
            return None, None
        return world.bucket_policy(bucket.inputs["bucket"]), world.stack_of(bucket).account
    owned = world.by_arn(arn) or world.queue(arn)
    if owned is not None and owned.type in (TOPIC, "aws:sqs/queue:Queue"):
        kind, prop = (TOPIC_POLICY, "arn") if owned.type == TOPIC else (QUEUE_POLICY, "queueUrl")
        return world.attached_policy(owned, kind, prop), world.stack_of(owned).account
    return None, None


def evaluate(world: World, made: Call) -> Finding | None:
    """The finding of one call, in the world as the caller's stack sees it."""
    if made.role.stack.platform:
        world = world.scoped(made.role.stack)
    request, principal = made.request, made.role.principal
    # A value of the caller's own (a statement it ran) names it by its session's user id.
    own = {
        k: [v.replace("${aws:userid}", principal.user_id) for v in vs]
        for k, vs in request.context.items()
    }
    context = {
        "aws:SecureTransport": ["true"],
        "aws:PrincipalArn": [principal.arn],
        "aws:PrincipalAccount": [principal.account],
        **own,
    }
    request = Request(request.action, request.resource, context)
    policy, owner = resource_policy(world, request)
    if request.action.startswith("kms:") and policy is None:
        return Finding(
            made.role.name,
            f"{request.action} on {request.resource}: no covered stack declares the key",
            made.origin,
        )
    if allowed(made.role.principal, request, resource_policy=policy, resource_owner=owner):
        return None
    keys = {k: list(v) for k, v in request.context.items() if not k.startswith("aws:Principal")}
    return Finding(
        made.role.name,
        f"{request.action} on {request.resource} is denied (context {keys})",
        made.origin,
    )


def prove(
    world: World, root: Path = PROJECT_ROOT, extract: Extract | None = None
) -> tuple[list[Finding], list[Call]]:
    """Findings (denied calls, unplaced calls, roles nothing acts as) and the calls proven."""
    extract = extract or (lambda files: extracted(root, files))
    findings: list[Finding] = []
    calls: list[Call] = []
    try:
        calls = list(all_calls(world, root, extract))
    except UnplacedCallError as error:
        findings.append(Finding("(model)", str(error), "the proof"))
    claimed = {c.role.principal.arn for c in calls}
    findings += [
        Finding(r.name, "no principal of the model acts as this role", f"stack {r.stack.name}")
        for r in world.roles
        if r.principal.arn not in claimed
    ]
    findings += [f for f in (evaluate(world, c) for c in _unique(calls)) if f is not None]
    return findings, calls


def _unique(calls: Iterable[Call]) -> list[Call]:
    seen: dict[tuple[str, str, str, str], Call] = {}
    for made in calls:
        request = made.request
        key = (
            made.role.principal.arn,
            request.action,
            request.resource,
            json.dumps(dict(request.context), sort_keys=True, default=list),
        )
        seen.setdefault(key, made)
    return list(seen.values())
