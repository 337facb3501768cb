"""The warehouse's database objects come from config: every pipeline's table, its load procedure,
the user its state machine's role signs in as and the grants it needs, run in order as the admin;
adding a column to a pipeline adds one ALTER TABLE and leaves every deployed statement alone."""

import copy
import itertools
import json
import re
from typing import Any

import pytest

from offline.capture import Capture, capture_stack
from offline.mocks import Registration
from tests.stacks import fixture_values

STATEMENT = "aws:redshiftdata/statement:Statement"


def _statements(capture: Capture) -> dict[str, Registration]:
    return {r.name: r for r in capture.resources if r.type == STATEMENT}


def test_dev_declares_each_pipelines_table_and_its_loader(
    fixture_captures: dict[str, Capture],
) -> None:
    statements = _statements(fixture_captures["dev"])
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
        r for r in fixture_captures["dev"].resources if r.name == "orders-orchestration-role"
    )
    assert role.inputs["name"] == "data-platform-dev-orders-orchestrator"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_statements_run_as_the_admin_after_the_schema(
    stack: str, fixture_captures: dict[str, Capture]
) -> None:
    capture = fixture_captures[stack]
    statements = _statements(capture)
    warehouse = {r.type.rsplit(":", 1)[-1]: r for r in capture.resources if "redshift" in r.type}
    target_key = "workgroupName" if stack == "dev" else "clusterIdentifier"
    before = _ordered_before(capture)
    schema = statements["warehouse-schema-schema"].urn
    for statement in statements.values():
        assert statement.urn == schema or schema in before[statement.urn], statement.name
        assert statement.inputs["database"] == "analytics"
        assert statement.inputs[target_key] == "data-platform-" + stack
        assert statement.inputs["secretArn"].startswith("arn:aws:secretsmanager:")
    assert warehouse  # the statements address this stack's own warehouse


def _with_column(stack: str, column: str, kind: str | None = None) -> dict[str, Any]:
    values = copy.deepcopy(fixture_values(stack))
    orders = values["data-platform:platform"]["pipelines"][0]
    orders.setdefault("optional_columns", []).append(column)
    if kind is not None:
        orders["column_types"][column] = kind
    return values


def test_adding_a_column_adds_one_alter_table_and_redeploys_only_the_procedure(
    fixture_captures: dict[str, Capture],
) -> None:
    before = _statements(fixture_captures["dev"])
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
    fixture_captures: dict[str, Capture],
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
    return list(fixture_values(stack)["data-platform:platform"]["pipelines"])


def _ordered_before(capture: Capture) -> dict[str, set[str]]:
    """Per statement, every statement that has finished before it starts (transitively)."""
    by_urn = {r.urn: r for r in _statements(capture).values()}
    before: dict[str, set[str]] = {}

    def walk(urn: str) -> set[str]:
        if urn not in before:
            direct = {d for d in by_urn[urn].dependencies if d in by_urn}
            before[urn] = direct.union(*(walk(d) for d in direct))
        return before[urn]

    for urn in by_urn:
        walk(urn)
    return before


_CHANGED = (
    (re.compile(r"^CREATE SCHEMA IF NOT EXISTS (\S+)"), "schema"),
    (re.compile(r"^GRANT .+? ON SCHEMA (\S+) TO "), "schema"),
    (re.compile(r"^CREATE TABLE IF NOT EXISTS (\S+)"), "table"),
    (re.compile(r"^ALTER TABLE (\S+)"), "table"),
    (re.compile(r"^GRANT [A-Z, ]+ ON (?!SCHEMA|PROCEDURE|')(\S+) TO "), "table"),
    (re.compile(r"^CREATE OR REPLACE PROCEDURE ([^(]+)\("), "procedure"),
    (re.compile(r"^GRANT EXECUTE ON PROCEDURE ([^(]+)\("), "procedure"),
    (re.compile(r"^GRANT ASSUMEROLE ON '([^']+)'"), "iam role"),
    (re.compile(r"^CREATE ROLE (\S+)"), "role"),
    (re.compile(r"^CREATE USER (\S+)"), "user"),
)


def _changed_object(sql: str) -> str:
    for pattern, kind in _CHANGED:
        match = pattern.match(sql)
        if match:
            return f"{kind} {match.group(1)}"
    raise AssertionError(f"no object recognised in {sql!r}")


def _many_pipelines(count: int) -> Capture:
    values = copy.deepcopy(fixture_values("dev"))
    orders = values["data-platform:platform"]["pipelines"][0]
    values["data-platform:platform"]["pipelines"] = [
        {
            **copy.deepcopy(orders),
            "name": f"orders-{i:02d}",
            "source_prefix": f"orders-{i:02d}/",
            "target_table": f"orders_{i:02d}",
        }
        for i in range(count)
    ]
    return capture_stack("dev", values=values)


@pytest.fixture(scope="module")
def twelve_pipelines() -> Capture:
    return _many_pipelines(12)


@pytest.mark.parametrize("stack", ["dev", "prod", "twelve pipelines"])
def test_statements_that_change_one_object_never_run_at_once(
    stack: str, fixture_captures: dict[str, Capture], request: pytest.FixtureRequest
) -> None:
    # Concurrent grants on one object fail in Redshift ("tuple concurrently updated"), as in
    # PostgreSQL: the loaders' grants on the shared schema and COPY role must take turns.
    capture = (
        request.getfixturevalue("twelve_pipelines")
        if stack == "twelve pipelines"
        else fixture_captures[stack]
    )
    before = _ordered_before(capture)
    by_object: dict[str, list[Registration]] = {}
    for statement in _statements(capture).values():
        by_object.setdefault(_changed_object(statement.inputs["sql"]), []).append(statement)
    assert any(len(group) > 2 for group in by_object.values())
    for changed, group in by_object.items():
        for a, b in itertools.combinations(group, 2):
            assert a.urn in before[b.urn] or b.urn in before[a.urn], (changed, a.name, b.name)


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


def test_the_longest_chain_of_statements_grows_by_two_a_pipeline(
    fixture_captures: dict[str, Capture], twelve_pipelines: Capture
) -> None:
    # One chain through every statement (twelve a pipeline) made the SDK's cycle check walk the
    # chain for each new statement and exceed Python's recursion limit at about a hundred
    # pipelines; only the grants on the shared schema and COPY role still take turns.
    shipped = len(_pipelines("dev"))
    assert len(_statements(twelve_pipelines)) > 12 * 10
    growth = _longest_chain(twelve_pipelines) - _longest_chain(fixture_captures["dev"])
    assert growth == 2 * (12 - shipped)
