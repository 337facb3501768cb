"""Drills on emulated AWS: what the declared pipeline does with a bad file, a failing job, a
crawler that never finishes, an update to an earlier row, and a burst of files."""

from __future__ import annotations

import copy
import dataclasses
import json
from concurrent.futures import ThreadPoolExecutor

from offline.capture import Capture
from offline.mocks import Registration
from pipeline_run.driver import PipelineDriver
from pipeline_run.local import run_pipeline
from pipeline_run.samples import render, sample_rows
from tests.pipeline_run.conftest import Emulate

TIMEOUT = 300.0


def _driver(emulation: object, name: str) -> PipelineDriver:
    pipeline = emulation.pipelines[name]  # type: ignore[attr-defined]
    clients = emulation.clients  # type: ignore[attr-defined]
    return PipelineDriver(pipeline, clients.s3, clients.sfn)


def test_a_malformed_file_goes_to_quarantine_and_starts_nothing(emulate: Emulate) -> None:
    body = b"order_id,customer_id,updated_at\n1,7,2024-05-01T08:00:00Z\n"  # no amount column
    with emulate("dev") as emulation:
        pipeline = emulation.pipelines["orders"]
        report = run_pipeline(emulation, "orders", ("no-amount.csv", body))
        raw = emulation.clients.s3.list_objects_v2(Bucket=pipeline.raw_bucket)
        keys = [o["Key"] for o in raw.get("Contents", [])]
        executions = emulation.clients.sfn.list_executions(
            stateMachineArn=pipeline.state_machine_arn
        )["executions"]

    assert report.status == "QUARANTINED"
    assert report.quarantined == ["quarantine/orders/no-amount.csv"]
    assert report.missing_columns == ["amount"] and "amount" in report.outcome
    assert keys == ["quarantine/orders/no-amount.csv"], "moved, not copied"
    assert executions == [] and report.glue_runs == [] and report.path == []
    assert report.warehouse_rows == 0


def test_a_failing_glue_job_takes_the_failure_path_alerts_and_is_retried(
    emulate: Emulate, fixture_captures: dict[str, Capture]
) -> None:
    # A job whose declared key is not a required column fails before it reads anything.
    def broken(resource: Registration) -> Registration:
        if resource.name != "clickstream-etl-job":
            return resource
        inputs = copy.deepcopy(resource.inputs)
        inputs["defaultArguments"]["--key_columns"] = "no_such_column"
        return dataclasses.replace(resource, inputs=inputs)

    capture = dataclasses.replace(
        fixture_captures["dev"], resources=tuple(map(broken, fixture_captures["dev"].resources))
    )
    with emulate("dev", capture=capture) as emulation:
        rows = sample_rows(emulation.pipelines["clickstream"].settings)
        body = "".join(json.dumps(r) + "\n" for r in rows)
        report = run_pipeline(emulation, "clickstream", ("events.jsonl", body.encode()))
        driver = _driver(emulation, "clickstream")
        retried = driver.wait(driver.start_scheduled(), TIMEOUT)
        runs = emulation.glue.runs(emulation.pipelines["clickstream"].job_name)

    assert report.status == "FAILED"
    states = [state for state, _ in report.path]
    assert states[-4:] == ["RunGlueJob", "NotifyFailure", "MarkForRetry", "PipelineFailed"]
    assert (report.error, report.cause) == ("PipelineFailed", "clickstream pipeline failed")
    run = report.glue_runs[0]
    assert run.state == "FAILED" and run.error is not None and "no_such_column" in run.error
    (alert,) = report.alerts
    # The alert function's message: pipeline, run and what started it, then the reason.
    first_line = alert.splitlines()[0]
    assert first_line.startswith(f"clickstream: Glue job run {run.id} for its scheduled run of ")
    assert first_line.endswith(f": {run.error}")
    assert report.warehouse_rows == 0
    # Nothing new landed, but the failure left its mark: the next scheduled run runs the job.
    assert retried.visited("ClearLanded") and retried.visited("RunGlueJob")
    assert [r.state for r in runs] == ["FAILED", "FAILED"], "the failed run recorded nothing"


def test_a_scheduled_run_with_nothing_landed_neither_crawls_nor_runs_the_job(
    emulate: Emulate,
) -> None:
    with emulate("dev") as emulation:
        first = run_pipeline(emulation, "clickstream")
        driver = _driver(emulation, "clickstream")
        idle = driver.wait(driver.start_scheduled(), TIMEOUT)
        runs = emulation.glue.runs(emulation.pipelines["clickstream"].job_name)

    assert first.status == "SUCCEEDED" and first.queued == ["data-platform-dev-clickstream-landed"]
    assert idle.succeeded
    assert [visit.name for visit in idle.path] == [
        "IsLoadOnly",
        "CheckLanded",
        "AnythingLanded",
        "ListPendingLoads",
        "HasPendingLoads",
        "PipelineSucceeded",
    ]
    assert len(runs) == 1


