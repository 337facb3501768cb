"""Runs a real CrossGuard policy pack offline over the Analyzer gRPC protocol, as the engine does.

Guarantees: the pack receives the calls, config and property encoding of `pulumi preview
--policy-pack`, and its subprocess is gone when `run_policy_pack` returns or raises.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import IO, Any, Final, Literal, cast

import grpc  # type: ignore[import-untyped, unused-ignore]
import yaml  # type: ignore[import-untyped, unused-ignore]
from google.protobuf import empty_pb2, json_format, struct_pb2  # type: ignore[import-untyped, unused-ignore]
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi.runtime.rpc import UNKNOWN as _RPC_UNKNOWN

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

EnforcementLevel = Literal["advisory", "mandatory", "remediate", "disabled"]
PolicyType = Literal["resource", "stack", "unknown"]

UNKNOWN: Final[str] = _RPC_UNKNOWN
"""Input value the engine sends for a property not known during preview."""

_SIG_KEY: Final = "4dabf18193072939515e22adb298388d"
_SECRET_SIG: Final = "1b47061264138c4ac30d75fd1eb44270"
_LEVELS: Final[dict[EnforcementLevel, int]] = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}
_POLICY_TYPES: Final[dict[int, PolicyType]] = {
    analyzer_pb2.POLICY_TYPE_RESOURCE: "resource",
    analyzer_pb2.POLICY_TYPE_STACK: "stack",
}
# Handed to the pack as argv[1] like the engine's address; pulumi.policy never connects to it.
_ENGINE_ADDRESS: Final = "127.0.0.1:0"
_GRACE_SECONDS: Final = 5.0
_CHANNEL_OPTIONS: Final = [("grpc.max_receive_message_length", 400 * 1024 * 1024)]


class PolicyPackError(RuntimeError):
    """The pack could not be started, timed out, or failed an RPC; the message has its stderr."""


class PolicyConfigError(PolicyPackError):
    """The policy config is malformed or does not match a policy's config schema."""


@dataclass(frozen=True)
class PolicyInfo:
    """One policy as reported by GetAnalyzerInfo."""

    name: str
    description: str
    enforcement_level: EnforcementLevel
    policy_type: PolicyType
    config_schema: Mapping[str, Any] | None


@dataclass(frozen=True)
class PackInfo:
    """The pack's name, version (PulumiPolicy.yaml first) and policies sorted by name."""

    name: str
    version: str
    policies: tuple[PolicyInfo, ...]


@dataclass(frozen=True)
class Violation:
    """One diagnostic, with the URN the engine would attach it to."""

    policy_name: str
    policy_pack_name: str
    policy_pack_version: str
    description: str
    message: str
    urn: str
    enforcement_level: EnforcementLevel

    @property
    def resource_name(self) -> str:
        return _urn_name(self.urn)


@dataclass(frozen=True)
class Timings:
    """Wall-clock seconds per phase, for benchmarking."""

    startup: float
    configure: float
    analyze: float
    analyze_stack: float
    shutdown: float
    total: float


@dataclass(frozen=True)
class PolicyReport:
    """Everything one offline policy run produced."""

    pack: PackInfo
    violations: tuple[Violation, ...]
    timings: Timings
    stderr: str = field(repr=False)

    @property
    def mandatory(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.enforcement_level == "mandatory")


@dataclass(frozen=True)
class _PolicyConfig:
    level: EnforcementLevel | None
    properties: Mapping[str, Any]


def secret(value: Any) -> dict[str, Any]:
    """Marks a captured input value as secret, encoded as the engine sends secrets."""
    return {_SIG_KEY: _SECRET_SIG, "value": value}


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
    yaml_version = _load_policy_project(pack_dir)
    given = _parse_config(config or {})
    stack, project = _stack_and_project(resources)
    process = _PackProcess(pack_dir, python, _pack_env(stack, project))
    try:
        port = process.port(timeout)
        startup = time.monotonic()
        rpc = _Rpc(port, started + timeout, process)
        try:
            info = _prepare(
                rpc, pack_dir, yaml_version=yaml_version, given=given, stack=stack, project=project
            )
            configured = time.monotonic()
            violations = _analyze_each(rpc, info, resources)
            analyzed = time.monotonic()
            violations += _analyze_stack(rpc, info, resources, _root_stack_urn(stack, project))
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


