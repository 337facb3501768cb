"""The Redshift Data API, served by DuckDB, running the statements the program declared.

The warehouse's DDL statements run as declared, in their declared order; the load procedures run
statement by statement with their parameter bound. What is translated, and only this:

- COPY ... FROM '<manifest>' ... FORMAT AS PARQUET MANIFEST becomes an INSERT from the Parquet
  files the manifest lists, after the checks Redshift makes: the same number of columns as the
  table, in the same order, of compatible types.
- A stored procedure (CREATE OR REPLACE PROCEDURE ... LANGUAGE plpgsql) is parsed with
  PostgreSQL's own parser and its statements run in one transaction; an EXECUTE evaluates its
  string in DuckDB (with quote_literal defined) before running it.
- LOCK is dropped (one session); CREATE USER, CREATE ROLE and GRANT are recorded, not run
  (DuckDB has no users), and a procedure runs only for a user the grants let run it.
"""

from __future__ import annotations

import json
import re
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pglast

_PROCEDURE = re.compile(r"CREATE OR REPLACE PROCEDURE (\S+)\((\w+) [^$]*\) AS \$\$", re.I)
_CALL = re.compile(r"CALL (\S+)\(:(\w+)\)$", re.I)
_COPY = re.compile(
    r"COPY (\S+) FROM '(s3://[^']+)' IAM_ROLE '[^']+' FORMAT AS PARQUET MANIFEST$", re.I
)
_GRANT_EXECUTE = re.compile(r"GRANT EXECUTE ON PROCEDURE (\S+)\([^)]*\) TO (\"[^\"]+\"|\S+)", re.I)
_CREATE_USER = re.compile(r'CREATE USER ("[^"]+"|\S+)', re.I)
# Parquet types the ETL writes, as DuckDB reads them, that load into each table column type.
_COMPATIBLE = {
    "BIGINT": {"BIGINT", "INTEGER"},
    "DOUBLE": {"DOUBLE", "FLOAT"},
    "BOOLEAN": {"BOOLEAN"},
    "DATE": {"DATE"},
    "TIMESTAMP": {"TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS"},
    "VARCHAR": {"VARCHAR"},
}


class StatementFailedError(RuntimeError):
    """A statement failed, with the message Redshift's Data API would report in `Error`."""


@dataclass
class Procedure:
    """A stored procedure's parameter and statements: ("sql", text) or ("execute", expr)."""

    parameter: str
    statements: list[tuple[str, str]]


