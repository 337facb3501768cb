"""One offline policy run: the pack receives the calls of `pulumi preview --policy-pack`, in order.

Guarantee: the pack's subprocess is gone when `run_policy_pack` returns or raises.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from google.protobuf import empty_pb2  # type: ignore[import-untyped, unused-ignore]
from pulumi.runtime.proto import analyzer_pb2

from offline.analyzer.config import (
    PolicyConfig,
    configure_request,
    parse_config,
    reconcile,
    validate,
)
from offline.analyzer.encoding import (
    analyzer_resource,
    index_by_urn,
    level_name,
    policy_info,
    root_stack_urn,
    stack_and_project,
    to_dict,
)
from offline.analyzer.model import PackInfo, PolicyConfigError, PolicyReport, Timings, Violation
from offline.analyzer.process import (
    ENGINE_ADDRESS,
    PackProcess,
    Rpc,
    load_policy_project,
    pack_env,
)

# What the engine does, mirrored here (pulumi/pulumi sources read for it):
#
# * Launch (pkg/resource/plugin/analyzer_plugin.go `NewPolicyAnalyzer`, shim
#   sdk/python/dist/pulumi-analyzer-policy-python): it loads `PulumiPolicy.yaml` (an error when
#   absent), then runs `python -u -m pulumi.policy <engine-address> .` with the pack directory as
#   cwd and PULUMI_PROJECT / PULUMI_STACK / PULUMI_DRY_RUN added to the environment, and reads the
#   port from the first stdout line. `pulumi.policy` parses but never dials the engine address
#   (`pulumi.log` falls back to stderr), so no Engine service is served; stderr is captured.
# * Handshake and ConfigureStack are sent first; UNIMPLEMENTED answers are ignored, as the engine
#   does. GetAnalyzerInfo follows; the PulumiPolicy.yaml version wins over the pack's "0.0.1".
# * Config (pkg/resource/analyzer/config.go): the `--policy-pack-config` JSON is parsed (string =
#   enforcement level, object = optional `enforcementLevel` plus properties), reconciled onto schema
#   defaults and the pack's initial config ("all" sets every level, then per-key entries merge,
#   "all" itself included), validated against each policy's schema, and then Configure is sent
#   with an entry for every policy, so policies always see their schema defaults.
# * Analyze (pkg/resource/deploy/step_generator.go): called for every registered resource in
#   registration order, component resources and providers included (there is no `Custom` gate),
#   with the resource inputs; the diagnostic's URN is replaced by the analyzed resource's URN.
# * AnalyzeStack (`stepGenerator.AnalyzeResources`): every resource once, with parent,
#   dependencies and non-empty property dependencies; a diagnostic URN outside the stack becomes
#   the root stack URN. Levels reported as "remediate" are downgraded to "mandatory".
# * Properties go out as `MarshalProperties(KeepUnknowns, KeepSecrets)` does: unknowns as the
#   string sentinel `UNKNOWN`, secrets as the signature object `secret()` builds.
#
# Known differences: AnalyzeStack gets the captured inputs (the engine sends outputs, which equal
# the checked inputs plus unknowns during a preview); the Remediate pass is not driven; the root
# `pulumi:pulumi:Stack` and default providers are only sent when they are in the captured list;
# config validation covers `required`, `type` and `enum`, not all of JSON Schema.


def run_policy_pack(
    pack_dir: Path,
    resources: Sequence[Mapping[str, Any]],
    *,
    config: Mapping[str, Any] | None = None,
    python: str = sys.executable,
    timeout: float = 60,
) -> PolicyReport:
    """Runs the pack in `pack_dir` over captured resources, as a preview with that pack would."""
    started = time.monotonic()
    pack_dir = pack_dir.resolve()
    yaml_version = load_policy_project(pack_dir)
    given = parse_config(config or {})
    stack, project = stack_and_project(resources)
    process = PackProcess(pack_dir, python, pack_env(stack, project))
    try:
        port = process.port(timeout)
        startup = time.monotonic()
        rpc = Rpc(port, started + timeout, process)
        try:
            info = _prepare(
                rpc, pack_dir, yaml_version=yaml_version, given=given, stack=stack, project=project
            )
            configured = time.monotonic()
            violations = _analyze_each(rpc, info, resources)
            analyzed = time.monotonic()
            violations += _analyze_stack(rpc, info, resources, root_stack_urn(stack, project))
            stacked = time.monotonic()
        finally:
            rpc.close()
        stderr = process.stop()
    finally:
        process.stop()
    done = time.monotonic()
    timings = Timings(
        startup - started,
        configured - startup,
        analyzed - configured,
        stacked - analyzed,
        done - stacked,
        done - started,
    )
    return PolicyReport(info, tuple(violations), timings, stderr)


def _prepare(
    rpc: Rpc,
    pack_dir: Path,
    *,
    yaml_version: str | None,
    given: Mapping[str, PolicyConfig],
    stack: str,
    project: str,
) -> PackInfo:
    """Handshake, ConfigureStack, GetAnalyzerInfo, then the reconciled Configure."""
    directory = str(pack_dir)
    handshake = analyzer_pb2.AnalyzerHandshakeRequest(
        engine_address=ENGINE_ADDRESS, root_directory=directory, program_directory=directory
    )
    rpc.call("Handshake", handshake, optional=True)
    configure_stack = analyzer_pb2.AnalyzerStackConfigureRequest(
        stack=stack, project=project, dry_run=True
    )
    rpc.call("ConfigureStack", configure_stack, optional=True)
    raw: analyzer_pb2.AnalyzerInfo = rpc.call("GetAnalyzerInfo", empty_pb2.Empty())
    info = PackInfo(
        name=raw.name,
        version=yaml_version or raw.version,
        policies=tuple(sorted((policy_info(p) for p in raw.policies), key=lambda p: p.name)),
    )
    initial = {
        k: PolicyConfig(level_name(v.enforcementLevel), to_dict(v.properties))
        for k, v in raw.initialConfig.items()
    }
    reconciled = reconcile(info.policies, [initial, given])
    errors = validate(info.policies, reconciled)
    if errors:
        pack = f"{info.name} {info.version}"
        raise PolicyConfigError("\n".join(f"validating policy config: {pack}  {e}" for e in errors))
    if reconciled:
        rpc.call("Configure", configure_request(reconciled))
    return info


def _analyze_each(
    rpc: Rpc, info: PackInfo, resources: Sequence[Mapping[str, Any]]
) -> list[Violation]:
    violations: list[Violation] = []
    by_urn = index_by_urn(resources)
    for record in resources:
        res = analyzer_resource(record, by_urn)
        request = analyzer_pb2.AnalyzeRequest(
            urn=res.urn,
            type=res.type,
            name=res.name,
            properties=res.properties,
            options=res.options,
            provider=res.provider if res.HasField("provider") else None,
        )
        response: analyzer_pb2.AnalyzeResponse = rpc.call("Analyze", request)
        # The engine files every Analyze diagnostic under the analyzed resource, whatever URN
        # the pack reported (an unknown-value diagnostic carries none).
        violations += _violations(response, info, _always(res.urn))
    return violations


def _analyze_stack(
    rpc: Rpc, info: PackInfo, resources: Sequence[Mapping[str, Any]], root_urn: str
) -> list[Violation]:
    by_urn = index_by_urn(resources)
    request = analyzer_pb2.AnalyzeStackRequest(
        resources=[analyzer_resource(r, by_urn) for r in resources]
    )
    urns = {r.urn for r in request.resources}
    response: analyzer_pb2.AnalyzeResponse | None = rpc.call("AnalyzeStack", request, optional=True)
    if response is None:
        return []
    return _violations(response, info, lambda urn: urn if urn in urns else root_urn)


def _violations(
    response: analyzer_pb2.AnalyzeResponse, info: PackInfo, attach: Callable[[str], str]
) -> list[Violation]:
    result = []
    for d in response.diagnostics:
        level = level_name(d.enforcementLevel)
        result.append(
            Violation(
                policy_name=d.policyName,
                policy_pack_name=d.policyPackName,
                policy_pack_version=info.version or d.policyPackVersion,
                description=d.description,
                message=d.message,
                urn=attach(d.urn),
                enforcement_level="mandatory" if level == "remediate" else level,
            )
        )
    return result


def _always(urn: str) -> Callable[[str], str]:
    def attach(_reported: str) -> str:
        return urn

    return attach