def render_report(report: PolicyReport) -> str:
    """Renders violations grouped by policy (mandatory first), then resource and message."""
    pack = f"{report.pack.name} {report.pack.version}"
    if not report.violations:
        return f"{pack}: no policy violations\n"
    lines = [
        f"{pack}: {len(report.violations)} violation(s), {len(report.mandatory)} mandatory",
    ]

    def key(v: Violation) -> tuple[bool, str, str]:
        return (v.enforcement_level != "mandatory", v.policy_name, v.enforcement_level)

    for (_, policy, level), group in groupby(sorted(report.violations, key=key), key=key):
        items = list(group)
        lines += ["", f"{policy} [{level}]", f"  {items[0].description}"]
        for v in items:
            detail = v.message.removeprefix(v.description).strip() or v.description
            lines += [f"  - {v.resource_name} ({v.urn or 'stack'})", f"      {detail}"]
    return "\n".join(lines) + "\n"


class _PackProcess:
    """The pack subprocess: stdout drained on a thread (first line = port), stderr to a file."""

    def __init__(self, pack_dir: Path, python: str, env: Mapping[str, str]) -> None:
        # Closed by stop(); a file, not a pipe, so a chatty pack can never block on stderr.
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._stderr_text: str | None = None
        self._lines: queue.Queue[bytes] = queue.Queue()
        argv = [python, "-u", "-m", "pulumi.policy", _ENGINE_ADDRESS, "."]
        try:
            self._proc = subprocess.Popen(
                argv,
                cwd=pack_dir,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
        except OSError as exc:
            self._stderr.close()
            raise PolicyPackError(f"could not start policy pack {pack_dir}: {exc}") from exc
        self._reader = threading.Thread(target=self._drain_stdout, daemon=True)
        self._reader.start()

    def _drain_stdout(self) -> None:
        stdout = cast(IO[bytes], self._proc.stdout)
        for line in stdout:
            self._lines.put(line)
        self._lines.put(b"")

    def port(self, timeout: float) -> int:
        try:
            first = self._lines.get(timeout=timeout).decode(errors="replace").strip()
        except queue.Empty:
            raise PolicyPackError(
                self.describe(f"policy pack did not report its port within {timeout:g}s")
            ) from None
        if first.isdigit():
            return int(first)
        if not first:
            self._wait(_GRACE_SECONDS)
            raise PolicyPackError(self.describe("policy pack exited before reporting its port"))
        raise PolicyPackError(self.describe(f"could not read the policy pack port from {first!r}"))

    def describe(self, problem: str) -> str:
        code = self._proc.poll()
        status = f" (exit code {code})" if code is not None else ""
        stderr = self._read_stderr().rstrip() or "<empty>"
        return f"{problem}{status}\n--- policy pack stderr ---\n{stderr}"

    def stop(self) -> str:
        """Terminates the pack, kills it if it lingers; idempotent.

        SIGTERM rather than the engine's SIGINT: a process started with SIGINT ignored (a
        background job of a non-interactive shell, as some CI runners start us) passes that on
        to the pack, which would then sit out the whole grace period on every run.
        """
        if self._stderr_text is None:
            if self._proc.poll() is None:
                self._proc.terminate()
                if not self._wait(_GRACE_SECONDS):
                    self._proc.kill()
                    self._proc.wait()
            self._reader.join(_GRACE_SECONDS)
            cast(IO[bytes], self._proc.stdout).close()
            self._stderr_text = self._read_stderr()
            self._stderr.close()
        return self._stderr_text

    def _wait(self, seconds: float) -> bool:
        try:
            self._proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return False
        return True

    def _read_stderr(self) -> str:
        if self._stderr_text is not None:
            return self._stderr_text
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")


class _Rpc:
    """Analyzer client whose calls share the run's deadline and report failures with stderr."""

    def __init__(self, port: int, deadline: float, process: _PackProcess) -> None:
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_CHANNEL_OPTIONS)
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        self._deadline = deadline
        self._process = process

    def call(self, method: str, request: Any, *, optional: bool = False) -> Any:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise PolicyPackError(self._process.describe(f"timed out before {method}"))
        try:
            return getattr(self._stub, method)(request, timeout=remaining, wait_for_ready=True)
        except grpc.RpcError as err:
            if optional and err.code() == grpc.StatusCode.UNIMPLEMENTED:
                return None
            problem = f"{method} failed: {err.code().name}: {err.details()}"
            raise PolicyPackError(self._process.describe(problem)) from err

    def close(self) -> None:
        self._channel.close()


