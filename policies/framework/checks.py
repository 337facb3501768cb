"""Small reusable judgements shared by several rules (customer keys, IAM policy documents)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policies.framework.values import Unknown, as_list, get, is_set


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


def has_wildcard(value: Any) -> bool:
    return "*" in as_list(value)
