"""The warehouse's database objects, declared from config as reconciled resources
(`components/warehouse/provider.py`): the reader roles, the database user of each pipeline's
loader (and of the drift build, which may only read the catalog), the load schema with its audit
and migration tables and the grants on shared objects, and per pipeline its table and its load
procedure.

Each object's create adopts what already exists, its read inspects the catalog, its delete
revokes or drops. Grants on one shared object (the schema, the audit table, the COPY role) are
made by one resource, so no two grants on it ever run at once ("tuple concurrently updated").
"""

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pydantic import Field

from components.warehouse.objects import (
    Role,
    RoleProvider,
    Schema,
    SchemaProvider,
    User,
    UserProvider,
)
from components.warehouse.sql import (
    TableSpec,
    check_data_api_target,
    create_load_procedure,
    iam_role_user,
)
from components.warehouse.tables import LoadProcedure, ProcedureProvider, Table, TableProvider
from stack_config.base import StrictModel
from stack_config.warehouse import CATALOG_READER_ROLE, Migration, RetypeMigration

# The catalog reader's system permissions: the svv_ views' pages name ACCESS SYSTEM TABLE (a
# role's permission) and SYSLOG ACCESS UNRESTRICTED (svv_relation_privileges) as what lets a
# user who is not a superuser see every row; neither gives access to any table's data.
CATALOG_SYSTEM_PERMISSIONS = ("ACCESS SYSTEM TABLE",)


class WarehouseSchemaArgs(StrictModel):
    """The schema, its tables and who loads and reads them."""

    schema_name: str
    tables: tuple[TableSpec, ...] = Field(description="One per pipeline, in pipeline order.")
    loaders: dict[str, str] = Field(description="Table name -> IAM role name that loads it.")
    manifest_prefixes: dict[str, str] = Field(description="Table name -> its manifest prefix.")
    reader_roles: tuple[str, ...] = ()
    migrations: tuple[Migration, ...] = ()
    drop_removed_tables: bool = False
    catalog_reader: str | None = Field(
        default=None, description="IAM role name of the drift build, which reads the catalog."
    )


class WarehouseSchema(pulumi.ComponentResource):
    """SQL objects in the warehouse database, each reconciled with the catalog."""

    objects: list[pulumi.CustomResource]
    tables: dict[str, pulumi.CustomResource]
    """Each pipeline table's object, by table name (a job applying its migrations follows it)."""

    def __init__(
        self,
        name: str,
        args: WarehouseSchemaArgs,
        *,
        target: pulumi.Input[Mapping[str, str]],
        admin_secret_arn: pulumi.Input[str],
        curated_bucket: pulumi.Input[str],
        copy_role_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:warehouse:WarehouseSchema", name, None, opts)
        missing = sorted(t.name for t in args.tables if t.name not in args.loaders)
        if missing:
            raise ValueError(f"WarehouseSchema: tables {missing} have no loader role")
        self._name, self._args = name, args
        self._common: dict[str, Any] = {
            "target": pulumi.Output.from_input(target).apply(_checked_target),
            "admin_secret_arn": admin_secret_arn,
        }
        self.objects, self.tables = [], {}
        roles = [self._role(role) for role in args.reader_roles]
        users = {
            t.name: self._user(t.name, iam_role_user(args.loaders[t.name])) for t in args.tables
        }
        shared: list[pulumi.Resource] = [*roles, *users.values()]
        if args.catalog_reader is not None:
            reader = self._declare(
                Role,
                RoleProvider(),
                "catalog-reader",
                {"role": CATALOG_READER_ROLE, "system": list(CATALOG_SYSTEM_PERMISSIONS)},
            )
            self._user(
                "drift",
                iam_role_user(args.catalog_reader),
                roles=[CATALOG_READER_ROLE],
                syslog="UNRESTRICTED",
                after=[reader],
            )
            shared.append(reader)
        loaders = [iam_role_user(args.loaders[t.name]) for t in args.tables]
        catalog = [f"role:{CATALOG_READER_ROLE}"] if args.catalog_reader is not None else []
        schema = self._declare(
            Schema,
            SchemaProvider(),
            "schema",
            {
                "schema": args.schema_name,
                "usage": [
                    *(f"role:{r}" for r in args.reader_roles),
                    *catalog,
                    *(f"user:{u}" for u in loaders),
                ],
                "loaders": loaders,
                "ledger_readers": catalog,
                "copy_role_arn": copy_role_arn,
            },
            after=shared,
        )
        for table in args.tables:
            self._table(table, schema, users[table.name], curated_bucket)
        self.register_outputs({"objects": [o.id for o in self.objects]})

    def _declare(
        self,
        kind: type[pulumi.CustomResource],
        provider: Any,
        role: str,
        props: Mapping[str, Any],
        *,
        after: Sequence[pulumi.Resource] = (),
    ) -> pulumi.CustomResource:
        resource = kind(
            provider,
            f"{self._name}-db-{role}",
            {**self._common, **props},
            pulumi.ResourceOptions(parent=self, depends_on=list(after)),
        )
        self.objects.append(resource)
        return resource

    def _role(self, role: str) -> pulumi.CustomResource:
        return self._declare(Role, RoleProvider(), f"role-{role}", {"role": role, "system": []})

    def _user(
        self,
        label: str,
        user: str,
        *,
        roles: Sequence[str] = (),
        syslog: str = "RESTRICTED",
        after: Sequence[pulumi.Resource] = (),
    ) -> pulumi.CustomResource:
        props = {"user": user, "roles": list(roles), "syslog": syslog}
        return self._declare(User, UserProvider(), f"user-{label}", props, after=after)

    def _table(
        self,
        table: TableSpec,
        schema: pulumi.Resource,
        user: pulumi.Resource,
        curated_bucket: pulumi.Input[str],
    ) -> None:
        args, loader = self._args, iam_role_user(self._args.loaders[table.name])
        declared = self._declare(
            Table,
            TableProvider(),
            f"table-{table.name}",
            {
                "schema": table.schema,
                "table": table.name,
                "columns": [[n, t] for n, t in table.redshift_columns[1:]],
                "writer": loader,
                "readers": list(args.reader_roles),
                "migrations": _migrations(args.migrations, table.name),
                "drop_on_delete": args.drop_removed_tables,
                "curated_bucket": curated_bucket,
                "manifest_prefix": args.manifest_prefixes[table.name],
            },
            after=[schema, user],
        )
        self.tables[table.name] = declared
        definition = pulumi.Output.from_input(curated_bucket).apply(
            lambda bucket: create_load_procedure(table, curated_bucket=bucket)
        )
        self._declare(
            LoadProcedure,
            ProcedureProvider(),
            f"load-{table.name}",
            {
                "schema": table.schema,
                "name": f"load_{table.name}",
                "definition": definition,
                "executor": loader,
            },
            after=[declared, user],
        )


def _migrations(migrations: Sequence[Migration], table: str) -> list[dict[str, Any]]:
    """A table's migrations as the provider takes them (retype targets as Redshift types)."""
    from components.warehouse.sql import redshift_type

    found: list[dict[str, Any]] = []
    for migration in migrations:
        if migration.table != table:
            continue
        entry: dict[str, Any] = {
            "version": migration.version,
            "kind": migration.kind,
            "column": migration.column,
        }
        if isinstance(migration, RetypeMigration):
            entry["to"] = redshift_type(migration.to)
        elif migration.kind == "rename":
            entry["to"] = migration.to
        found.append(entry)
    return found


def _checked_target(target: Mapping[str, str]) -> dict[str, str]:
    check_data_api_target(target)
    return dict(target)
