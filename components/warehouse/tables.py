"""A pipeline's warehouse table and its load procedure, as warehouse objects.

The table: its declared columns (an added column is an `ALTER TABLE ... ADD COLUMN`; a retype,
rename or drop is a declared migration, applied in version order, each in one transaction with
its row in the schema's migration table, after the manifests still pending were loaded with the
load procedure they were written for); its grants to the pipeline's loader and the reader roles.
A column whose type changes with no declared migration fails the preview. Delete: the grants
are revoked; the table is dropped only when it is empty or `drop_on_delete` says so.

The load procedure: replaced (dropped and created, with EXECUTE granted again, in one
transaction) when the md5 of its stored body differs from the declared one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from components.warehouse import catalog
from components.warehouse.data_api import DataApi, WarehouseError
from components.warehouse.provider import WarehouseObject, WarehouseObjectProvider
from components.warehouse.sql import (
    MIGRATIONS_TABLE,
    ident,
    literal,
    qualified,
    user_ident,
)
from stack_config.pipelines import LINEAGE_COLUMN

WRITER_PRIVILEGES = ["DELETE", "INSERT", "SELECT", "UPDATE"]


def _grantees(props: Mapping[str, Any]) -> dict[str, list[str]]:
    grantees = {f"role:{r}": ["SELECT"] for r in props.get("readers") or []}
    if props.get("writer"):
        grantees[f"user:{props['writer']}"] = WRITER_PRIVILEGES
    return grantees


def _covering(props: Mapping[str, Any], olds: Mapping[str, Any]) -> dict[str, list[str]]:
    now = _grantees(props)
    return {g: now.get(g, []) for g in sorted(set(now) | set(_grantees(olds)))}


def _versions(props: Mapping[str, Any]) -> list[int]:
    return sorted(int(m["version"]) for m in props.get("migrations") or [])


class TableProvider(WarehouseObjectProvider):
    """One pipeline table (see the module docstring)."""

    identity = ("schema", "table")
    failure_property = "columns"

    def object_id(self, props: Mapping[str, Any]) -> str:
        return f"table:{props['schema']}.{props['table']}"

    def desired(self, props: Mapping[str, Any], olds: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "exists": True,
            "columns": {str(n): str(t) for n, t in props["columns"]},
            "grants": _covering(props, olds),
            "migrations": _versions(props),
        }

    def observe(self, api: DataApi, props: Mapping[str, Any]) -> dict[str, Any]:
        live = catalog.columns(api, props["schema"], props["table"])
        if not live:
            return {"exists": False, "columns": {}, "grants": {}, "migrations": []}
        declared = [str(n) for n, _ in props["columns"]]
        grants = catalog.relation_grants(api, props["schema"], props["table"])
        applied = self._applied(api, props)
        return {
            "exists": True,
            "columns": {n: live[n] for n in declared if n in live},
            "grants": {g: grants.get(g, []) for g in sorted(_grantees(props))},
            "migrations": [v for v in _versions(props) if v in applied],
        }

    def problems(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
        before = {str(n): str(t) for n, t in olds.get("columns") or []}
        known = set(_versions(olds))
        declared = {
            (str(m["column"]), str(m.get("to")))
            for m in news.get("migrations") or []
            if m["kind"] == "retype" and int(m["version"]) not in known
        }
        return [
            f"column {news['table']}.{name} changes type {before[name]} -> {kind} with no"
            f" declared migration: add to warehouse.migrations a retype of {news['table']}."
            f"{name} with a version above {max(_versions(news), default=0)}"
            for name, kind in ((str(n), str(t)) for n, t in news["columns"])
            if name in before and before[name] != kind and (name, kind) not in declared
        ]

    def converge(
        self, api: DataApi, props: Mapping[str, Any], olds: Mapping[str, Any]
    ) -> list[str]:
        schema, table = props["schema"], props["table"]
        target, live = qualified(schema, table), catalog.columns(api, schema, table)
        statements: list[str] = []
        if not live:
            typed = ", ".join(f"{ident(n)} {t}" for n, t in props["columns"])
            statements.append(f'CREATE TABLE {target} ("{LINEAGE_COLUMN}" VARCHAR(1024), {typed})')
            pending = props.get("migrations") or []
        else:
            pending = self._pending(api, props)
            if pending:
                drain_pending_manifests(api, props)
            for migration in pending:
                statements += migration_statements(target, migration, live)
        statements += [self._record(props, m, live) for m in pending]
        statements += self._columns(target, props, live)
        live_grants = catalog.relation_grants(api, schema, table) if live else {}
        statements += catalog.reconcile(target, live_grants, _covering(props, olds))
        api.run(statements)
        return statements

    def _columns(self, target: str, props: Mapping[str, Any], live: dict[str, str]) -> list[str]:
        if not live:
            return []
        statements = []
        for name, kind in ((str(n), str(t)) for n, t in props["columns"]):
            if name not in live:
                statements.append(f"ALTER TABLE {target} ADD COLUMN {ident(name)} {kind}")
            elif live[name] != kind:
                raise WarehouseError(
                    f"column {props['table']}.{name} is {live[name]} in the warehouse and {kind}"
                    " in the config, and no declared migration changes it: declare a retype"
                    " in warehouse.migrations"
                )
        return statements

    def _applied(self, api: DataApi, props: Mapping[str, Any]) -> set[int]:
        rows = api.query(
            f'SELECT "version" FROM {qualified(props["schema"], MIGRATIONS_TABLE)}'
            f' WHERE "table_name" = {literal(props["table"])}'
        )
        return {int(r["version"]) for r in rows}

    def _pending(self, api: DataApi, props: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        applied = self._applied(api, props)
        migrations = props.get("migrations") or []
        return sorted(
            (m for m in migrations if int(m["version"]) not in applied),
            key=lambda m: int(m["version"]),
        )

    def _record(
        self, props: Mapping[str, Any], migration: Mapping[str, Any], live: Mapping[str, str]
    ) -> str:
        change = f"{migration['kind']} {migration['column']}"
        if migration.get("to"):
            change += f" -> {migration['to']}"
        return (
            f"INSERT INTO {qualified(props['schema'], MIGRATIONS_TABLE)} VALUES"
            f" ({int(migration['version'])}, {literal(props['table'])}, {literal(change)},"
            " GETDATE())"
        )

    def remove(self, api: DataApi, props: Mapping[str, Any]) -> None:
        schema, table = props["schema"], props["table"]
        if not catalog.columns(api, schema, table):
            return
        target = qualified(schema, table)
        live = catalog.relation_grants(api, schema, table)
        revokes = catalog.reconcile(target, live, {g: [] for g in _grantees(props)})
        (count,) = api.query(f"SELECT COUNT(*) AS row_count FROM {target}")
        drop = bool(props.get("drop_on_delete")) or int(count["row_count"]) == 0
        api.run([*revokes, *([f"DROP TABLE {target}"] if drop else [])])


def migration_statements(
    target: str, migration: Mapping[str, Any], live: dict[str, str]
) -> list[str]:
    """The statements of one migration against the live columns (updated in place)."""
    column, kind = str(migration["column"]), migration["kind"]
    if kind == "retype" and column in live and live[column] != migration["to"]:
        scratch = ident(f"_migration_{int(migration['version'])}")
        live[column] = str(migration["to"])
        return [
            f"ALTER TABLE {target} ADD COLUMN {scratch} {migration['to']}",
            f"UPDATE {target} SET {scratch} = CAST({ident(column)} AS {migration['to']})",
            f"ALTER TABLE {target} DROP COLUMN {ident(column)}",
            f"ALTER TABLE {target} RENAME COLUMN {scratch} TO {ident(column)}",
        ]
    if kind == "rename" and column in live and str(migration["to"]) not in live:
        live[str(migration["to"])] = live.pop(column)
        return [f"ALTER TABLE {target} RENAME COLUMN {ident(column)} TO {ident(migration['to'])}"]
    if kind == "drop" and column in live:
        del live[column]
        return [f"ALTER TABLE {target} DROP COLUMN {ident(column)}"]
    return []


def drain_pending_manifests(api: DataApi, props: Mapping[str, Any]) -> list[str]:
    """Load every manifest still pending with the load procedure it was written for, then
    remove it, before a migration changes the columns its files hold."""
    import boto3  # type: ignore[import-untyped]  # the program's dependency

    s3, bucket, prefix = (
        boto3.session.Session().client("s3"),
        props["curated_bucket"],
        props["manifest_prefix"],
    )
    procedure = f"{ident(props['schema'])}.{ident('load_' + props['table'])}"
    if catalog.procedure_digest(api, props["schema"], f"load_{props['table']}") is None:
        return []
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [str(o["Key"]) for o in page.get("Contents", [])]
    for key in sorted(keys):
        api.call(f"CALL {procedure}(:manifest)", {"manifest": key})
        s3.delete_object(Bucket=bucket, Key=key)
    return keys


def body_digest(definition: str) -> str:
    """The md5 of a procedure's body (what Redshift keeps as its source)."""
    return hashlib.md5(definition.split("$$")[1].encode(), usedforsecurity=False).hexdigest()


