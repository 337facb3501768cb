"""The warehouse SQL: a load procedure whose key is a bound parameter, that keeps the latest row
per key across runs, in any order, replayed or not, counts what it did, and quotes every name
(run on the local warehouse, the COPY reading Parquet files the test writes)."""

from __future__ import annotations

import dataclasses
import datetime
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pglast
import pytest

from components.warehouse.sql import (
    AUDIT_TABLE,
    LOAD_COUNTS,
    TableSpec,
    audit_table_ddl,
    call_load,
    create_load_procedure,
    iam_role_user,
    ident,
    qualified,
)
from pipeline_run.local_warehouse import LocalWarehouse

BUCKET = "dp-dev-curated"
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


class _Objects:
    """S3's get_object over a dict, as the local warehouse's COPY reads it."""

    class exceptions:  # noqa: N801 - boto3's attribute name
        class NoSuchKey(Exception):  # noqa: N818 - boto3's exception name
            pass

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803
        if f"{Bucket}/{Key}" not in self.objects:
            raise self.exceptions.NoSuchKey(Key)
        return {"Body": io.BytesIO(self.objects[f"{Bucket}/{Key}"])}


def _warehouse(tmp_path: Path, table: TableSpec = ORDERS) -> tuple[LocalWarehouse, _Objects]:
    s3 = _Objects()
    tmp_path.mkdir(parents=True, exist_ok=True)
    warehouse = LocalWarehouse(s3, tmp_path)
    typed = ", ".join(f"{ident(n)} {t}" for n, t in table.redshift_columns)
    warehouse.run(
        [
            f"CREATE SCHEMA IF NOT EXISTS {ident(table.schema)}",
            f"CREATE TABLE {table.qualified} ({typed})",
            audit_table_ddl(table.schema),
            create_load_procedure(table, curated_bucket=BUCKET),
        ],
        user=warehouse.admin,
    )
    return warehouse, s3


def _load(
    warehouse: LocalWarehouse,
    s3: _Objects,
    rows: Sequence[Row],
    key: str,
    table: TableSpec = ORDERS,
) -> tuple[Any, ...]:
    """One run's files (Parquet of `rows`) and its manifest, then the CALL; its counts."""
    path = Path(warehouse.workdir) / f"{key.replace('/', '_')}.parquet"
    db = duckdb.connect()
    columns = ", ".join(
        f"CAST(col{i} AS {_duck(kind)}) AS {ident(name)}"
        for i, (name, kind) in enumerate(table.columns)
    )
    values = ", ".join(
        "(" + ", ".join("NULL" if v is None else repr(v) for v in row) + ")" for row in rows
    )
    names = ", ".join(f"col{i}" for i in range(len(table.columns)))
    db.execute(f"COPY (SELECT {columns} FROM (VALUES {values}) AS v({names})) TO '{path}'")
    body = path.read_bytes()
    s3.objects[f"{BUCKET}/data/{key}.parquet"] = body
    manifest = {
        "entries": [
            {"url": f"s3://{BUCKET}/data/{key}.parquet", "meta": {"content_length": len(body)}}
        ]
    }
    s3.objects[f"{BUCKET}/{key}"] = json.dumps(manifest).encode()
    result = warehouse.call(call_load(table), [{"name": "manifest", "value": key}], warehouse.admin)
    assert result.columns == LOAD_COUNTS
    (counts,) = result.rows
    return counts


def _duck(kind: str) -> str:
    return {"int": "BIGINT", "float": "DOUBLE", "timestamp": "TIMESTAMP", "string": "VARCHAR"}.get(
        kind, kind.upper()
    )


def _table(warehouse: LocalWarehouse, table: TableSpec = ORDERS) -> list[Row]:
    return warehouse.rows(
        f'(SELECT "order_id", "amount", strftime("updated_at", \'%d\'), "_source_manifest"'
        f" FROM {table.qualified} ORDER BY 1)"
    )


def test_a_later_run_replaces_a_key_and_keeps_the_others(tmp_path: Path) -> None:
    w, s3 = _warehouse(tmp_path)
    _load(w, s3, [(1, 10, 5.0, "2024-05-01", "a"), (2, 20, 7.0, "2024-05-01", "b")], "m/jr_1.json")
    counts = _load(w, s3, [(1, 10, 6.0, "2024-05-02", "a2")], "m/jr_2.json")
    assert _table(w) == [(1, 6.0, "02", "m/jr_2.json"), (2, 7.0, "01", "m/jr_1.json")]
    assert counts == (1, 0, 1, 0)


def test_within_a_run_the_latest_row_per_key_wins(tmp_path: Path) -> None:
    w, s3 = _warehouse(tmp_path)
    rows = [(1, 10, 5.0, "2024-05-01", "a"), (1, 10, 9.0, "2024-05-03", "c")]
    counts = _load(w, s3, [*rows, (1, 10, 6.0, "2024-05-02", "b")], "m/jr_1.json")
    assert _table(w) == [(1, 9.0, "03", "m/jr_1.json")]
    assert counts == (1, 1, 0, 0)


