"""The lifecycle every warehouse object shares, as a Pulumi dynamic provider (`pulumi.dynamic`).

- check validates the declared inputs (a bad name or an undeclared retype fails the preview);
- create and update converge: they read the catalog, run only what takes the object from what
  exists to what is declared (so whatever already exists is adopted, and running them twice
  changes nothing), then read the catalog again;
- read inspects the catalog and never runs DDL, so a refresh, at any age of the stack, only
  reads;
- diff compares the declared inputs with the last read (`observed`), never SQL text;
- delete revokes or drops what the object declared; a replacement deletes the old object before
  creating the new one, so it never revokes what its successor has just granted.

The provider object holds no state: it is pickled into the stack's state by reference to its
class (a module of this program), and every call makes its own Data API client from the
environment's credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import pulumi
from pulumi import dynamic

from components.warehouse.data_api import DataApi, Target, WarehouseError, iam_auth

OBSERVED = "observed"
_INTERNAL = ("__provider", OBSERVED, "id")
_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def declared(props: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs the program declared (without the provider and the last read)."""
    return {k: v for k, v in props.items() if k not in _INTERNAL}


class WarehouseObjectProvider(dynamic.ResourceProvider):
    """One kind of warehouse object. Subclasses say how to read, converge and remove it."""

    identity: ClassVar[tuple[str, ...]] = ()
    """Inputs naming the object: a change of one replaces it (delete first, then create)."""

    def object_id(self, props: Mapping[str, Any]) -> str:
        raise NotImplementedError

    def desired(self, props: Mapping[str, Any], olds: Mapping[str, Any]) -> dict[str, Any]:
        """What a read of the declared object returns (`olds`: the previous inputs, whose
        grantees a read also covers)."""
        raise NotImplementedError

    def observe(self, api: DataApi, props: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def converge(
        self, api: DataApi, props: Mapping[str, Any], olds: Mapping[str, Any]
    ) -> list[str]:
        """Bring the object to `props`; returns a description of what was changed."""
        raise NotImplementedError

    def remove(self, api: DataApi, props: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def problems(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
        """Why the declared inputs cannot be applied (checked before any change)."""
        return []

    # -- the engine's calls -----------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dynamic.CheckResult:
        failures = [
            dynamic.CheckFailure(self.failure_property, problem)
            for problem in self.problems(declared(_olds), declared(news))
        ]
        return dynamic.CheckResult(news, failures)

    failure_property: ClassVar[str] = "target"

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> dynamic.DiffResult:
        olds, news = declared(_olds), declared(_news)
        if _unknown(news):
            return dynamic.DiffResult(changes=True)
        replaces = [key for key in self.identity if olds.get(key) != news.get(key)]
        changed = self.desired(news, olds) != _olds.get(OBSERVED) or olds != news
        return dynamic.DiffResult(
            changes=changed or bool(replaces),
            replaces=replaces,
            delete_before_replace=True,
        )

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        api = self._writer(props)
        self.converge(api, declared(props), {})
        return dynamic.CreateResult(self.object_id(props), self._outputs(api, props))

    def read(self, id_: str, props: dict[str, Any]) -> dynamic.ReadResult:
        api = DataApi(Target.of(props))
        return dynamic.ReadResult(id_, self._outputs(api, props))

    def update(
        self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]
    ) -> dynamic.UpdateResult:
        api = self._writer(_news)
        self.converge(api, declared(_news), declared(_olds))
        return dynamic.UpdateResult(self._outputs(api, _news))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        self.remove(self._writer(_props), declared(_props))

    def _outputs(self, api: DataApi, props: Mapping[str, Any]) -> dict[str, Any]:
        return {**declared(props), OBSERVED: self.observe(api, declared(props))}

    def _writer(self, props: Mapping[str, Any]) -> DataApi:
        if iam_auth():
            raise WarehouseError(
                "this process signs in with its own IAM identity, which may only read the"
                " catalog: deploy with the deploy role (WAREHOUSE_AUTH unset)"
            )
        return DataApi(Target.of(props))


def _unknown(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_unknown(v) for v in value)
    return bool(value == _UNKNOWN)


class WarehouseObject(dynamic.Resource):
    """A warehouse object declared with its provider; its inputs are plain data."""

    def __init__(
        self,
        provider: WarehouseObjectProvider,
        name: str,
        props: Mapping[str, pulumi.Input[Any]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(provider, name, dict(props), opts)
