"""What `make run-local` reports for each landed file, and how it prints it: the file's outcome,
the path of its execution, the accounting of each Glue run (from the run's report) and of each
load, the alerts, and the table's rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from stack_config.pipelines import LINEAGE_COLUMN

WIDTH = 100
SHOWN_ROWS = 20
CELL = 24


@dataclass
class GlueRunReport:
    """One Glue run: its state and, from its run report when it wrote one, its accounting
    (`rows_read = rows_curated + rows_superseded + rows_rejected + rows_filtered`, the last the
    rows a custom transform left out) and each file's outcome."""

    id: str
    state: str
    rows_read: int
    rows_written: int
    manifest: str | None
    error: str | None
    rows_curated: int | None = None
    rows_superseded: int | None = None
    rows_rejected: int | None = None
    rows_filtered: int | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    batch: dict[str, Any] | None = None
    run_report: str | None = None


@dataclass
class LoadReport:
    """One manifest's load: its outcome and, when the load returned them, its counts
    (`staged = inserted + replaced + ignored_older`)."""

    manifest: str
    outcome: str
    staged: int | None = None
    inserted: int | None = None
    replaced: int | None = None
    ignored_older: int | None = None
    attempts: int | None = None
    max_attempts: int | None = None
    reason: str | None = None


@dataclass
class PipelineReport:
    """What one landed file did, stage by stage."""

    pipeline: str
    trigger: str
    landed: str
    file: str = ""
    status: str = "NOT STARTED"
    outcome: str = ""
    seconds: float = 0.0
    path: list[tuple[str, float]] = field(default_factory=list)
    error: str | None = None
    cause: str | None = None
    failed_state: str | None = None
    failure: str | None = None
    quarantined: list[str] = field(default_factory=list)
    quarantine_reason: str = ""
    missing_columns: list[str] = field(default_factory=list)
    glue_runs: list[GlueRunReport] = field(default_factory=list)
    loads: list[LoadReport] = field(default_factory=list)
    warehouse_table: str | None = None
    warehouse_rows: int | None = None
    table_columns: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    function_logs: list[str] = field(default_factory=list)
    queued: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"


def render(stack: str, report: PipelineReport, *, verbose: bool = False, rows: bool = False) -> str:
    """The report of one file for a terminal; `verbose` adds the function's logs, `rows` the
    table's rows."""
    lines = [
        f"{report.pipeline} ({report.trigger}) on {stack}: {report.status}"
        + (f" in {report.seconds:.1f} s" if report.seconds else ""),
        f"  landed     {report.landed}",
    ]
    if report.outcome:
        lines.append(f"  outcome    {report.outcome}")
    lines += [f"  quarantine {key}" for key in report.quarantined]
    lines += [f"  queued     landing signal in {queue}" for queue in report.queued]
    if verbose:
        lines += [f"  function   {line}" for line in report.function_logs]
    if report.path:
        steps = _wrapped([f"{name} {seconds:.2f}s" for name, seconds in report.path], " > ")
        lines += [f"  {'path' if i == 0 else '':<11}{part}" for i, part in enumerate(steps)]
    if report.failed_state is not None:
        lines.append(f"  failed at  {report.failed_state}: {_shortened(report.failure or '')}")
    for run in report.glue_runs:
        lines += _glue_lines(run)
    lines += [f"  load       {_load_line(load)}" for load in report.loads]
    if report.warehouse_table is not None:
        lines.append(f"  warehouse  {report.warehouse_table}: {report.warehouse_rows} rows")
    if rows and report.table_columns:
        lines += _table_lines(report.table_columns, report.table_rows)
    lines += [f"  alert      {_indented(message)}" for message in report.alerts]
    return "\n".join(lines)


def _glue_lines(run: GlueRunReport) -> list[str]:
    head = f"  glue       {run.id[:7]} {run.state}: read {run.rows_read} rows"
    if run.rows_curated is not None:
        head += (
            f": {run.rows_curated} curated, {run.rows_superseded} superseded,"
            f" {run.rows_rejected} rejected"
        )
        head += f", {run.rows_filtered} left out by the transform" if run.rows_filtered else ""
    elif run.state == "SUCCEEDED":
        head += f", wrote {run.rows_written} ({run.rows_read - run.rows_written} dropped)"
    lines = [head + (f", {run.error}" if run.error else "")]
    for entry in run.files:
        name = str(entry.get("source_file", "")).rsplit("/", 1)[-1]
        outcome = f"{entry.get('outcome')}, {entry.get('rows_read', '?')} read"
        if entry.get("rows_rejected"):
            outcome += f", {entry['rows_rejected']} rejected"
        if entry.get("reason"):
            outcome += f": {entry['reason']}"
        lines.append(f"             file {name}: {outcome}")
    if run.batch and run.batch.get("status") == "held":
        lines.append(
            f"             batch held: {'; '.join(map(str, run.batch.get('reasons', [])))}"
        )
    if run.manifest:
        lines.append(f"             manifest {run.manifest}")
    return lines


def _load_line(load: LoadReport) -> str:
    name = _short(load.manifest.rsplit("/", 1)[-1].removesuffix(".json"), 7)
    if load.staged is not None:
        return (
            f"{name} {load.outcome}: staged {load.staged} = inserted {load.inserted} + replaced"
            f" {load.replaced} + ignored as older {load.ignored_older}"
        )
    if load.attempts is not None:
        return (
            f"{name} {load.outcome} (attempt {load.attempts} of {load.max_attempts}):"
            f" {_shortened(load.reason or '', 200)}"
        )
    return f"{name} {load.outcome}"


def _table_lines(columns: Sequence[str], table: Sequence[Sequence[str]]) -> list[str]:
    # The lineage column names the manifest: its run id is what tells rows apart.
    lineage = columns.index(LINEAGE_COLUMN) if LINEAGE_COLUMN in columns else -1
    rows = [
        [_short(v.rsplit("/", 1)[-1] if i == lineage else v, CELL) for i, v in enumerate(row)]
        for row in table
    ]
    widths = [max([len(c), *(len(r[i]) for r in rows[:SHOWN_ROWS])]) for i, c in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        return " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    shown = [line(columns), *(line(r) for r in rows[:SHOWN_ROWS])]
    if len(rows) > SHOWN_ROWS:
        shown.append(f"... {len(rows) - SHOWN_ROWS} more (all in --json)")
    return [f"  {'rows' if i == 0 else '':<11}{text}" for i, text in enumerate(shown)]


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit]


def _indented(message: str) -> str:
    return message.replace("\n", "\n" + " " * 13)


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