def test_an_older_version_arriving_late_never_replaces_a_newer_one(tmp_path: Path) -> None:
    w, s3 = _warehouse(tmp_path)
    _load(w, s3, [(1, 10, 9.0, "2024-05-03", "new")], "m/jr_2.json")
    counts = _load(
        w, s3, [(1, 10, 5.0, "2024-05-01", "old"), (3, 1, 1.0, "2024-05-01", "x")], "m/jr_1.json"
    )
    assert _table(w) == [(1, 9.0, "03", "m/jr_2.json"), (3, 1.0, "01", "m/jr_1.json")]
    assert counts == (2, 1, 0, 1)


def test_every_load_is_counted_in_the_audit_table(tmp_path: Path) -> None:
    w, s3 = _warehouse(tmp_path)
    first = _load(
        w, s3, [(1, 10, 5.0, "2024-05-01", "a"), (2, 20, 7.0, "2024-05-01", "b")], "m/1.json"
    )
    again = _load(
        w, s3, [(1, 10, 5.0, "2024-05-01", "a"), (2, 20, 7.0, "2024-05-01", "b")], "m/1.json"
    )
    audit = w.rows(
        f'(SELECT "manifest", "table_name", {", ".join(LOAD_COUNTS)}'
        f' FROM {qualified("curated", AUDIT_TABLE)} ORDER BY "loaded_at")'
    )
    assert audit == [("m/1.json", "orders", *first), ("m/1.json", "orders", *again)]
    for staged, inserted, replaced, ignored_older in (first, again):
        assert staged == inserted + replaced + ignored_older
    assert first == (2, 2, 0, 0) and again == (2, 0, 2, 0)  # loading twice changes nothing


def test_release_canaries_are_loaded_but_never_kept(tmp_path: Path) -> None:
    verified = dataclasses.replace(ORDERS, canary_day=("updated_at", datetime.date(1970, 1, 2)))
    w, s3 = _warehouse(tmp_path, verified)
    rows = [(-1, 0, 1.0, "1970-01-02 10:00:00", "canary"), (1, 10, 5.0, "2024-05-01", "real")]
    counts = _load(w, s3, rows, "m/jr_1.json", verified)
    assert _table(w, verified) == [(1, 5.0, "01", "m/jr_1.json")]
    assert counts == (1, 1, 0, 0)


def test_ties_on_the_order_column_resolve_the_same_way_in_any_arrival_order(
    tmp_path: Path,
) -> None:
    tied = [(1, 10, 5.0, "2024-05-01", "x"), (1, 10, 8.0, "2024-05-01", "y")]
    first, s1 = _warehouse(tmp_path / "a")
    second, s2 = _warehouse(tmp_path / "b")
    _load(first, s1, tied, "m/jr_1.json")
    _load(second, s2, tied[::-1], "m/jr_1.json")
    assert _table(first) == _table(second) == [(1, 8.0, "01", "m/jr_1.json")]


def test_keywords_are_names_a_column_called_order_loads(tmp_path: Path) -> None:
    keyword = TableSpec(
        schema="table",
        name="user",
        columns=(("order", "int"), ("select", "timestamp"), ("from", "string")),
        key_columns=("order",),
        order_column="select",
    )
    w, s3 = _warehouse(tmp_path, keyword)
    counts = _load(w, s3, [(1, "2024-05-01", "x")], "m/k.json", keyword)
    assert w.rows('"table"."user"') == [("m/k.json", 1, datetime.datetime(2024, 5, 1), "x")]
    assert counts == (1, 1, 0, 0)


def test_the_load_procedure_is_plpgsql_copying_with_the_default_role() -> None:
    procedure = create_load_procedure(ORDERS, curated_bucket=BUCKET)
    (function,) = pglast.parse_plpgsql(procedure)
    body = function["PLpgSQL_function"]["action"]["PLpgSQL_stmt_block"]["body"]
    (copy,) = [s for s in body if "PLpgSQL_stmt_dynexecute" in s]
    text = copy["PLpgSQL_stmt_dynexecute"]["query"]["PLpgSQL_expr"]["query"]
    # The key reaches the COPY only through quote_literal: it can never change the statement.
    assert f"quote_literal('s3://{BUCKET}/' || _manifest)" in text
    assert "IAM_ROLE default" in text and "arn:" not in procedure
    assert call_load(ORDERS) == 'CALL "curated"."load_orders"(:manifest)'
    assert iam_role_user("dp-dev-orders-orchestrator") == "IAMR:dp-dev-orders-orchestrator"


@pytest.mark.parametrize(
    ("build", "field"),
    [
        pytest.param(lambda: ident("curated; DROP TABLE x", "schema"), "schema", id="schema"),
        pytest.param(
            lambda: TableSpec("s", "t", (("a b", "int"),), ("a b",), "a b"), "column", id="column"
        ),
        pytest.param(lambda: iam_role_user('x" SUPERUSER'), "role name", id="role-name"),
        pytest.param(
            lambda: create_load_procedure(ORDERS, curated_bucket="b'x"),
            "curated bucket",
            id="bucket",
        ),
    ],
)
def test_nothing_can_break_out_of_a_statement(build: Any, field: str) -> None:
    with pytest.raises(ValueError, match=f"{field} .* is not allowed in SQL"):
        build()


def test_a_system_column_name_is_refused() -> None:
    with pytest.raises(ValueError, match="'xmin' is a Redshift system column"):
        TableSpec("s", "t", (("xmin", "int"),), ("xmin",), "xmin")
