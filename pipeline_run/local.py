"""`make run-local STACK=<stack> [PIPELINE=<name>] [FILE=<path>[,<path>...]|<folder>]`: run the
pipelines of a stack end to end on emulated AWS built from the program's offline capture.

Without FILE each selected pipeline gets a sample generated from its typed columns, with one row
the job must drop. With FILE the files (several separated by commas, or every file of a folder in
name order) are landed one after the other under the pipeline's raw prefix, in one emulated
account, and each is followed through before the next lands: an object-created pipeline gets the
EventBridge event its real handler receives; a scheduled one gets the event in its landing queue
and an execution started as its schedule would start it. FILE lands for one pipeline: on a stack
with several, PIPELINE names it.
Exit status: 0 when every execution succeeded, 1 when one did not (or a file went to
quarantine), 2 for a bad stack, pipeline or file.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from deploy.target import refuse_release_stack
from offline.capture import (
    PROJECT_ROOT,
    Capture,
    StackNotFoundError,
    capture_stack,
    read_stack_values,
)
from pipeline_run.driver import ExecutionOutcome, PipelineDriver
from pipeline_run.emulation import Emulation
from pipeline_run.local_report import GlueRunReport, LoadReport, PipelineReport, render
from pipeline_run.samples import sample_file
from pipeline_run.spark import local_spark
from runtime.alerts.handler import REASONS
from runtime.glue.etl_job import split_s3_url
from stack_config import StackConfigError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXECUTION_TIMEOUT = 300.0
MISSING_COLUMNS = "missing_required_columns"
__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "main", "render", "run_files", "run_pipeline"]


def run_pipeline(
    emulation: Emulation, name: str, file: tuple[str, bytes] | None = None
) -> PipelineReport:
    """Land a file for one pipeline, trigger it as AWS would, wait, and report what became of it:
    the Glue runs and loads it started, the alerts, the table after it."""
    pipeline = emulation.pipelines[name]
    driver = PipelineDriver(pipeline, emulation.clients.s3, emulation.clients.sfn)
    file_name, body = file if file is not None else sample_file(pipeline.settings)[:2]
    runs_before = len(emulation.glue.runs(pipeline.job_name))
    key = driver.land(file_name, body)
    report = PipelineReport(
        pipeline=name,
        trigger=pipeline.settings.trigger.kind,
        landed=f"s3://{pipeline.raw_bucket}/{key}",
        file=file_name,
    )
    outcome = _trigger_and_wait(emulation, driver, report, key)
    if outcome is not None:
        report.status, report.seconds = outcome.status, outcome.seconds
        report.path = [(visit.name, visit.seconds) for visit in outcome.path]
        report.error, report.cause = outcome.error, outcome.cause
        if outcome.failure is not None:
            report.failed_state = outcome.failure.state
            report.failure = f"{outcome.failure.error}: {outcome.failure.summary}"
        report.loads = [_load(item) for item in outcome.loads]
    _collect(emulation, report, runs_before)
    report.outcome = file_outcome(report)
    return report


def run_files(
    emulation: Emulation, name: str, files: Sequence[tuple[str, bytes]]
) -> list[PipelineReport]:
    """Land `files` in order for one pipeline, each followed through before the next lands."""
    return [run_pipeline(emulation, name, file) for file in files]


def _trigger_and_wait(
    emulation: Emulation, driver: PipelineDriver, report: PipelineReport, key: str
) -> ExecutionOutcome | None:
    """Deliver the landed file's event to what the program declared for it, then wait for the
    execution the ingestion function started, or start one as the pipeline's schedule would."""
    delivery = emulation.object_created(driver.deployment, key)
    report.function_logs = delivery.logs
    report.queued = delivery.queued
    if driver.deployment.scheduled:
        return driver.wait(driver.start_scheduled(), EXECUTION_TIMEOUT)
    quarantined = [q for result in delivery.results for q in result["quarantined"]]
    report.quarantined = [q["quarantine_key"] for q in quarantined]
    report.quarantine_reason = "; ".join(
        REASONS.get(q["reason"], q["reason"]) + (f" ({q['detail']})" if q.get("detail") else "")
        for q in quarantined
    )
    report.missing_columns = [
        column.strip()
        for q in quarantined
        if q["reason"] == MISSING_COLUMNS
        for column in str(q.get("detail", "")).split(",")
        if column.strip()
    ]
    started = [s for result in delivery.results for s in result["started"]]
    if not started:
        report.status = "QUARANTINED" if report.quarantined else "NOT STARTED"
        return None
    return driver.wait(started[0]["execution_arn"], EXECUTION_TIMEOUT)


