"""Glue, served locally: a crawler that really reads the files it is pointed at, and job runs
that execute the job's script, as the program shipped it, on local Spark.

A run downloads the script from its declared `scriptLocation` and runs it as Glue does: as
`__main__`, with the job's arguments (defaults, then the run's) on `sys.argv` after `--JOB_NAME`
and `--JOB_RUN_ID`. The `awsglue` library it imports is the local runtime in `glue_runtime/`.
Runs follow Glue's semantics where the pipeline depends on them: one run of a job at a time,
later runs waiting in a queue (job run queuing), bookmarks that hand each run only the objects
it has not processed, committed only by a run that reaches `job.commit()`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import queue
import runpy
import sys
import tempfile
import threading
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

from runtime.glue.etl_job import split_s3_url

GLUE_RUNTIME = Path(__file__).resolve().parent / "glue_runtime"
if str(GLUE_RUNTIME) not in sys.path:
    sys.path.insert(0, str(GLUE_RUNTIME))

from awsglue import local  # noqa: E402  # the local runtime, found on the path just set

SparkFactory = Callable[[], Any]


@dataclass
class JobRun:
    """One run of a job, shaped like Glue's JobRun when described."""

    id: str
    job_name: str
    arguments: dict[str, str]
    state: str = "WAITING"
    error: str | None = None
    started_on: datetime = field(default_factory=lambda: datetime.now(UTC))
    completed_on: datetime | None = None
    rows_read: int = 0
    rows_written: int = 0
    manifest: str | None = None
    report: dict[str, Any] | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def as_dict(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "Id": self.id,
            "Attempt": 0,
            "JobName": self.job_name,
            "StartedOn": self.started_on,
            "JobRunState": self.state,
            "Arguments": self.arguments,
            "JobRunQueuingEnabled": True,
            "PredecessorRuns": [],
        }
        if self.completed_on is not None:
            described["CompletedOn"] = self.completed_on
        if self.error is not None:
            described["ErrorMessage"] = self.error
        return described


@dataclass(frozen=True)
class LocalJob:
    """A job as declared: its name, its script's S3 URL and its default arguments."""

    name: str
    script_location: str
    default_arguments: Mapping[str, str]


