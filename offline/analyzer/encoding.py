"""Resources and properties as the engine marshals them for a policy pack.

Properties go out as `MarshalProperties(KeepUnknowns, KeepSecrets)` does: unknowns as the string
sentinel `UNKNOWN`, secrets as the signature object `secret()` builds; resources carry parent,
dependencies, non-empty property dependencies, options and their provider.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from google.protobuf import json_format, struct_pb2  # type: ignore[import-untyped, unused-ignore]
from pulumi.runtime.proto import analyzer_pb2
from pulumi.runtime.rpc import UNKNOWN as _RPC_UNKNOWN

from offline.analyzer.model import EnforcementLevel, PolicyInfo, PolicyType, urn_name

UNKNOWN: Final[str] = _RPC_UNKNOWN
"""Input value the engine sends for a property not known during preview."""


_SIG_KEY: Final = "4dabf18193072939515e22adb298388d"


_SECRET_SIG: Final = "1b47061264138c4ac30d75fd1eb44270"


LEVELS: Final[dict[EnforcementLevel, int]] = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}


_POLICY_TYPES: Final[dict[int, PolicyType]] = {
    analyzer_pb2.POLICY_TYPE_RESOURCE: "resource",
    analyzer_pb2.POLICY_TYPE_STACK: "stack",
}


_SEVERITIES: Final[dict[int, str]] = {
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}


def secret(value: Any) -> dict[str, Any]:
    """Marks a captured input value as secret, encoded as the engine sends secrets."""
    return {_SIG_KEY: _SECRET_SIG, "value": value}


def policy_info(raw: analyzer_pb2.PolicyInfo) -> PolicyInfo:
    schema: dict[str, Any] | None = None
    if raw.HasField("configSchema"):
        schema = {"properties": to_dict(raw.configSchema.properties)}
        if raw.configSchema.required:
            schema["required"] = list(raw.configSchema.required)
    return PolicyInfo(
        name=raw.name,
        description=raw.description,
        enforcement_level=level_name(raw.enforcementLevel),
        policy_type=_POLICY_TYPES.get(raw.policy_type, "unknown"),
        config_schema=schema,
        display_name=raw.displayName,
        remediation=raw.remediation_steps,
        severity=_SEVERITIES.get(raw.severity, ""),
        tags=tuple(raw.tags),
    )


def index_by_urn(resources: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {urn_of(r): r for r in resources}


def analyzer_resource(
    record: Mapping[str, Any], by_urn: Mapping[str, Mapping[str, Any]]
) -> analyzer_pb2.AnalyzerResource:
    urn = urn_of(record)
    deps = record.get("propertyDependencies") or {}
    return analyzer_pb2.AnalyzerResource(
        urn=urn,
        type=str(record["type"]),
        name=urn_name(urn),
        properties=struct(record.get("inputs") or {}, urn),
        options=_options(record),
        provider=_provider(str(record.get("provider") or ""), by_urn),
        parent=str(record.get("parent") or ""),
        dependencies=[str(d) for d in record.get("dependencies") or []],
        propertyDependencies={
            k: analyzer_pb2.AnalyzerPropertyDependencies(urns=[str(u) for u in v])
            for k, v in deps.items()
            if v
        },
    )


def _options(record: Mapping[str, Any]) -> analyzer_pb2.AnalyzerResourceOptions:
    delete_before_replace = record.get("deleteBeforeReplace")
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=bool(record.get("protect", False)),
        ignoreChanges=list(record.get("ignoreChanges") or []),
        deleteBeforeReplace=bool(delete_before_replace),
        deleteBeforeReplaceDefined=delete_before_replace is not None,
        additionalSecretOutputs=list(record.get("additionalSecretOutputs") or []),
        aliases=list(record.get("aliases") or []),
        customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(),
        parent=str(record.get("parent") or ""),
    )


def _provider(
    reference: str, by_urn: Mapping[str, Mapping[str, Any]]
) -> analyzer_pb2.AnalyzerProviderResource | None:
    """Resolves a `<provider urn>::<id>` reference against the captured resources."""
    if not reference:
        return None
    urn = reference.rsplit("::", 1)[0]
    inputs = by_urn.get(urn, {}).get("inputs") or {}
    return analyzer_pb2.AnalyzerProviderResource(
        urn=urn,
        type=urn_type(urn),
        name=urn_name(urn),
        properties=struct(inputs, urn),
    )


def struct(values: Mapping[str, Any], owner: str) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    try:
        struct.update(values)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"{owner}: property values must be JSON-like: {exc}") from exc
    return struct


def to_dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    result: dict[str, Any] = json_format.MessageToDict(struct)
    return result


def level_name(value: int) -> EnforcementLevel:
    return next(name for name, number in LEVELS.items() if number == value)


def urn_of(record: Mapping[str, Any]) -> str:
    urn = str(record.get("urn") or "")
    if not urn.startswith("urn:pulumi:") or urn.count("::") < 3:
        raise ValueError(f"not a Pulumi URN: {urn!r} in captured resource {dict(record)!r}")
    return urn


def urn_type(urn: str) -> str:
    return urn.split("::", 3)[2].rsplit("$", 1)[-1]


def stack_and_project(resources: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    if not resources:
        return "", ""
    stack, project = urn_of(resources[0]).split("::")[:2]
    return stack.removeprefix("urn:pulumi:"), project


def root_stack_urn(stack: str, project: str) -> str:
    if not stack:
        return ""
    return f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"
