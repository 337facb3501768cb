"""Drills at the Glue job's level, on emulated AWS: the shipped ETL script runs as Glue runs it
(local `awsglue` runtime, moto S3, Glue catalog and CloudWatch) with the job arguments the program
declares for fixture pipelines these tests own, on files of ordinary bad data. Every row read is
curated, superseded or rejected with a readable reason; a file the job cannot curate is
quarantined and never blocks the others.

The drills share one emulated account and a few job runs (a run costs seconds of Spark): the
first batch holds one file per drill, each test reads its own file's outcome.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest

from offline.capture import Capture, capture_stack
from pipeline_run.deployment import PipelineDeployment
from pipeline_run.emulation import Emulation
from pipeline_run.local_glue import JobRun
from tests.stacks import fixture_values

ORDERS: dict[str, Any] = {
    "name": "drill",
    "source_prefix": "drill/",
    "format": "csv",
    "trigger": {"kind": "object-created"},
    "target_table": "drill_orders",
    "required_columns": ["order_id", "amount", "updated_at"],
    "optional_columns": ["customer_ref", "score", "note"],
    "key_columns": ["order_id"],
    "order_column": "updated_at",
    "column_types": {
        "order_id": "int",
        "amount": "float",
        "updated_at": "timestamp",
        "score": "float",
    },
    "partition_source_column": "updated_at",
    "expectations": {"null_on_cast_failure": ["score"], "batch": {"max_reject_ratio": 0.5}},
}
EVENTS: dict[str, Any] = {
    "name": "drill-events",
    "source_prefix": "drill-events/",
    "format": "json",
    "trigger": {"kind": "schedule", "expression": "rate(1 day)"},
    "target_table": "drill_events",
    "required_columns": ["event_id", "seen_at"],
    "optional_columns": ["page"],
    "key_columns": ["event_id"],
    "order_column": "seen_at",
    "column_types": {"event_id": "int", "seen_at": "timestamp"},
}
HEADER = "order_id,amount,updated_at,customer_ref,score,note\n"


@pytest.fixture(scope="module")
def drill_capture() -> Capture:
    """dev with the drill pipelines in place of its own."""
    values = fixture_values("dev")
    values["data-platform:platform"]["pipelines"] = [ORDERS, EVENTS]
    return capture_stack("dev", values=values)


@dataclass
class Job:
    """One pipeline's Glue job on emulated AWS: land files, run the job, read what it wrote."""

    emulation: Emulation
    pipeline: PipelineDeployment
    spark: Any
    workdir: Path

    @property
    def s3(self) -> Any:
        return self.emulation.clients.s3

    def land(self, name: str, body: str | bytes) -> str:
        key = f"{self.pipeline.settings.source_prefix}{name}"
        data = body.encode() if isinstance(body, str) else body
        self.s3.put_object(Bucket=self.pipeline.raw_bucket, Key=key, Body=data)
        return f"s3://{self.pipeline.raw_bucket}/{key}"

    def run(self) -> JobRun:
        glue = self.emulation.glue
        run = glue.job_run(self.pipeline.job_name, glue.start_job_run(self.pipeline.job_name, {}))
        assert run.done.wait(300), "the job run did not end"
        return run

    def keys(self, bucket: str, prefix: str) -> list[str]:
        listed = self.s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
        return sorted(o["Key"] for o in listed)

    def parquet(self, bucket: str, prefix: str) -> list[dict[str, Any]]:
        folder = self.workdir / f"read-{time.monotonic_ns()}"
        for key in self.keys(bucket, prefix):
            if key.endswith(".parquet"):
                target = folder / key
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        if not folder.exists():
            return []
        frame = self.spark.read.option("recursiveFileLookup", "true").parquet(str(folder))
        return [row.asDict() for row in frame.collect()]

    def curated(self) -> list[dict[str, Any]]:
        return self.parquet(self.pipeline.curated_bucket, f"{self.pipeline.settings.target_table}/")

    def rejects(self) -> list[dict[str, Any]]:
        found = self.parquet(self.pipeline.raw_bucket, self.pipeline.settings.rejects_prefix)
        return sorted(found, key=lambda r: (r["source_file"], r["record_number"], r["rule"]))


