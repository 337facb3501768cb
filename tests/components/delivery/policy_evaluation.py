"""Whether a set of identity-policy statements allows one request, for the statement shapes the
platform writes: Action/NotAction, Resource/NotResource, and a few condition operators.

An explicit Deny wins, then any Allow; no match is an implicit deny. A condition operator this
module does not know fails the evaluation instead of guessing; a policy variable in a condition
value takes the request's value of its key.
"""

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Context = Mapping[str, Sequence[str]]
_EXACT = {"StringEquals", "ArnEquals"}
_WILDCARD = {"StringLike", "ArnLike"}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _any_matches(patterns: Iterable[str], value: str, *, ignore_case: bool = False) -> bool:
    if ignore_case:
        return any(fnmatch.fnmatchcase(value.lower(), p.lower()) for p in patterns)
    return any(fnmatch.fnmatchcase(value, p) for p in patterns)


def _applies(statement: Mapping[str, Any], action: str, resource: str) -> bool:
    if "Action" in statement:
        action_ok = _any_matches(_listed(statement["Action"]), action, ignore_case=True)
    else:
        action_ok = not _any_matches(_listed(statement["NotAction"]), action, ignore_case=True)
    if "Resource" in statement:
        return action_ok and _any_matches(_listed(statement["Resource"]), resource)
    return action_ok and not _any_matches(_listed(statement["NotResource"]), resource)


def _substituted(pattern: str, context: Context) -> str:
    """A policy variable (`${aws:userid}`) replaced by the request's value of that key."""
    for key, values in context.items():
        if values:
            pattern = pattern.replace("${" + key + "}", values[0])
    return pattern


def _condition_holds(operator: str, expected: Mapping[str, Any], context: Context) -> bool:
    qualifier, _, test = operator.rpartition(":")
    if test not in _EXACT | _WILDCARD or qualifier not in ("", "ForAnyValue"):
        raise AssertionError(f"condition operator {operator} is not evaluated here")
    for key, wanted in expected.items():
        values = context.get(key)
        if not values:
            return False
        patterns = [_substituted(str(w), context) for w in _listed(wanted)]
        if test in _EXACT and not any(v in patterns for v in values):
            return False
        if test in _WILDCARD and not any(_any_matches(patterns, v) for v in values):
            return False
    return True


def decision(
    statements: Iterable[Mapping[str, Any]], action: str, resource: str, context: Context
) -> str:
    """`deny` (explicit), `allow`, or `implicit-deny` for the request."""
    allowed = False
    for statement in statements:
        if not _applies(statement, action, resource):
            continue
        conditions = statement.get("Condition", {})
        if not all(_condition_holds(op, block, context) for op, block in conditions.items()):
            continue
        if statement["Effect"] == "Deny":
            return "deny"
        allowed = True
    return "allow" if allowed else "implicit-deny"
