"""What the warehouse objects' provider reads from Redshift's system views, normalised to the
shape the program declares, and the grant and revoke statements that take one to the other.

A grantee is written `role:<name>` or `user:<name>` (a role and a user may share a name).
Views and columns: svv_all_columns, svv_relation_privileges, svv_schema_privileges,
svv_function_privileges, svv_iam_privileges, svv_system_privileges, svv_roles, svv_user_grants,
svv_user_info, svv_all_schemas, pg_user, pg_proc_info (Amazon Redshift Database Developer Guide,
"System views"); every name in a query is a checked identifier, quoted as a literal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from components.warehouse.data_api import DataApi
from components.warehouse.sql import ident, literal, user_ident

Grants = dict[str, list[str]]

_TYPES = {
    "bigint": "BIGINT",
    "double precision": "DOUBLE PRECISION",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP",
}


def grantee_sql(grantee: str) -> str:
    kind, name = grantee.split(":", 1)
    return f"ROLE {ident(name, 'role')}" if kind == "role" else user_ident(name)


def redshift_type(data_type: str, length: Any) -> str:
    """A svv_all_columns type as the platform declares it (`VARCHAR(65535)`, `BIGINT`, ...)."""
    if data_type == "character varying":
        return f"VARCHAR({int(length)})"
    return _TYPES.get(data_type, data_type.upper())


def columns(api: DataApi, schema: str, table: str) -> dict[str, str]:
    rows = api.query(
        "SELECT column_name, data_type, character_maximum_length FROM svv_all_columns"
        f" WHERE database_name = {literal(api.target.database)}"
        f" AND schema_name = {literal(schema)} AND table_name = {literal(table)}"
        " ORDER BY ordinal_position"
    )
    return {
        str(r["column_name"]): redshift_type(str(r["data_type"]), r["character_maximum_length"])
        for r in rows
    }


def _grants(rows: Iterable[Mapping[str, Any]], privilege: str = "privilege_type") -> Grants:
    found: dict[str, set[str]] = {}
    for row in rows:
        grantee = f"{row['identity_type']}:{row['identity_name']}"
        found.setdefault(grantee, set()).add(str(row[privilege]))
    return {grantee: sorted(privileges) for grantee, privileges in sorted(found.items())}


def relation_grants(api: DataApi, schema: str, table: str) -> Grants:
    return _grants(
        api.query(
            "SELECT identity_type, identity_name, privilege_type FROM svv_relation_privileges"
            f" WHERE namespace_name = {literal(schema)} AND relation_name = {literal(table)}"
        )
    )


def schema_grants(api: DataApi, schema: str) -> Grants:
    return _grants(
        api.query(
            "SELECT identity_type, identity_name, privilege_type FROM svv_schema_privileges"
            f" WHERE namespace_name = {literal(schema)}"
        )
    )


def procedure_grants(api: DataApi, schema: str, name: str) -> Grants:
    return _grants(
        api.query(
            "SELECT identity_type, identity_name, privilege_type FROM svv_function_privileges"
            f" WHERE namespace_name = {literal(schema)} AND function_name = {literal(name)}"
        )
    )


def iam_role_grants(api: DataApi, role_arn: str) -> Grants:
    return _grants(
        api.query(
            "SELECT identity_type, identity_name, command_type FROM svv_iam_privileges"
            f" WHERE iam_arn = {literal(role_arn)}"
        ),
        privilege="command_type",
    )


def schema_exists(api: DataApi, schema: str) -> bool:
    return bool(
        api.query(
            "SELECT schema_name FROM svv_all_schemas"
            f" WHERE database_name = {literal(api.target.database)}"
            f" AND schema_name = {literal(schema)}"
        )
    )


def role_exists(api: DataApi, role: str) -> bool:
    return bool(api.query(f"SELECT role_name FROM svv_roles WHERE role_name = {literal(role)}"))


def role_system_privileges(api: DataApi, role: str) -> list[str]:
    rows = api.query(
        "SELECT system_privilege FROM svv_system_privileges WHERE identity_type = 'role'"
        f" AND identity_name = {literal(role)}"
    )
    return sorted(str(r["system_privilege"]) for r in rows)


def user(api: DataApi, name: str) -> dict[str, Any] | None:
    """The user's roles and system log access, or None when there is no such user."""
    if not api.query(f"SELECT usename FROM pg_user WHERE usename = {literal(name)}"):
        return None
    roles = api.query(f"SELECT role_name FROM svv_user_grants WHERE user_name = {literal(name)}")
    info = api.query(f"SELECT syslog_access FROM svv_user_info WHERE user_name = {literal(name)}")
    return {
        "roles": sorted(str(r["role_name"]) for r in roles),
        "syslog": str(info[0]["syslog_access"]) if info else "RESTRICTED",
    }


def procedure_digest(api: DataApi, schema: str, name: str) -> str | None:
    """The md5 of the procedure's stored body, or None when there is no such procedure."""
    rows = api.query(
        "SELECT md5(p.prosrc) AS body_md5 FROM pg_proc_info p JOIN pg_namespace n"
        f" ON n.oid = p.pronamespace WHERE n.nspname = {literal(schema)}"
        f" AND p.proname = {literal(name)}"
    )
    return str(rows[0]["body_md5"]) if rows else None


def reconcile(
    on: str,
    live: Mapping[str, Sequence[str]],
    desired: Mapping[str, Sequence[str]],
    *,
    suffix: str = "",
) -> list[str]:
    """The GRANTs and REVOKEs that take each grantee in `desired` from `live` to `desired`
    (a grantee desired with no privileges loses those it has; others are left alone)."""
    statements: list[str] = []
    for grantee, wanted in sorted(desired.items()):
        held = set(live.get(grantee, ()))
        extra, missing = sorted(held - set(wanted)), sorted(set(wanted) - held)
        target = grantee_sql(grantee)
        if extra:
            statements.append(f"REVOKE {', '.join(extra)} ON {on} FROM {target}{suffix}")
        if missing:
            statements.append(f"GRANT {', '.join(missing)} ON {on} TO {target}{suffix}")
    return statements