class LocalGlue:
    """Job runs (queued, one at a time per job, on a worker thread each) and crawls."""

    def __init__(self, s3: Any, glue: Any, spark: SparkFactory, workdir: Path) -> None:
        self._s3, self._glue, self._spark, self._workdir = s3, glue, spark, workdir
        self._jobs: dict[str, LocalJob] = {}
        self._runs: dict[str, list[JobRun]] = {}
        self._queues: dict[str, queue.SimpleQueue[JobRun | None]] = {}
        self._workers: list[threading.Thread] = []
        self._bookmarks: dict[str, dict[str, local.Bookmark]] = {}
        self._lock = threading.Lock()
        self._spark_lock = threading.Lock()

    # -- jobs -----------------------------------------------------------------------------------

    def add_job(self, job: LocalJob) -> None:
        self._jobs[job.name] = job
        self._runs[job.name] = []
        self._bookmarks[job.name] = {}
        self._queues[job.name] = queue.SimpleQueue()
        worker = threading.Thread(target=self._work, args=(job.name,), daemon=True)
        worker.start()
        self._workers.append(worker)

    def serves(self, job_name: str) -> bool:
        return job_name in self._jobs

    def start_job_run(self, job_name: str, arguments: Mapping[str, str] | None) -> str:
        job = self._jobs[job_name]
        with self._lock:
            run = JobRun(
                id=f"jr_{uuid.uuid4().hex}{uuid.uuid4().hex}",
                job_name=job_name,
                arguments={**job.default_arguments, **(arguments or {})},
            )
            self._runs[job_name].append(run)
        self._queues[job_name].put(run)
        return run.id

    def job_run(self, job_name: str, run_id: str) -> JobRun:
        with self._lock:
            return next(r for r in self._runs[job_name] if r.id == run_id)

    def job_runs(self, job_name: str) -> list[JobRun]:
        """Most recent first, as Glue lists them."""
        with self._lock:
            return list(reversed(self._runs[job_name]))

    def runs(self, job_name: str) -> list[JobRun]:
        """Oldest first, for reports."""
        with self._lock:
            return list(self._runs[job_name])

    def close(self) -> None:
        for jobs in self._queues.values():
            jobs.put(None)
        for worker in self._workers:
            worker.join(timeout=60)

    def _work(self, job_name: str) -> None:
        while (run := self._queues[job_name].get()) is not None:
            with self._lock:
                run.state, run.started_on = "RUNNING", datetime.now(UTC)
            try:
                self._execute(run)
                state, error = "SUCCEEDED", None
            except Exception as failure:  # a failed run, reported as Glue reports one
                state, error = "FAILED", _first_line(failure)
                (self._workdir / f"{run.id}.traceback").write_text(traceback.format_exc())
            with self._lock:
                run.state, run.error, run.completed_on = state, error, datetime.now(UTC)
            run.done.set()

    def _execute(self, run: JobRun) -> None:
        """The job's script, run as Glue runs it, with Glue's parts served locally."""
        job = self._jobs[run.job_name]
        script = self._download(job.script_location, run.id)
        argv = [script.name, "--JOB_NAME", run.job_name, "--JOB_RUN_ID", run.id]
        for name, value in run.arguments.items():
            argv += [name, value]
        state = local.LocalRun(
            s3=self._s3,
            glue=self._glue,
            workdir=self._workdir,
            bookmarks=self._bookmarks[run.job_name],
            bookmarks_enabled=run.arguments.get("--job-bookmark-option") == "job-bookmark-enable",
        )
        # Glue puts --extra-py-files on the script's path; they are downloaded beside it.
        for url in filter(None, run.arguments.get("--extra-py-files", "").split(",")):
            self._download(url.strip(), run.id, script.parent)
        with (
            self._spark_lock,
            local.running(state),
            local.spark_reads_s3(),
            mock.patch.object(sys, "argv", argv),
            _importable_from(script.parent),
        ):
            self._spark()  # the session the script's SparkContext.getOrCreate() finds
            try:
                runpy.run_path(str(script), run_name="__main__")
            finally:  # a failed run reports what it read too
                self._account(run, state)

    def _account(self, run: JobRun, state: local.LocalRun) -> None:
        """The run's counts: the job's own accounting (its run report, rejects written aside)
        when it wrote one, else what the local runtime saw it read and write."""
        run.rows_read, run.rows_written = state.rows_read, state.rows_written
        run.manifest = self._manifest(run)
        run.report = self._report(run)
        if run.report is not None:
            run.rows_read = int(run.report["rows_read"])
            run.rows_written = int(run.report["rows_curated"])

    def _report(self, run: JobRun) -> dict[str, Any] | None:
        """The run report the job wrote (its accounting), if it wrote one."""
        prefix = run.arguments.get("--run_report_prefix")
        if prefix is None:
            return None
        bucket, folder = split_s3_url(prefix)
        try:
            body = self._s3.get_object(Bucket=bucket, Key=f"{folder}{run.id}.json")["Body"]
        except self._s3.exceptions.NoSuchKey:
            return None
        report: dict[str, Any] = json.loads(body.read())
        return report

    def _download(self, url: str, run_id: str, folder: Path | None = None) -> Path:
        bucket, key = split_s3_url(url)
        folder = folder or Path(tempfile.mkdtemp(dir=self._workdir, prefix=f"job-{run_id[:10]}-"))
        path = folder / Path(key).name
        path.write_bytes(self._s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        return path

    def _manifest(self, run: JobRun) -> str | None:
        """The key of the COPY manifest the run wrote, if it wrote one."""
        prefix = run.arguments.get("--manifest_prefix")
        if prefix is None:
            return None
        bucket, folder = split_s3_url(prefix)
        key = f"{folder}{run.id}.json"
        listed = self._s3.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount", 0)
        return key if listed else None

    # -- crawlers -------------------------------------------------------------------------------

    def crawl(self, database: str, s3_path: str) -> str:
        """Register (or update) the table a crawler would find under the path; return its name."""
        bucket, prefix = split_s3_url(s3_path if s3_path.endswith("/") else s3_path + "/")
        listed = self._s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
        name = prefix.rstrip("/").rsplit("/", 1)[-1]
        files = [o["Key"] for o in listed if not o["Key"].endswith("/")]
        columns, classification = ["unknown"], "unknown"
        if files:
            head = self._s3.get_object(Bucket=bucket, Key=files[0])["Body"].read(64 * 1024)
            columns, classification = _sniff(files[0], head)
        table = {
            "Name": name,
            "StorageDescriptor": {
                "Columns": [{"Name": c, "Type": "string"} for c in columns],
                "Location": f"s3://{bucket}/{prefix}",
            },
            "Parameters": {"classification": classification},
        }
        _put_table(self._glue, database, table)
        return name


@contextlib.contextmanager
def _importable_from(folder: Path) -> Iterator[None]:
    """Modules in `folder` import for the duration of the block, and are forgotten after it (the
    next run imports its own download)."""
    before = set(sys.modules)
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        sys.path.remove(str(folder))
        for name in set(sys.modules) - before:
            if str(getattr(sys.modules[name], "__file__", "") or "").startswith(str(folder)):
                del sys.modules[name]


def _put_table(glue: Any, database: str, table: dict[str, Any]) -> None:
    try:
        glue.create_table(DatabaseName=database, TableInput=table)
    except glue.exceptions.AlreadyExistsException:
        glue.update_table(DatabaseName=database, TableInput=table)


def _sniff(key: str, head: bytes) -> tuple[list[str], str]:
    text = head.decode("utf-8", errors="replace")
    if key.endswith(".csv"):
        return next(csv.reader(io.StringIO(text)), ["unknown"]), "csv"
    first = text.splitlines()[0] if text else "{}"
    try:
        return list(json.loads(first)), "json"
    except (ValueError, TypeError):
        return ["unknown"], "json"


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"
