"""Redshift's users, roles and privileges on DuckDB: the statements that manage them run against
catalog tables in the `_catalog` schema (so a transaction covers them like any DDL), and the
system views the platform reads answer with the columns the Amazon Redshift Database Developer
Guide documents, filtered as it documents for a user who is not a superuser.

Understood, and only this (anything else is refused, never silently ignored):
CREATE/ALTER/DROP USER (PASSWORD DISABLE, SYSLOG ACCESS), CREATE/DROP ROLE [FORCE], GRANT/REVOKE
ROLE, GRANT/REVOKE privileges ON SCHEMA, ON [TABLE] s.t, ON PROCEDURE s.p(args), ASSUMEROLE ON
'<arn>' ... FOR COPY, and ACCESS SYSTEM TABLE TO ROLE.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import duckdb

_NAME = r'("[^"]+"|[a-z_][a-z0-9_]*)'
_PRIVILEGES = r"([A-Z, ]+?)"
_GRANTEE = rf"(ROLE {_NAME}|PUBLIC|{_NAME})"
USER = re.compile(rf"(CREATE|ALTER) USER {_NAME}( PASSWORD DISABLE| SYSLOG ACCESS (\w+))?$", re.I)
DROP_USER = re.compile(rf"DROP USER {_NAME}$", re.I)
ROLE = re.compile(rf"CREATE ROLE {_NAME}$", re.I)
DROP_ROLE = re.compile(rf"DROP ROLE {_NAME}( FORCE)?$", re.I)
ROLE_MEMBER = re.compile(rf"(GRANT|REVOKE) ROLE {_NAME} (?:TO|FROM) {_NAME}$", re.I)
ON_OBJECT = re.compile(
    rf"(GRANT|REVOKE) {_PRIVILEGES} ON (?:(SCHEMA|TABLE|PROCEDURE) )?([^ ']+?)(\([^)]*\))?"
    rf" (?:TO|FROM) {_GRANTEE}$",
    re.I,
)
ASSUME = re.compile(
    rf"(GRANT|REVOKE) ASSUMEROLE ON '([^']+)' (?:TO|FROM) {_GRANTEE} FOR COPY$", re.I
)
SYSTEM = re.compile(rf"(GRANT|REVOKE) ACCESS SYSTEM TABLE (?:TO|FROM) ROLE {_NAME}$", re.I)
HANDLED = (USER, DROP_USER, ROLE, DROP_ROLE, ROLE_MEMBER, ON_OBJECT, ASSUME, SYSTEM)
_KINDS = {"SCHEMA": "schema", "TABLE": "relation", "PROCEDURE": "procedure"}

CATALOG_DDL = (
    "CREATE SCHEMA _catalog",
    "CREATE SEQUENCE _catalog.ids START 100",
    "CREATE TABLE _catalog.users (name VARCHAR PRIMARY KEY, id INTEGER, superuser BOOLEAN,"
    " syslog VARCHAR)",
    "CREATE TABLE _catalog.roles (name VARCHAR PRIMARY KEY, id INTEGER)",
    "CREATE TABLE _catalog.members (user_name VARCHAR, role_name VARCHAR)",
    "CREATE TABLE _catalog.privileges (kind VARCHAR, namespace VARCHAR, object VARCHAR,"
    " privilege VARCHAR, grantee VARCHAR, grantee_type VARCHAR)",
    "CREATE TABLE _catalog.column_types (schema_name VARCHAR, table_name VARCHAR,"
    " column_name VARCHAR, declared VARCHAR)",
    "CREATE TABLE _catalog.procedures (schema_name VARCHAR, name VARCHAR, source VARCHAR)",
)
# Who sees every row of a view: a superuser, and a user holding the permission the view's page
# names; anyone else sees the rows of identities that are theirs.
_SEES_ALL = {
    "privileges": "(SELECT syslog = 'UNRESTRICTED' OR superuser FROM _catalog.users"
    " WHERE name = getvariable('db_user'))",
    "system": "(SELECT superuser OR EXISTS (SELECT 1 FROM _catalog.privileges p JOIN"
    " _catalog.members m ON m.role_name = p.grantee WHERE p.kind = 'system' AND m.user_name ="
    " u.name) FROM _catalog.users u WHERE u.name = getvariable('db_user'))",
}
_MINE = (
    "(identity_name = getvariable('db_user') OR identity_name IN (SELECT role_name FROM"
    " _catalog.members WHERE user_name = getvariable('db_user')))"
)
_IDENTITY = (
    "p.grantee AS identity_name, coalesce(u.id, r.id, 0) AS identity_id,"
    " p.grantee_type AS identity_type"
)
_JOIN = (
    "LEFT JOIN _catalog.users u ON p.grantee_type = 'user' AND u.name = p.grantee"
    " LEFT JOIN _catalog.roles r ON p.grantee_type = 'role' AND r.name = p.grantee"
)
_REDSHIFT_TYPE = (
    "CASE WHEN t.declared LIKE 'VARCHAR%' THEN 'character varying' WHEN t.declared ="
    " 'TIMESTAMP' THEN 'timestamp without time zone' ELSE lower(t.declared) END"
)
VIEWS = {
    "svv_all_columns": (
        "SELECT getvariable('db_name') AS database_name, c.schema_name, c.table_name,"
        " c.column_name,"
        " c.column_index AS ordinal_position, c.column_default, CASE WHEN c.is_nullable THEN"
        f" 'YES' ELSE 'NO' END AS is_nullable, {_REDSHIFT_TYPE} AS data_type,"
        " TRY_CAST(regexp_extract(t.declared, '\\((\\d+)\\)', 1) AS INTEGER)"
        " AS character_maximum_length, c.numeric_precision, c.numeric_scale, NULL AS remarks"
        " FROM duckdb_columns() c JOIN _catalog.column_types t ON t.schema_name = c.schema_name"
        " AND t.table_name = c.table_name AND t.column_name = c.column_name"
        f" WHERE {_SEES_ALL['system']} OR EXISTS (SELECT 1 FROM _catalog.privileges p WHERE"
        " p.kind = 'relation' AND p.namespace = c.schema_name AND p.object = c.table_name AND"
        " (p.grantee = getvariable('db_user') OR p.grantee IN (SELECT role_name FROM"
        " _catalog.members WHERE user_name = getvariable('db_user'))))"
    ),
    "svv_relation_privileges": (
        "SELECT * FROM (SELECT p.namespace AS namespace_name, p.object AS relation_name,"
        f" p.privilege AS privilege_type, {_IDENTITY}, false AS admin_option FROM"
        f" _catalog.privileges p {_JOIN} WHERE p.kind = 'relation')"
        f" WHERE {_SEES_ALL['privileges']} OR {_MINE}"
    ),
    "svv_schema_privileges": (
        "SELECT * FROM (SELECT p.namespace AS namespace_name, p.privilege AS privilege_type,"
        f" {_IDENTITY}, false AS admin_option FROM _catalog.privileges p {_JOIN}"
        f" WHERE p.kind = 'schema') WHERE {_SEES_ALL['system']} OR {_MINE}"
    ),
    "svv_function_privileges": (
        "SELECT * FROM (SELECT p.namespace AS namespace_name, p.object AS function_name,"
        " 'character varying' AS function_arguments, p.privilege AS privilege_type,"
        f" {_IDENTITY}, false AS admin_option FROM _catalog.privileges p {_JOIN}"
        f" WHERE p.kind = 'procedure') WHERE {_SEES_ALL['system']} OR {_MINE}"
    ),
    "svv_iam_privileges": (
        "SELECT * FROM (SELECT p.object AS iam_arn, 'COPY' AS command_type, {_IDENTITY}"
        f" FROM _catalog.privileges p {_JOIN} WHERE p.kind = 'iam_role')"
        f" WHERE {_SEES_ALL['system']} OR {_MINE}"
    ).replace("{_IDENTITY}", _IDENTITY),
    "svv_system_privileges": (
        "SELECT * FROM (SELECT p.privilege AS system_privilege, {_IDENTITY} FROM"
        f" _catalog.privileges p {_JOIN} WHERE p.kind = 'system')"
        f" WHERE {_SEES_ALL['system']} OR {_MINE}"
    ).replace("{_IDENTITY}", _IDENTITY),
    "svv_roles": (
        "SELECT r.id AS role_id, r.name AS role_name, 'platform_admin' AS role_owner,"
        f" NULL AS external_id FROM _catalog.roles r WHERE {_SEES_ALL['system']} OR r.name IN"
        " (SELECT role_name FROM _catalog.members WHERE user_name = getvariable('db_user'))"
    ),
    "svv_user_grants": (
        "SELECT u.id AS user_id, m.user_name, r.id AS role_id, m.role_name, false AS admin_option"
        " FROM _catalog.members m JOIN _catalog.users u ON u.name = m.user_name JOIN"
        f" _catalog.roles r ON r.name = m.role_name WHERE {_SEES_ALL['system']}"
        " OR m.user_name = getvariable('db_user')"
    ),
    "pg_user": (
        "SELECT name AS usename, id AS usesysid, false AS usecreatedb, superuser AS usesuper,"
        " false AS usecatupd, '********' AS passwd, NULL AS valuntil, NULL AS useconfig"
        " FROM _catalog.users"
    ),
    "svv_user_info": (
        "SELECT name AS user_name, id AS user_id, false AS createdb, superuser,"
        " false AS catalog_update, 'UNLIMITED' AS connection_limit, syslog AS syslog_access"
        " FROM _catalog.users WHERE superuser_view OR name = getvariable('db_user')"
    ).replace("superuser_view", _SEES_ALL["system"]),
    "svv_all_schemas": (
        "SELECT getvariable('db_name') AS database_name, schema_name, 'platform_admin' AS"
        " schema_owner, 'local' AS schema_type, NULL AS schema_acl, NULL AS source_database,"
        " NULL AS schema_option FROM duckdb_schemas() WHERE NOT internal AND schema_name NOT IN"
        " ('_catalog', 'main')"
    ),
    "pg_proc_info": (
        "SELECT p.name AS proname, n.oid AS pronamespace, p.source AS prosrc, 'p' AS prokind"
        " FROM _catalog.procedures p JOIN pg_catalog.pg_namespace n ON n.nspname ="
        " p.schema_name"
    ),
}


class CatalogError(RuntimeError):
    """What Redshift answers to a statement on users, roles or privileges that cannot run."""


def unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def create_catalog(db: duckdb.DuckDBPyConnection, admin: str) -> None:
    for statement in CATALOG_DDL:
        db.execute(statement)
    for name, query in VIEWS.items():
        db.execute(f"CREATE VIEW main.{name} AS {query}")
    db.execute("SET VARIABLE db_user = ?", [admin])
    db.execute("SET VARIABLE db_name = 'dev'")
    db.execute(
        "INSERT INTO _catalog.users VALUES (?, nextval('_catalog.ids'), true, 'UNRESTRICTED')",
        [admin],
    )


class Catalog:
    """Runs the statements on users, roles and privileges, as a superuser would."""

    def __init__(self, db: duckdb.DuckDBPyConnection) -> None:
        self.db = db
        self._handlers: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], None]], ...] = (
            (USER, self._user),
            (DROP_USER, self._drop_user),
            (ROLE, self._role),
            (DROP_ROLE, self._drop_role),
            (ROLE_MEMBER, self._member),
            (ON_OBJECT, self._on_object),
            (ASSUME, self._assume),
            (SYSTEM, self._system),
        )

    def handles(self, sql: str) -> bool:
        return any(pattern.match(sql) for pattern in HANDLED)

    def run(self, sql: str) -> None:
        for pattern, handler in self._handlers:
            match = pattern.match(sql)
            if match is not None:
                handler(match)
                return
        raise CatalogError(f"not a statement on users, roles or privileges: {sql!r}")

    def user_exists(self, name: str) -> bool:
        return self._one("SELECT count(*) FROM _catalog.users WHERE name = ?", name) > 0

    def create_user(self, name: str) -> None:
        """A user with no privileges (what Redshift creates for a new IAM identity)."""
        self.db.execute(
            "INSERT INTO _catalog.users VALUES (?, nextval('_catalog.ids'), false, 'RESTRICTED')",
            [name],
        )

    def is_superuser(self, name: str) -> bool:
        return (
            self._one("SELECT count(*) FROM _catalog.users WHERE name = ? AND superuser", name) > 0
        )

    def holds(self, user: str, kind: str, namespace: str, obj: str, privilege: str) -> bool:
        """Whether `user`, directly or through a role, holds the privilege."""
        return bool(
            self._one(
                "SELECT count(*) FROM _catalog.privileges WHERE kind = ? AND namespace = ? AND"
                " object = ? AND privilege = ? AND (grantee = ? OR grantee IN"
                " (SELECT role_name FROM _catalog.members WHERE user_name = ?))",
                kind,
                namespace,
                obj,
                privilege,
                user,
                user,
            )
            > 0
        ) or self.is_superuser(user)

    def _one(self, sql: str, *values: object) -> int:
        (count,) = self.db.execute(sql, list(values)).fetchone() or (0,)
        return int(count)

    def _user(self, match: re.Match[str]) -> None:
        verb, name, _, access = (
            match.group(1).upper(),
            unquote(match.group(2)),
            *match.groups()[2:4],
        )
        exists = self.user_exists(name)
        if verb == "CREATE" and exists:
            raise CatalogError(f'user "{name}" already exists')
        if verb == "ALTER" and not exists:
            raise CatalogError(f'user "{name}" does not exist')
        if verb == "CREATE":
            self.create_user(name)
        if access is not None:
            self.db.execute(
                "UPDATE _catalog.users SET syslog = ? WHERE name = ?", [access.upper(), name]
            )

    def _drop_user(self, match: re.Match[str]) -> None:
        name = unquote(match.group(1))
        if not self.user_exists(name):
            raise CatalogError(f'user "{name}" does not exist')
        if self._one("SELECT count(*) FROM _catalog.privileges WHERE grantee = ?", name):
            raise CatalogError(
                f'user "{name}" cannot be dropped because the user has a privilege on some object'
            )
        self.db.execute("DELETE FROM _catalog.members WHERE user_name = ?", [name])
        self.db.execute("DELETE FROM _catalog.users WHERE name = ?", [name])

    def _role(self, match: re.Match[str]) -> None:
        name = unquote(match.group(1))
        if self._one("SELECT count(*) FROM _catalog.roles WHERE name = ?", name):
            raise CatalogError(f'role "{name}" already exists')
        self.db.execute("INSERT INTO _catalog.roles VALUES (?, nextval('_catalog.ids'))", [name])

    def _drop_role(self, match: re.Match[str]) -> None:
        name, force = unquote(match.group(1)), match.group(2) is not None
        if not self._one("SELECT count(*) FROM _catalog.roles WHERE name = ?", name):
            raise CatalogError(f'role "{name}" does not exist')
        if not force and self._one(
            "SELECT count(*) FROM _catalog.members WHERE role_name = ?", name
        ):
            raise CatalogError(f'cannot drop role "{name}": it is granted to users')
        self.db.execute("DELETE FROM _catalog.members WHERE role_name = ?", [name])
        self.db.execute(
            "DELETE FROM _catalog.privileges WHERE grantee = ? AND grantee_type = 'role'", [name]
        )
        self.db.execute("DELETE FROM _catalog.roles WHERE name = ?", [name])

    def _member(self, match: re.Match[str]) -> None:
        verb, role, user = match.group(1).upper(), unquote(match.group(2)), unquote(match.group(3))
        self._require("role", role)
        self._require("user", user)
        self.db.execute(
            "DELETE FROM _catalog.members WHERE user_name = ? AND role_name = ?", [user, role]
        )
        if verb == "GRANT":
            self.db.execute("INSERT INTO _catalog.members VALUES (?, ?)", [user, role])

    def _on_object(self, match: re.Match[str]) -> None:
        verb, privileges, kind, target = (
            match.group(1).upper(),
            match.group(2),
            (match.group(3) or "TABLE"),
            match.group(4),
        )
        parts = [unquote(p) for p in re.findall(r'"[^"]+"|[^.]+', target)]
        namespace, obj = (parts[0], "") if kind.upper() == "SCHEMA" else (parts[0], parts[1])
        self._change(verb, (_KINDS[kind.upper()], namespace, obj), privileges, match.groups()[5:])

    def _assume(self, match: re.Match[str]) -> None:
        self._change(
            match.group(1).upper(),
            ("iam_role", "", match.group(2)),
            "ASSUMEROLE",
            match.groups()[2:],
        )

    def _system(self, match: re.Match[str]) -> None:
        role = unquote(match.group(2))
        grantee = (f"ROLE {role}", role, None, None)
        self._change(match.group(1).upper(), ("system", "", ""), "ACCESS SYSTEM TABLE", grantee)

    def _change(
        self,
        verb: str,
        on: tuple[str, str, str],
        privileges: str,
        grantee: tuple[str | None, ...],
    ) -> None:
        """GRANT or REVOKE `privileges` on (kind, namespace, object) for the grantee's groups."""
        kind, namespace, obj = on
        whole, role, *rest = grantee
        if whole is not None and whole.upper() == "PUBLIC":
            name, grantee_type = "PUBLIC", "public"
        elif role is not None:
            name, grantee_type = unquote(role), "role"
        else:
            name, grantee_type = unquote(str(rest[0])), "user"
        if grantee_type != "public":
            self._require(grantee_type, name)
        if kind == "relation" and not self._one(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
            namespace,
            obj,
        ):
            raise CatalogError(f'relation "{namespace}.{obj}" does not exist')
        for privilege in (p.strip().upper() for p in privileges.split(",")):
            self.db.execute(
                "DELETE FROM _catalog.privileges WHERE kind = ? AND namespace = ? AND object = ?"
                " AND privilege = ? AND grantee = ?",
                [kind, namespace, obj, privilege, name],
            )
            if verb == "GRANT":
                self.db.execute(
                    "INSERT INTO _catalog.privileges VALUES (?, ?, ?, ?, ?, ?)",
                    [kind, namespace, obj, privilege, name, grantee_type],
                )

    def _require(self, kind: str, name: str) -> None:
        table = "_catalog.users" if kind == "user" else "_catalog.roles"
        if not self._one(f"SELECT count(*) FROM {table} WHERE name = ?", name):
            raise CatalogError(f'{kind} "{name}" does not exist')
