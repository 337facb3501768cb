"""Inputs checked against the typed Args of the resource's SDK class, as the provider's Check would.

Offline no provider checks inputs, so a misspelt key in a dict-form argument (the SDK passes
unknown keys through) or a list where an object belongs would reach the pack, be judged as
"not set", and fail at deploy. Each registration of a pulumi-aws type is compared with its
`<Class>Args` (`pulumi._types` metadata): every key must be an input there, objects must be
objects and lists lists, recursively. Values unknown at preview are not judged.
"""

from __future__ import annotations

import difflib
import importlib
import sys
import typing
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import Any

from pulumi import _types

from offline.mocks import Registration
from offline.program.wire import SIG, is_unknown

_PACKAGES = {"aws": "pulumi_aws"}


def input_problems(registration: Registration) -> list[str]:
    """What the provider would reject in the registration's inputs (empty if it cannot tell)."""
    args = args_class(registration.type)
    if args is None:
        return []
    label = f"{registration.type} '{registration.name}'"
    return [f"{label}: {p}" for p in _object(registration.inputs, args, "")]


@cache
def args_class(token: str) -> type | None:
    """The `<Class>Args` input type of a resource token (`aws:s3/bucket:Bucket`), if installed."""
    package, _, rest = token.partition(":")
    module_part, _, class_name = rest.partition(":")
    base = _PACKAGES.get(package)
    if base is None or not class_name:
        return None
    service = module_part.split("/", maxsplit=1)[0]
    for name in [base] if service == "index" else [f"{base}.{service}", f"{base}.{service}_"]:
        try:
            package_module = importlib.import_module(name)
        except ImportError:
            continue
        # The resource's own module; when a nested input type of another resource has the name
        # `<Class>Args`, the SDK names the resource's own `<Class>InitArgs`.
        resource = getattr(package_module, class_name, None)
        module = sys.modules.get(getattr(resource, "__module__", ""))
        for candidate in (f"{class_name}InitArgs", f"{class_name}Args"):
            found = getattr(module, candidate, None)
            if isinstance(found, type) and _types.is_input_type(found):
                return found
        return None
    return None


def _object(value: Mapping[str, Any], cls: type, path: str) -> Iterator[str]:
    types = _types.input_type_types(cls)
    for key, item in value.items():
        where = f"{path}{key}"
        if key not in types:
            close = difflib.get_close_matches(key, list(types), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            yield f"{where} is not an input of {cls.__name__}{hint}"
        else:
            yield from _value(item, types[key], where)


def _value(value: Any, expected: Any, path: str) -> Iterator[str]:
    if is_unknown(value):
        return
    if isinstance(value, Mapping) and value.get(SIG) is not None:
        if "value" in value:
            yield from _value(value["value"], expected, path)
        return
    kind = _types.unwrap_type(expected)
    origin = typing.get_origin(kind)
    if isinstance(kind, type) and _types.is_input_type(kind):
        if not isinstance(value, Mapping):
            yield f"{path} must be an object ({kind.__name__}), got {_json_kind(value)}"
        else:
            yield from _object(value, kind, f"{path}.")
    elif origin is not None and _is_sequence(origin):
        if not isinstance(value, list):
            yield f"{path} must be a list, got {_json_kind(value)}"
        else:
            (item_type,) = typing.get_args(kind)[:1] or (Any,)
            for index, item in enumerate(value):
                yield from _value(item, item_type, f"{path}[{index}]")
    elif origin is not None and _is_mapping(origin) and not isinstance(value, Mapping):
        yield f"{path} must be a map, got {_json_kind(value)}"
    elif kind in (str, int, float, bool) and isinstance(value, Mapping | list):
        yield f"{path} must be a {kind.__name__}, got {_json_kind(value)}"


def _is_sequence(origin: Any) -> bool:
    return isinstance(origin, type) and issubclass(origin, Sequence) and origin is not str


def _is_mapping(origin: Any) -> bool:
    return isinstance(origin, type) and issubclass(origin, Mapping)


def _json_kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"[:80]
