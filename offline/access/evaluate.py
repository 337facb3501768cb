"""Whether one request is allowed, by principalmapper's local evaluation (explicit deny, identity
and resource policies, the key or trust policy that must allow, cross-account access, condition
operators), with two adaptations that tests/access/test_conformance.py pins:

- principalmapper 1.1.5 imports `collections.Mapping` and its siblings, which Python 3.10 moved
  to `collections.abc`: they are aliased before it is imported;
- it expands policy variables (`${aws:userid}`) only in Resource; IAM also expands them in
  condition values (IAM User Guide, "IAM policy elements: Variables and tags"), so condition
  values are expanded here from the request's context first.
"""

from __future__ import annotations

import collections
import collections.abc
import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

for _name in ("Mapping", "MutableMapping", "Sequence", "Iterable", "Callable", "MutableSet", "Set"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

from principalmapper.common import Node, Policy  # noqa: E402
from principalmapper.querying.query_interface import (  # noqa: E402
    local_check_authorization_full,
)
from principalmapper.util.case_insensitive_dict import CaseInsensitiveDict  # noqa: E402

Document = dict[str, Any]
_VARIABLE = re.compile(r"\$\{([\w:/-]+)\}")


@dataclass(frozen=True)
class Principal:
    """A role as IAM sees it: ARN, unique id, identity policies (inline and known managed)."""

    arn: str
    role_id: str
    policies: tuple[Document, ...]
    unknown_managed: tuple[str, ...] = ()

    @property
    def account(self) -> str:
        return self.arn.split(":")[4]

    @property
    def user_id(self) -> str:
        """`aws:userid` of a session of the role (role id, colon, session name)."""
        return f"{self.role_id}:release-session"


@dataclass(frozen=True)
class Request:
    """One API request's authorization: action, resource, context keys (multi-valued)."""

    action: str
    resource: str
    context: Mapping[str, Sequence[str]] = field(default_factory=dict)


def _expanded(value: Any, context: Mapping[str, Sequence[str]]) -> Any:
    if isinstance(value, str):
        return _VARIABLE.sub(lambda m: next(iter(context.get(m[1], ())), m[0]), value)
    if isinstance(value, list):
        return [_expanded(item, context) for item in value]
    return value


def with_condition_variables(document: Document, context: Mapping[str, Sequence[str]]) -> Document:
    """The document with policy variables in condition values replaced by the request's."""
    result = copy.deepcopy(document)
    statements = result.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        for block in statement.get("Condition", {}).values():
            for key, value in block.items():
                block[key] = _expanded(value, context)
    return result


def allowed(
    principal: Principal,
    request: Request,
    *,
    resource_policy: Document | None = None,
    resource_owner: str | None = None,
) -> bool:
    """Whether `principal` may make `request`; a resource policy (bucket, queue, topic, key or
    trust policy) takes part when given, with the account that owns the resource."""
    context = {"aws:userid": [principal.user_id], **request.context}
    policies = [
        Policy(principal.arn, f"policy-{i}", with_condition_variables(doc, context))
        for i, doc in enumerate(principal.policies)
    ]
    node = Node(
        principal.arn, principal.role_id, policies, [], {}, None, 0, False, False, None, False, {}
    )
    keys = CaseInsensitiveDict({k: list(v) for k, v in context.items()})
    policy = None if resource_policy is None else with_condition_variables(resource_policy, context)
    owner = resource_owner if policy is not None else None
    return bool(
        local_check_authorization_full(node, request.action, request.resource, keys, policy, owner)
    )
