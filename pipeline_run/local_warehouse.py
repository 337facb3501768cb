"""A Redshift database served by DuckDB: the platform's DDL, users, roles, grants and load
procedures really run, each statement as a database user, and the catalog views answer.

What is translated or emulated, and only this:

- users, roles and privileges live in catalog tables (`pipeline_run/local_catalog.py`), and the
  system views the platform reads (svv_all_columns, svv_relation_privileges, svv_roles, pg_user,
  ...) answer from them with their documented columns; a statement other than a SELECT or a CALL
  needs a superuser, as the platform's DDL does in Redshift;
- COPY ... FROM '<manifest>' ... FORMAT AS PARQUET MANIFEST becomes an INSERT from the Parquet
  files the manifest lists, after the checks Redshift makes: the same number of columns as the
  table, in the same order, of compatible types;
- a stored procedure (CREATE OR REPLACE PROCEDURE ... LANGUAGE plpgsql) is parsed with
  PostgreSQL's own parser; a CALL runs its statements in the caller's transaction, binds its IN
  argument, fills its OUT arguments from SELECT ... INTO and returns them as one row; EXECUTE
  evaluates its string in DuckDB (with quote_literal defined) before running it. A procedure runs
  only for a user holding EXECUTE on it and, being SECURITY INVOKER, the privileges its
  statements need on the load schema, the table and the audit table;
- LOCK is dropped (one session at a time).
"""

from __future__ import annotations

import hashlib
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
import pglast.visitors
from pglast.enums import AlterTableType, ObjectType
from pglast.stream import RawStream

from pipeline_run.local_catalog import VIEWS, Catalog, CatalogError, create_catalog, unquote

ADMIN_USER = "platform_admin"
_PROCEDURE = re.compile(r'CREATE OR REPLACE PROCEDURE ("[^"]+"|\w+)\.("[^"]+"|\w+)\(', re.I)
_DROP_PROCEDURE = re.compile(r'DROP PROCEDURE (?:IF EXISTS )?("[^"]+"|\w+)\.("[^"]+"|\w+)\(', re.I)
_CALL = re.compile(r'CALL ("[^"]+"|\w+)\.("[^"]+"|\w+)\(:(\w+)\)$', re.I)
_COPY = re.compile(
    r"COPY (\S+) FROM '(s3://[^']+)' IAM_ROLE (?:default|'[^']+') FORMAT AS PARQUET MANIFEST$",
    re.I,
)
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


@dataclass(frozen=True)
class Result:
    """A statement's result set (empty for statements that return none)."""

    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()


@dataclass
class Procedure:
    """A parsed procedure: its IN argument, OUT arguments and statements."""

    parameter: str
    outputs: tuple[str, ...]
    statements: list[tuple[str, str, tuple[str, ...]]]


