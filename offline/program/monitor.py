"""The resource monitor and engine a previewed program talks to, served in the checking process.

They answer as the engine answers `pulumi preview` for a stack with nothing deployed: a resource's
outputs are its inputs and every value AWS computes is unknown (the response carries no id and
no computed property, so the SDK resolves them unknown and `.apply` callbacks wait); default
providers are registered from the stack's `<package>:*` config, as the engine does; URNs carry
the parent's qualified type. Every registration is recorded and handed to `on_register` at once;
data sources get `Answers`; logs, components built elsewhere (`remote`) and the SDK's orderly
shutdown (`SignalAndWaitForShutdown`, sent only when the program ran to its end) are recorded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import empty_pb2  # type: ignore[import-untyped, unused-ignore]
from pulumi.runtime import rpc
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    provider_pb2,
    resource_pb2,
    resource_pb2_grpc,
)

from offline.mocks import Registration, source_position
from offline.program.answers import Answers
from offline.program.loader import Program
from offline.program.wire import SIG, decode_struct, encode

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"
_FEATURES = (
    resource_pb2.RESOURCE_MONITOR_FEATURE_SECRETS,
    resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES,
    resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
    resource_pb2.RESOURCE_MONITOR_FEATURE_DELETED_WITH,
    resource_pb2.RESOURCE_MONITOR_FEATURE_PARAMETERIZATION,
)
_FEATURE_NAMES = {"secrets", "resourceReferences", "aliasSpecs", "deletedWith"}
_SEVERITIES = {
    engine_pb2.DEBUG: "debug",
    engine_pb2.INFO: "info",
    engine_pb2.WARNING: "warning",
    engine_pb2.ERROR: "error",
}


@dataclass(frozen=True)
class Invoked:
    """One data source call: its token, arguments and who answered it ("" = nobody)."""

    token: str
    args: dict[str, Any]
    answered_by: str


@dataclass
class Record:
    """Everything the program told the monitor and the engine, in order."""

    registrations: list[Registration] = field(default_factory=list)
    invokes: list[Invoked] = field(default_factory=list)
    logs: list[tuple[str, str]] = field(default_factory=list)
    remote: list[Registration] = field(default_factory=list)
    reads: list[tuple[str, str, str]] = field(default_factory=list)
    shutdown: threading.Event = field(default_factory=threading.Event)


class PreviewMonitor(resource_pb2_grpc.ResourceMonitorServicer, engine_pb2_grpc.EngineServicer):
    """ResourceMonitor and Engine of one preview of `program`; thread-safe."""

    def __init__(
        self,
        program: Program,
        answers: Answers,
        on_register: Callable[[Registration], None] | None = None,
        account: str = "123456789012",
    ) -> None:
        self.program = program
        self.answers = answers
        self.account = account
        self.record = Record()
        self._on_register = on_register
        self._lock = threading.Lock()
        self._root = ""
        self._defaults: dict[str, str] = {}

    # ResourceMonitor

    def GetDeploymentInfo(self, request: Any, context: Any) -> Any:  # noqa: N802
        return resource_pb2.DeploymentInfo(
            project=self.program.project,
            stack=self.program.stack,
            organization="organization",
            config=self.program.config,
            configSecretKeys=list(self.program.secret_keys),
            dryRun=True,
            parallel=16,
            supportedFeatures=list(_FEATURES),
        )

    def SupportsFeature(self, request: Any, context: Any) -> Any:  # noqa: N802
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in _FEATURE_NAMES)

    def RegisterResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        urn = self._urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            self._root = urn
            return resource_pb2.RegisterResourceResponse(urn=urn)
        provider = request.provider
        if not provider and request.custom and not request.type.startswith(PROVIDER_PREFIX):
            provider = self._default_provider(request)
        registration = _registration(request, urn, provider, self._parent(request.parent))
        self._keep(registration)
        if request.remote:
            with self._lock:
                self.record.remote.append(registration)
        if request.type.startswith(PROVIDER_PREFIX):
            return resource_pb2.RegisterResourceResponse(
                urn=urn, id=rpc.UNKNOWN, object=request.object
            )
        if not request.custom and not request.remote:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        return resource_pb2.RegisterResourceResponse(urn=urn, object=request.object)

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:  # noqa: N802
        return empty_pb2.Empty()

    def ReadResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        urn = self._urn(request.parent, request.type, request.name)
        with self._lock:
            self.record.reads.append((request.type, request.name, request.id))
        if request.type == "pulumi:pulumi:StackReference":
            return self._stack_reference(urn, request)
        return resource_pb2.ReadResourceResponse(urn=urn, properties=request.properties)

    def Invoke(self, request: Any, context: Any) -> Any:  # noqa: N802
        args = _unwrapped(decode_struct(request.args))
        answer, source = self.answers.answer(request.tok, args, self.program.region, self.account)
        with self._lock:
            self.record.invokes.append(Invoked(request.tok, args, source))
        if answer is None:
            reason = (
                f"the offline check has no answer for data source {request.tok} "
                f"(arguments {args}); give it one in an answers file (--answers FILE)"
            )
            failure = provider_pb2.CheckFailure(property="", reason=reason)
            return resource_pb2.ResourceInvokeResponse(failures=[failure])
        return resource_pb2.ResourceInvokeResponse(**{"return": encode(answer)})

    def Call(self, request: Any, context: Any) -> Any:  # noqa: N802
        # A component's method runs in the component's plugin; at preview its result is unknown.
        return provider_pb2.CallResponse()

    def RegisterPackage(self, request: Any, context: Any) -> Any:  # noqa: N802
        return resource_pb2.RegisterPackageResponse(ref=f"offline-{request.name}")

    def SignalAndWaitForShutdown(self, request: Any, context: Any) -> Any:  # noqa: N802
        self.record.shutdown.set()
        return empty_pb2.Empty()

    # Engine

    def Log(self, request: Any, context: Any) -> Any:  # noqa: N802
        if request.severity == engine_pb2.DEBUG:
            return empty_pb2.Empty()
        with self._lock:
            self.record.logs.append((_SEVERITIES.get(request.severity, "info"), request.message))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        return engine_pb2.GetRootResourceResponse(urn=self._root)

    def SetRootResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        self._root = request.urn
        return engine_pb2.SetRootResourceResponse()

    # Helpers

    def _urn(self, parent: str, type_: str, name: str) -> str:
        qualified = type_
        if parent and parent != self._root:
            qualified = f"{parent.split('::')[2]}${type_}"
        return f"urn:pulumi:{self.program.stack}::{self.program.project}::{qualified}::{name}"

    def _parent(self, parent: str) -> str | None:
        return None if not parent or parent == self._root else parent

    def _keep(self, registration: Registration) -> None:
        with self._lock:
            self.record.registrations.append(registration)
        if self._on_register is not None:
            self._on_register(registration)

    def _default_provider(self, request: Any) -> str:
        """The engine's default provider of the resource's package, registered on first use."""
        package = request.type.split(":", 1)[0]
        version = request.version or ""
        name = "default" + ("_" + version.replace(".", "_").replace("-", "_") if version else "")
        with self._lock:
            known = self._defaults.get(name)
            if known is not None:
                return known
            urn = self._urn("", f"{PROVIDER_PREFIX}{package}", name)
            reference = self._defaults[name] = f"{urn}::{rpc.UNKNOWN}"
        prefix = f"{package}:"
        inputs: dict[str, Any] = {
            k[len(prefix) :]: v for k, v in self.program.config.items() if k.startswith(prefix)
        }
        if version:
            inputs["version"] = version
        self._keep(
            Registration(
                urn=urn,
                type=f"{PROVIDER_PREFIX}{package}",
                name=name,
                custom=True,
                parent=None,
                provider="",
                inputs=inputs,
                dependencies=[],
                property_dependencies={},
                protect=False,
                retain_on_delete=False,
            )
        )
        return reference

    def _stack_reference(self, urn: str, request: Any) -> Any:
        name = str(decode_struct(request.properties).get("name") or request.id)
        outputs = self.answers.stack_references.get(name)
        properties: dict[str, Any] = {"name": name}
        if outputs is not None:
            properties["outputs"] = dict(outputs)
        return resource_pb2.ReadResourceResponse(urn=urn, properties=encode(properties))


def _registration(request: Any, urn: str, provider: str, parent: str | None) -> Registration:
    return Registration(
        urn=urn,
        type=request.type,
        name=request.name,
        custom=bool(request.custom),
        parent=parent,
        provider=provider,
        inputs=decode_struct(request.object),
        dependencies=list(request.dependencies),
        property_dependencies={
            prop: list(deps.urns) for prop, deps in request.propertyDependencies.items()
        },
        protect=bool(request.protect),
        retain_on_delete=bool(request.retainOnDelete),
        ignore_changes=tuple(request.ignoreChanges),
        source=source_position(request),
    )


def _unwrapped(value: Any) -> Any:
    """Invoke arguments as a data source sees them: secrets unwrapped."""
    if isinstance(value, dict):
        if value.get(SIG) is not None and "value" in value:
            return _unwrapped(value["value"])
        return {k: _unwrapped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrapped(v) for v in value]
    return value
