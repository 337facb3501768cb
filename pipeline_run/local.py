"""`make run-local STACK=<stack> [PIPELINE=<name>] [FILE=<path>]`: run each selected pipeline of a
stack end to end on emulated AWS built from the program's offline capture.

For each pipeline a file lands under its raw prefix (FILE, or a sample generated from its typed
columns with one row the job must drop); an object-created pipeline gets the EventBridge event
its real handler receives; a scheduled one gets the event in its landing queue and an execution
started as its schedule would start it.
Exit status: 0 when every execution succeeded, 1 when one did not (or none started), 2 for a
bad stack, pipeline or file.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from offline.capture import PROJECT_ROOT, Capture, StackNotFoundError, capture_stack
from pipeline_run.driver import ExecutionOutcome, PipelineDriver
from pipeline_run.emulation import Emulation
from pipeline_run.samples import sample_file
from pipeline_run.spark import local_spark
from stack_config import StackConfigError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXECUTION_TIMEOUT = 300.0
WIDTH = 100


@dataclass
class GlueRunReport:
    id: str
    state: str
    rows_read: int
    rows_written: int
    manifest: str | None
    error: str | None


@dataclass
class PipelineReport:
    """What one pipeline's run did, stage by stage."""

    pipeline: str
    trigger: str
    landed: str
    status: str = "NOT STARTED"
    seconds: float = 0.0
    path: list[tuple[str, float]] = field(default_factory=list)
    error: str | None = None
    cause: str | None = None
    failed_state: str | None = None
    failure: str | None = None
    quarantined: list[str] = field(default_factory=list)
    glue_runs: list[GlueRunReport] = field(default_factory=list)
    warehouse_table: str | None = None
    warehouse_rows: int | None = None
    alerts: list[str] = field(default_factory=list)
    function_logs: list[str] = field(default_factory=list)
    queued: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"


def run_pipeline(
    emulation: Emulation, name: str, file: tuple[str, bytes] | None = None
) -> PipelineReport:
    """Land a file for one pipeline, trigger it as AWS would, wait, and report."""
    pipeline = emulation.pipelines[name]
    driver = PipelineDriver(pipeline, emulation.clients.s3, emulation.clients.sfn)
    file_name, body = file if file is not None else sample_file(pipeline.settings)[:2]
    key = driver.land(file_name, body)
    report = PipelineReport(
        pipeline=name,
        trigger=pipeline.settings.trigger.kind,
        landed=f"s3://{pipeline.raw_bucket}/{key}",
    )
    outcome = _trigger_and_wait(emulation, driver, report, key)
    if outcome is not None:
        report.status, report.seconds = outcome.status, outcome.seconds
        report.path = [(visit.name, visit.seconds) for visit in outcome.path]
        report.error, report.cause = outcome.error, outcome.cause
        if outcome.failure is not None:
            report.failed_state = outcome.failure.state
            report.failure = f"{outcome.failure.error}: {outcome.failure.summary}"
    _collect(emulation, report)
    return report


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
    report.quarantined = [f"{q['quarantine_key']}: {q['reason']}" for q in quarantined]
    started = [s for result in delivery.results for s in result["started"]]
    if not started:
        report.status = "QUARANTINED" if report.quarantined else "NOT STARTED"
        return None
    return driver.wait(started[0]["execution_arn"], EXECUTION_TIMEOUT)


def _collect(emulation: Emulation, report: PipelineReport) -> None:
    pipeline = emulation.pipelines[report.pipeline]
    report.glue_runs = [
        GlueRunReport(r.id, r.state, r.rows_read, r.rows_written, r.manifest, r.error)
        for r in emulation.glue.runs(pipeline.job_name)
    ]
    warehouse = emulation.capture.config.platform.warehouse
    if warehouse is not None:
        report.warehouse_table = f"{warehouse.load_schema}.{pipeline.settings.target_table}"
        report.warehouse_rows = len(emulation.warehouse.rows(report.warehouse_table))
    report.alerts = emulation.alerts()


def render(stack: str, report: PipelineReport, *, verbose: bool = False) -> str:
    """The report of one pipeline for a terminal; `verbose` adds the function's logs."""
    lines = [
        f"{report.pipeline} ({report.trigger}) on {stack}: {report.status}"
        + (f" in {report.seconds:.1f} s" if report.seconds else ""),
        f"  landed     {report.landed}",
    ]
    lines += [f"  quarantine {entry}" for entry in report.quarantined]
    lines += [f"  queued     landing signal in {queue}" for queue in report.queued]
    if verbose:
        lines += [f"  function   {line}" for line in report.function_logs]
    if report.path:
        steps = _wrapped([f"{name} {seconds:.2f}s" for name, seconds in report.path], " > ")
        lines += [f"  {'path' if i == 0 else '':<11}{part}" for i, part in enumerate(steps)]
    if report.failed_state is not None:
        lines.append(f"  failed at  {report.failed_state}: {_shortened(report.failure or '')}")
    for run in report.glue_runs:
        dropped = run.rows_read - run.rows_written
        lines.append(
            f"  glue       {run.id[:7]} {run.state}: read {run.rows_read} rows, wrote"
            f" {run.rows_written} ({dropped} dropped)" + (f", {run.error}" if run.error else "")
        )
        if run.manifest:
            lines.append(f"             manifest {run.manifest}")
    if report.warehouse_table is not None:
        lines.append(f"  warehouse  {report.warehouse_table}: {report.warehouse_rows} rows")
    lines += [f"  alert      {message}" for message in report.alerts]
    return "\n".join(lines)


def _wrapped(items: Sequence[str], separator: str, width: int = WIDTH - 13) -> list[str]:
    """`items` joined by `separator` in lines of at most `width`, never splitting an item."""
    lines = [items[0]] if items else []
    for item in items[1:]:
        if len(lines[-1]) + len(separator) + len(item) > width:
            lines[-1] += separator.rstrip()
            lines.append(item)
        else:
            lines[-1] += separator + item
    return lines


def _shortened(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        capture = capture_stack(args.stack, args.root)
        names = _selected(capture, args.pipeline)
        file = (args.file.name, args.file.read_bytes()) if args.file is not None else None
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
        reports = [run_pipeline(emulation, name, file) for name in names]
    for report in reports:
        print(render(args.stack, report, verbose=args.verbose), end="\n\n")
    print(f"{len(reports)} pipeline(s) in {time.monotonic() - started:.1f} s")
    if args.json is not None:
        args.json.write_text(json.dumps([asdict(r) for r in reports], indent=2, default=str) + "\n")
    return EXIT_OK if all(r.succeeded for r in reports) else EXIT_FAILED


def _selected(capture: Capture, pipeline: str | None) -> list[str]:
    names = [p.name for p in capture.config.platform.pipelines]
    if pipeline is None:
        return names
    if pipeline not in names:
        raise LookupError(
            f"stack '{capture.stack}' has no pipeline '{pipeline}'; pipelines: {', '.join(names)}"
        )
    return [pipeline]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="make run-local", description=__doc__)
    parser.add_argument("--stack", required=True, help="stack name: a Pulumi.<stack>.yaml exists")
    parser.add_argument("--pipeline", help="run only this pipeline (default: every pipeline)")
    parser.add_argument("--file", type=Path, help="land this file instead of a generated sample")
    parser.add_argument("--json", type=Path, help="also write the report here as JSON")
    parser.add_argument(
        "--verbose", action="store_true", help="also print what the ingestion function logged"
    )
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help=argparse.SUPPRESS)
    return parser


if __name__ == "__main__":
    sys.exit(main())
