"""A pipeline with a Glue script of its own runs it locally as in Glue: the script, with the
standard ETL shipped beside it as a library, and its transform applied before the write."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pulumi

from offline.capture import Capture, capture_stack
from pipeline_run.local import run_pipeline
from pipeline_run.samples import bad_row, render, sample_rows
from tests.pipeline_run.conftest import Emulate
from tests.stacks import fixture_values

EXAMPLE = "runtime/glue/examples/orders_without_test_customers.py"


def _dev_with_orders_script(script: str) -> Capture:
    values = copy.deepcopy(fixture_values("dev"))
    (orders,) = [p for p in values["data-platform:platform"]["pipelines"] if p["name"] == "orders"]
    orders["glue"] = {**orders.get("glue", {}), "script": script}
    return capture_stack("dev", values=values)


def test_the_example_script_leaves_out_test_customers(emulate: Emulate) -> None:
    with emulate("dev", capture=_dev_with_orders_script(EXAMPLE)) as emulation:
        settings = emulation.pipelines["orders"].settings
        real = sample_rows(settings, count=3)
        internal = dict(sample_rows(settings, first=50, count=1)[0], customer_id=7)
        report = run_pipeline(
            emulation, "orders", ("mixed.csv", render(settings, [*real, internal]))
        )
        rows = emulation.warehouse.rows("curated.orders")
        columns = emulation.warehouse.columns("curated.orders")

    assert report.status == "SUCCEEDED", report.failure
    (run,) = report.glue_runs
    assert (run.rows_read, run.rows_written) == (4, 3)
    # Every row accounted for: the transform's one left out is not counted as curated.
    parts = (run.rows_curated, run.rows_superseded, run.rows_rejected, run.rows_filtered)
    assert parts == (3, 0, 0, 1) and sum(parts) == run.rows_read
    customers = sorted(row[columns.index("customer_id")] for row in rows)
    assert customers == sorted(r["customer_id"] for r in real)


def test_a_transform_that_changes_the_columns_fails_the_run_naming_them(
    emulate: Emulate, tmp_path: Path
) -> None:
    script = tmp_path / "orders_with_channel.py"
    script.write_text(
        "import pyspark.sql.functions as F\n"
        "from etl_job import main\n\n"
        "if __name__ == '__main__':\n"
        "    main(lambda df: df.withColumn('channel', F.lit('web')))\n"
    )
    # Declared scripts live under runtime/; this one is shipped in the example's place.
    capture = _dev_with_orders_script(EXAMPLE)
    resources = tuple(
        dataclasses.replace(r, inputs={**r.inputs, "source": pulumi.FileAsset(str(script))})
        if r.name == "orders-etl-script"
        else r
        for r in capture.resources
    )
    with emulate("dev", capture=dataclasses.replace(capture, resources=resources)) as emulation:
        settings = emulation.pipelines["orders"].settings
        report = run_pipeline(emulation, "orders")

    assert report.status == "FAILED" and report.failed_state == "RunGlueJob"
    (run,) = report.glue_runs
    # The rows it read before the transform failed are reported: the sample's, the bad one too.
    assert run.rows_read == len(sample_rows(settings)) + (bad_row(settings) is not None)
    assert run.error is not None
    assert run.error.startswith("SpecError: the transform must keep the declared columns (")
    assert "channel string" in run.error