@dataclass
class LocalWarehouse:
    """One database. `translations` records each translation made, for the report."""

    s3: Any
    workdir: Path
    admin: str = ADMIN_USER
    db: duckdb.DuckDBPyConnection = field(default_factory=duckdb.connect)
    translations: list[str] = field(default_factory=list)
    _parsed: dict[str, Procedure] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.db.execute("CREATE MACRO quote_literal(s) AS '''' || replace(s, '''', '''''') || ''''")
        self.db.execute("CREATE MACRO getdate() AS CAST(now() AS TIMESTAMP)")
        create_catalog(self.db, self.admin)
        self.catalog = Catalog(self.db)

    # -- sessions ---------------------------------------------------------------------------

    def run(
        self,
        sqls: Sequence[str],
        *,
        user: str,
        parameters: Mapping[str, str] | None = None,
        database: str | None = None,
    ) -> list[Result]:
        """Run statements in one transaction as `user`; every result, or nothing at all."""
        with self._lock:
            self.db.execute("SET VARIABLE db_user = ?", [user])
            if database is not None:
                self.db.execute("SET VARIABLE db_name = ?", [database])
            self.db.execute("BEGIN")
            try:
                results = [self._statement(sql, user, parameters or {}) for sql in sqls]
            except BaseException as error:
                self.db.execute("ROLLBACK")
                self.db.execute("SET VARIABLE db_user = ?", [self.admin])
                if isinstance(error, duckdb.Error | CatalogError | StatementFailedError):
                    raise StatementFailedError(str(error).splitlines()[0]) from error
                raise
            self.db.execute("COMMIT")
            self.db.execute("SET VARIABLE db_user = ?", [self.admin])
            return results

    def declare(self, sql: str) -> None:
        """Run one statement as the admin user."""
        self.run([sql], user=self.admin)

    def call(self, sql: str, parameters: Sequence[Mapping[str, str]], user: str) -> Result:
        """Run `CALL proc(:name)` as `user` (the Data API's ExecuteStatement with Parameters)."""
        values = {p["name"]: p["value"] for p in parameters}
        (result,) = self.run([sql], user=user, parameters=values)
        return result

    def connect_iam(self, user: str) -> None:
        """An IAM identity signs in: Redshift creates its user on first sign-in."""
        with self._lock:
            if not self.catalog.user_exists(user):
                self.catalog.create_user(user)

    def rows(self, table: str) -> list[tuple[Any, ...]]:
        with self._lock:
            return self.db.execute(f"SELECT * FROM {table}").fetchall()

    def columns(self, table: str) -> list[str]:
        with self._lock:
            return [row[0] for row in self.db.execute(f"DESCRIBE {table}").fetchall()]

    # -- statements -------------------------------------------------------------------------

    def _statement(self, sql: str, user: str, parameters: Mapping[str, str]) -> Result:
        text = sql.strip().rstrip(";").strip()
        if (call := _CALL.match(text)) is not None:
            return self._call(call, user, parameters)
        if text.upper().startswith("SELECT"):
            if not self.catalog.is_superuser(user):
                self._require_readable(text, user)
            return self._select(text)
        if not self.catalog.is_superuser(user):
            raise StatementFailedError(f"permission denied: {user} may not run {text[:60]!r}")
        if (created := _PROCEDURE.match(text)) is not None:
            self._create_procedure(unquote(created.group(1)), unquote(created.group(2)), text)
        elif (dropped := _DROP_PROCEDURE.match(text)) is not None:
            self._drop_procedure(unquote(dropped.group(1)), unquote(dropped.group(2)))
        elif self.catalog.handles(text):
            self.catalog.run(text)
        else:
            self._ddl(text)
        return Result()

    def _require_readable(self, text: str, user: str) -> None:
        """A user who is not a superuser reads the system views, and tables granted to them."""
        (statement,) = pglast.parse_sql(text)
        for relation in _relations(statement.stmt):
            if relation.schemaname in (None, "pg_catalog") and (
                relation.relname in VIEWS or relation.relname.startswith("pg_")
            ):
                continue
            self._require(user, f'"{relation.schemaname}"."{relation.relname}"', "SELECT")

    def _select(self, text: str) -> Result:
        cursor = self.db.execute(text)
        columns = tuple(d[0] for d in cursor.description or ())
        return Result(columns, tuple(cursor.fetchall()))

    def _ddl(self, text: str) -> None:
        """Run DDL or DML in DuckDB, keeping the declared column types the catalog reports."""
        (statement,) = pglast.parse_sql(text)
        node: Any = statement.stmt
        self.db.execute(text)
        kind = type(node).__name__
        if kind == "CreateStmt" and node.relation.schemaname:
            for element in node.tableElts:
                self._declare_column(node.relation, element)
        elif kind == "AlterTableStmt":
            for command in node.cmds:
                if command.subtype == AlterTableType.AT_AddColumn:
                    self._declare_column(node.relation, command.def_)
                elif command.subtype == AlterTableType.AT_DropColumn:
                    self._forget(node.relation, command.name)
        elif kind == "RenameStmt" and node.renameType == ObjectType.OBJECT_COLUMN:
            self.db.execute(
                "UPDATE _catalog.column_types SET column_name = ? WHERE schema_name = ? AND"
                " table_name = ? AND column_name = ?",
                [node.newname, node.relation.schemaname, node.relation.relname, node.subname],
            )
        elif kind == "DropStmt" and node.removeType == ObjectType.OBJECT_TABLE:
            for names in node.objects:
                parts = [s.sval for s in names]
                if len(parts) == 2:
                    self._drop_table(*parts)

    def _declare_column(self, relation: Any, column: Any) -> None:
        declared = RawStream()(column.typeName).upper()
        self.db.execute(
            "INSERT INTO _catalog.column_types VALUES (?, ?, ?, ?)",
            [relation.schemaname, relation.relname, column.colname, declared],
        )

    def _forget(self, relation: Any, column: str | None) -> None:
        self.db.execute(
            "DELETE FROM _catalog.column_types WHERE schema_name = ? AND table_name = ? AND"
            " column_name = ?",
            [relation.schemaname, relation.relname, column],
        )

    def _drop_table(self, schema: str, table: str) -> None:
        for catalog_table, namespace in (
            ("column_types", "schema_name"),
            ("privileges", "namespace"),
        ):
            name = "table_name" if catalog_table == "column_types" else "object"
            self.db.execute(
                f"DELETE FROM _catalog.{catalog_table} WHERE {namespace} = ? AND {name} = ?",
                [schema, table],
            )

    # -- procedures -------------------------------------------------------------------------

    def _create_procedure(self, schema: str, name: str, text: str) -> None:
        source = text.split("$$")[1]
        existing = self.db.execute(
            "SELECT source FROM _catalog.procedures WHERE schema_name = ? AND name = ?",
            [schema, name],
        ).fetchone()
        procedure = _parse_procedure(text)
        if existing is not None:
            old = self._procedure(existing[0], schema, name)
            if old.outputs != procedure.outputs:
                raise StatementFailedError(
                    f"cannot change the OUT arguments of procedure {schema}.{name}: drop it first"
                )
        self.db.execute(
            "DELETE FROM _catalog.procedures WHERE schema_name = ? AND name = ?", [schema, name]
        )
        self.db.execute("INSERT INTO _catalog.procedures VALUES (?, ?, ?)", [schema, name, source])
        self._parsed[_digest(source)] = procedure

    def _drop_procedure(self, schema: str, name: str) -> None:
        self.db.execute(
            "DELETE FROM _catalog.procedures WHERE schema_name = ? AND name = ?", [schema, name]
        )
        self.db.execute(
            "DELETE FROM _catalog.privileges WHERE kind = 'procedure' AND namespace = ? AND"
            " object = ?",
            [schema, name],
        )

    def _procedure(self, source: str, schema: str, name: str) -> Procedure:
        procedure = self._parsed.get(_digest(source))
        if procedure is None:
            raise StatementFailedError(f"procedure {schema}.{name} is not known here")
        return procedure

    def _call(self, call: re.Match[str], user: str, parameters: Mapping[str, str]) -> Result:
        schema, name, bound = unquote(call.group(1)), unquote(call.group(2)), call.group(3)
        row = self.db.execute(
            "SELECT source FROM _catalog.procedures WHERE schema_name = ? AND name = ?",
            [schema, name],
        ).fetchone()
        if row is None:
            raise StatementFailedError(
                f"procedure {schema}.{name}(character varying) does not exist"
            )
        if not self.catalog.holds(user, "procedure", schema, name, "EXECUTE"):
            raise StatementFailedError(f"permission denied for procedure {name} (user {user})")
        if bound not in parameters:
            raise StatementFailedError(f"no value for parameter :{bound}")
        procedure = self._procedure(row[0], schema, name)
        variables: dict[str, Any] = {procedure.parameter: parameters[bound]}
        for kind, text, into in procedure.statements:
            self._step(kind, text, into, variables, user)
        return Result(procedure.outputs, (tuple(variables.get(o) for o in procedure.outputs),))

    def _step(
        self, kind: str, text: str, into: tuple[str, ...], variables: dict[str, Any], user: str
    ) -> None:
        text, arguments = _bind(text, variables)
        if kind == "execute":
            (text,) = self.db.execute(f"SELECT {text}", arguments).fetchone() or ("",)
            arguments = []
        if text.upper().startswith("LOCK "):
            self._require_table_privileges(text.split(" ", 1)[1], user)
            return
        if (copy := _COPY.match(text)) is not None:
            self._copy(*copy.groups())
            return
        if text.upper().startswith("INSERT INTO") and not self.catalog.is_superuser(user):
            self._require(user, text.split()[2], "INSERT")
        if not into:
            self.db.execute(text, arguments)
            return
        row = self.db.execute(text, arguments).fetchone() or ()
        for name, value in zip(into, row, strict=True):
            variables[name] = value

    def _require_table_privileges(self, target: str, user: str) -> None:
        for privilege in ("SELECT", "INSERT", "DELETE"):
            self._require(user, target, privilege)

    def _require(self, user: str, target: str, privilege: str) -> None:
        parts = [unquote(p) for p in re.findall(r'"[^"]+"|[^."]+', target)]
        if len(parts) != 2:
            return
        schema, table = parts
        if not self.catalog.holds(user, "schema", schema, "", "USAGE"):
            raise StatementFailedError(f"permission denied for schema {schema} (user {user})")
        if not self.catalog.holds(user, "relation", schema, table, privilege):
            raise StatementFailedError(
                f"permission denied for relation {table}: {privilege} (user {user})"
            )

    # -- COPY -------------------------------------------------------------------------------

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


