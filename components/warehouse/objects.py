"""The warehouse's shared objects: roles, users and the load schema (with the grants on shared
objects, so one resource changes each of them and concurrent grants never collide)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.warehouse import catalog
from components.warehouse.data_api import DataApi
from components.warehouse.provider import WarehouseObject, WarehouseObjectProvider
from components.warehouse.sql import (
    AUDIT_TABLE,
    MIGRATIONS_TABLE,
    audit_table_ddl,
    ident,
    literal,
    migrations_table_ddl,
    qualified,
    user_ident,
)


class RoleProvider(WarehouseObjectProvider):
    """A database role (`role`) and the system permissions granted to it (`system`).
    Delete: DROP ROLE ... FORCE, which also takes it from every user and object."""

    identity = ("role",)

    def object_id(self, props: Mapping[str, Any]) -> str:
        return f"role:{props['role']}"

    def desired(self, props: Mapping[str, Any], olds: Mapping[str, Any]) -> dict[str, Any]:
        return {"exists": True, "system": sorted(props.get("system") or [])}

    def observe(self, api: DataApi, props: Mapping[str, Any]) -> dict[str, Any]:
        exists = catalog.role_exists(api, props["role"])
        system = catalog.role_system_privileges(api, props["role"]) if exists else []
        return {"exists": exists, "system": system}

    def converge(
        self, api: DataApi, props: Mapping[str, Any], olds: Mapping[str, Any]
    ) -> list[str]:
        role, live = ident(props["role"], "role"), self.observe(api, props)
        statements = [] if live["exists"] else [f"CREATE ROLE {role}"]
        wanted = set(props.get("system") or [])
        statements += [f"GRANT {p} TO ROLE {role}" for p in sorted(wanted - set(live["system"]))]
        statements += [f"REVOKE {p} FROM ROLE {role}" for p in sorted(set(live["system"]) - wanted)]
        api.run(statements)
        return statements

    def remove(self, api: DataApi, props: Mapping[str, Any]) -> None:
        if catalog.role_exists(api, props["role"]):
            api.run([f"DROP ROLE {ident(props['role'], 'role')} FORCE"])


class UserProvider(WarehouseObjectProvider):
    """A database user that signs in only with IAM (`PASSWORD DISABLE`), its roles and its
    system log access. An existing user (Redshift creates an IAM role's user at its first
    sign-in) is adopted. Delete: every privilege the user holds is revoked, then the user is
    dropped."""

    identity = ("user",)

    def object_id(self, props: Mapping[str, Any]) -> str:
        return f"user:{props['user']}"

    def desired(self, props: Mapping[str, Any], olds: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "exists": True,
            "roles": sorted(props.get("roles") or []),
            "syslog": props.get("syslog") or "RESTRICTED",
        }

    def observe(self, api: DataApi, props: Mapping[str, Any]) -> dict[str, Any]:
        found = catalog.user(api, props["user"])
        if found is None:
            return {"exists": False, "roles": [], "syslog": "RESTRICTED"}
        return {"exists": True, **found}

    def converge(
        self, api: DataApi, props: Mapping[str, Any], olds: Mapping[str, Any]
    ) -> list[str]:
        name, live = user_ident(props["user"]), self.observe(api, props)
        verb = "ALTER" if live["exists"] else "CREATE"
        statements = [f"{verb} USER {name} PASSWORD DISABLE"]
        syslog = props.get("syslog") or "RESTRICTED"
        if syslog != live["syslog"] or (not live["exists"] and syslog != "RESTRICTED"):
            statements.append(f"ALTER USER {name} SYSLOG ACCESS {syslog}")
        wanted, held = set(props.get("roles") or []), set(live["roles"])
        statements += [f"GRANT ROLE {ident(r, 'role')} TO {name}" for r in sorted(wanted - held)]
        managed = set((olds or {}).get("roles") or []) - wanted
        statements += [
            f"REVOKE ROLE {ident(r, 'role')} FROM {name}" for r in sorted(managed & held)
        ]
        api.run(statements)
        return statements

    def remove(self, api: DataApi, props: Mapping[str, Any]) -> None:
        user = props["user"]
        if catalog.user(api, user) is None:
            return
        name = user_ident(user)
        statements: list[str] = []
        for row in api.query(
            "SELECT namespace_name, relation_name FROM svv_relation_privileges WHERE"
            f" identity_type = 'user' AND identity_name = {literal(user)}"
        ):
            on = qualified(str(row["namespace_name"]), str(row["relation_name"]))
            statements.append(f"REVOKE ALL ON {on} FROM {name}")
        for row in api.query(
            "SELECT DISTINCT namespace_name FROM svv_schema_privileges WHERE identity_type ="
            f" 'user' AND identity_name = {literal(user)}"
        ):
            statements.append(
                f"REVOKE USAGE ON SCHEMA {ident(str(row['namespace_name']))} FROM {name}"
            )
        for row in api.query(
            "SELECT namespace_name, function_name FROM svv_function_privileges WHERE"
            f" identity_type = 'user' AND identity_name = {literal(user)}"
        ):
            procedure = f"{ident(str(row['namespace_name']))}.{ident(str(row['function_name']))}"
            statements.append(f"REVOKE EXECUTE ON PROCEDURE {procedure}(VARCHAR) FROM {name}")
        for row in api.query(
            "SELECT iam_arn FROM svv_iam_privileges WHERE identity_type = 'user' AND"
            f" identity_name = {literal(user)}"
        ):
            statements.append(
                f"REVOKE ASSUMEROLE ON {literal(str(row['iam_arn']))} FROM {name} FOR COPY"
            )
        api.run([*statements, f"DROP USER {name}"])


class SchemaProvider(WarehouseObjectProvider):
    """The load schema, its audit and migration tables, and every grant on them and on the COPY
    role: USAGE to `usage` grantees, INSERT on the audit table to `loaders`, ASSUMEROLE on
    `copy_role_arn` FOR COPY to `loaders`, SELECT on the migration table to `ledger_readers`
    (the catalog reader: which migrations ran is catalog, not data). Delete: those grants are
    revoked; the schema and its tables stay (they hold the load history)."""

    identity = ("schema",)

    def object_id(self, props: Mapping[str, Any]) -> str:
        return f"schema:{props['schema']}"

    def desired(self, props: Mapping[str, Any], olds: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "exists": True,
            "usage": _covering(props.get("usage"), olds.get("usage"), ["USAGE"]),
            "audit": _covering(_users(props), _users(olds), ["INSERT"]),
            "copy": _covering(_users(props), _users(olds), ["COPY"]),
            "ledger": _covering(
                props.get("ledger_readers"), olds.get("ledger_readers"), ["SELECT"]
            ),
        }

    def observe(self, api: DataApi, props: Mapping[str, Any]) -> dict[str, Any]:
        schema = props["schema"]
        if not catalog.schema_exists(api, schema):
            return {"exists": False, "usage": {}, "audit": {}, "copy": {}, "ledger": {}}
        audit = catalog.relation_grants(api, schema, AUDIT_TABLE)
        ledger = catalog.relation_grants(api, schema, MIGRATIONS_TABLE)
        return {
            "exists": True,
            "usage": _only(catalog.schema_grants(api, schema), props.get("usage")),
            "audit": _only(audit, _users(props)),
            "copy": _only(catalog.iam_role_grants(api, props["copy_role_arn"]), _users(props)),
            "ledger": _only(ledger, props.get("ledger_readers")),
        }

    def converge(
        self, api: DataApi, props: Mapping[str, Any], olds: Mapping[str, Any]
    ) -> list[str]:
        schema = props["schema"]
        statements = [
            f"CREATE SCHEMA IF NOT EXISTS {ident(schema, 'schema')}",
            audit_table_ddl(schema),
            migrations_table_ddl(schema),
        ]
        api.run(statements)
        live, wanted = (
            self.observe(api, {**props, **_union(props, olds)}),
            self.desired(props, olds),
        )
        changes = catalog.reconcile(f"SCHEMA {ident(schema)}", live["usage"], wanted["usage"])
        changes += catalog.reconcile(qualified(schema, AUDIT_TABLE), live["audit"], wanted["audit"])
        ledger = qualified(schema, MIGRATIONS_TABLE)
        changes += catalog.reconcile(ledger, live["ledger"], wanted["ledger"])
        role = literal(props["copy_role_arn"])
        changes += [
            s.replace(" COPY ON ", " ASSUMEROLE ON ")
            for s in catalog.reconcile(role, live["copy"], wanted["copy"], suffix=" FOR COPY")
        ]
        api.run(changes)
        return statements + changes

    def remove(self, api: DataApi, props: Mapping[str, Any]) -> None:
        empty = {"schema": props["schema"], "usage": [], "loaders": [], "ledger_readers": []}
        if catalog.schema_exists(api, props["schema"]):
            self.converge(api, {**props, **empty}, props)


def _users(props: Mapping[str, Any]) -> list[str]:
    return [f"user:{u}" for u in props.get("loaders") or []]


def _covering(
    wanted: list[str] | None, previous: list[str] | None, privileges: list[str]
) -> dict[str, list[str]]:
    """Each grantee now declared holds `privileges`; each one declared before holds none."""
    now = set(wanted or [])
    return {g: (privileges if g in now else []) for g in sorted(now | set(previous or []))}


def _only(grants: Mapping[str, list[str]], grantees: list[str] | None) -> dict[str, list[str]]:
    return {g: list(grants.get(g, [])) for g in sorted(set(grantees or []))}


def _union(props: Mapping[str, Any], olds: Mapping[str, Any]) -> dict[str, Any]:
    """The grantees a reconciliation looks at: those declared now and before."""
    return {
        "usage": sorted(set(props.get("usage") or []) | set(olds.get("usage") or [])),
        "loaders": sorted(set(props.get("loaders") or []) | set(olds.get("loaders") or [])),
        "ledger_readers": sorted(
            set(props.get("ledger_readers") or []) | set(olds.get("ledger_readers") or [])
        ),
    }


class Role(WarehouseObject, module="warehouse", name="Role"):
    """A database role the program declares."""


class User(WarehouseObject, module="warehouse", name="User"):
    """A database user the program declares."""


class Schema(WarehouseObject, module="warehouse", name="Schema"):
    """The load schema the program declares."""
