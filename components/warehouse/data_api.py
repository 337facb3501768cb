"""The Redshift Data API as the warehouse objects' provider uses it: a statement (or a batch, one
transaction) is run and polled to its end by the same identity in the same call, and its rows
are read right away, so nothing depends on a statement surviving the Data API's 24-hour
retention or on another identity being allowed to describe it.

Who signs in: with `WAREHOUSE_AUTH=iam` in the environment (the drift build) every statement
runs with the caller's own temporary credentials (no SecretArn: Redshift maps the role to the
database user `IAMR:<role name>`, Amazon Redshift Management Guide, "Configuring IAM
permissions"); otherwise with the warehouse's admin secret. The client is made per call from the
environment's credentials and never kept, so nothing of it reaches Pulumi's state.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

AUTH_VARIABLE = "WAREHOUSE_AUTH"
_DONE = ("FINISHED", "FAILED", "ABORTED")
_FIRST_POLL, _MAX_POLL, _TIMEOUT = 0.2, 5.0, 900.0


class WarehouseError(RuntimeError):
    """A statement failed in the warehouse, with the error Redshift reported."""


@dataclass(frozen=True)
class Target:
    """Where statements run: a workgroup or a cluster, the database, and the admin secret."""

    database: str
    workgroup: str | None = None
    cluster: str | None = None
    secret_arn: str | None = None

    @classmethod
    def of(cls, props: Mapping[str, Any]) -> Target:
        target = props["target"]
        return cls(
            database=str(target["Database"]),
            workgroup=target.get("WorkgroupName"),
            cluster=target.get("ClusterIdentifier"),
            secret_arn=props.get("admin_secret_arn"),
        )

    def request(self) -> dict[str, str]:
        """The Data API parameters that address the database, as this process signs in."""
        where = {"WorkgroupName": self.workgroup} if self.workgroup else {}
        if self.cluster:
            where = {"ClusterIdentifier": self.cluster}
        signed = {} if iam_auth() or not self.secret_arn else {"SecretArn": self.secret_arn}
        return {**where, "Database": self.database, **signed}


def iam_auth() -> bool:
    """Whether this process signs in with its own IAM identity (never the admin secret)."""
    return os.environ.get(AUTH_VARIABLE, "").lower() == "iam"


class DataApi:
    """Statements on one target; made inside a provider call, never stored on the provider."""

    def __init__(self, target: Target) -> None:
        import boto3  # type: ignore[import-untyped]  # the program's dependency

        self.target = target
        # A session of its own: credentials as the environment has them now.
        self._client = boto3.session.Session().client("redshift-data")

    def query(self, sql: str) -> list[dict[str, Any]]:
        """The rows of one SELECT, as column -> value."""
        started = self._client.execute_statement(Sql=sql, **self.target.request())
        self._wait(started["Id"])
        return self._rows(started["Id"])

    def call(self, sql: str, parameters: Mapping[str, str]) -> list[dict[str, Any]]:
        """One statement with bound parameters (a CALL), and its rows."""
        bound = [{"name": k, "value": v} for k, v in parameters.items()]
        started = self._client.execute_statement(Sql=sql, Parameters=bound, **self.target.request())
        self._wait(started["Id"])
        return self._rows(started["Id"])

    def run(self, sqls: Sequence[str]) -> None:
        """Statements in one transaction: all of them, or none."""
        if not sqls:
            return
        if len(sqls) == 1:
            started = self._client.execute_statement(Sql=sqls[0], **self.target.request())
        else:
            started = self._client.batch_execute_statement(Sqls=list(sqls), **self.target.request())
        self._wait(started["Id"])

    def _wait(self, statement: str) -> None:
        delay, waited = _FIRST_POLL, 0.0
        while True:
            described = self._client.describe_statement(Id=statement)
            status = described["Status"]
            if status == "FINISHED":
                return
            if status in _DONE:
                raise WarehouseError(f"{status}: {described.get('Error', 'no error reported')}")
            if waited > _TIMEOUT:
                raise WarehouseError(f"statement {statement} still {status} after {_TIMEOUT}s")
            time.sleep(delay)
            waited, delay = waited + delay, min(delay * 2, _MAX_POLL)

    def _rows(self, statement: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        token: dict[str, str] = {}
        while True:
            page = self._client.get_statement_result(Id=statement, **token)
            names = [c["name"] for c in page["ColumnMetadata"]]
            rows += [dict(zip(names, map(_value, r), strict=True)) for r in page["Records"]]
            if not page.get("NextToken"):
                return rows
            token = {"NextToken": page["NextToken"]}


def _value(field: Mapping[str, Any]) -> Any:
    if field.get("isNull"):
        return None
    (value,) = field.values()
    return value
