"""Drills on the local warehouse: the program's warehouse resources deployed, refreshed and
previewed in the engine's order, through the Data API's documented lifecycle. Each drill is a
day-two operation that failed with create-only Data API statements."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from components.warehouse.sql import iam_role_user
from offline.capture import Capture, capture_stack, read_config_file
from pipeline_run.emulation import DEPLOY_IDENTITY
from tests.pipeline_run.warehouse_world import (
    DRIFT_IDENTITY,
    Values,
    captured,
    registrations,
    world,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "warehouse"
STACK = "dev"


@pytest.fixture(scope="module")
def dev() -> Capture:
    return captured(STACK)


def _first_table(capture: Capture) -> tuple[str, str, str]:
    """(schema, table, loader user) of the stack's first pipeline."""
    pipeline = capture.config.platform.pipelines[0]
    assert capture.config.platform.warehouse is not None
    role = f"{capture.config.platform.warehouse.load_schema}"
    loader = next(r for r in capture.resources if r.name == f"{pipeline.name}-orchestration-role")
    return role, pipeline.target_table, iam_role_user(str(loader.inputs["name"]))


def test_deploying_twice_changes_nothing(dev: Capture, tmp_path: Path) -> None:
    with world(dev, tmp_path) as w:
        first = w.deploy(dev)
        # The next release, a day later, after the deploy's own refresh.
        w.api.clock.advance(timedelta(hours=25))
        w.engine.refresh(DEPLOY_IDENTITY)
        again = w.changes_sql(lambda: w.deploy(dev))
        preview = w.engine.preview(dev.resources, DEPLOY_IDENTITY)
    assert first and all(step.startswith("create ") for step in first)
    assert again == [] and preview == []


def test_a_refresh_after_the_statements_expired_shows_no_change(
    dev: Capture, tmp_path: Path
) -> None:
    with world(dev, tmp_path) as w:
        w.deploy(dev)
        w.api.clock.advance(timedelta(hours=25))
        ran = w.changes_sql(lambda: w.engine.refresh(DRIFT_IDENTITY))
        refreshed = w.engine.refresh(DRIFT_IDENTITY)
        preview = w.engine.preview(dev.resources, DRIFT_IDENTITY)
        by_deployer = w.engine.refresh(DEPLOY_IDENTITY)
        state = w.engine.serialized()
    assert ran == [] and refreshed == [] and preview == [] and by_deployer == []
    assert "SecretString" not in state and "aws_secret_access_key" not in state.lower()


def test_the_drift_identity_reads_the_catalog_and_nothing_else(
    dev: Capture, tmp_path: Path
) -> None:
    schema, table, _ = _first_table(dev)
    with world(dev, tmp_path) as w:
        w.deploy(dev)
        w.engine.refresh(DRIFT_IDENTITY)
        drift_user = next(
            s.db_user for s in w.api.statements.values() if s.db_user != "platform_admin"
        )
        with pytest.raises(Exception, match="permission denied"):
            w.warehouse.run([f'SELECT * FROM "{schema}"."{table}"'], user=drift_user)
        with pytest.raises(Exception, match="permission denied"):
            w.warehouse.run([f'CREATE TABLE "{schema}"."x" ("a" BIGINT)'], user=drift_user)
    assert drift_user.startswith("IAMR:") and "drift" in drift_user


def _with_column(platform: Values) -> None:
    pipeline = platform["pipelines"][0]
    pipeline.setdefault("optional_columns", []).append("drill_note")


def test_a_rollback_then_re_release_of_an_added_column(dev: Capture, tmp_path: Path) -> None:
    added = captured(STACK, _with_column)
    schema, table, _ = _first_table(dev)
    with world(dev, tmp_path) as w:
        w.deploy(added)
        w.deploy(dev)  # the rollback: the column stays
        w.deploy(added)  # the commit released again
        columns = [
            r[0]
            for r in w.query(
                "SELECT column_name FROM svv_all_columns WHERE schema_name = "
                f"'{schema}' AND table_name = '{table}'"
            )
        ]
        preview = w.engine.preview(added.resources, DEPLOY_IDENTITY)
    assert columns.count("drill_note") == 1 and preview == []


def _second_reader(platform: Values) -> None:
    platform["warehouse"]["reader_roles"] = [*platform["warehouse"]["reader_roles"], "auditors"]


def test_a_removed_reader_role_is_revoked_and_dropped(dev: Capture, tmp_path: Path) -> None:
    with world(dev, tmp_path) as w:
        w.deploy(captured(STACK, _second_reader))
        granted = w.query(
            "SELECT count(*) FROM svv_relation_privileges WHERE identity_name = 'auditors'"
        )
        w.deploy(dev)
        roles = [r[0] for r in w.query("SELECT role_name FROM svv_roles")]
        left = w.query(
            "SELECT count(*) FROM svv_relation_privileges WHERE identity_name = 'auditors'"
        ) + w.query("SELECT count(*) FROM svv_schema_privileges WHERE identity_name = 'auditors'")
    assert granted[0][0] >= 1
    assert "auditors" not in roles and left == [(0,), (0,)]


def _without_first_pipeline(platform: Values) -> None:
    platform["pipelines"] = platform["pipelines"][1:]


