"""One offline policy run: the pack receives the calls of `pulumi preview --policy-pack`, in order.

Guarantee: the pack's subprocess is gone when `run_policy_pack` returns or raises.
"""

from __future__ import annotations

import sys
import threading
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
    urn_of,
)
from offline.analyzer.model import (
    NotApplicable,
    PackInfo,
    PolicyConfigError,
    PolicyPackError,
    PolicyReport,
    Timings,
    Violation,
    unknown_at_preview,
)
from offline.analyzer.process import (
    ENGINE_ADDRESS,
    GRACE_SECONDS,
    PackProcess,
    Pending,
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
    stack, project = stack_and_project(resources)
    with PolicySession(
        pack_dir, stack=stack, project=project, config=config, python=python, timeout=timeout
    ) as session:
        for record in resources:
            session.analyze(record)
        return session.finish(resources)


class PolicySession:
    """One pack run that analyses resources while they are still being declared.

    As the engine does, each resource goes to Analyze as soon as it is registered, and the whole
    stack to AnalyzeStack at the end. The pack is started and configured on a worker thread;
    `analyze` sends a request without waiting for its answer (before the pack is ready, it keeps
    it for the worker to send), so the program's evaluation overlaps with the pack's, which is
    its own process. `finish` gathers the answers and returns the report, or raises what went
    wrong in the pack; the pack's process is gone when the session is closed, whatever happened.
    """

    def __init__(
        self,
        pack_dir: Path,
        *,
        stack: str,
        project: str,
        config: Mapping[str, Any] | None = None,
        python: str = sys.executable,
        timeout: float = 60,
    ) -> None:
        self._started = time.monotonic()
        self._pack_dir = pack_dir.resolve()
        # Errors in the pack project or the given config surface here, before anything runs.
        self._yaml_version = load_policy_project(self._pack_dir)
        self._given = parse_config(config or {})
        self._stack, self._project = stack, project
        self._deadline = self._started + timeout
        self._lock = threading.Lock()
        self._waiting: list[Mapping[str, Any]] = []
        self._sent: list[tuple[str, Pending]] = []
        self._seen: dict[str, Mapping[str, Any]] = {}
        self._encoded: dict[str, analyzer_pb2.AnalyzerResource] = {}
        self._marks: dict[str, float] = {}
        self._error: BaseException | None = None
        self._info: PackInfo | None = None
        self._rpc: Rpc | None = None
        self._process = PackProcess(self._pack_dir, python, pack_env(stack, project))
        self._worker = threading.Thread(target=self._start, args=(timeout,), daemon=True)
        self._worker.start()

    def __enter__(self) -> PolicySession:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def analyze(self, record: Mapping[str, Any]) -> None:
        """Send one captured resource (a `to_json_resources` record) to Analyze; thread-safe.

        Registrations arrive on the SDK's worker threads; once the pack is ready they send
        without a lock (a lock made them queue behind each other's sends). A resource's
        provider registers, and so is sent, before the resource can refer to it.
        """
        if self._info is None:
            with self._lock:
                if self._info is None:
                    self._waiting.append(record)
                    return
        if self._error is None:
            self._send_or_keep_error(record)

    def finish(self, resources: Sequence[Mapping[str, Any]]) -> PolicyReport:
        """Gather every Analyze answer, run AnalyzeStack over `resources`, stop the pack."""
        # The worker's every wait is bounded by the deadline; the grace covers its last step.
        self._worker.join(max(self._deadline - time.monotonic(), 0) + GRACE_SECONDS)
        if self._worker.is_alive():
            raise PolicyPackError(self._process.describe("timed out starting the pack"))
        if self._error is not None:
            raise self._error
        assert self._rpc is not None and self._info is not None
        # Answers in the order of the captured resources, whichever thread sent them.
        order = {urn_of(r): index for index, r in enumerate(resources)}
        sent = sorted(self._sent, key=lambda pair: order.get(pair[0], len(order)))
        answers = [(urn, call.result(timeout=self._rpc.wait)) for urn, call in sent]
        violations = [v for urn, answer in answers for v in _answered(self._info, urn, answer)]
        skipped = [n for urn, answer in answers for n in _not_applicable(answer, urn)]
        analyzed = time.monotonic()
        root = root_stack_urn(self._stack, self._project)
        stack_answer = _analyze_stack(self._rpc, resources, self._encoded)
        if stack_answer is not None:
            violations += _stack_violations(stack_answer, self._info, resources, root)
            skipped += _not_applicable(stack_answer, "")
        stacked = time.monotonic()
        stderr = self.close()
        done = time.monotonic()
        unjudged = [v for v in violations if unknown_at_preview(v) is not None]
        violations = [v for v in violations if unknown_at_preview(v) is None]
        marks = self._marks
        timings = Timings(
            marks["startup"] - self._started,
            marks["configured"] - marks["startup"],
            analyzed - marks["configured"],
            stacked - analyzed,
            done - stacked,
            done - self._started,
        )
        return PolicyReport(
            self._info, tuple(violations), timings, stderr, tuple(skipped), tuple(unjudged)
        )

    def close(self) -> str:
        """Stop the pack (idempotent) and return its stderr."""
        if self._rpc is not None:
            self._rpc.close()
        return self._process.stop()

    def _start(self, timeout: float) -> None:
        try:
            port = self._process.port(timeout)
            self._marks["startup"] = time.monotonic()
            rpc = Rpc(port, self._deadline, self._process, timeout)
            self._rpc = rpc
            info = _prepare(
                rpc,
                self._pack_dir,
                yaml_version=self._yaml_version,
                given=self._given,
                stack=self._stack,
                project=self._project,
            )
            self._marks["configured"] = time.monotonic()
            rpc.started()
            with self._lock:
                for record in self._waiting:
                    self._send(record)
                self._waiting.clear()
                # Set last: whoever sees it set sends directly, after everything that waited.
                self._info = info
        except BaseException as err:
            self._error = err

    def _send_or_keep_error(self, record: Mapping[str, Any]) -> None:
        # A pack that fails is reported by `finish`; the program that registers is not stopped.
        try:
            self._send(record)
        except PolicyPackError as err:
            self._error = self._error or err

    def _send(self, record: Mapping[str, Any]) -> None:
        assert self._rpc is not None
        urn = urn_of(record)
        self._seen[urn] = record
        resource = analyzer_resource(record, self._seen)
        self._encoded[urn] = resource
        self._sent.append((urn, self._rpc.send("Analyze", _analyze_request(resource))))


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


def _analyze_request(res: analyzer_pb2.AnalyzerResource) -> analyzer_pb2.AnalyzeRequest:
    return analyzer_pb2.AnalyzeRequest(
        urn=res.urn,
        type=res.type,
        name=res.name,
        properties=res.properties,
        options=res.options,
        provider=res.provider if res.HasField("provider") else None,
    )


def _answered(info: PackInfo, urn: str, response: analyzer_pb2.AnalyzeResponse) -> list[Violation]:
    # The engine files every Analyze diagnostic under the analyzed resource, whatever URN
    # the pack reported (an unknown-value diagnostic carries none).
    return _violations(response, info, _always(urn))


def _not_applicable(response: analyzer_pb2.AnalyzeResponse, urn: str) -> list[NotApplicable]:
    return [NotApplicable(n.policy_name, urn, n.reason) for n in response.not_applicable]


def _analyze_stack(
    rpc: Rpc,
    resources: Sequence[Mapping[str, Any]],
    encoded: Mapping[str, analyzer_pb2.AnalyzerResource],
) -> analyzer_pb2.AnalyzeResponse | None:
    # A resource Analyze already saw goes out as encoded then (the same record, by URN).
    by_urn = index_by_urn(resources)
    request = analyzer_pb2.AnalyzeStackRequest(
        resources=[encoded.get(urn_of(r)) or analyzer_resource(r, by_urn) for r in resources]
    )
    response: analyzer_pb2.AnalyzeResponse | None = rpc.call("AnalyzeStack", request, optional=True)
    return response


def _stack_violations(
    response: analyzer_pb2.AnalyzeResponse,
    info: PackInfo,
    resources: Sequence[Mapping[str, Any]],
    root_urn: str,
) -> list[Violation]:
    urns = set(index_by_urn(resources))
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
