"""Pulumi's engine for the warehouse's resources, on emulated AWS: under `set_mocks` no
provider method runs, so this calls them as `pulumi up`, `pulumi refresh` and `pulumi preview`
do, in the engine's order, and keeps their state as Pulumi's state file would (JSON).

- dynamic resources (`pulumi-python:dynamic/...`): the provider is unpickled from the state's
  `__provider` as Pulumi's dynamic provider host does (`dill.loads`), then check, diff, create,
  read, update and delete are called with the inputs and outputs the engine would pass;
- `aws.redshiftdata.Statement`, the resource earlier versions declared, as
  terraform-provider-aws implements it (internal/service/redshiftdata/statement.go): create runs
  the SQL and waits for it, read describes the statement (an expired one reads back with an
  empty `sql`), every argument forces a replacement, delete does nothing.

Order: resources are visited in registration order (dependencies first); a replacement deletes
first when the provider asks (`delete_before_replace`), else creates first and deletes the old
one at the end; resources no longer declared are deleted last, dependents first.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import boto3  # type: ignore[import-untyped]
import dill  # type: ignore[import-untyped]
from pulumi import dynamic

from offline.mocks import Registration

STATEMENT_TYPE = "aws:redshiftdata/statement:Statement"
DYNAMIC_PREFIX = "pulumi-python:dynamic"
_SECRET_SIG = "4dabf18193072939515e22adb298388d"


@dataclass
class Entry:
    """One resource in the state."""

    urn: str
    type: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    dependencies: list[str]


@dataclass(frozen=True)
class Step:
    """What the engine did (or would do) to one resource."""

    op: str
    urn: str

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class Identity:
    """Who the provider runs as: an IAM role's session, and its environment."""

    role: str
    environment: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Engine:
    """The state of one stack's warehouse resources, and the operations on it."""

    account: str
    state: dict[str, Entry] = field(default_factory=dict)

    def manages(self, registration: Registration) -> bool:
        return registration.type == STATEMENT_TYPE or registration.type.startswith(DYNAMIC_PREFIX)

    # -- operations -------------------------------------------------------------------------

    def preview(self, resources: Sequence[Registration], identity: Identity) -> list[Step]:
        """What `pulumi preview` would show: check and diff only."""
        with self._as(identity):
            steps = [self._plan(r) for r in resources if self.manages(r)]
            declared = {r.urn for r in resources}
            steps += [Step("delete", urn) for urn in self.state if urn not in declared]
        return [s for s in steps if s.op != "same"]

    def up(self, resources: Sequence[Registration], identity: Identity) -> list[Step]:
        """`pulumi up`: every declared resource created, updated or replaced, then the ones no
        longer declared deleted."""
        steps: list[Step] = []
        later: list[Entry] = []
        with self._as(identity):
            for resource in _in_dependency_order([r for r in resources if self.manages(r)]):
                step, replaced = self._apply(resource)
                steps.append(step)
                later += replaced
            for entry in later:  # replaced, created first: the old one goes at the end
                self._delete(entry)
                steps.append(Step("delete-replaced", entry.urn))
            declared = {r.urn for r in resources}
            for entry in reversed([e for e in self.state.values() if e.urn not in declared]):
                self._delete(entry)
                del self.state[entry.urn]
                steps.append(Step("delete", entry.urn))
        self._persist()
        return [s for s in steps if s.op != "same"]

    def refresh(self, identity: Identity) -> list[Step]:
        """`pulumi refresh`: every resource read; the ones whose outputs changed."""
        steps: list[Step] = []
        with self._as(identity):
            for entry in list(self.state.values()):
                outputs = self._read(entry)
                if outputs is None:
                    del self.state[entry.urn]
                    steps.append(Step("refresh-deleted", entry.urn))
                elif outputs != entry.outputs:
                    entry.outputs = outputs
                    steps.append(Step("refresh-changed", entry.urn))
        self._persist()
        return steps

    def serialized(self) -> str:
        """The state as Pulumi writes it: JSON."""
        return json.dumps(
            [e.__dict__ for e in self.state.values()], sort_keys=True, default=_unserialisable
        )

    # -- steps ------------------------------------------------------------------------------

    def _plan(self, resource: Registration) -> Step:
        old = self.state.get(resource.urn)
        if old is None:
            return Step("create", resource.urn)
        news = self._checked(resource, old)
        if resource.type == STATEMENT_TYPE:
            same = {k: old.inputs.get(k) for k in news} == news and old.outputs.get(
                "sql"
            ) == news.get("sql")
            return Step("same" if same else "replace", resource.urn)
        diff = self._provider(news).diff(old.id, dict(old.outputs), news)
        if diff.replaces:
            return Step("replace", resource.urn)
        return Step("update" if diff.changes else "same", resource.urn)

    def _apply(self, resource: Registration) -> tuple[Step, list[Entry]]:
        step = self._plan(resource)
        old = self.state.get(resource.urn)
        news = self._checked(resource, old)
        if step.op == "same" and old is not None:
            old.inputs = news
            return step, []
        replaced: list[Entry] = []
        if step.op == "replace" and old is not None:
            if resource.type == STATEMENT_TYPE or not self._delete_first(old, news):
                replaced.append(old)
            else:
                self._delete(old)
        if step.op == "update" and old is not None:
            result = self._provider(news).update(old.id, dict(old.outputs), news)
            old.inputs, old.outputs = news, _stored(result.outs or {}, news)
            return step, []
        resource_id, outputs = self._create(resource.type, news)
        self.state[resource.urn] = Entry(
            resource.urn, resource.type, resource_id, news, outputs, list(resource.dependencies)
        )
        return step, replaced

    def _delete_first(self, old: Entry, news: dict[str, Any]) -> bool:
        diff = self._provider(news).diff(old.id, dict(old.outputs), news)
        return bool(diff.delete_before_replace)

    def _checked(self, resource: Registration, old: Entry | None) -> dict[str, Any]:
        news: dict[str, Any] = _plain(resource.inputs)
        if resource.type == STATEMENT_TYPE:
            return news
        result = self._provider(news).check(dict(old.inputs) if old else {}, news)
        if result.failures:
            problems = "; ".join(f"{f.property}: {f.reason}" for f in result.failures)
            raise PreviewFailedError(f"{resource.name}: {problems}")
        return dict(result.inputs)

    def _create(self, kind: str, news: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if kind == STATEMENT_TYPE:
            return _StatementModel().create(news)
        result = self._provider(news).create(news)
        return result.id, _stored(result.outs or {}, news)

    def _read(self, entry: Entry) -> dict[str, Any] | None:
        if entry.type == STATEMENT_TYPE:
            return _StatementModel().read(entry.id, entry.outputs)
        result = self._provider(entry.outputs).read(entry.id, dict(entry.outputs))
        return None if not result.id else _stored(result.outs or {}, entry.outputs)

    def _delete(self, entry: Entry) -> None:
        if entry.type != STATEMENT_TYPE:  # a Statement's delete runs nothing
            self._provider(entry.outputs).delete(entry.id, dict(entry.outputs))

    def _provider(self, props: Mapping[str, Any]) -> dynamic.ResourceProvider:
        """The provider as Pulumi's dynamic provider host makes it from `__provider`."""
        provider: dynamic.ResourceProvider = dill.loads(base64.b64decode(props["__provider"]))
        return provider

    def _persist(self) -> None:
        """State goes through JSON, as Pulumi's state file does."""
        for entry in self.state.values():
            entry.inputs = json.loads(json.dumps(entry.inputs))
            entry.outputs = json.loads(json.dumps(entry.outputs))

    @contextlib.contextmanager
    def _as(self, identity: Identity) -> Iterator[None]:
        sts = boto3.session.Session().client("sts")
        credentials = sts.assume_role(
            RoleArn=f"arn:aws:iam::{self.account}:role{identity.role}",
            RoleSessionName=f"pulumi-{len(self.state)}",
        )["Credentials"]
        environment = {
            "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["SessionToken"],
            **identity.environment,
        }
        with mock.patch.dict(os.environ, environment):
            yield


class PreviewFailedError(RuntimeError):
    """A provider's check refused the declared inputs: the preview fails."""


class StatementFailedInDeployError(RuntimeError):
    """A Statement's SQL failed: `pulumi up` fails at this resource."""


class _StatementModel:
    """aws.redshiftdata.Statement as terraform-provider-aws implements it."""

    def create(self, news: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        client = boto3.session.Session().client("redshift-data")
        where = {
            k: news[v]
            for k, v in (
                ("WorkgroupName", "workgroupName"),
                ("ClusterIdentifier", "clusterIdentifier"),
                ("SecretArn", "secretArn"),
            )
            if news.get(v)
        }
        started = client.execute_statement(Database=news["database"], Sql=news["sql"], **where)
        described = client.describe_statement(Id=started["Id"])
        if described["Status"] != "FINISHED":
            raise StatementFailedInDeployError(
                f"waiting for Redshift Data Statement ({started['Id']}) finish:"
                f" {described.get('Error')}"
            )
        return started["Id"], dict(news)

    def read(self, statement_id: str, outputs: Mapping[str, Any]) -> dict[str, Any] | None:
        client = boto3.session.Session().client("redshift-data")
        try:
            described = client.describe_statement(Id=statement_id)
        except client.exceptions.ResourceNotFoundException:
            return None
        except client.exceptions.ValidationException as error:
            if "expired" not in str(error):
                raise
            described = {"Id": statement_id, "Status": "EXPIRED"}
        return {**outputs, "sql": described.get("QueryString", "")}


def _in_dependency_order(resources: Sequence[Registration]) -> list[Registration]:
    """Every resource after those it depends on (the engine's order), else as registered."""
    by_urn = {r.urn: r for r in resources}
    done: dict[str, Registration] = {}

    def visit(resource: Registration) -> None:
        if resource.urn in done:
            return
        for dependency in resource.dependencies:
            if dependency in by_urn:
                visit(by_urn[dependency])
        done[resource.urn] = resource

    for resource in resources:
        visit(resource)
    return list(done.values())


def _plain(value: Any) -> Any:
    """Inputs as a provider receives them: secrets unwrapped."""
    if isinstance(value, Mapping):
        if _SECRET_SIG in value:
            return _plain(value["value"])
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _stored(outputs: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
    """Outputs as the dynamic host returns them: with the serialized provider."""
    return {**dict(outputs), "__provider": news["__provider"]}


def _unserialisable(value: Any) -> Any:
    raise TypeError(f"state holds a value JSON cannot write: {type(value).__name__}")