def test_a_pipeline_removed_then_added_back_keeps_its_rows(dev: Capture, tmp_path: Path) -> None:
    schema, table, loader = _first_table(dev)
    target = f'"{schema}"."{table}"'
    with world(dev, tmp_path) as w:
        w.deploy(dev)
        w.query(f"INSERT INTO {target} (\"_source_manifest\") VALUES ('m/one.json')")
        w.deploy(captured(STACK, _without_first_pipeline))
        kept = w.query(f"SELECT count(*) FROM {target}")
        users = [r[0] for r in w.query("SELECT usename FROM pg_user")]
        grants = w.query(
            f"SELECT count(*) FROM svv_relation_privileges WHERE relation_name = '{table}'"
        )
        w.deploy(dev)
        after = w.query(f"SELECT count(*) FROM {target}")
        granted = w.query(
            "SELECT privilege_type FROM svv_relation_privileges WHERE relation_name ="
            f" '{table}' AND identity_name = '{loader}' ORDER BY 1"
        )
    assert kept == [(1,)] and loader not in users and grants == [(0,)]
    assert after == [(1,)] and [r[0] for r in granted] == ["DELETE", "INSERT", "SELECT", "UPDATE"]


def test_the_loader_user_redshift_already_created_is_adopted(dev: Capture, tmp_path: Path) -> None:
    # A file landing during the first deploy signs the loader in: Redshift creates its user.
    _, table, loader = _first_table(dev)
    with world(dev, tmp_path) as w:
        w.warehouse.connect_iam(loader)
        w.deploy(dev)
        granted = w.query(
            "SELECT count(*) FROM svv_relation_privileges WHERE identity_name ="
            f" '{loader}' AND relation_name = '{table}'"
        )
    assert granted == [(4,)]


def test_stacks_deployed_with_statements_upgrade_in_place(tmp_path: Path) -> None:
    """Today's Statements (captured from the program before this change, on the fixture
    config) ran; the new resources adopt every object, nothing is dropped, and the Statements
    leave the state without running anything (their delete is a no-op)."""
    values = read_config_file(FIXTURES / "Pulumi.upgrade.yaml")
    new = capture_stack(STACK, values=values)
    old = registrations(FIXTURES / "statements-before-upgrade.json")
    with world(new, tmp_path) as w:
        w.engine.up(old, DEPLOY_IDENTITY)
        w.query('INSERT INTO "curated"."orders" ("_source_manifest") VALUES (\'m/old.json\')')
        ran = w.changes_sql(lambda: w.deploy(new))
        rows = w.query('SELECT count(*) FROM "curated"."orders"')
        left = [e for e in w.engine.state.values() if "redshiftdata" in e.type]
        preview = w.engine.preview(new.resources, DEPLOY_IDENTITY)
    assert rows == [(1,)] and left == [] and preview == []
    dropped = [s for s in ran if s.upper().startswith(("DROP TABLE", "DROP SCHEMA", "DROP USER"))]
    assert dropped == []
    # The one replacement: the load procedure gains its counts (OUT arguments).
    assert sorted(s.split("(")[0] for s in ran if s.startswith("DROP")) == [
        'DROP PROCEDURE IF EXISTS "curated"."load_orders"',
        'DROP PROCEDURE IF EXISTS "curated"."load_page_views"',
    ]


def _retyped(platform: Values) -> None:
    pipeline = platform["pipelines"][0]
    column = next(c for c, t in pipeline["column_types"].items() if t == "float")
    pipeline["column_types"][column] = "string"
    # A range needs a number: a retype to string takes the column's ranges with it.
    expectations = pipeline.get("expectations") or {}
    expectations["rows"] = [
        rule
        for rule in expectations.get("rows", [])
        if not (rule["kind"] == "range" and rule["column"] == column)
    ]
    platform["warehouse"]["migrations"] = [
        {
            "version": 1,
            "kind": "retype",
            "table": pipeline["target_table"],
            "column": column,
            "to": "string",
        }
    ]


def _float_column(capture: Capture) -> str:
    pipeline = capture.config.platform.pipelines[0]
    return next(c for c, t in pipeline.curated_columns if t == "float")


def test_a_retype_through_a_declared_migration_keeps_every_row(
    dev: Capture, tmp_path: Path
) -> None:
    schema, table, _ = _first_table(dev)
    column, target = _float_column(dev), f'"{schema}"."{table}"'
    with world(dev, tmp_path) as w:
        w.deploy(dev)
        w.query(f'INSERT INTO {target} ("_source_manifest", "{column}") VALUES (\'m/1.json\', 2.5)')
        w.query(
            f'INSERT INTO {target} ("_source_manifest", "{column}") VALUES (\'m/2.json\', NULL)'
        )
        w.deploy(captured(STACK, _retyped))
        rows = sorted(w.query(f'SELECT "_source_manifest", "{column}" FROM {target}'), key=str)
        kind = w.query(
            "SELECT data_type FROM svv_all_columns WHERE table_name ="
            f" '{table}' AND column_name = '{column}'"
        )
        ledger = w.query(f'SELECT "version", "table_name" FROM "{schema}"."_schema_migrations"')
    assert rows == [("m/1.json", "2.5"), ("m/2.json", None)]
    assert kind == [("character varying",)] and ledger == [(1, table)]


def test_a_retype_without_a_migration_fails_the_preview(dev: Capture, tmp_path: Path) -> None:
    def undeclared(platform: Values) -> None:
        _retyped(platform)
        platform["warehouse"]["migrations"] = []

    with world(dev, tmp_path) as w:
        w.deploy(dev)
        with pytest.raises(Exception, match="no declared migration"):
            w.engine.preview(captured(STACK, undeclared).resources, DEPLOY_IDENTITY)
