"""The warehouse SQL: tables declared from typed columns, a load procedure whose key is a bound
parameter, and a load that keeps the latest row per key across runs, in any order, replayed or
not (run on DuckDB, with COPY replaced by inserting the run's rows)."""

import dataclasses
import datetime
import re
from collections.abc import Sequence
from typing import Any

import duckdb
import pglast
import pytest

from components.warehouse.sql import (
    TableSpec,
    add_column,
    call_load,
    create_iam_role_user,
    create_load_procedure,
    create_schema,
    create_table,
    grant_loader,
    load_statements,
)
from stack_config.pipelines import LINEAGE_COLUMN

ROLE = "arn:aws:iam::123456789012:role/data-platform/dp-dev-copy"
ORDERS = TableSpec(
    schema="curated",
    name="orders",
    columns=(
        ("order_id", "int"),
        ("customer_id", "int"),
        ("amount", "float"),
        ("updated_at", "timestamp"),
        ("note", "string"),
    ),
    key_columns=("order_id",),
    order_column="updated_at",
)
Row = tuple[Any, ...]


def _database(table: TableSpec = ORDERS) -> duckdb.DuckDBPyConnection:
    db = duckdb.connect()
    for statement in (
        create_schema(table.schema),
        create_table(table),
        *(add_column(table, c) for c in table.names),
    ):
        db.execute(statement)
    return db


def _load(
    db: duckdb.DuckDBPyConnection, rows: Sequence[Row], key: str, table: TableSpec = ORDERS
) -> None:
    """One run's load as the procedure runs it; COPY becomes an insert of the run's rows."""
    statements = load_statements(
        table, curated_bucket="dp-dev-curated", copy_role_arn=ROLE, manifest_key=key
    )
    db.execute("BEGIN")
    for statement in statements:
        if statement.startswith("LOCK"):
            continue
        if statement.startswith("COPY"):
            db.executemany("INSERT INTO orders_stage VALUES (?, ?, ?, ?, ?)", rows)
            continue
        db.execute(statement)
    db.execute("COMMIT")


def _table(db: duckdb.DuckDBPyConnection) -> list[Row]:
    return db.execute(
        "SELECT order_id, amount, strftime(updated_at, '%d'), _source_manifest"
        " FROM curated.orders ORDER BY order_id"
    ).fetchall()


def test_release_canaries_are_loaded_but_never_kept() -> None:
    # The release's Verify dates its canary rows on a reserved day in the partition source column.
    verified = dataclasses.replace(ORDERS, canary_day=("updated_at", datetime.date(1970, 1, 2)))
    db = _database(verified)
    rows = [(-1, 0, 1.0, "1970-01-02 10:00:00", "canary"), (1, 10, 5.0, "2024-05-01", "real")]
    _load(db, rows, "m/jr_1.json", verified)
    assert _table(db) == [(1, 5.0, "01", "m/jr_1.json")]


def test_a_canary_day_must_be_a_column_of_the_table() -> None:
    with pytest.raises(ValueError, match="bad key/order/lineage columns \\['created_at'\\]"):
        dataclasses.replace(ORDERS, canary_day=("created_at", datetime.date(1970, 1, 2)))


def test_a_later_run_replaces_a_key_and_keeps_the_others() -> None:
    db = _database()
    _load(db, [(1, 10, 5.0, "2024-05-01", "a"), (2, 20, 7.0, "2024-05-01", "b")], "m/jr_1.json")
    _load(db, [(1, 10, 6.0, "2024-05-02", "a2")], "m/jr_2.json")
    assert _table(db) == [(1, 6.0, "02", "m/jr_2.json"), (2, 7.0, "01", "m/jr_1.json")]


def test_within_a_run_the_latest_row_per_key_wins() -> None:
    db = _database()
    rows = [(1, 10, 5.0, "2024-05-01", "a"), (1, 10, 9.0, "2024-05-03", "c")]
    _load(db, [*rows, (1, 10, 6.0, "2024-05-02", "b")], "m/jr_1.json")
    assert _table(db) == [(1, 9.0, "03", "m/jr_1.json")]


def test_an_older_version_arriving_late_never_replaces_a_newer_one() -> None:
    db = _database()
    _load(db, [(1, 10, 9.0, "2024-05-03", "new")], "m/jr_2.json")
    _load(db, [(1, 10, 5.0, "2024-05-01", "old")], "m/jr_1.json")
    assert _table(db) == [(1, 9.0, "03", "m/jr_2.json")]


def test_loading_the_same_manifest_again_changes_nothing() -> None:
    db = _database()
    run = [(1, 10, 5.0, "2024-05-01", "a"), (2, 20, 7.0, "2024-05-01", "b")]
    _load(db, run, "m/jr_1.json")
    before = _table(db)
    _load(db, run, "m/jr_1.json")
    assert _table(db) == before
    assert db.execute("SELECT count(*) FROM curated.orders").fetchone() == (2,)


