"""Glue, served locally: a crawler that really reads the files it is pointed at, and job runs that
execute the repository's ETL script on local Spark with the job's declared arguments.

Runs follow Glue's semantics where the pipeline depends on them: one run of a job at a time,
later runs waiting in a queue (job run queuing), bookmarks that hand each run only the objects
it has not processed yet, and a run that fails leaving its bookmark where it was. The script's
own functions do the work (`build_spec`, `curate_batch`, `write_batch`); only what Glue itself
provides is emulated: resolving arguments, reading the source, the catalog-updating sink.
"""

from __future__ import annotations

import csv
import io
import json
import queue
import tempfile
import threading
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from runtime.glue.etl_job import (
    PARTITION_COLUMN,
    REQUIRED_ARGUMENTS,
    build_spec,
    curate_batch,
    source_kind,
    split_s3_url,
    write_batch,
)

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
    """A job as declared: its name and default arguments."""

    name: str
    default_arguments: Mapping[str, str]


class LocalGlue:
    """Job runs (queued, one at a time per job, on a worker thread each) and crawls."""

    def __init__(self, s3: Any, glue: Any, spark: SparkFactory, workdir: Path) -> None:
        self._s3, self._glue, self._spark, self._workdir = s3, glue, spark, workdir
        self._jobs: dict[str, LocalJob] = {}
        self._runs: dict[str, list[JobRun]] = {}
        self._queues: dict[str, queue.SimpleQueue[JobRun | None]] = {}
        self._workers: list[threading.Thread] = []
        self._bookmarks: dict[str, set[tuple[str, str]]] = {}
        self._lock = threading.Lock()
        self._spark_lock = threading.Lock()

    # -- jobs -----------------------------------------------------------------------------------

    def add_job(self, job: LocalJob) -> None:
        self._jobs[job.name] = job
        self._runs[job.name] = []
        self._bookmarks[job.name] = set()
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
        """What the script's main() does, with Glue's parts emulated."""
        # Glue hands the script `--name value` pairs plus JOB_NAME and JOB_RUN_ID; the script's
        # getResolvedOptions stops it when one of the names it asks for is missing.
        args = {k.removeprefix("--"): v for k, v in run.arguments.items()}
        args.update(JOB_NAME=run.job_name, JOB_RUN_ID=run.id)
        missing = [name for name in REQUIRED_ARGUMENTS if name not in args]
        if missing:
            raise ValueError(f"the job's arguments lack {', '.join('--' + m for m in missing)}")
        spec = build_spec(args)
        if source_kind(args) != "s3":
            raise ValueError("only an S3 source_path is served locally")
        bookmark = self._bookmarks[run.job_name]
        objects = self._new_objects(args["source_path"], bookmark)
        with self._spark_lock:
            spark = self._spark()
            source = self._read(spark, objects, args.get("source_format", "csv"))
            run.rows_read = source.count() if objects else 0
            curated = curate_batch(spark, source, spec, datetime.now(UTC).date())
            if curated is not None:
                curated = curated.persist()  # counted for the report, then written: curated once
                run.rows_written = curated.count()
                run.manifest = write_batch(
                    lambda: self._write_curated(spark, curated, args, run.id), self._s3, args
                )
                curated.unpersist()
        bookmark.update(objects)  # job.commit(): only after a successful run

    def _new_objects(
        self, source_path: str, bookmark: set[tuple[str, str]]
    ) -> list[tuple[str, str]]:
        bucket, prefix = split_s3_url(source_path)
        found: list[tuple[str, str]] = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=prefix
        ):
            found += [(bucket + "/" + o["Key"], o["ETag"]) for o in page.get("Contents", [])]
        return [item for item in found if item not in bookmark and not item[0].endswith("/")]

    def _read(self, spark: Any, objects: list[tuple[str, str]], source_format: str) -> Any:
        """The source as Glue hands it to the script: no rows and no columns when nothing is new."""
        if not objects:
            return spark.createDataFrame([], "struct<>")
        folder = Path(tempfile.mkdtemp(dir=self._workdir, prefix="source-"))
        for index, (path, _etag) in enumerate(objects):
            bucket, key = path.split("/", 1)
            body = self._s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            (folder / f"{index:05d}-{Path(key).name}").write_bytes(body)
        if source_format == "csv":
            return spark.read.options(header="true").csv(str(folder))
        return spark.read.json(str(folder))

    def _write_curated(
        self, spark: Any, curated: Any, args: Mapping[str, str], run_id: str
    ) -> None:
        """The glueparquet sink: partitioned Parquet under the target path, catalog updated."""
        local = Path(tempfile.mkdtemp(dir=self._workdir, prefix="curated-")) / "out"
        curated.write.partitionBy(PARTITION_COLUMN).parquet(str(local))
        bucket, prefix = split_s3_url(args["target_path"])
        for index, file in enumerate(sorted(local.rglob("*.parquet"))):
            partition = file.parent.name
            key = f"{prefix}{partition}/run-{run_id[:7]}-part-{index:05d}.snappy.parquet"
            self._s3.put_object(Bucket=bucket, Key=key, Body=file.read_bytes())
        self._update_catalog(curated, args)

    def _update_catalog(self, curated: Any, args: Mapping[str, str]) -> None:
        columns = [
            {"Name": f.name, "Type": f.dataType.simpleString()}
            for f in curated.schema.fields
            if f.name != PARTITION_COLUMN
        ]
        table = {
            "Name": args["target_table"],
            "StorageDescriptor": {"Columns": columns, "Location": args["target_path"]},
            "PartitionKeys": [{"Name": PARTITION_COLUMN, "Type": "string"}],
            "Parameters": {"classification": "parquet"},
        }
        _put_table(self._glue, args["target_database"], table)

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