ID = {"invalid": 100, "mixed": 200, "notes": 300, "layout": 400, "good": 500, "later": 600}
BAD_HEADERS = {
    "two-names.csv": ("order_id,Order ID,amount,updated_at", "both normalise to 'order_id'"),
    "repeated.csv": ("order_id,amount,amount,updated_at", "both normalise to 'amount'"),
    "missing.csv": ("order_id,updated_at", "lacks required columns ['amount']"),
}


def _row(key: int, amount: str = "1.0", rest: str = ",,") -> str:
    return f"{key},{amount},2024-05-01T08:00:00Z,{rest}\n"


INVALID = HEADER + "".join(
    [
        _row(100, "10.5", "c1,1.5,good"),  # 1: curated
        _row(101, "abc"),  # 2: not a number
        "102,1.0,not-a-date,,,\n",  # 3: not a timestamp
        _row(103, '"1,000.50"'),  # 4: thousands separator
        "1.5,2.0,2024-05-01T08:00:00Z,,,\n",  # 5: fractional key
        "99999999999999999999,2.0,2024-05-01T08:00:00Z,,,\n",  # 6: key past 64 bits
        _row(107, "3.0", "c7,abc,score kept as NULL"),  # 7: curated, score NULL
        "100,9.5,2024-05-01T07:00:00Z,c1,,older version\n",  # 8: superseded
    ]
)
FILES: dict[str, str | bytes] = {
    "invalid.csv": INVALID,
    "mixed.csv": HEADER + _row(200, "20", "00123,,") + _row(201, "19.90", "ABC,,"),
    "notes.csv": ("\ufeff" + HEADER + _row(300, "1.0", ',,"first line\nsecond line"')).encode(),
    "layout-a.csv": HEADER + _row(400) + _row(401),
    "layout-b.csv": "Updated At,Extra,Order ID,Amount\n"
    "2024-05-02T08:00:00Z,x,402,3.0\n2024-05-02T08:00:00Z,y,403,4.0\n",
    "layout-c.csv": "amount,order_id,updated_at\n6.0,404,2024-05-03T08:00:00Z\n",
    **{name: f"{header}\n1,2,3,4\n" for name, (header, _) in BAD_HEADERS.items()},
    "good.csv": HEADER + _row(500),
}
EVENTS_FILE = (
    '\ufeff{"eventId": 1, "seenAt": "2024-05-01T08:00:00Z", "page": "/a"}\n'
    "\n"
    '{"event_id": "2", "SEEN_AT": "2024-05-01T09:00:00Z"}\n'
    "[1, 2]\n"
    '{"eventId": 3, "event_id": 4, "seenAt": "2024-05-01T09:00:00Z"}\n'
)


@dataclass
class Drills:
    """What the job did, run by run, in one emulated account."""

    first: JobRun
    second: JobRun
    held: JobRun
    adopting: JobRun
    idle: JobRun
    events: JobRun
    urls: dict[str, str]
    curated: list[dict[str, Any]]
    rejects: list[dict[str, Any]]
    quarantined: dict[str, dict[str, str]]
    metrics: dict[str, float]
    held_keys: list[str]
    pending_keys: list[str]
    events_curated: list[dict[str, Any]]
    events_rejects: list[dict[str, Any]]
    settings: Any
    curated_bucket: str


def _metrics(region: str) -> dict[str, float]:
    cloudwatch = boto3.client("cloudwatch", region_name=region)
    listed = cloudwatch.list_metrics(Namespace="DataPlatform/Pipelines")["Metrics"]
    assert {d["Value"] for m in listed for d in m["Dimensions"]} <= {"drill"}
    return {
        m["MetricName"]: cloudwatch.get_metric_statistics(
            Namespace="DataPlatform/Pipelines",
            MetricName=m["MetricName"],
            Dimensions=[{"Name": "Pipeline", "Value": "drill"}],
            StartTime="2000-01-01T00:00:00Z",
            EndTime="2100-01-01T00:00:00Z",
            Period=3600,
            Statistics=["Sum"],
        )["Datapoints"][0]["Sum"]
        for m in listed
    }


