"""What `make run-local` says of a file, from the run reports of its Glue runs (in the shape the
job writes them) and the outcomes of its loads."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline_run.local import file_outcome
from pipeline_run.local_report import GlueRunReport, LoadReport, PipelineReport, render

LANDED = "s3://raw/orders/a.csv"


def _run(files: list[dict[str, Any]], batch: dict[str, Any] | None = None) -> GlueRunReport:
    return GlueRunReport(
        id="jr_1234567",
        state="SUCCEEDED",
        rows_read=5,
        rows_written=3,
        manifest="_manifests/orders/jr_1234567.json",
        error=None,
        rows_curated=3,
        rows_superseded=1,
        rows_rejected=1,
        files=files,
        batch=batch or {"status": "pending", "reasons": []},
        run_report="s3://curated/_runs/orders/jr_1234567.json",
    )


def _report(
    run: GlueRunReport, loads: list[LoadReport], status: str = "SUCCEEDED"
) -> PipelineReport:
    return PipelineReport(
        pipeline="orders",
        trigger="object-created",
        landed=LANDED,
        status=status,
        glue_runs=[run],
        loads=loads,
        failed_state=None if status == "SUCCEEDED" else "RunGlueJob",
    )


LOADED = LoadReport("_manifests/orders/jr_1234567.json", "loaded", 3, 2, 1, 0)
CURATED = {"source_file": LANDED, "outcome": "curated", "rows_read": 5, "rows_rejected": 1}


@pytest.mark.parametrize(
    ("run", "loads", "status", "outcome"),
    [
        pytest.param(
            _run([CURATED]),
            [LOADED],
            "SUCCEEDED",
            "loaded: 5 rows read, 3 curated, 1 superseded, 1 rejected",
            id="loaded",
        ),
        pytest.param(
            _run([{**CURATED, "outcome": "quarantined", "reason": "two headers name amount"}]),
            [],
            "SUCCEEDED",
            "quarantined by the Glue job: two headers name amount",
            id="quarantined-by-the-job",
        ),
        pytest.param(
            _run([CURATED], {"status": "held", "reasons": ["too many rejects"]}),
            [],
            "SUCCEEDED",
            "curated in a held batch (jr_1234): not loaded until released",
            id="held",
        ),
        pytest.param(
            _run([]),
            [],
            "FAILED",
            "failed at RunGlueJob (its Glue run read 5 rows)",
            id="failed-transform",
        ),
    ],
)
def test_a_files_outcome_comes_from_its_runs_report_and_loads(
    run: GlueRunReport, loads: list[LoadReport], status: str, outcome: str
) -> None:
    assert file_outcome(_report(run, loads, status)) == outcome


def test_the_accounting_of_a_run_and_a_load_is_printed() -> None:
    report = _report(_run([CURATED], {"status": "held", "reasons": ["r1", "r2"]}), [LOADED])
    printed = render("dev", report)
    assert (
        "glue       jr_1234 SUCCEEDED: read 5 rows: 3 curated, 1 superseded, 1 rejected" in printed
    )
    assert "             file a.csv: curated, 5 read, 1 rejected" in printed
    assert "             batch held: r1; r2" in printed
    assert (
        "load       jr_1234 loaded: staged 3 = inserted 2 + replaced 1 + ignored as older 0"
        in printed
    )
