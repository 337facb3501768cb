"""The `--policy-pack-config` JSON as the engine reads it (pkg/resource/analyzer/config.go).

A string is an enforcement level, an object an optional `enforcementLevel` plus properties; the
given config is reconciled onto schema defaults and the pack's initial config ("all" sets every
level, then per-key entries merge), validated against each policy's schema (`required`, `type`
and `enum`, not all of JSON Schema), and sent with an entry for every policy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from pulumi.runtime.proto import analyzer_pb2

from offline.analyzer.encoding import LEVELS, struct
from offline.analyzer.model import EnforcementLevel, PolicyConfigError, PolicyInfo


@dataclass(frozen=True)
class PolicyConfig:
    level: EnforcementLevel | None
    properties: Mapping[str, Any]


def parse_config(config: Mapping[str, Any]) -> dict[str, PolicyConfig]:
    """Parses `--policy-pack-config` JSON as pkg/resource/analyzer/config.go does."""
    result: dict[str, PolicyConfig] = {}
    for key, value in config.items():
        level: EnforcementLevel | None
        if isinstance(value, str):
            level, props = _parse_level(key, value), {}
        elif isinstance(value, Mapping):
            props = {k: v for k, v in value.items() if k != "enforcementLevel"}
            raw = value.get("enforcementLevel")
            level = None if raw is None else _parse_level(key, raw)
        else:
            raise PolicyConfigError(f"parsing {key!r}: {value!r} is not a string or object")
        if level is not None or props:
            result[key] = PolicyConfig(level, props)
    return result


def _parse_level(key: str, value: Any) -> EnforcementLevel:
    if value not in LEVELS:
        raise PolicyConfigError(
            f"parsing enforcement level for {key!r}: {value!r} is not one of {sorted(LEVELS)}"
        )
    return cast(EnforcementLevel, value)


def reconcile(
    policies: Sequence[PolicyInfo], layers: Sequence[Mapping[str, PolicyConfig]]
) -> dict[str, PolicyConfig]:
    result = {p.name: PolicyConfig(p.enforcement_level, _defaults(p)) for p in policies}
    for layer in layers:
        everything = layer.get("all")
        if everything is not None and everything.level is not None:
            result = {k: PolicyConfig(everything.level, v.properties) for k, v in result.items()}
        for key, given in layer.items():
            current = result.get(key, PolicyConfig(None, {}))
            merged = {**current.properties, **given.properties}
            result[key] = PolicyConfig(given.level or current.level, merged)
    return result


def _defaults(policy: PolicyInfo) -> dict[str, Any]:
    properties = (policy.config_schema or {}).get("properties", {})
    return {k: s["default"] for k, s in properties.items() if "default" in s}


def validate(policies: Sequence[PolicyInfo], config: Mapping[str, PolicyConfig]) -> list[str]:
    errors: list[str] = []
    for policy in policies:
        schema = policy.config_schema
        if schema is None:
            continue
        values = config[policy.name].properties
        errors += [
            f"{policy.name}: {k} is required" for k in schema.get("required", []) if k not in values
        ]
        for key, prop in schema["properties"].items():
            if key in values:
                errors += [f"{policy.name}: {key}: {e}" for e in _check(prop, values[key])]
    return sorted(errors)


def _check(schema: Mapping[str, Any], value: Any) -> list[str]:
    errors = []
    expected = schema.get("type")
    given = _json_type(value)
    if expected is not None and given != expected and (expected, given) != ("number", "integer"):
        errors.append(f"Invalid type. Expected: {expected}, given: {given}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"must be one of the following: {', '.join(map(repr, schema['enum']))}")
    return errors


def _json_type(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return "null" if value is None else "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    kinds: list[tuple[type, str]] = [(float, "number"), (str, "string"), (Mapping, "object")]
    return next((name for kind, name in kinds if isinstance(value, kind)), "array")


def configure_request(
    config: Mapping[str, PolicyConfig],
) -> analyzer_pb2.ConfigureAnalyzerRequest:
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for key, value in config.items():
        if value.level is None:
            raise PolicyConfigError(f"invalid enforcement level '' for config key {key!r}")
        entry = request.policyConfig[key]
        entry.enforcementLevel = LEVELS[value.level]
        entry.properties.CopyFrom(struct(value.properties, f"config {key!r}"))
    return request