def _load(item: dict[str, Any]) -> LoadReport:
    counts = item.get("counts") or {}
    return LoadReport(
        manifest=str(item.get("manifest", "")),
        outcome=str(item.get("outcome", "")),
        staged=counts.get("staged"),
        inserted=counts.get("inserted"),
        replaced=counts.get("replaced"),
        ignored_older=counts.get("ignored_older"),
        attempts=item.get("attempts"),
        max_attempts=item.get("max_attempts"),
        reason=item.get("reason"),
    )


def _collect(emulation: Emulation, report: PipelineReport, runs_before: int) -> None:
    pipeline = emulation.pipelines[report.pipeline]
    reports_prefix = pipeline.settings.run_report_prefix
    report.glue_runs = [
        _glue_run(emulation, pipeline.curated_bucket, f"{reports_prefix}{run.id}.json", run)
        for run in emulation.glue.runs(pipeline.job_name)[runs_before:]
    ]
    warehouse = emulation.capture.config.platform.warehouse
    if warehouse is not None:
        table = f"{warehouse.load_schema}.{pipeline.settings.target_table}"
        rows = emulation.warehouse.rows(table)
        report.warehouse_table, report.warehouse_rows = table, len(rows)
        columns = emulation.warehouse.columns(table)
        keys = [columns.index(k) for k in pipeline.settings.key_columns if k in columns]
        report.table_columns = columns
        report.table_rows = [
            [_text(value) for value in row]
            for row in sorted(rows, key=lambda row: [str(row[i]) for i in keys])
        ]
    report.alerts = emulation.alerts()


def _glue_run(emulation: Emulation, bucket: str, report_key: str, run: Any) -> GlueRunReport:
    """A Glue run as the local runtime saw it, with its run report's accounting when it wrote
    one (every run that read a file writes one)."""
    glue = GlueRunReport(
        run.id, run.state, run.rows_read, run.rows_written, run.manifest, run.error
    )
    try:
        body = emulation.clients.s3.get_object(Bucket=bucket, Key=report_key)["Body"].read()
    except emulation.clients.s3.exceptions.NoSuchKey:
        return glue
    accounting = json.loads(body)
    glue.run_report = f"s3://{bucket}/{report_key}"
    glue.rows_read = int(accounting.get("rows_read", glue.rows_read))
    glue.rows_curated = accounting.get("rows_curated")
    glue.rows_superseded = accounting.get("rows_superseded")
    glue.rows_rejected = accounting.get("rows_rejected")
    glue.rows_filtered = accounting.get("rows_filtered")
    glue.files = [f for f in accounting.get("files", []) if isinstance(f, dict)]
    glue.batch = accounting.get("batch")
    manifest = accounting.get("manifest")
    if isinstance(manifest, str) and manifest.startswith("s3://"):
        glue.manifest = split_s3_url(manifest)[1]
    return glue


def file_outcome(report: PipelineReport) -> str:
    """One sentence: what became of the landed file."""
    if report.quarantined:
        return f"quarantined by the ingestion function: {report.quarantine_reason}"
    held_back = _held_back(report)
    if held_back is not None:
        return held_back
    if not report.succeeded:
        read = sum(run.rows_read for run in report.glue_runs)
        rows = f" (its Glue run read {read} rows)" if report.glue_runs else ""
        return f"{report.status.lower()} at {report.failed_state}{rows}"
    loaded = [load for load in report.loads if load.outcome == "loaded"]
    if loaded:
        return f"loaded: {_accounting(report.glue_runs)}"
    if any(name == "HandedOverToQueuedRun" for name, _ in report.path):
        return "handed over to a queued Glue run"
    return "curated, nothing loaded" if report.glue_runs else "nothing to curate"


