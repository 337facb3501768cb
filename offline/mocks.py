"""Pulumi mocks that stand in for the engine and AWS, and record what the program declares.

`PlatformMocks` returns plausible computed outputs (ids, ARNs, names) so the program runs to the
end; `RecordingMonitor` keeps, for every registration, what the engine would see: type, name,
parent, inputs, dependencies, property dependencies and protection options.
"""

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks, rpc
from pulumi.runtime.mocks import MockMonitor

MOCK_ACCOUNT_ID = "123456789012"

# ARN shapes of the types whose ARNs other resources reference ({p}artition, {r}egion, {a}ccount,
# {n}ame); other types get arn:aws:<module>:<region>:<account>:<kind>/<name>.
_ARN_FORMATS = {
    "aws:cloudwatch/logGroup:LogGroup": "arn:{p}:logs:{r}:{a}:log-group:{n}",
    "aws:sqs/queue:Queue": "arn:{p}:sqs:{r}:{a}:{n}",
    "aws:sns/topic:Topic": "arn:{p}:sns:{r}:{a}:{n}",
    "aws:lambda/function:Function": "arn:{p}:lambda:{r}:{a}:function:{n}",
    "aws:sfn/stateMachine:StateMachine": "arn:{p}:states:{r}:{a}:stateMachine:{n}",
    "aws:iam/role:Role": "arn:{p}:iam::{a}:role/{n}",
    "aws:iam/policy:Policy": "arn:{p}:iam::{a}:policy/{n}",
    "aws:cloudwatch/eventRule:EventRule": "arn:{p}:events:{r}:{a}:rule/{n}",
    "aws:glue/job:Job": "arn:{p}:glue:{r}:{a}:job/{n}",
    "aws:glue/crawler:Crawler": "arn:{p}:glue:{r}:{a}:crawler/{n}",
    "aws:kms/key:Key": "arn:{p}:kms:{r}:{a}:key/{n}",
}


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


class PlatformMocks(Mocks):
    """Computed outputs for AWS resources and answers to the invokes the program makes."""

    def __init__(self, region: str, account_id: str = MOCK_ACCOUNT_ID) -> None:
        self.region = region
        self.account_id = account_id

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        state = dict(args.inputs)
        if not args.custom or not args.typ.startswith("aws:"):
            return f"{args.name}-id", state
        physical = state.get("name") or args.name
        state.setdefault("arn", self._arn(args.typ, physical))
        state.setdefault("name", physical)
        if args.typ == "aws:sqs/queue:Queue":
            state.setdefault(
                "url", f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{physical}"
            )
        if args.typ == "aws:s3/bucket:Bucket":
            state.setdefault("bucket", physical)
            state["arn"] = f"arn:aws:s3:::{state['bucket']}"
            return state["bucket"], state
        if args.typ == "aws:kms/key:Key":
            state.setdefault("keyId", f"{args.name}-key-id")
        for flag, output in _MANAGED_SECRETS.get(args.typ, ()):
            if state.get(flag):
                state.setdefault(output, self._managed_secret_arn(args.typ, physical))
        return f"{args.name}-id", state

    def _managed_secret_arn(self, type_token: str, name: str) -> str:
        # Redshift names the admin secret it manages after the namespace or cluster.
        owner = "redshift-serverless" if "serverless" in type_token else "redshift"
        return (
            f"arn:aws:secretsmanager:{self.region}:{self.account_id}:secret:"
            f"{owner}!{name}-admin-AbCdEf"
        )

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": self.account_id,
                "arn": f"arn:aws:iam::{self.account_id}:user/offline",
                "userId": "OFFLINE",
                "id": self.account_id,
            }, []
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": self.region, "region": self.region, "id": self.region}, []
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, []
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            suffixes = "abc"
            return {
                "names": [f"{self.region}{s}" for s in suffixes],
                "zoneIds": [f"{self.region}-az{i}" for i in range(1, len(suffixes) + 1)],
                "groupNames": [self.region],
                "id": self.region,
                "region": self.region,
            }, []
        if args.token == "aws:ec2/getPrefixList:getPrefixList":
            name = args.args.get("name") or f"com.amazonaws.{self.region}.s3"
            return {"id": "pl-0123456789abcdef0", "name": name, "cidrBlocks": []}, []
        raise NotImplementedError(f"no offline answer for invoke {args.token}")

    def _arn(self, type_token: str, name: str) -> str:
        service, kind = _service_and_kind(type_token)
        shape = _ARN_FORMATS.get(type_token, f"arn:{{p}}:{service}:{{r}}:{{a}}:{kind}/{{n}}")
        return shape.format(p="aws", r=self.region, a=self.account_id, n=name)


def _service_and_kind(type_token: str) -> tuple[str, str]:
    module, _, rest = type_token.partition(":")[2].partition("/")
    kind = re.sub(r"(?<!^)(?=[A-Z])", "-", rest.split(":")[0]).lower()
    return module, kind


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
    )
