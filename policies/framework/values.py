"""Plain copies of policy inputs in which preview-unknown values become explicit `Unknown` markers.

Reading a pulumi_policy proxy raises `UnknownValueError` on the first unknown value. Rules instead
read plain data, so "set but not yet known" (e.g. a key ARN computed at deploy) counts as present,
and a rule that needs the actual value asks for it with `known`, which raises `CannotVerifyError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

_SENTINELS = frozenset(
    {
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_OBJECT_VALUE,
        UNKNOWN_STRING_VALUE,
    }
)


@dataclass(frozen=True)
class Unknown:
    """A value the engine will only know at deploy time; `path` is its dotted property path."""

    path: str


class CannotVerifyError(Exception):
    """Raised by a rule that needs a value that is unknown at preview."""

    def __init__(self, fact: str, path: str) -> None:
        super().__init__(f"{fact} ({path} is unknown)")
        self.fact = fact
        self.path = path


def plain(value: Any, path: tuple[str, ...] = ()) -> Any:
    """Deep-copy proxies/dicts/lists into plain Python, replacing unknowns with `Unknown`."""
    if isinstance(value, str):
        return Unknown(".".join(path)) if value in _SENTINELS else value
    if isinstance(value, Mapping):
        return {str(k): _item(value, k, (*path, str(k))) for k in value}
    if isinstance(value, Sequence):
        return [_item(value, i, (*path, str(i))) for i in range(len(value))]
    return value


def _item(container: Any, key: Any, path: tuple[str, ...]) -> Any:
    try:
        return plain(container[key], path)
    except UnknownValueError:
        return Unknown(".".join(path))


def get(value: Any, *path: str | int) -> Any:
    """Nested lookup; `None` when absent, the `Unknown` marker when an ancestor is unknown."""
    for key in path:
        if isinstance(value, Unknown):
            return value
        if isinstance(value, dict) and isinstance(key, str):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            value = value[key]
        else:
            return None
    return value


def is_set(value: Any) -> bool:
    """True for a non-empty value or one that is set but unknown at preview."""
    if isinstance(value, Unknown):
        return True
    return value is not None and value not in ("", [], {})


def first_unknown(value: Any) -> Unknown | None:
    if isinstance(value, Unknown):
        return value
    children: Any = []
    if isinstance(value, dict):
        children = value.values()
    elif isinstance(value, list):
        children = value
    for child in children:
        found = first_unknown(child)
        if found is not None:
            return found
    return None


def known(value: Any, fact: str) -> Any:
    """Return `value` if fully known, else raise `CannotVerifyError` naming `fact`."""
    unknown = first_unknown(value)
    if unknown is not None:
        raise CannotVerifyError(fact, unknown.path)
    return value


def truthy(value: Any) -> bool:
    """Booleans arrive as bool or, for some provider inputs, as the strings "true"/"false"."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def json_document(value: Any, fact: str) -> Any:
    """Parse a known JSON policy document (string or already-structured)."""
    document = known(value, fact)
    if isinstance(document, str):
        try:
            return json.loads(document)
        except json.JSONDecodeError:
            return None
    return document


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def shallow(value: Any, fact: str) -> Any:
    """Like `known`, but only the value itself must be known, not its members."""
    if isinstance(value, Unknown):
        raise CannotVerifyError(fact, value.path)
    return value
