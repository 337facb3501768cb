"""The warehouse's database objects come from config: every pipeline's table, its load procedure,
the user its state machine's role signs in as and the grants it needs, run in order as the admin;
adding a column to a pipeline adds one ALTER TABLE and leaves every deployed statement alone."""

import copy
import itertools
import json
from typing import Any

import pytest

from offline.capture import Capture, capture_stack, read_stack_values
from offline.mocks import Registration

STATEMENT = "aws:redshiftdata/statement:Statement"


def _statements(capture: Capture) -> dict[str, Registration]:
    return {r.name: r for r in capture.resources if r.type == STATEMENT}


def test_dev_declares_each_pipelines_table_and_its_loader(
    shipped_captures: dict[str, Capture],
) -> None:
    statements = _statements(shipped_captures["dev"])
    sql = {
        name.removeprefix("warehouse-schema-"): r.inputs["sql"] for name, r in statements.items()
    }
    assert sql["schema"] == "CREATE SCHEMA IF NOT EXISTS curated"
    assert sql["role-analysts"] == "CREATE ROLE analysts"
    assert sql["orders-table"] == (
        "CREATE TABLE IF NOT EXISTS curated.orders (_source_manifest VARCHAR(1024))"
    )
    assert [sql[f"orders-column-{c}"] for c in ("order_id", "updated_at")] == [
        "ALTER TABLE curated.orders ADD COLUMN order_id BIGINT",
        "ALTER TABLE curated.orders ADD COLUMN updated_at TIMESTAMP",
    ]
    assert sql["orders-load-procedure"].startswith(
        "CREATE OR REPLACE PROCEDURE curated.load_orders(_manifest VARCHAR(1024))"
    )
    # The state machine's role has a fixed name, so this user and its grants survive it.
    user = '"IAMR:data-platform-dev-orders-orchestrator"'
    assert sql["orders-loader"] == f"CREATE USER {user} PASSWORD DISABLE"
    assert sql["orders-loader-execute"] == (
        f"GRANT EXECUTE ON PROCEDURE curated.load_orders(VARCHAR) TO {user}"
    )
    assert sql["orders-reader-analysts"] == "GRANT SELECT ON curated.orders TO ROLE analysts"
    role = next(
        r for r in shipped_captures["dev"].resources if r.name == "orders-orchestration-role"
    )
    assert role.inputs["name"] == "data-platform-dev-orders-orchestrator"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_statements_run_in_order_as_the_admin(
    stack: str, shipped_captures: dict[str, Capture]
) -> None:
    capture = shipped_captures[stack]
    ordered = [r for r in capture.resources if r.type == STATEMENT]
    warehouse = {r.type.rsplit(":", 1)[-1]: r for r in capture.resources if "redshift" in r.type}
    target_key = "workgroupName" if stack == "dev" else "clusterIdentifier"
    tables = [p["target_table"] for p in _pipelines(stack)]
    shared = [
        r for r in ordered if not r.name.startswith(tuple(f"warehouse-schema-{t}-" for t in tables))
    ]
    assert [r.name for r in shared][:1] == ["warehouse-schema-schema"]
    chains = [shared] + [
        shared[-1:] + [r for r in ordered if r.name.startswith(f"warehouse-schema-{t}-")]
        for t in tables
    ]
    urns = {r.urn for r in ordered}
    for chain in chains:
        for previous, statement in itertools.pairwise(chain):
            assert [d for d in statement.dependencies if d in urns] == [previous.urn], (
                statement.name
            )
    assert sum(len(c) for c in chains) == len(ordered) + len(tables)
    for statement in ordered:
        assert statement.inputs["database"] == "analytics"
        assert statement.inputs[target_key] == "data-platform-" + stack
        assert statement.inputs["secretArn"].startswith("arn:aws:secretsmanager:")
    assert warehouse  # the statements address this stack's own warehouse


