"""Drives the real pulumi_policy analyzer servicer in-process, as the engine does over gRPC."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer

from policies.registry import build_policies

LEVELS = {"advisory": proto.ADVISORY, "mandatory": proto.MANDATORY, "disabled": proto.DISABLED}


def servicer() -> Any:
    return _PolicyAnalyzerServicer(
        "data-platform-guardrails", "0.1.0", build_policies(), EnforcementLevel.ADVISORY
    )


def configure(analyzer: Any, config_file: Path) -> None:
    """Send a --policy-pack-config file the way the CLI does (Configure RPC)."""
    request = proto.ConfigureAnalyzerRequest()
    for name, value in json.loads(config_file.read_text(encoding="utf-8")).items():
        entry = value if isinstance(value, dict) else {"enforcementLevel": value}
        config = proto.PolicyConfig(enforcementLevel=LEVELS[entry["enforcementLevel"]])
        config.properties.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
        request.policyConfig[name].CopyFrom(config)
    analyzer.Configure(request, None)


def analyze(analyzer: Any, type_: str, name: str, props: dict[str, Any]) -> Any:
    urn = f"urn:pulumi:dev::data-platform::{type_}::{name}"
    request = proto.AnalyzeRequest(type=type_, urn=urn, name=name)
    request.properties.update(props)
    return analyzer.Analyze(request, None)


def stack_resource(
    type_: str, name: str, props: dict[str, Any], deps: dict[str, list[str]] | None = None
) -> Any:
    resource = proto.AnalyzerResource(
        type=type_,
        urn=f"urn:pulumi:dev::data-platform::{type_}::{name}",
        name=name,
        propertyDependencies={
            k: proto.AnalyzerPropertyDependencies(urns=v) for k, v in (deps or {}).items()
        },
    )
    resource.properties.update(props)
    return resource


def analyze_stack(analyzer: Any, resources: list[Any]) -> Any:
    return analyzer.AnalyzeStack(proto.AnalyzeStackRequest(resources=resources), None)


def diagnostics(response: Any, policy: str) -> list[tuple[str, int, str]]:
    """(message, enforcement level, urn) of one policy's diagnostics."""
    return [
        (d.message, d.enforcementLevel, d.urn)
        for d in response.diagnostics
        if d.policyName == policy
    ]
