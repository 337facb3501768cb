"""Pulumi mocks that stand in for the engine and AWS, and record what the program declares.

`PlatformMocks` returns plausible computed outputs (ids, ARNs in AWS's documented shapes, names)
and answers common data sources (`offline.invokes`), so any AWS program runs to the end;
`RecordingMonitor` keeps, for every registration, what the engine would see: type, name, parent,
inputs, dependencies, property dependencies and protection options.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks, rpc
from pulumi.runtime.mocks import MockMonitor

from offline.arns import ArnContext, generated_uuid, partition
from offline.invokes import answer_invoke

MOCK_ACCOUNT_ID = "123456789012"


# Outputs a resource has when it manages its admin password in Secrets Manager.
_MANAGED_SECRETS = {
    "aws:redshiftserverless/namespace:Namespace": (
        ("manageAdminPassword", "adminPasswordSecretArn"),
    ),
    "aws:redshift/cluster:Cluster": (("manageMasterPassword", "masterPasswordSecretArn"),),
}


@dataclass(frozen=True)
class Registration:
    """One resource registration as the engine receives it."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    provider: str
    inputs: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    protect: bool
    retain_on_delete: bool
    ignore_changes: tuple[str, ...] = ()
    # What the mocks returned (id, names, ARNs): the "deployed" view of an emulated run. Not in
    # the capture JSON, which records what the program declares.
    outputs: dict[str, Any] = field(default_factory=dict, compare=False)
    # Where the program declared it (file URI or path, line), when the SDK sent a position.
    source: tuple[str, int] | None = field(default=None, compare=False)


class PlatformMocks(Mocks):
    """Computed outputs for AWS resources and answers to the data sources programs commonly read.

    ARNs have the shapes AWS documents (`offline.arns`), in the region's partition.
    """

    def __init__(self, region: str, account_id: str = MOCK_ACCOUNT_ID) -> None:
        self.region = region
        self.account_id = account_id
        self._arns = ArnContext(region, account_id)

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        state = dict(args.inputs)
        if not args.custom or not args.typ.startswith("aws:"):
            return f"{args.name}-id", state
        resource_id = f"{args.name}-id"
        if args.typ in ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"):
            resource_id = str(state.setdefault("bucket", state.get("name") or args.name))
        if args.typ == "aws:kms/key:Key":
            resource_id = str(state.setdefault("keyId", generated_uuid(args.typ, args.name)))
        state.setdefault("arn", self._arns.arn(args.typ, args.name, resource_id, state))
        state.setdefault("name", state.get("name") or args.name)
        if args.typ == "aws:sqs/queue:Queue":
            dns = partition(self.region)[1]
            state.setdefault(
                "url", f"https://sqs.{self.region}.{dns}/{self.account_id}/{state['name']}"
            )
        if args.typ == "aws:iam/role:Role":
            # IAM's unique id of a role: AROA and 17 more characters (IAM User Guide, "Unique
            # identifiers"), stable per name here.
            digest = generated_uuid(args.typ, args.name).replace("-", "").upper()
            state.setdefault("uniqueId", f"AROA{digest[:17]}")
        for flag, output in _MANAGED_SECRETS.get(args.typ, ()):
            if state.get(flag):
                state.setdefault(output, self._managed_secret_arn(args.typ, str(state["name"])))
        return resource_id, state

    def _managed_secret_arn(self, type_token: str, name: str) -> str:
        # Redshift names the admin secret it manages after the namespace or cluster.
        owner = "redshift-serverless" if "serverless" in type_token else "redshift"
        return (
            f"arn:{partition(self.region)[0]}:secretsmanager:{self.region}:{self.account_id}:secret:"
            f"{owner}!{name}-admin-AbCdEf"
        )

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        answer = answer_invoke(args.token, dict(args.args), self.region, self.account_id)
        if answer is None:
            raise NotImplementedError(f"no offline answer for invoke {args.token}")
        return answer, []


class _InputsSeen(Mocks):
    """Passes every call to the wrapped mocks and keeps, per thread, the inputs of the last
    `new_resource`: `MockMonitor.RegisterResource` has just deserialised them from the request."""

    def __init__(self, mocks: Mocks) -> None:
        self.mocks = mocks
        self.local = threading.local()

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.local.inputs = args.inputs
        resource_id, state = self.mocks.new_resource(args)
        self.local.outputs = {**state, "id": resource_id}
        return resource_id, state

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return self.mocks.call(args)


class RecordingMonitor(MockMonitor):
    """The mock monitor, also keeping every registration in order."""

    registrations: list[Registration]

    def __init__(
        self, mocks: Mocks, on_register: Callable[[Registration], None] | None = None
    ) -> None:
        self._seen = _InputsSeen(mocks)
        super().__init__(self._seen)
        self.registrations = []
        self._on_register = on_register

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        self._seen.local.inputs = None
        self._seen.local.outputs = {}
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            inputs = self._seen.local.inputs
            if inputs is None:  # the mocks were not asked (a provider resource, say)
                inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
            registration = _registration(request, response.urn, inputs, self._seen.local.outputs)
            self.registrations.append(registration)
            if self._on_register is not None:
                self._on_register(registration)
        return response


def _registration(
    request: Any, urn: str, inputs: dict[str, Any], outputs: dict[str, Any]
) -> Registration:
    return Registration(
        urn=urn,
        type=request.type,
        name=request.name,
        custom=bool(request.custom),
        parent=request.parent or None,
        provider=request.provider,
        inputs=inputs,
        dependencies=list(request.dependencies),
        property_dependencies={
            prop: list(deps.urns) for prop, deps in request.propertyDependencies.items()
        },
        protect=bool(request.protect),
        retain_on_delete=bool(request.retainOnDelete),
        ignore_changes=tuple(request.ignoreChanges),
        outputs=outputs,
        source=source_position(request),
    )


def source_position(request: Any) -> tuple[str, int] | None:
    """The (file, line) a registration request carries, if the SDK computed one."""
    position = request.sourcePosition if request.HasField("sourcePosition") else None
    if position is None or not position.uri:
        return None
    return url2pathname(urlparse(position.uri).path), int(position.line)
