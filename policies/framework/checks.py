"""Small reusable judgements shared by several rules: customer keys, IAM policy documents, and
inputs judged by their provider default when a program omits them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policies.framework.sdk_data import provider_default
from policies.framework.subjects import Subject
from policies.framework.values import Unknown, as_list, get, is_set, known


def customer_key_gap(props: dict[str, Any], *path: str) -> Iterator[str]:
    """Yield a fact when the key reference at `path` is missing or names an AWS-managed key."""
    value = get(props, *path)
    where = ".".join(path)
    if not is_set(value):
        yield f"has no {where} (a customer-managed KMS key is required)"
    elif not isinstance(value, Unknown) and _aws_managed(str(value)):
        yield f"{where} is the AWS-managed key {value}; use a customer-managed KMS key"


def _aws_managed(key: str) -> bool:
    return key.startswith("alias/aws/") or ":alias/aws/" in key


def statements(document: Any) -> list[dict[str, Any]]:
    """Statements of a parsed IAM policy document; anything malformed yields none."""
    if not isinstance(document, dict):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]


def is_wildcard_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in as_list(principal.get("AWS"))


# Condition keys that pin a caller to an organisation, account, service or network.
SCOPING_KEYS = frozenset(
    {
        "aws:principalorgid",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourcevpce",
        "aws:sourcevpc",
        "kms:calleraccount",
        "kms:viaservice",
    }
)


def scoped(statement: dict[str, Any]) -> bool:
    """True when the statement's Condition uses one of SCOPING_KEYS."""
    condition = statement.get("Condition")
    keys = {
        str(key).lower()
        for operator in (condition.values() if isinstance(condition, dict) else [])
        if isinstance(operator, dict)
        for key in operator
    }
    return bool(keys & SCOPING_KEYS)


def has_wildcard(value: Any) -> bool:
    return "*" in as_list(value)


def input_or_default(resource: Subject, input_path: str, fact: str) -> tuple[Any, str]:
    """The input's known value and "", or, when omitted, the provider's documented default and a
    note saying the provider fills it in at Check time (a finding then names the default)."""
    value = known(get(resource.props, *input_path.split(".")), fact)
    if value is not None:
        return value, ""
    default = provider_default(resource.type, input_path)
    return default.value, f" ({default.note})"


def public_allow(statement: dict[str, Any]) -> bool:
    """An Allow to Principal '*' that no condition scopes: anyone may do what it grants."""
    public = is_wildcard_principal(statement.get("Principal"))
    return statement.get("Effect") == "Allow" and public and not scoped(statement)
