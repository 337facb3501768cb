"""A deliberately broken seam makes the local run fail, with a message that names the seam:
a JSONPath of the definition that reads a real service response, a job argument the script
reads, a column the warehouse table expects from the ETL output."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi

from offline.capture import Capture
from offline.mocks import Registration
from pipeline_run.local import render, run_pipeline
from runtime.glue import etl_job
from tests.pipeline_run.conftest import Emulate


def _changed(capture: Capture, name: str, change: Callable[[dict[str, Any]], None]) -> Capture:
    """The capture with one resource's inputs changed, as if the program declared it so."""

    def edit(resource: Registration) -> Registration:
        if resource.name != name:
            return resource
        inputs = copy.deepcopy(resource.inputs)
        change(inputs)
        return dataclasses.replace(resource, inputs=inputs)

    return dataclasses.replace(capture, resources=tuple(map(edit, capture.resources)))


def test_a_wrong_jsonpath_in_the_definition(
    emulate: Emulate, fixture_captures: dict[str, Capture]
) -> None:
    # S3 lists objects with `Key`; Step Functions hands the response over in PascalCase.
    def wrong_path(inputs: dict[str, Any]) -> None:
        definition = json.loads(inputs["definition"])
        selector = definition["States"]["LoadPendingManifests"]["ItemSelector"]
        selector["manifest.$"] = "$$.Map.Item.Value.key"
        inputs["definition"] = json.dumps(definition)

    broken = _changed(fixture_captures["dev"], "orders-orchestration-state-machine", wrong_path)
    with emulate("dev", capture=broken) as emulation:
        report = run_pipeline(emulation, "orders")

    assert report.status == "FAILED"
    assert report.failed_state == "LoadPendingManifests"
    assert report.failure is not None and report.failure.startswith("States.Runtime: ")
    assert "The JSONPath '$$.Map.Item.Value.key'" in report.failure
    # As in AWS, States.ALL does not catch States.Runtime: no alert, the execution just fails
    # (the operations alarm on failed executions is what tells someone).
    assert report.alerts == [] and report.error == "States.Runtime"
    assert "failed at  LoadPendingManifests: States.Runtime: " in render("dev", report)


def test_a_renamed_job_argument(emulate: Emulate, fixture_captures: dict[str, Capture]) -> None:
    def renamed(inputs: dict[str, Any]) -> None:
        arguments = inputs["defaultArguments"]
        arguments["--required_cols"] = arguments.pop("--required_columns")

    broken = _changed(fixture_captures["dev"], "orders-etl-job", renamed)
    with emulate("dev", capture=broken) as emulation:
        report = run_pipeline(emulation, "orders")

    assert report.status == "FAILED"
    assert report.failed_state == "RunGlueJob"
    (run,) = report.glue_runs
    assert run.error == (
        "GlueArgumentError: the following arguments are required: --required_columns"
    )
    assert report.failure == f"States.TaskFailed: {run.error}"
    (alert,) = report.alerts
    assert alert.splitlines()[0] == (
        f"orders: Glue job run {run.id} for file {report.landed} failed: {run.error}"
    )
    assert f"glue       {run.id[:7]} FAILED" in render("dev", report)


def test_a_column_dropped_from_the_etl_output(
    emulate: Emulate, fixture_captures: dict[str, Capture], tmp_path: Path
) -> None:
    # The changed script is what the program ships: the job runs it as it would run in Glue.
    shipped = Path(etl_job.__file__).read_text()
    written = "return kept.select(*batch, *spec.columns, day.alias(PARTITION_COLUMN))"
    assert shipped.count(written) == 1
    changed = tmp_path / "etl_job.py"
    changed.write_text(shipped.replace(written, f'{written}.drop("amount")'))

    def ship_changed(inputs: dict[str, Any]) -> None:
        inputs["source"] = pulumi.FileAsset(str(changed))

    broken = _changed(fixture_captures["dev"], "orders-etl-script", ship_changed)
    with emulate("dev", capture=broken) as emulation:
        report = run_pipeline(emulation, "orders")
        pending = emulation.clients.s3.list_objects_v2(
            Bucket=emulation.pipelines["orders"].curated_bucket, Prefix="_manifests/"
        )

    assert report.status == "FAILED"
    (run,) = report.glue_runs
    assert run.state == "SUCCEEDED", "the job itself does not notice"
    assert report.failed_state == "ReportFailedLoads"
    (load,) = report.loads
    limit = emulation.pipelines["orders"].settings.load.max_attempts
    assert (load.manifest, load.outcome, load.attempts, load.max_attempts) == (
        run.manifest,
        "failed",
        1,
        limit,
    )
    assert load.reason is not None and load.reason.startswith("LoadWarehouseFailed: ")
    assert "the Parquet files have 3 columns, the table 4" in load.reason
    assert report.warehouse_rows == 0
    # The manifest stays pending for the next execution, once the ETL is fixed.
    assert [o["Key"] for o in pending["Contents"]] == [run.manifest]
    (alert,) = report.alerts
    first_line = alert.splitlines()[0]
    assert first_line.startswith(
        f"orders: load of manifest {run.manifest} failed (attempt 1 of {limit}):"
        " LoadWarehouseFailed: COPY "
    )
    assert first_line.endswith(
        "the Parquet files have 3 columns, the table 4 (COPY maps columns by position)"
    )
