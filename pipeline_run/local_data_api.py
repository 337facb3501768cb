"""The Redshift Data API on moto, served by `LocalWarehouse`, with the statement lifecycle AWS
documents and moto does not model:

- a statement runs as the database user its call signs in as: the admin (SecretArn), or the
  caller's IAM identity with temporary credentials (`IAMR:<role>` for a role, created by
  Redshift at first sign-in); the caller is resolved from the request's access key by moto's STS;
- DescribeStatement and GetStatementResult answer only the IAM identity (role, any session)
  that ran the statement (Amazon Redshift Management Guide: without the
  `statement-owner-iam-userid` condition, a role's sessions read each other's statements);
- a statement is kept 24 hours; after that DescribeStatement fails with a ValidationException
  saying it expired (terraform-provider-aws internal/service/redshiftdata/statement.go reads it
  so), on the emulation's clock, which a drill can move forward;
- BatchExecuteStatement runs its statements in one transaction.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

from moto.core.exceptions import JsonRESTError
from moto.redshiftdata.responses import RedshiftDataAPIServiceResponse
from moto.sts.models import sts_backends

from pipeline_run.local_warehouse import LocalWarehouse, Result, StatementFailedError

RETENTION = timedelta(hours=24)
UserFor = Callable[[str, str], str | None]
"""(sql, caller arn) -> the database user a declared load runs as, if it is one."""


@dataclass
class LocalStatement:
    """A statement as the Data API keeps it."""

    id: str
    owner: str
    owner_arn: str
    created: datetime
    sqls: list[str]
    db_user: str
    request: dict[str, Any]
    status: str = "FINISHED"
    error: str | None = None
    results: list[Result] = field(default_factory=list)


@dataclass
class Clock:
    """The emulation's time: the wall clock, moved forward by drills."""

    offset: timedelta = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@dataclass
class LocalDataApi:
    """Every statement run through the Data API, by id."""

    warehouse: LocalWarehouse
    account: str
    clock: Clock = field(default_factory=Clock)
    user_for: UserFor = lambda sql, arn: None
    statements: dict[str, LocalStatement] = field(default_factory=dict)

    @contextlib.contextmanager
    def serving(self) -> Iterator[None]:
        api = self

        def respond(action: Callable[[Mapping[str, Any], str, str], Any]) -> Any:
            def handler(response: RedshiftDataAPIServiceResponse) -> Any:
                body = json.loads(response.body or "{}")
                user_id, arn = api._caller(response)
                try:
                    return 200, {}, json.dumps(action(body, user_id, arn), default=str)
                except LookupError as missing:
                    raise JsonRESTError("ResourceNotFoundException", str(missing)) from missing

            return handler

        with contextlib.ExitStack() as stack:
            for name, action in (
                ("execute_statement", self.execute),
                ("batch_execute_statement", self.execute),
                ("describe_statement", self.describe),
                ("get_statement_result", self.result),
            ):
                stack.enter_context(
                    mock.patch.object(
                        RedshiftDataAPIServiceResponse, name, respond(action), create=True
                    )
                )
            yield

    def _caller(self, response: RedshiftDataAPIServiceResponse) -> tuple[str, str]:
        """The caller as STS knows it: an assumed role (in whichever account's backend moto
        keeps it), else moto's default user."""
        key = response.get_access_key()
        for account in list(sts_backends):
            role = sts_backends[account]["global"].get_assumed_role_from_access_key(key)
            if role is not None:
                return str(role.user_id), str(role.arn)
        user_id, arn, _ = sts_backends[self.account]["global"].get_caller_identity(key, "us-east-1")
        return str(user_id), str(arn)

    def execute(self, body: Mapping[str, Any], user_id: str, arn: str) -> dict[str, Any]:
        sqls = list(body.get("Sqls") or [body["Sql"]])
        db_user = self._db_user(body, arn, sqls)
        parameters = {p["name"]: p["value"] for p in body.get("Parameters") or []}
        statement = LocalStatement(
            str(uuid.uuid4()), user_id, arn, self.clock.now(), sqls, db_user, dict(body)
        )
        try:
            statement.results = self.warehouse.run(
                sqls, user=db_user, parameters=parameters, database=body.get("Database")
            )
        except StatementFailedError as failure:
            statement.status, statement.error = "FAILED", str(failure)
        self.statements[statement.id] = statement
        return {"Id": statement.id, "CreatedAt": statement.created.timestamp(), "DbUser": db_user}

    def _db_user(self, body: Mapping[str, Any], arn: str, sqls: list[str]) -> str:
        declared = self.user_for(sqls[0], arn) if len(sqls) == 1 else None
        if declared is not None:
            return declared
        if body.get("SecretArn"):
            return self.warehouse.admin
        if body.get("DbUser"):
            return str(body["DbUser"])
        user = _iam_user(arn)
        self.warehouse.connect_iam(user)
        return user

    def describe(self, body: Mapping[str, Any], user_id: str, arn: str) -> dict[str, Any]:
        statement = self._owned(body["Id"], arn)
        described: dict[str, Any] = {
            "Id": statement.id,
            "Status": statement.status,
            "QueryString": statement.sqls[0] if len(statement.sqls) == 1 else "",
            "HasResultSet": bool(statement.results and statement.results[-1].columns),
            "CreatedAt": statement.created.timestamp(),
            "DbUser": statement.db_user,
        }
        for key in ("SecretArn", "WorkgroupName", "ClusterIdentifier", "Database"):
            if statement.request.get(key):
                described[key] = statement.request[key]
        if statement.error is not None:
            described["Error"] = statement.error
        return described

    def result(self, body: Mapping[str, Any], user_id: str, arn: str) -> dict[str, Any]:
        statement = self._owned(body["Id"], arn)
        if statement.status != "FINISHED" or not statement.results:
            raise JsonRESTError("ValidationException", f"statement {statement.id} has no result")
        result = statement.results[-1]
        return {
            "ColumnMetadata": [{"name": c, "label": c} for c in result.columns],
            "Records": [[_field(v) for v in row] for row in result.rows],
            "TotalNumRows": len(result.rows),
        }

    def _owned(self, statement_id: str, arn: str) -> LocalStatement:
        statement = self.statements.get(statement_id)
        if statement is None:
            raise LookupError(f"statement {statement_id} does not exist")
        if self.clock.now() - statement.created > RETENTION:
            raise JsonRESTError(
                "ValidationException", f"statement {statement_id} has expired (kept 24 hours)"
            )
        if _identity(statement.owner_arn) != _identity(arn):
            raise JsonRESTError(
                "ValidationException",
                f"statement {statement_id} was run by another identity and cannot be read",
            )
        return statement


def _identity(arn: str) -> str:
    """The IAM identity of a caller: a role whatever the session, else the user."""
    if ":assumed-role/" in arn:
        return arn.rsplit("/", 1)[0]
    return arn


def _iam_user(arn: str) -> str:
    """The database user Redshift maps an IAM identity to (`IAMR:` roles, `IAM:` users)."""
    if ":assumed-role/" in arn:
        return "IAMR:" + arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
    return "IAM:" + arn.rsplit("/", 1)[-1]


def _field(value: Any) -> dict[str, Any]:
    if value is None:
        return {"isNull": True}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"longValue": value}
    if isinstance(value, float):
        return {"doubleValue": value}
    return {"stringValue": str(value)}
