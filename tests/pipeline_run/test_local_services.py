"""The emulation's own parts: what the deployment reads from the capture, and the checks the
local warehouse makes where Redshift would refuse a statement."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from offline.capture import Capture
from pipeline_run.deployment import DeploymentError, deployments
from pipeline_run.local_warehouse import LocalWarehouse, StatementFailedError, _check_columns
from tests.stacks import fixture_stacks


@pytest.mark.parametrize("stack", fixture_stacks())
def test_every_pipeline_is_read_from_the_capture(
    fixture_captures: dict[str, Capture], stack: str
) -> None:
    capture = fixture_captures[stack]
    found = deployments(capture)
    buckets = {r.outputs["bucket"] for r in capture.resources if r.type == "aws:s3/bucket:Bucket"}
    assert list(found) == [p.name for p in capture.config.platform.pipelines]
    for name, pipeline in found.items():
        assert {pipeline.raw_bucket, pipeline.curated_bucket} <= buckets
        table = pipeline.settings.target_table
        assert pipeline.load_sql == f'CALL "curated"."load_{table}"(:manifest)'
        assert (pipeline.function_environment is None) == pipeline.scheduled, name
        assert (pipeline.schedule_rule_arn is None) != pipeline.scheduled, name


def test_a_capture_without_a_pipelines_job_names_what_is_missing(
    fixture_captures: dict[str, Capture],
) -> None:
    capture = fixture_captures["dev"]
    without_job = dataclasses.replace(
        capture, resources=tuple(r for r in capture.resources if r.name != "orders-etl-job")
    )
    with pytest.raises(DeploymentError, match="no aws:glue/job:Job named 'orders-etl-job'"):
        deployments(without_job)


def test_a_procedure_runs_only_for_a_user_granted_to_run_it(tmp_path: Path) -> None:
    warehouse = LocalWarehouse(s3=None, workdir=tmp_path)
    for statement in (
        "CREATE SCHEMA IF NOT EXISTS curated",
        'CREATE TABLE "curated"."t" ("x" BIGINT)',
        "CREATE OR REPLACE PROCEDURE curated.load_t(_manifest VARCHAR) AS $$ BEGIN"
        ' INSERT INTO "curated"."t" VALUES (1); END; $$ LANGUAGE plpgsql',
        'CREATE USER "IAMR:loader" PASSWORD DISABLE',
        'CREATE USER "IAMR:other" PASSWORD DISABLE',
        'GRANT EXECUTE ON PROCEDURE curated.load_t(VARCHAR) TO "IAMR:loader"',
        'GRANT USAGE ON SCHEMA "curated" TO "IAMR:loader"',
        'GRANT INSERT ON "curated"."t" TO "IAMR:loader"',
    ):
        warehouse.declare(statement)
    call, value = "CALL curated.load_t(:manifest)", [{"name": "manifest", "value": "m"}]

    with pytest.raises(StatementFailedError, match=r"permission denied .* IAMR:other"):
        warehouse.call(call, value, "IAMR:other")
    with pytest.raises(StatementFailedError, match="no value for parameter :manifest"):
        warehouse.call(call, [], "IAMR:loader")
    warehouse.call(call, value, "IAMR:loader")
    assert warehouse.rows("curated.t") == [(1,)]


@pytest.mark.parametrize(
    ("table", "files", "message"),
    [
        (["BIGINT", "VARCHAR"], ["BIGINT"], "the Parquet files have 1 columns, the table 2"),
        (["BIGINT", "VARCHAR"], ["VARCHAR", "BIGINT"], "column 1 is VARCHAR in the Parquet"),
        (["TIMESTAMP"], ["DATE"], "column 1 is DATE in the Parquet files, TIMESTAMP in the table"),
    ],
)
def test_copy_refuses_parquet_that_does_not_fit_the_table(
    table: list[str], files: list[str], message: str
) -> None:
    with pytest.raises(StatementFailedError, match=message):
        _check_columns("curated.t", table, files)


def test_copy_accepts_the_types_the_etl_writes() -> None:
    _check_columns(
        "curated.t",
        ["BIGINT", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP", "VARCHAR(256)"],
        ["BIGINT", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP WITH TIME ZONE", "VARCHAR"],
    )