def test_ties_on_the_order_column_resolve_the_same_way_in_any_arrival_order() -> None:
    tied = [(1, 10, 5.0, "2024-05-01", "x"), (1, 10, 8.0, "2024-05-01", "y")]
    first, second = _database(), _database()
    _load(first, tied, "m/jr_1.json")
    _load(second, tied[::-1], "m/jr_1.json")
    assert _table(first) == _table(second) == [(1, 8.0, "01", "m/jr_1.json")]


def test_a_table_starts_with_its_lineage_column_and_gains_typed_columns() -> None:
    assert create_table(ORDERS) == (
        f"CREATE TABLE IF NOT EXISTS curated.orders ({LINEAGE_COLUMN} VARCHAR(1024))"
    )
    assert [add_column(ORDERS, c).split(" ADD COLUMN ")[1] for c in ORDERS.names] == [
        "order_id BIGINT",
        "customer_id BIGINT",
        "amount DOUBLE PRECISION",
        "updated_at TIMESTAMP",
        "note VARCHAR(65535)",
    ]


def test_the_load_procedure_is_valid_plpgsql_and_runs_the_rendered_statements() -> None:
    procedure = create_load_procedure(ORDERS, curated_bucket="dp-dev-curated", copy_role_arn=ROLE)
    (function,) = pglast.parse_plpgsql(procedure)
    body = function["PLpgSQL_function"]["action"]["PLpgSQL_stmt_block"]["body"]
    assert next(iter(body.pop())) == "PLpgSQL_stmt_return"  # the parser's implicit RETURN
    kinds = [next(iter(statement)) for statement in body]
    assert (
        kinds
        == ["PLpgSQL_stmt_execsql"] * 2 + ["PLpgSQL_stmt_dynexecute"] + ["PLpgSQL_stmt_execsql"] * 5
    )
    copy = body[2]["PLpgSQL_stmt_dynexecute"]["query"]["PLpgSQL_expr"]["query"]
    # The key reaches the COPY only through quote_literal: it can never change the statement.
    assert "quote_literal('s3://dp-dev-curated/' || _manifest)" in copy
    rendered = load_statements(
        ORDERS, curated_bucket="dp-dev-curated", copy_role_arn=ROLE, manifest_key="k.json"
    )
    static = [s for i, s in enumerate(rendered) if i != 2]
    in_procedure = [
        re.sub(
            r"(?<!\w)_manifest\b",
            "'k.json'",
            next(iter(s.values()))["sqlstmt"]["PLpgSQL_expr"]["query"],
        )
        for i, s in enumerate(body)
        if i != 2
    ]
    assert in_procedure == static
    assert call_load(ORDERS) == "CALL curated.load_orders(:manifest)"


def test_the_loader_may_load_and_nothing_more() -> None:
    assert create_iam_role_user("dp-dev-orders-orchestrator") == (
        'CREATE USER "IAMR:dp-dev-orders-orchestrator" PASSWORD DISABLE'
    )
    user = '"IAMR:dp-dev-orders-orchestrator"'
    assert grant_loader(ORDERS, "dp-dev-orders-orchestrator", ROLE) == (
        f"GRANT USAGE ON SCHEMA curated TO {user}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON curated.orders TO {user}",
        f"GRANT EXECUTE ON PROCEDURE curated.load_orders(VARCHAR) TO {user}",
        f"GRANT ASSUMEROLE ON '{ROLE}' TO {user} FOR COPY",
    )


@pytest.mark.parametrize(
    ("build", "field"),
    [
        pytest.param(lambda: create_schema("curated; DROP TABLE x"), "schema", id="schema"),
        pytest.param(
            lambda: TableSpec("s", "t", (("a b", "int"),), ("a b",), "a b"), "column", id="column"
        ),
        pytest.param(lambda: create_iam_role_user('x" SUPERUSER'), "role name", id="role-name"),
        pytest.param(
            lambda: create_load_procedure(ORDERS, curated_bucket="b'x", copy_role_arn=ROLE),
            "curated bucket",
            id="bucket",
        ),
        pytest.param(
            lambda: grant_loader(ORDERS, "r", "arn:aws:iam::1:role/x' --"),
            "copy role",
            id="copy-role",
        ),
        pytest.param(
            lambda: load_statements(
                ORDERS, curated_bucket="b-c", copy_role_arn=ROLE, manifest_key="k'; --"
            ),
            "manifest key",
            id="manifest-key",
        ),
    ],
)
def test_nothing_can_break_out_of_a_statement(build: Any, field: str) -> None:
    with pytest.raises(ValueError, match=f"{field} .* is not allowed in SQL"):
        build()