def _accounting(runs: Sequence[GlueRunReport]) -> str:
    """The rows of the file's Glue runs: read, and what became of them."""
    read = sum(run.rows_read for run in runs)
    if runs and all(run.rows_curated is not None for run in runs):
        curated = sum(run.rows_curated or 0 for run in runs)
        superseded = sum(run.rows_superseded or 0 for run in runs)
        rejected = sum(run.rows_rejected or 0 for run in runs)
        filtered = sum(run.rows_filtered or 0 for run in runs)
        left_out = f", {filtered} left out by the transform" if filtered else ""
        return (
            f"{read} rows read, {curated} curated, {superseded} superseded, {rejected} rejected"
            f"{left_out}"
        )
    written = sum(run.rows_written for run in runs)
    return f"{read} rows read, {written} curated ({read - written} dropped)"


def _held_back(report: PipelineReport) -> str | None:
    """The file's own outcome in a run report: quarantined by the job, or in a held batch."""
    for run in report.glue_runs:
        for entry in run.files:
            if entry.get("source_file") != report.landed:
                continue
            if entry.get("outcome") == "quarantined":
                return f"quarantined by the Glue job: {entry.get('reason', 'no reason given')}"
            if run.batch and run.batch.get("status") == "held":
                return f"curated in a held batch ({run.id[:7]}): not loaded until released"
    return None


def _text(value: Any) -> str:
    return "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        values = read_stack_values(args.stack, args.root)
        refuse_release_stack(args.stack, values, "make run-local")
        capture = capture_stack(args.stack, args.root, values=values)
        files = read_files(args.file) if args.file is not None else None
        names = _selected(capture, args.pipeline, files is not None)
    except (StackNotFoundError, StackConfigError, LookupError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    # moto logs every error a state raises, caught or not, with the whole parsed definition.
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory() as scratch,
        Emulation(capture, spark=local_spark, workdir=Path(scratch)) as emulation,
    ):
        runs = [
            run_files(emulation, name, files) if files else [run_pipeline(emulation, name)]
            for name in names
        ]
    for reports in runs:
        for index, report in enumerate(reports):
            last = index == len(reports) - 1
            print(render(args.stack, report, verbose=args.verbose, rows=last), end="\n\n")
    every = [report for reports in runs for report in reports]
    print(f"{len(names)} pipeline(s), {len(every)} file(s) in {time.monotonic() - started:.1f} s")
    if args.json is not None:
        args.json.write_text(json.dumps([asdict(r) for r in every], indent=2, default=str) + "\n")
    # A file set aside (quarantined by the ingestion function or by the Glue job) is a failure
    # of that file, even when its execution succeeded.
    kept = all(r.succeeded and not r.outcome.startswith("quarantined") for r in every)
    return EXIT_OK if kept else EXIT_FAILED


def read_files(value: str) -> list[tuple[str, bytes]]:
    """The files FILE names: `a.csv,b.csv` in that order, or every file under a folder in name
    order (landed with their path relative to it)."""
    path = Path(value)
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        if not found:
            raise LookupError(f"folder {value} holds no file to land")
        return [(p.relative_to(path).as_posix(), p.read_bytes()) for p in found]
    named = [Path(part.strip()) for part in value.split(",") if part.strip()]
    if not named:
        raise LookupError("FILE names no file")
    return [(p.name, p.read_bytes()) for p in named]


def _selected(capture: Capture, pipeline: str | None, with_files: bool) -> list[str]:
    names = [p.name for p in capture.config.platform.pipelines]
    if pipeline is None:
        if with_files and len(names) > 1:
            raise LookupError(
                f"FILE lands files for one pipeline: name it with PIPELINE=<name>; stack"
                f" '{capture.stack}' has pipelines: {', '.join(names)}"
            )
        return names
    if pipeline not in names:
        raise LookupError(
            f"stack '{capture.stack}' has no pipeline '{pipeline}'; pipelines: {', '.join(names)}"
        )
    return [pipeline]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="make run-local", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--stack", required=True, help="stack name: a Pulumi.<stack>.yaml exists")
    parser.add_argument("--pipeline", help="run only this pipeline (default: every pipeline)")
    parser.add_argument(
        "--file",
        help="land these files instead of a sample: a.csv,b.csv (in that order) or a folder",
    )
    parser.add_argument("--json", type=Path, help="also write the report here as JSON")
    parser.add_argument(
        "--verbose", action="store_true", help="also print what the ingestion function logged"
    )
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help=argparse.SUPPRESS)
    return parser


if __name__ == "__main__":
    sys.exit(main())