@dataclass
class LocalWarehouse:
    """One database. `translations` records each translation made, for the report."""

    s3: Any
    workdir: Path
    db: duckdb.DuckDBPyConnection = field(default_factory=duckdb.connect)
    procedures: dict[str, Procedure] = field(default_factory=dict)
    users: set[str] = field(default_factory=set)
    executors: dict[str, set[str]] = field(default_factory=dict)
    translations: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.db.execute("CREATE MACRO quote_literal(s) AS '''' || replace(s, '''', '''''') || ''''")

    def declare(self, sql: str) -> None:
        """Run one of the program's DDL statements (as the admin user)."""
        with self._lock:
            self._declare(sql)

    def _declare(self, sql: str) -> None:
        if (procedure := _PROCEDURE.match(sql)) is not None:
            self.procedures[procedure.group(1)] = _parse_procedure(sql, procedure.group(2))
        elif (user := _CREATE_USER.match(sql)) is not None:
            self.users.add(user.group(1))
        elif (grant := _GRANT_EXECUTE.match(sql)) is not None:
            self.executors.setdefault(grant.group(1), set()).add(grant.group(2))
        elif not re.match(r"(CREATE ROLE|GRANT) ", sql, re.I):
            self.db.execute(sql)

    def call(self, sql: str, parameters: Sequence[Mapping[str, str]], user: str) -> None:
        """Run `CALL proc(:name)` as `user` (the Data API's ExecuteStatement with Parameters)."""
        with self._lock:
            match = _CALL.match(sql.strip())
            if match is None:
                raise StatementFailedError(f"not a call of a load procedure: {sql!r}")
            name, bound = match.groups()
            procedure = self.procedures.get(name)
            if procedure is None:
                raise StatementFailedError(f"procedure {name}(character varying) does not exist")
            if user not in self.users or user not in self.executors.get(name, set()):
                raise StatementFailedError(f"permission denied for procedure {name} (user {user})")
            values = {p["name"]: p["value"] for p in parameters}
            if bound not in values:
                raise StatementFailedError(f"no value for parameter :{bound}")
            self._run(procedure, values[bound])

    def _run(self, procedure: Procedure, value: str) -> None:
        self.db.execute("BEGIN")
        try:
            for kind, text in procedure.statements:
                self._step(kind, _bind(text, procedure.parameter), value)
        except BaseException as error:
            self.db.execute("ROLLBACK")
            if isinstance(error, duckdb.Error | StatementFailedError):
                raise StatementFailedError(str(error).splitlines()[0]) from error
            raise
        self.db.execute("COMMIT")

    def _step(self, kind: str, text: str, value: str) -> None:
        arguments = [value] * text.count("?")
        if kind == "execute":
            (text,) = self.db.execute(f"SELECT {text}", arguments).fetchone() or ("",)
            arguments = []
        if text.upper().startswith("LOCK "):
            return
        copy = _COPY.match(text)
        if copy is not None:
            self._copy(*copy.groups())
            return
        self.db.execute(text, arguments)

    def _copy(self, table: str, manifest_url: str) -> None:
        bucket, key = manifest_url.removeprefix("s3://").split("/", 1)
        try:
            body = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except self.s3.exceptions.NoSuchKey as error:
            raise StatementFailedError(
                f"COPY: the manifest {manifest_url} does not exist (S3ServiceException: The"
                " specified key does not exist.)"
            ) from error
        entries = json.loads(body)["entries"]
        if not entries:
            raise StatementFailedError("COPY: the manifest lists no files")
        folder = Path(tempfile.mkdtemp(dir=self.workdir, prefix="copy-"))
        files = [self._download(entry, folder, index) for index, entry in enumerate(entries)]
        table_types = [row[1] for row in self.db.execute(f"DESCRIBE {table}").fetchall()]
        described = self.db.execute("DESCRIBE SELECT * FROM read_parquet(?)", [files])
        file_types = [row[1] for row in described.fetchall()]
        _check_columns(table, table_types, file_types)
        self.db.execute(f"INSERT INTO {table} SELECT * FROM read_parquet(?)", [files])
        self.translations.append(
            f"COPY {table} FROM {manifest_url} -> INSERT from {len(files)} files"
        )

    def _download(self, entry: Mapping[str, Any], folder: Path, index: int) -> str:
        bucket, key = str(entry["url"]).removeprefix("s3://").split("/", 1)
        body = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        declared = entry.get("meta", {}).get("content_length")
        if declared != len(body):
            raise StatementFailedError(
                f"COPY: {entry['url']} has {len(body)} bytes, the manifest {declared}"
            )
        path = folder / f"{index:05d}.parquet"
        path.write_bytes(body)
        return str(path)

    def rows(self, table: str) -> list[tuple[Any, ...]]:
        with self._lock:
            return self.db.execute(f"SELECT * FROM {table}").fetchall()

    def columns(self, table: str) -> list[str]:
        with self._lock:
            return [row[0] for row in self.db.execute(f"DESCRIBE {table}").fetchall()]


def _parse_procedure(sql: str, parameter: str) -> Procedure:
    (function,) = pglast.parse_plpgsql(sql)
    body = function["PLpgSQL_function"]["action"]["PLpgSQL_stmt_block"]["body"]
    statements: list[tuple[str, str]] = []
    for statement in body:
        (kind, detail), *_ = statement.items()
        if kind == "PLpgSQL_stmt_execsql":
            statements.append(("sql", detail["sqlstmt"]["PLpgSQL_expr"]["query"]))
        elif kind == "PLpgSQL_stmt_dynexecute":
            statements.append(("execute", detail["query"]["PLpgSQL_expr"]["query"]))
        elif kind != "PLpgSQL_stmt_return":
            raise StatementFailedError(f"unsupported statement in procedure: {kind}")
    return Procedure(parameter, statements)


def _bind(text: str, parameter: str) -> str:
    """The procedure's parameter as a bound `?` wherever it is used as a name."""
    return re.sub(rf"(?<![\w.'])({re.escape(parameter)})\b(?!')", "?", text)


def _check_columns(table: str, table_types: list[str], file_types: list[str]) -> None:
    """What Redshift's COPY from Parquet checks: column count, then each position's type."""
    if len(table_types) != len(file_types):
        raise StatementFailedError(
            f"COPY {table}: the Parquet files have {len(file_types)} columns, the table"
            f" {len(table_types)} (COPY maps columns by position)"
        )
    for position, (wanted, found) in enumerate(zip(table_types, file_types, strict=True), 1):
        base = wanted.split("(")[0]
        if found not in _COMPATIBLE.get(base, {base}):
            raise StatementFailedError(
                f"COPY {table}: column {position} is {found} in the Parquet files, {wanted} in"
                " the table"
            )
