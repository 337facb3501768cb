"""Every pipeline of every user stack, run end to end on emulated AWS as `make run-local` runs
it: a sample file lands, the declared trigger starts the declared state machine, the real ETL
script runs on local Spark with the job's declared arguments, and the declared load procedure
puts the rows in the warehouse."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from offline.capture import Capture, capture_stack, read_stack_values
from pipeline_run.local import run_pipeline
from pipeline_run.samples import GOOD_ROWS, bad_row, sample_rows
from stack_config import parse_stack_config
from tests.pipeline_run.conftest import Emulate
from tests.stacks import fixture_stacks, fixture_values, user_stacks

USER_PIPELINES = [
    (stack, pipeline.name)
    for stack in user_stacks()
    for pipeline in parse_stack_config(stack, read_stack_values(stack)).platform.pipelines
]
# What the warehouse hands back for each declared column type.
PYTHON_TYPES: dict[str, type] = {
    "string": str, "int": int, "float": float, "bool": bool, "date": date, "timestamp": datetime
}  # fmt: skip
# After the job: list the pending manifests, load each (the Map's item states), put the load's
# metrics (with its counts when the statement returned them), succeed.
AFTER_THE_JOB = [
    "ListPendingLoads",
    "HasPendingLoads",
    "LoadWarehouse",
    "LoadWarehouseInitPoll",
    "LoadWarehouseWait",
    "LoadWarehouseDescribe",
    "LoadWarehouseCheck",
    "RemoveLoadedManifest",
    "HasLoadCounts",
]
LOAD_REPORTED = (
    ["PutLoadSucceeded", "ManifestLoadedUncounted"],
    [
        "GetLoadCounts",
        "AreLoadCountsReadable",
        "ReadLoadCounts",
        "PutLoadMetrics",
        "ManifestLoaded",
    ],
)
LOADS_DONE = ["LoadPendingManifests", "AnyLoadFailed", "PipelineSucceeded"]


def test_the_fixture_stacks_have_both_kinds_of_trigger() -> None:
    kinds = {
        pipeline.trigger.kind
        for stack in fixture_stacks()
        for pipeline in parse_stack_config(stack, fixture_values(stack)).platform.pipelines
    }
    assert kinds == {"object-created", "schedule"}


def test_a_stack_file_naming_its_own_account_runs(emulate: Emulate) -> None:
    # The stack file's account replaces the documentation's: the capture's ARNs name it, and
    # the emulated services must answer as that account.
    values = fixture_values("dev")
    delivery = values["data-platform:platform"]["delivery"]
    delivery["state_backend_url"] = "s3://data-platform-state-210987654321"
    capture = capture_stack("dev", values=values)
    with emulate("dev", capture=capture) as emulation:
        report = run_pipeline(emulation, "orders")
    assert report.status == "SUCCEEDED", report


@pytest.mark.parametrize(("stack", "name"), USER_PIPELINES)
def test_a_landed_sample_reaches_the_warehouse(
    emulate: Emulate, user_captures: dict[str, Capture], stack: str, name: str
) -> None:
    with emulate(stack, capture=user_captures[stack]) as emulation:
        pipeline = emulation.pipelines[name]
        report = run_pipeline(emulation, name)
        objects = emulation.clients.s3.list_objects_v2(Bucket=pipeline.curated_bucket)
        keys = [o["Key"] for o in objects.get("Contents", [])]
        curated = emulation.clients.glue.get_table(
            DatabaseName=pipeline.job.inputs["defaultArguments"]["--target_database"],
            Name=pipeline.settings.target_table,
        )["Table"]
        warehouse = emulation.capture.config.platform.warehouse
        assert warehouse is not None
        table = f"{warehouse.load_schema}.{pipeline.settings.target_table}"
        rows = emulation.warehouse.rows(table)
        columns = emulation.warehouse.columns(table)

    assert report.status == "SUCCEEDED", report
    states = [state for state, _ in report.path]
    assert states.pop(0) == "IsLoadOnly"
    if pipeline.scheduled:  # its landing queue heard of the file first
        assert report.queued == [f"{pipeline.state_machine_name}-landed"]
        assert states[:4] == ["CheckLanded", "AnythingLanded", "ClearLanded", "WaitForPurge"]
        states = states[4:]
    assert states[:10] == [
        "StartCrawler",
        "InitCrawlerPoll",
        "WaitForCrawler",
        "GetCrawler",
        "CheckCrawlerState",
        "CheckCrawlResult",
        "CheckJobQueue",
        "ClassifyJobQueue",
        "IsRunQueued",
        "RunGlueJob",
    ]
    after = states[10:]
    assert after[: len(AFTER_THE_JOB)] == AFTER_THE_JOB
    assert after[len(AFTER_THE_JOB) : -len(LOADS_DONE)] in LOAD_REPORTED
    assert after[-len(LOADS_DONE) :] == LOADS_DONE
    assert report.alerts == [], "a success publishes nothing to the alert topic"
    # The job read every row landed, dropped the one its declared types cannot hold.
    (run,) = report.glue_runs
    assert (run.state, run.rows_read, run.rows_written) == ("SUCCEEDED", GOOD_ROWS + 1, GOOD_ROWS)
    assert bad_row(pipeline.settings) is not None
    # Its manifest was loaded, then removed; the curated Parquet stays.
    assert run.manifest is not None
    assert run.manifest.startswith(pipeline.settings.manifest_prefix)
    assert not [k for k in keys if k.startswith(pipeline.settings.manifest_prefix)]
    assert [k for k in keys if k.endswith(".parquet")]
    # The catalog holds the declared columns, in order, with their declared types.
    declared = [name for name, _ in pipeline.settings.curated_columns]
    assert [c["Name"] for c in curated["StorageDescriptor"]["Columns"]] == declared
    # The warehouse table: the lineage column, the declared columns, one row per good sample row.
    assert columns == ["_source_manifest", *declared]
    assert report.warehouse_rows == GOOD_ROWS == len(rows)
    assert {row[0] for row in rows} == {run.manifest}
    key = pipeline.settings.key_columns[0]
    position = columns.index(key)
    assert sorted(str(row[position]) for row in rows) == sorted(
        str(sample[key]) for sample in sample_rows(pipeline.settings)
    )
    order = pipeline.settings.order_column
    declared_type = PYTHON_TYPES.get(pipeline.settings.column_types.get(order, "string"), object)
    assert all(isinstance(row[columns.index(order)], declared_type) for row in rows)