def _relations(node: Any) -> list[Any]:
    """Every table or view a parsed statement names."""
    found: list[Any] = []

    class Visitor(pglast.visitors.Visitor):
        def visit_RangeVar(self, ancestors: Any, relation: Any) -> None:  # noqa: N802
            found.append(relation)

    Visitor()(node)
    return found


def _digest(source: str) -> str:
    return hashlib.md5(source.encode(), usedforsecurity=False).hexdigest()


def _parse_procedure(sql: str) -> Procedure:
    (function,) = pglast.parse_plpgsql(sql)
    header = sql.split("$$", maxsplit=1)[0]
    listed = header[header.index("(") + 1 : header.rindex(")")]
    arguments: dict[str, str] = {}
    for argument in re.split(r",(?![^()]*\))", listed):
        name, *rest = argument.split()
        mode = rest[0].upper() if rest and rest[0].upper() in ("IN", "OUT", "INOUT") else "IN"
        arguments[name] = mode
    parameter = next(name for name, mode in arguments.items() if mode == "IN")
    outputs = tuple(name for name, mode in arguments.items() if mode == "OUT")
    body = function["PLpgSQL_function"]["action"]["PLpgSQL_stmt_block"]["body"]
    statements: list[tuple[str, str, tuple[str, ...]]] = []
    for statement in body:
        (kind, detail), *_ = statement.items()
        if kind == "PLpgSQL_stmt_execsql":
            fields = detail.get("target", {}).get("PLpgSQL_row", {}).get("fields", [])
            into = tuple(f["name"] for f in fields)
            statements.append(("sql", detail["sqlstmt"]["PLpgSQL_expr"]["query"], into))
        elif kind == "PLpgSQL_stmt_dynexecute":
            statements.append(("execute", detail["query"]["PLpgSQL_expr"]["query"], ()))
        elif kind != "PLpgSQL_stmt_return":
            raise StatementFailedError(f"unsupported statement in procedure: {kind}")
    return Procedure(parameter, outputs, statements)


def _bind(text: str, variables: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """The procedure's variables as bound `?` wherever they are used as names (outside quoted
    identifiers and literals), with their values in order."""
    pattern = re.compile(
        r"""("[^"]*"|'(?:[^']|'')*')|(?<![\w.])("""
        + "|".join(map(re.escape, variables))
        + r""")\b"""
    )
    arguments: list[Any] = []

    def swap(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(1)
        arguments.append(variables[match.group(2)])
        return "?"

    return pattern.sub(swap, text), arguments


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