def test_a_crawler_that_never_finishes_ends_in_the_poll_limit(emulate: Emulate) -> None:
    with emulate("dev", crawls_finish=False) as emulation:
        report = run_pipeline(emulation, "orders")
        limit = emulation.pipelines["orders"].definition["States"]["CheckCrawlerState"]
        crawler = emulation.pipelines["orders"].crawler_name

    assert report.status == "FAILED"
    states = [state for state, _ in report.path]
    (polls,) = [
        c["NumericGreaterThanEquals"]
        for c in limit["Choices"]
        if c["Variable"] == "$.crawlerPoll.Attempts"
    ]
    assert states.count("GetCrawler") == polls
    assert states[-3:] == ["CrawlerPollLimitReached", "NotifyFailure", "PipelineFailed"]
    assert "RunGlueJob" not in states and report.glue_runs == []
    (alert,) = report.alerts
    assert alert.startswith(
        f"orders: the crawl for file {report.landed} failed: crawler {crawler} still running"
    )


def test_a_later_file_updates_a_key_and_the_bookmark_skips_the_first(emulate: Emulate) -> None:
    with emulate("dev") as emulation:
        settings = emulation.pipelines["orders"].settings
        first = sample_rows(settings, count=3)
        changed = dict(first[1], amount=99.5, updated_at="2024-06-01T00:00:00Z")
        added = sample_rows(settings, first=10, count=1)[0]
        one = run_pipeline(emulation, "orders", ("first.csv", render(settings, first)))
        two = run_pipeline(emulation, "orders", ("second.csv", render(settings, [changed, added])))
        rows = emulation.warehouse.rows("curated.orders")
        columns = emulation.warehouse.columns("curated.orders")

    assert (one.status, two.status) == ("SUCCEEDED", "SUCCEEDED")
    # The second run read only the second file: the bookmark kept the first.
    assert [(r.rows_read, r.rows_written) for r in one.glue_runs] == [(3, 3)]
    assert [(r.rows_read, r.rows_written) for r in two.glue_runs] == [(2, 2)]
    by_key = {row[columns.index("order_id")]: row for row in rows}
    assert len(rows) == len(by_key) == 4, "one row per key"
    latest = by_key[changed["order_id"]]
    assert latest[columns.index("amount")] == 99.5
    assert latest[columns.index("updated_at")].isoformat().startswith("2024-06-01T00:00:00")
    assert latest[columns.index("_source_manifest")] == two.glue_runs[0].manifest


def test_a_burst_of_files_loads_every_row_once_without_alerts(emulate: Emulate) -> None:
    files, rows_per_file = 50, 2
    with emulate("dev") as emulation:
        settings = emulation.pipelines["orders"].settings
        driver = _driver(emulation, "orders")
        keys = [
            driver.land(
                f"burst-{n:02d}.csv",
                render(settings, sample_rows(settings, first=n * rows_per_file, count=2)),
            )
            for n in range(files)
        ]
        arns = []
        for key in keys:  # one event per file, as S3 delivers them, while earlier ones run
            delivery = emulation.object_created(emulation.pipelines["orders"], key)
            arns += [entry["execution_arn"] for r in delivery.results for entry in r["started"]]
        with ThreadPoolExecutor(max_workers=8) as pool:
            outcomes = list(pool.map(lambda arn: driver.wait(arn, TIMEOUT), arns))
        rows = emulation.warehouse.rows("curated.orders")
        columns = emulation.warehouse.columns("curated.orders")
        runs = emulation.glue.runs(emulation.pipelines["orders"].job_name)
        alerts = emulation.alerts()

    assert len(arns) == files
    failed = [(o.path[-3:], o.error, o.cause) for o in outcomes if not o.succeeded]
    assert failed == []
    handed_over = [o for o in outcomes if o.visited("HandedOverToQueuedRun")]
    print(f"burst: {len(runs)} job runs, {len(handed_over)} executions handed over")
    assert handed_over, "executions that found a queued run handed over to it"
    assert len(runs) + len(handed_over) == files
    assert {r.state for r in runs} == {"SUCCEEDED"}
    assert sum(r.rows_read for r in runs) == files * rows_per_file, "each file read once"
    order_ids = sorted(row[columns.index("order_id")] for row in rows)
    assert order_ids == sorted(
        {
            r["order_id"]
            for n in range(files)
            for r in sample_rows(settings, first=n * rows_per_file, count=2)
        }
    )
    assert alerts == []