class ProcedureProvider(WarehouseObjectProvider):
    """A load procedure (`definition`) and EXECUTE on it for `executor`."""

    identity = ("schema", "name")

    def object_id(self, props: Mapping[str, Any]) -> str:
        return f"procedure:{props['schema']}.{props['name']}"

    def _signature(self, props: Mapping[str, Any]) -> str:
        return f"{ident(props['schema'])}.{ident(props['name'])}(VARCHAR)"

    def desired(self, props: Mapping[str, Any], olds: Mapping[str, Any]) -> dict[str, Any]:
        now = {f"user:{props['executor']}"}
        before = {f"user:{olds['executor']}"} if olds.get("executor") else set()
        executors = {g: (["EXECUTE"] if g in now else []) for g in sorted(now | before)}
        return {"exists": True, "body_md5": body_digest(props["definition"]), "grants": executors}

    def observe(self, api: DataApi, props: Mapping[str, Any]) -> dict[str, Any]:
        digest = catalog.procedure_digest(api, props["schema"], props["name"])
        if digest is None:
            return {"exists": False, "body_md5": None, "grants": {}}
        grants = catalog.procedure_grants(api, props["schema"], props["name"])
        executor = f"user:{props['executor']}"
        return {"exists": True, "body_md5": digest, "grants": {executor: grants.get(executor, [])}}

    def converge(
        self, api: DataApi, props: Mapping[str, Any], olds: Mapping[str, Any]
    ) -> list[str]:
        live, wanted = self.observe(api, props), self.desired(props, olds)
        signature = self._signature(props)
        on = f"PROCEDURE {signature}"
        if live["body_md5"] != wanted["body_md5"]:
            statements = [f"DROP PROCEDURE IF EXISTS {signature}", props["definition"]]
            statements += [
                f"GRANT EXECUTE ON {on} TO {user_ident(g.split(':', 1)[1])}"
                for g, held in wanted["grants"].items()
                if held
            ]
        else:
            before = catalog.procedure_grants(api, props["schema"], props["name"])
            statements = catalog.reconcile(on, before, wanted["grants"])
        api.run(statements)
        return statements

    def remove(self, api: DataApi, props: Mapping[str, Any]) -> None:
        if catalog.procedure_digest(api, props["schema"], props["name"]) is not None:
            api.run([f"DROP PROCEDURE IF EXISTS {self._signature(props)}"])


class Table(WarehouseObject, module="warehouse", name="Table"):
    """A pipeline's warehouse table the program declares."""


class LoadProcedure(WarehouseObject, module="warehouse", name="LoadProcedure"):
    """A table's load procedure the program declares."""