def _load_policy_project(pack_dir: Path) -> str | None:
    path = pack_dir / "PulumiPolicy.yaml"
    try:
        project = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyPackError(f"failed to load Pulumi policy project at {pack_dir}: {exc}") from exc
    runtime = project.get("runtime")
    name = runtime.get("name") if isinstance(runtime, Mapping) else runtime
    if name != "python":
        raise PolicyPackError(f"{path}: runtime {name!r} is not supported offline, only python")
    version = project.get("version")
    return str(version) if version else None


def _pack_env(stack: str, project: str) -> dict[str, str]:
    extra = {"PULUMI_PROJECT": project, "PULUMI_STACK": stack, "PULUMI_DRY_RUN": "true"}
    return {**os.environ, **{k: v for k, v in extra.items() if v}}


def _prepare(
    rpc: _Rpc,
    pack_dir: Path,
    *,
    yaml_version: str | None,
    given: Mapping[str, _PolicyConfig],
    stack: str,
    project: str,
) -> PackInfo:
    """Handshake, ConfigureStack, GetAnalyzerInfo, then the reconciled Configure."""
    directory = str(pack_dir)
    handshake = analyzer_pb2.AnalyzerHandshakeRequest(
        engine_address=_ENGINE_ADDRESS, root_directory=directory, program_directory=directory
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
        policies=tuple(sorted((_policy_info(p) for p in raw.policies), key=lambda p: p.name)),
    )
    initial = {
        k: _PolicyConfig(_level(v.enforcementLevel), _to_dict(v.properties))
        for k, v in raw.initialConfig.items()
    }
    reconciled = _reconcile(info.policies, [initial, given])
    errors = _validate(info.policies, reconciled)
    if errors:
        pack = f"{info.name} {info.version}"
        raise PolicyConfigError("\n".join(f"validating policy config: {pack}  {e}" for e in errors))
    if reconciled:
        rpc.call("Configure", _configure_request(reconciled))
    return info


def _policy_info(raw: analyzer_pb2.PolicyInfo) -> PolicyInfo:
    schema: dict[str, Any] | None = None
    if raw.HasField("configSchema"):
        schema = {"properties": _to_dict(raw.configSchema.properties)}
        if raw.configSchema.required:
            schema["required"] = list(raw.configSchema.required)
    return PolicyInfo(
        name=raw.name,
        description=raw.description,
        enforcement_level=_level(raw.enforcementLevel),
        policy_type=_POLICY_TYPES.get(raw.policy_type, "unknown"),
        config_schema=schema,
    )


def _parse_config(config: Mapping[str, Any]) -> dict[str, _PolicyConfig]:
    """Parses `--policy-pack-config` JSON as pkg/resource/analyzer/config.go does."""
    result: dict[str, _PolicyConfig] = {}
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
            result[key] = _PolicyConfig(level, props)
    return result


def _parse_level(key: str, value: Any) -> EnforcementLevel:
    if value not in _LEVELS:
        raise PolicyConfigError(
            f"parsing enforcement level for {key!r}: {value!r} is not one of {sorted(_LEVELS)}"
        )
    return cast(EnforcementLevel, value)