@pytest.fixture(scope="module")
def drills(drill_capture: Capture, spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Drills:
    workdir = tmp_path_factory.mktemp("drills")
    with Emulation(drill_capture, spark=lambda: spark, workdir=workdir) as emulation:
        job = Job(emulation, emulation.pipelines["drill"], spark, workdir)
        settings = job.pipeline.settings
        urls = {name: job.land(name, body) for name, body in FILES.items()}
        first = job.run()
        metrics = _metrics(emulation.region)  # the first run's
        urls["later.csv"] = job.land("later.csv", HEADER + _row(600))
        second = job.run()
        job.land("mostly-bad.csv", HEADER + _row(700) + _row(701, "x") + "702,1.0,bad,,,\n")
        held = job.run()
        for key in job.keys(job.pipeline.curated_bucket, settings.ledger_prefix):
            job.s3.delete_object(Bucket=job.pipeline.curated_bucket, Key=key)  # before a ledger
        time.sleep(1.1)  # S3 LastModified has second precision
        urls["new.csv"] = job.land("new.csv", HEADER + _row(800))
        adopting = job.run()
        idle = job.run()
        quarantine = settings.quarantine_prefix
        quarantined = {
            key.removeprefix(quarantine): {
                **job.s3.head_object(Bucket=job.pipeline.raw_bucket, Key=key)["Metadata"],
                "etag": job.s3.head_object(Bucket=job.pipeline.raw_bucket, Key=key)["ETag"],
            }
            for key in job.keys(job.pipeline.raw_bucket, quarantine)
        }
        events_job = Job(emulation, emulation.pipelines["drill-events"], spark, workdir)
        urls["events.jsonl"] = events_job.land("events.jsonl", EVENTS_FILE.encode())
        events = events_job.run()
        return Drills(
            first=first,
            second=second,
            held=held,
            adopting=adopting,
            idle=idle,
            events=events,
            urls=urls,
            curated=job.curated(),
            rejects=job.rejects(),
            quarantined=quarantined,
            metrics=metrics,
            held_keys=job.keys(job.pipeline.curated_bucket, settings.held_prefix),
            pending_keys=job.keys(job.pipeline.curated_bucket, settings.manifest_prefix),
            events_curated=events_job.curated(),
            events_rejects=events_job.rejects(),
            settings=settings,
            curated_bucket=job.pipeline.curated_bucket,
        )


def _report(run: JobRun) -> dict[str, Any]:
    assert (run.state, run.error) == ("SUCCEEDED", None)
    assert run.report is not None, "the run wrote no report"
    parts = ("rows_curated", "rows_superseded", "rows_rejected", "rows_filtered")
    assert run.report["rows_read"] == sum(run.report[p] for p in parts), "rows unaccounted"
    return run.report


def _file(report: dict[str, Any], url: str) -> dict[str, Any]:
    (entry,) = [f for f in report["files"] if f["source_file"] == url]
    found: dict[str, Any] = entry
    return found


def _curated(drills: Drills, first: int, last: int) -> list[dict[str, Any]]:
    rows = [r for r in drills.curated if first <= r["order_id"] <= last]
    return sorted(rows, key=lambda r: r["order_id"])


def test_invalid_values_are_rejected_with_their_reason_and_every_row_is_accounted(
    drills: Drills,
) -> None:
    source = drills.urls["invalid.csv"]
    entry = _file(_report(drills.first), source)
    assert entry == {
        "source_file": source,
        "outcome": "curated",
        "rows_read": 8,
        "rows_rejected": 5,
    }
    assert [(r["order_id"], r["score"]) for r in _curated(drills, 100, 199)] == [
        (100, 1.5),
        (107, None),
    ]
    rejects = [r for r in drills.rejects if r["source_file"] == source]
    found = [(r["record_number"], r["column_name"], r["original_text"], r["rule"]) for r in rejects]
    assert found == [
        (2, "amount", "abc", "cast"),
        (3, "updated_at", "not-a-date", "cast"),
        (4, "amount", "1,000.50", "cast"),
        (5, "order_id", "1.5", "cast"),
        (6, "order_id", "99999999999999999999", "cast"),
        (7, "score", "abc", "cast"),
    ]
    reasons = {r["record_number"]: r["reason"] for r in rejects}
    assert reasons[2] == "amount is not a number"
    assert reasons[6] == "order_id is outside the 64-bit integer range"
    assert reasons[7].endswith("kept as NULL (expectations.null_on_cast_failure)")
    assert {r["run_id"] for r in rejects} == {drills.first.id}
    report = _report(drills.first)
    assert report["rows_superseded"] == 1  # invalid.csv's older version of its first key


def test_values_keep_their_text_so_no_column_becomes_a_choice_of_types(drills: Drills) -> None:
    assert _file(_report(drills.first), drills.urls["mixed.csv"])["rows_read"] == 2
    assert [
        (r["order_id"], r["amount"], r["customer_ref"]) for r in _curated(drills, 200, 299)
    ] == [
        (200, 20.0, "00123"),
        (201, 19.9, "ABC"),
    ]


def test_a_quoted_line_break_stays_in_its_value_and_a_bom_is_not_a_column_name(
    drills: Drills,
) -> None:
    assert _file(_report(drills.first), drills.urls["notes.csv"])["rows_read"] == 1
    assert [r["note"] for r in _curated(drills, 300, 399)] == ["first line\nsecond line"]


def test_files_with_different_layouts_in_one_batch_curate_every_row(drills: Drills) -> None:
    report = _report(drills.first)
    read = [_file(report, drills.urls[f"layout-{x}.csv"])["rows_read"] for x in "abc"]
    assert read == [2, 2, 1]
    assert [(r["order_id"], r["amount"]) for r in _curated(drills, 400, 499)] == [
        (400, 1.0),
        (401, 1.0),
        (402, 3.0),
        (403, 4.0),
        (404, 6.0),
    ]


@pytest.mark.parametrize("name", sorted(BAD_HEADERS))
def test_a_file_that_cannot_be_curated_is_quarantined_and_never_blocks_the_next(
    drills: Drills, name: str
) -> None:
    problem = BAD_HEADERS[name][1]
    entry = _file(_report(drills.first), drills.urls[name])
    assert (entry["outcome"], entry["rows_read"]) == ("quarantined", 0)
    assert problem in entry["reason"]
    copy_ = drills.quarantined[name]
    assert problem in copy_["quarantine-reason"]
    assert copy_["source-etag"] == copy_["etag"].strip('"')
    # The good file of the same batch is curated; the next run reads only its new file.
    assert _file(_report(drills.first), drills.urls["good.csv"])["outcome"] == "curated"
    assert [r["order_id"] for r in _curated(drills, 500, 699)] == [500, 600]
    assert [f["source_file"] for f in _report(drills.second)["files"]] == [drills.urls["later.csv"]]


def test_a_batch_over_its_reject_ratio_is_held_back_from_the_warehouse(drills: Drills) -> None:
    report = _report(drills.held)
    assert report["batch"]["status"] == "held"
    (reason,) = report["batch"]["reasons"]
    assert "rejected 2 of 3 rows" in reason and "max_reject_ratio (0.5)" in reason
    held = f"{drills.settings.held_prefix}{drills.held.id}.json"
    assert drills.held_keys == [held]
    assert report["manifest"] == f"s3://{drills.curated_bucket}/{held}"
    assert f"{drills.settings.manifest_prefix}{drills.held.id}.json" not in drills.pending_keys
    assert _report(drills.first)["batch"] == {"status": "pending", "reasons": []}


def test_each_run_puts_its_accounting_as_metrics(drills: Drills) -> None:
    report = _report(drills.first)
    assert drills.metrics == {
        "RowsRead": report["rows_read"],
        "RowsCurated": report["rows_curated"],
        "RowsSuperseded": report["rows_superseded"],
        "RowsRejected": report["rows_rejected"],
        "FilesQuarantined": len(BAD_HEADERS),
        "BatchesHeld": 0,
    }


def test_json_lines_keys_in_any_case_a_bom_and_a_line_that_is_not_an_object(
    drills: Drills,
) -> None:
    report = _report(drills.events)
    assert (report["rows_read"], report["rows_curated"], report["rows_rejected"]) == (4, 2, 2)
    assert sorted((r["event_id"], r["page"]) for r in drills.events_curated) == [
        (1, "/a"),
        (2, None),
    ]
    source = drills.urls["events.jsonl"]
    found = [(r["source_file"], r["record_number"], r["rule"]) for r in drills.events_rejects]
    assert found == [(source, 4, "malformed"), (source, 5, "malformed")]
    assert drills.events_rejects[0]["original_text"] == "[1, 2]"


def test_a_job_that_ran_before_its_ledger_adopts_what_its_last_success_read(
    drills: Drills,
) -> None:
    assert [f["source_file"] for f in _report(drills.adopting)["files"]] == [drills.urls["new.csv"]]


def test_a_run_with_nothing_new_writes_no_report_and_no_manifest(drills: Drills) -> None:
    assert drills.idle.state == "SUCCEEDED"
    assert drills.idle.report is None and drills.idle.manifest is None
