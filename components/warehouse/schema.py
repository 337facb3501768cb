"""The warehouse's database objects, declared from config and created with the admin credentials:
the load schema, one table per pipeline with its typed columns and its load procedure, the
database user each pipeline's loader role signs in as and its grants, and the reader roles
analysts are given.

Every statement is an `aws.redshiftdata.Statement` run once when it is created (its SQL changing
replaces it, which runs it again). Two statements that change the same database object never run
at once (concurrent grants on one object fail in Redshift: "tuple concurrently updated"): the
schema and the reader roles come first, one after another; then each table's own statements
(table, columns, procedure, its loader user, grants on the table and the procedure, reader
grants) run one after another, tables side by side; the loaders' grants on the shared schema and
COPY role run one at a time across tables. One chain through every statement would make the
SDK's cycle check walk it for each new statement (quadratic) and exceed Python's recursion limit
at about a hundred pipelines; this way the longest chain grows by two statements a pipeline. A
column added to a pipeline's config adds one `ALTER TABLE ... ADD COLUMN` to an existing table.
"""

from collections.abc import Callable, Mapping, Sequence

import pulumi
import pulumi_aws as aws
from pydantic import Field

from components.warehouse.sql import (
    TableSpec,
    add_column,
    check_data_api_target,
    create_iam_role_user,
    create_load_procedure,
    create_role,
    create_schema,
    create_table,
    grant_loader,
    grant_schema_usage,
    grant_select,
)
from stack_config.base import StrictModel


class WarehouseSchemaArgs(StrictModel):
    """The schema, its tables and who loads and reads them."""

    schema_name: str
    tables: tuple[TableSpec, ...] = Field(description="One per pipeline, in pipeline order.")
    loaders: dict[str, str] = Field(description="Table name -> IAM role name that loads it.")
    reader_roles: tuple[str, ...] = ()


class WarehouseSchema(pulumi.ComponentResource):
    """SQL objects in the warehouse database, each an idempotent-on-create Data API statement."""

    statements: list[aws.redshiftdata.Statement]

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
        self._name, self._secret = name, admin_secret_arn
        self._sources = pulumi.Output.all(curated_bucket, copy_role_arn)
        checked = pulumi.Output.from_input(target).apply(_checked_target)
        # One output per argument, shared by every statement.
        self._database = checked.apply(lambda t: t["Database"])
        self._workgroup = checked.apply(lambda t: t.get("WorkgroupName"))
        self._cluster = checked.apply(lambda t: t.get("ClusterIdentifier"))
        self.statements = []
        shared = self._run("schema", create_schema(args.schema_name), after=[])
        for role in args.reader_roles:
            shared = self._run(f"role-{role}", create_role(role), after=[shared])
            shared = self._run(
                f"role-{role}-usage", grant_schema_usage(args.schema_name, role), after=[shared]
            )
        shared_grants = shared
        for table in args.tables:
            shared_grants = self._declare_table(
                table,
                args.loaders[table.name],
                args.reader_roles,
                after=shared,
                shared_grants=shared_grants,
            )
        self.register_outputs({"statements": [s.id for s in self.statements]})

    def _declare_table(
        self,
        table: TableSpec,
        loader: str,
        readers: tuple[str, ...],
        *,
        after: aws.redshiftdata.Statement,
        shared_grants: aws.redshiftdata.Statement,
    ) -> aws.redshiftdata.Statement:
        """The table's statements; returns the last grant on a shared object, for the next table."""
        prefix = table.name
        last = self._run(f"{prefix}-table", create_table(table), after=[after])
        for column in table.names:
            last = self._run(f"{prefix}-column-{column}", add_column(table, column), after=[last])
        last = self._run(
            f"{prefix}-load-procedure",
            self._sources.apply(
                lambda v: create_load_procedure(table, curated_bucket=v[0], copy_role_arn=v[1])
            ),
            after=[last],
        )
        user = self._run(f"{prefix}-loader", create_iam_role_user(loader), after=[last])
        grants = self._sources.apply(lambda v: grant_loader(table, loader, v[1]))
        usage, on_table, execute, copy_role = (grants.apply(_nth(i)) for i in range(4))
        # The schema and the COPY role are every loader's: their grants wait for the last table's.
        schema_grant = self._run(f"{prefix}-loader-usage", usage, after=[shared_grants, user])
        last = self._run(f"{prefix}-loader-grant", on_table, after=[user])
        last = self._run(f"{prefix}-loader-execute", execute, after=[last])
        copy_grant = self._run(f"{prefix}-loader-copy-role", copy_role, after=[schema_grant])
        for role in readers:
            last = self._run(f"{prefix}-reader-{role}", grant_select(table, role), after=[last])
        return copy_grant

    def _run(
        self, role: str, sql: pulumi.Input[str], *, after: list[aws.redshiftdata.Statement]
    ) -> aws.redshiftdata.Statement:
        """One statement, run as the admin user once every statement in `after` has run."""
        statement = aws.redshiftdata.Statement(
            f"{self._name}-{role}",
            database=self._database,
            workgroup_name=self._workgroup,
            cluster_identifier=self._cluster,
            secret_arn=self._secret,
            sql=sql,
            statement_name=f"{self._name}-{role}"[:500],
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(dict.fromkeys(after))),
        )
        self.statements.append(statement)
        return statement


def _nth(index: int) -> Callable[[Sequence[str]], str]:
    def pick(values: Sequence[str]) -> str:
        return values[index]

    return pick


def _checked_target(target: Mapping[str, str]) -> dict[str, str]:
    check_data_api_target(target)
    return dict(target)