def _reconcile(
    policies: Sequence[PolicyInfo], layers: Sequence[Mapping[str, _PolicyConfig]]
) -> dict[str, _PolicyConfig]:
    result = {p.name: _PolicyConfig(p.enforcement_level, _defaults(p)) for p in policies}
    for layer in layers:
        everything = layer.get("all")
        if everything is not None and everything.level is not None:
            result = {k: _PolicyConfig(everything.level, v.properties) for k, v in result.items()}
        for key, given in layer.items():
            current = result.get(key, _PolicyConfig(None, {}))
            merged = {**current.properties, **given.properties}
            result[key] = _PolicyConfig(given.level or current.level, merged)
    return result


def _defaults(policy: PolicyInfo) -> dict[str, Any]:
    properties = (policy.config_schema or {}).get("properties", {})
    return {k: s["default"] for k, s in properties.items() if "default" in s}


def _validate(policies: Sequence[PolicyInfo], config: Mapping[str, _PolicyConfig]) -> list[str]:
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


def _configure_request(
    config: Mapping[str, _PolicyConfig],
) -> analyzer_pb2.ConfigureAnalyzerRequest:
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for key, value in config.items():
        if value.level is None:
            raise PolicyConfigError(f"invalid enforcement level '' for config key {key!r}")
        entry = request.policyConfig[key]
        entry.enforcementLevel = _LEVELS[value.level]
        entry.properties.CopyFrom(_struct(value.properties, f"config {key!r}"))
    return request


def _analyze_each(
    rpc: _Rpc, info: PackInfo, resources: Sequence[Mapping[str, Any]]
) -> list[Violation]:
    violations: list[Violation] = []
    by_urn = _by_urn(resources)
    for record in resources:
        res = _analyzer_resource(record, by_urn)
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
    rpc: _Rpc, info: PackInfo, resources: Sequence[Mapping[str, Any]], root_urn: str
) -> list[Violation]:
    by_urn = _by_urn(resources)
    request = analyzer_pb2.AnalyzeStackRequest(
        resources=[_analyzer_resource(r, by_urn) for r in resources]
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
        level = _level(d.enforcementLevel)
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


def _by_urn(resources: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {_urn_of(r): r for r in resources}


def _analyzer_resource(
    record: Mapping[str, Any], by_urn: Mapping[str, Mapping[str, Any]]
) -> analyzer_pb2.AnalyzerResource:
    urn = _urn_of(record)
    deps = record.get("propertyDependencies") or {}
    return analyzer_pb2.AnalyzerResource(
        urn=urn,
        type=str(record["type"]),
        name=_urn_name(urn),
        properties=_struct(record.get("inputs") or {}, urn),
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
        type=_urn_type(urn),
        name=_urn_name(urn),
        properties=_struct(inputs, urn),
    )


def _struct(values: Mapping[str, Any], owner: str) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    try:
        struct.update(values)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"{owner}: property values must be JSON-like: {exc}") from exc
    return struct


def _always(urn: str) -> Callable[[str], str]:
    def attach(_reported: str) -> str:
        return urn

    return attach


def _to_dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    result: dict[str, Any] = json_format.MessageToDict(struct)
    return result


def _level(value: int) -> EnforcementLevel:
    return next(name for name, number in _LEVELS.items() if number == value)


def _urn_of(record: Mapping[str, Any]) -> str:
    urn = str(record.get("urn") or "")
    if not urn.startswith("urn:pulumi:") or urn.count("::") < 3:
        raise ValueError(f"not a Pulumi URN: {urn!r} in captured resource {dict(record)!r}")
    return urn


def _urn_name(urn: str) -> str:
    return urn.split("::", 3)[3] if urn.count("::") >= 3 else ""


def _urn_type(urn: str) -> str:
    return urn.split("::", 3)[2].rsplit("$", 1)[-1]


def _stack_and_project(resources: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    if not resources:
        return "", ""
    stack, project = _urn_of(resources[0]).split("::")[:2]
    return stack.removeprefix("urn:pulumi:"), project


def _root_stack_urn(stack: str, project: str) -> str:
    if not stack:
        return ""
    return f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"