def _with_column(stack: str, column: str, kind: str | None = None) -> dict[str, Any]:
    values = copy.deepcopy(read_stack_values(stack))
    orders = values["data-platform:platform"]["pipelines"][0]
    orders.setdefault("optional_columns", []).append(column)
    if kind is not None:
        orders["column_types"][column] = kind
    return values


def test_adding_a_column_adds_one_alter_table_and_redeploys_only_the_procedure(
    shipped_captures: dict[str, Capture],
) -> None:
    before = _statements(shipped_captures["dev"])
    after = _statements(capture_stack("dev", values=_with_column("dev", "status")))
    assert (
        sorted(after.keys() - before.keys())
        == [
            "warehouse-schema-orders-column-status",
            "warehouse-schema-orders-reader-analysts",
        ][:1]
    )
    added = after["warehouse-schema-orders-column-status"]
    assert added.inputs["sql"] == "ALTER TABLE curated.orders ADD COLUMN status VARCHAR(65535)"
    changed = {n for n in before if before[n].inputs["sql"] != after[n].inputs["sql"]}
    assert changed == {"warehouse-schema-orders-load-procedure"}  # CREATE OR REPLACE
    assert "status VARCHAR(65535)" in after["warehouse-schema-orders-load-procedure"].inputs["sql"]


def test_the_glue_job_writes_exactly_the_columns_the_table_loads(
    shipped_captures: dict[str, Capture],
) -> None:
    values = _with_column("dev", "discount", "float")
    capture = capture_stack("dev", values=values)
    job = next(r for r in capture.resources if r.name == "orders-etl-job")
    arguments = job.inputs["defaultArguments"]
    assert arguments["--required_columns"] == "order_id,customer_id,amount,updated_at"
    assert arguments["--optional_columns"] == "discount"
    assert "discount:float" in arguments["--column_types"]
    procedure = _statements(capture)["warehouse-schema-orders-load-procedure"].inputs["sql"]
    assert (
        "CREATE TEMP TABLE orders_stage (order_id BIGINT, customer_id BIGINT,"
        " amount DOUBLE PRECISION, updated_at TIMESTAMP, discount DOUBLE PRECISION)"
    ) in procedure
    machine = next(r for r in capture.resources if r.name == "orders-orchestration-state-machine")
    definition = json.loads(machine.inputs["definition"])
    load = definition["States"]["LoadPendingManifests"]["ItemProcessor"]["States"]
    assert load["LoadWarehouse"]["Parameters"]["Sql"] == "CALL curated.load_orders(:manifest)"


def _pipelines(stack: str) -> list[dict[str, Any]]:
    return list(read_stack_values(stack)["data-platform:platform"]["pipelines"])


def _longest_chain(capture: Capture) -> int:
    statements = _statements(capture)
    by_urn = {r.urn: r for r in statements.values()}
    depth: dict[str, int] = {}

    def chain(urn: str) -> int:
        if urn not in depth:
            before = [d for d in by_urn[urn].dependencies if d in by_urn]
            depth[urn] = 1 + max((chain(d) for d in before), default=0)
        return depth[urn]

    return max(chain(urn) for urn in by_urn)


def test_the_longest_chain_of_statements_does_not_grow_with_the_pipelines(
    shipped_captures: dict[str, Capture],
) -> None:
    # One chain through every statement made the SDK's cycle check walk the chain for each new
    # statement and exceed Python's recursion limit at about a hundred pipelines.
    values = copy.deepcopy(read_stack_values("dev"))
    orders = values["data-platform:platform"]["pipelines"][0]
    values["data-platform:platform"]["pipelines"] = [
        {
            **copy.deepcopy(orders),
            "name": f"orders-{i:02d}",
            "source_prefix": f"orders-{i:02d}/",
            "target_table": f"orders_{i:02d}",
        }
        for i in range(12)
    ]
    many = capture_stack("dev", values=values)
    assert len(_statements(many)) > 12 * 10
    assert _longest_chain(many) == _longest_chain(shipped_captures["dev"])
