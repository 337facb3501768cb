"""What the captured stacks declare, indexed for the access proof: roles with their trust and
policies, and each resource's policy, customer key and tags. Everything comes from the offline
captures (`offline.capture`), with the names and ARNs the mocks gave (the deployed view)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from offline.access.evaluate import Document, Principal
from offline.mocks import Registration

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
KEY, ALIAS = "aws:kms/key:Key", "aws:kms/alias:Alias"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
QUEUE, QUEUE_POLICY = "aws:sqs/queue:Queue", "aws:sqs/queuePolicy:QueuePolicy"
TOPIC, TOPIC_POLICY = "aws:sns/topic:Topic", "aws:sns/topicPolicy:TopicPolicy"


@dataclass(frozen=True, eq=False)
class Stack:
    """One captured stack: its name, the account it deploys to, its registrations."""

    name: str
    account: str
    region: str
    resources: tuple[Registration, ...]
    capture: Any = None
    """The stack's `Capture` or `ReleaseCapture` (its validated config), when it has one."""
    platform: bool = False
    """A platform stack (not the release, not bootstrap)."""


@dataclass(frozen=True)
class Role:
    """A declared role: where it is declared, and what IAM evaluates for it."""

    stack: Stack
    registration: Registration
    principal: Principal
    trust: Document

    @property
    def name(self) -> str:
        return self.principal.arn.rsplit("/", 1)[-1]


def _doc(text: Any) -> Document:
    return dict(json.loads(text)) if isinstance(text, str) else dict(text)


class World:
    """Every stack the proof covers, with lookups across them."""

    def __init__(self, stacks: Sequence[Stack]) -> None:
        self.stacks = tuple(stacks)
        self.by_urn = {r.urn: r for s in stacks for r in s.resources}
        self._stack_of = {r.urn: s for s in stacks for r in s.resources}
        self.roles = [self._role(s, r) for s in stacks for r in s.resources if r.type == ROLE]
        self._scopes: dict[Stack, World] = {}

    def scoped(self, stack: Stack) -> World:
        """The world as one platform stack's resources see it: that stack and the stacks of no
        platform (bootstrap, the release). Platform stacks of one account declare resources of
        the same logical names, which the offline capture gives the same names and ARNs."""
        if stack not in self._scopes:
            kept = [s for s in self.stacks if s == stack or not s.platform]
            self._scopes[stack] = World(kept)
        return self._scopes[stack]

    def stack_of(self, registration: Registration) -> Stack:
        return self._stack_of[registration.urn]

    def of_type(self, type_: str) -> Iterator[Registration]:
        return (r for r in self.by_urn.values() if r.type == type_)

    def dependents(self, urn: str, type_: str, prop: str) -> list[Registration]:
        """Registrations of `type_` whose `prop` depends on `urn`."""
        return [r for r in self.of_type(type_) if urn in r.property_dependencies.get(prop, [])]

    def _role(self, stack: Stack, role: Registration) -> Role:
        inline = [_doc(p.inputs["policy"]) for p in self.dependents(role.urn, ROLE_POLICY, "role")]
        managed = tuple(
            str(a.inputs["policyArn"]) for a in self.dependents(role.urn, ATTACHMENT, "role")
        )
        arn = str(role.outputs["arn"])
        # IAM's unique id of the role, as the captured role reports it (policies may name it);
        # a stable stand-in where a capture has none.
        role_id = str(
            role.outputs.get("uniqueId")
            or "AROA" + hashlib.sha256(arn.encode()).hexdigest()[:16].upper()
        )
        principal = Principal(arn, role_id, tuple(inline), managed)
        return Role(stack, role, principal, _doc(role.inputs["assumeRolePolicy"]))

    def role(self, arn: str) -> Role | None:
        return next((r for r in self.roles if r.principal.arn == arn), None)

    def role_of(self, registration: Registration, prop: str) -> Role | None:
        """The role a resource's `prop` (roleArn, role, serviceRole) names."""
        urns = set(registration.property_dependencies.get(prop, []))
        return next((r for r in self.roles if r.registration.urn in urns), None) or self.role(
            str(registration.inputs.get(prop, ""))
        )

    def by_arn(self, arn: str) -> Registration | None:
        return next((r for r in self.by_urn.values() if r.outputs.get("arn") == arn), None)

    def key_aliases(self, key_arn: str) -> list[str]:
        key = self.by_arn(key_arn)
        if key is None:
            return []
        return [str(a.inputs["name"]) for a in self.dependents(key.urn, ALIAS, "targetKeyId")]

    def key_by_alias(self, alias: str, account: str) -> str | None:
        """The ARN of the key behind `alias` in `account`."""
        for registration in self.of_type(ALIAS):
            if (
                registration.inputs["name"] != alias
                or self.stack_of(registration).account != account
            ):
                continue
            keys = registration.property_dependencies.get("targetKeyId", [])
            if keys:
                return str(self.by_urn[keys[0]].outputs["arn"])
        return None

    def key_policy(self, key_arn: str) -> Document | None:
        key = self.by_arn(key_arn)
        return None if key is None else _doc(key.inputs["policy"])

    def bucket(self, name: str) -> Registration | None:
        return next((b for b in self.of_type(BUCKET) if b.inputs.get("bucket") == name), None)

    def bucket_policy(self, name: str) -> Document | None:
        bucket = self.bucket(name)
        policies = [] if bucket is None else self.dependents(bucket.urn, BUCKET_POLICY, "bucket")
        return _doc(policies[0].inputs["policy"]) if policies else None

    def bucket_key(self, name: str) -> str | None:
        """The customer key of a bucket's default encryption (SSE-KMS), if it has one."""
        bucket = self.bucket(name)
        if bucket is None:
            return None
        for config in self.dependents(bucket.urn, BUCKET_ENCRYPTION, "bucket"):
            for rule in config.inputs.get("rules", []):
                default = rule.get("applyServerSideEncryptionByDefault", {})
                if default.get("sseAlgorithm") == "aws:kms":
                    return str(default["kmsMasterKeyId"])
        return None

    def queue(self, url_or_arn: str) -> Registration | None:
        return next(
            (
                q
                for q in self.of_type(QUEUE)
                if url_or_arn in (q.outputs.get("url"), q.outputs.get("arn"))
            ),
            None,
        )

    def attached_policy(self, registration: Registration, type_: str, prop: str) -> Document | None:
        """The policy document a `type_` resource attaches to `registration` through `prop`."""
        found = self.dependents(registration.urn, type_, prop)
        return _doc(found[0].inputs["policy"]) if found else None
