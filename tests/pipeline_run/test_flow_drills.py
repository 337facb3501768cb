"""Drills on emulated AWS for what happens around the Glue job, on a stack the tests own
(tests/fixtures/stacks/flow.yaml): a manifest that never loads is dead-lettered after the
pipeline's `load.max_attempts` and does not hold up later ones; bad files and batches raise alerts
a person can act on; and each held-back piece of data goes through once when released, replayed
or backfilled."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import duckdb

from offline.capture import Capture
from pipeline_run.deployment import PipelineDeployment
from pipeline_run.driver import PipelineDriver
from pipeline_run.emulation import Emulation
from pipeline_run.local import run_pipeline
from pipeline_run.recovery import Recovery, RecoveryError
from pipeline_run.samples import render, sample_rows
from stack_config.pipelines import METRICS_DIMENSION, METRICS_NAMESPACE, PipelineSettings
from tests.pipeline_run.conftest import Emulate

TIMEOUT = 300.0
BROKEN_RUN = "jr_0000-broken"  # sorts before every run id Glue gives (jr_ and hex digits)


def _first(settings: PipelineSettings, kind: str) -> str:
    return next(name for name, typed in settings.curated_columns if typed == kind)


def _table(emulation: Emulation, pipeline: PipelineDeployment) -> list[dict[str, Any]]:
    warehouse = emulation.capture.config.platform.warehouse
    assert warehouse is not None
    table = f"{warehouse.load_schema}.{pipeline.settings.target_table}"
    columns = emulation.warehouse.columns(table)
    return [dict(zip(columns, row, strict=True)) for row in emulation.warehouse.rows(table)]


def _keys(emulation: Emulation, pipeline: PipelineDeployment) -> list[Any]:
    key = pipeline.settings.key_columns[0]
    return sorted(row[key] for row in _table(emulation, pipeline))


def _file(settings: PipelineSettings, first: int, count: int = 2) -> bytes:
    return render(settings, sample_rows(settings, first=first, count=count))


def _keys_of(settings: PipelineSettings, first: int, count: int = 2) -> list[Any]:
    key = settings.key_columns[0]
    return [row[key] for row in sample_rows(settings, first=first, count=count)]


def _parquet(tmp: Path, query: str) -> bytes:
    path = tmp / "file.parquet"
    duckdb.sql(f"COPY ({query}) TO '{path}' (FORMAT PARQUET)")
    return path.read_bytes()


def _keys_in_file(settings: PipelineSettings, first: int) -> str:
    """SQL of two rows in the curated columns' order and types (what the Glue job writes)."""
    rows = sample_rows(settings, first=first, count=2)
    types = {"int": "BIGINT", "float": "DOUBLE", "timestamp": "TIMESTAMP", "string": "VARCHAR"}

    def value(name: str, kind: str, row: dict[str, Any]) -> str:
        text = str(row[name]).replace("Z", "")
        return f"CAST('{text}' AS {types[kind]}) AS {name}"

    return " UNION ALL ".join(
        "SELECT " + ", ".join(value(n, k, row) for n, k in settings.curated_columns) for row in rows
    )


def _put_manifest(emulation: Emulation, pipeline: PipelineDeployment, key: str, body: bytes) -> str:
    """A Parquet file under the table's prefix and a pending manifest listing it."""
    s3, bucket = emulation.clients.s3, pipeline.curated_bucket
    data = f"{pipeline.settings.target_table}/ingest_date=2024-07-01/{key}.parquet"
    s3.put_object(Bucket=bucket, Key=data, Body=body)
    entry = {"url": f"s3://{bucket}/{data}", "mandatory": True}
    manifest = {"entries": [{**entry, "meta": {"content_length": len(body)}}]}
    pending = f"{pipeline.settings.manifest_prefix}{key}.json"
    s3.put_object(Bucket=bucket, Key=pending, Body=json.dumps(manifest).encode())
    return data


def _objects(emulation: Emulation, bucket: str, prefix: str) -> list[str]:
    listed = emulation.clients.s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return [o["Key"] for o in listed.get("Contents", [])]


def test_a_manifest_that_never_loads_is_dead_lettered_and_later_manifests_load(
    emulate: Emulate, flow_capture: Capture, tmp_path: Path
) -> None:
    with emulate("flow", capture=flow_capture) as emulation:
        sales = emulation.pipelines["sales"]
        settings, bucket = sales.settings, sales.curated_bucket
        limit = settings.load.max_attempts
        first = run_pipeline(emulation, "sales", ("a.csv", _file(settings, 0)))
        # Its columns changed while it was pending: a Parquet file of one column.
        data = _put_manifest(emulation, sales, BROKEN_RUN, _parquet(tmp_path, "SELECT 1 AS x"))
        starts = [10 * (attempt + 1) for attempt in range(limit)]
        later = [
            run_pipeline(emulation, "sales", (f"later-{start}.csv", _file(settings, start)))
            for start in starts
        ]
        keys = _keys(emulation, sales)
        dead = _objects(emulation, bucket, settings.dead_letter_prefix)
        pending = _objects(emulation, bucket, settings.manifest_prefix)
        alerts = [*later[0].alerts, *later[-1].alerts]
        # The cause is fixed (the file rewritten in the table's layout): replayed, it loads once.
        fixed = _parquet(tmp_path, _keys_in_file(settings, 900))
        emulation.clients.s3.put_object(Bucket=bucket, Key=data, Body=fixed)
        dead_key = f"{settings.dead_letter_prefix}{BROKEN_RUN}.json"
        manifest = json.loads(
            emulation.clients.s3.get_object(Bucket=bucket, Key=dead_key)["Body"].read()
        )
        manifest["entries"][0]["meta"]["content_length"] = len(fixed)
        emulation.clients.s3.put_object(
            Bucket=bucket, Key=dead_key, Body=json.dumps(manifest).encode()
        )
        recovery = Recovery(sales, emulation.clients.s3, emulation.clients.sfn, poll_seconds=0.1)
        replayed = recovery.replay_manifest(BROKEN_RUN)
        keys_after = _keys(emulation, sales)
        attempts_left = _objects(emulation, bucket, settings.load_attempts_prefix)
        metrics = boto3.client("cloudwatch", region_name=emulation.region).list_metrics(
            Namespace=METRICS_NAMESPACE
        )["Metrics"]
        try:
            recovery.replay_manifest(BROKEN_RUN)
            again = "replayed twice"
        except RecoveryError as error:
            again = str(error)

    assert first.status == "SUCCEEDED"
    # Every later file loaded although the broken manifest came first in key order.
    assert keys == sorted(
        _keys_of(settings, 0) + [k for s in starts for k in _keys_of(settings, s)]
    )
    # The first failure leaves it pending and says so; the last moves it to dead letter.
    assert later[0].status == "FAILED" and later[0].failed_state == "ReportFailedLoads"
    failed = [load for load in later[0].loads if load.outcome == "failed"]
    assert [(f.manifest, f.attempts, f.max_attempts) for f in failed] == [
        (f"{settings.manifest_prefix}{BROKEN_RUN}.json", 1, limit)
    ]
    assert later[-1].status == "SUCCEEDED"
    assert dead == [dead_key] and f"{settings.manifest_prefix}{BROKEN_RUN}.json" not in pending
    first_lines = [alert.splitlines()[0] for alert in alerts]
    assert first_lines[0].startswith(
        f"sales: load of manifest {settings.manifest_prefix}{BROKEN_RUN}.json failed (attempt 1"
        f" of {limit}): LoadWarehouseFailed: COPY "
    )
    assert first_lines[-1].startswith(
        f"sales: manifest {BROKEN_RUN}.json moved to dead letter after {limit} failed loads:"
        " LoadWarehouseFailed: COPY "
    )
    assert f"make replay STACK=flow PIPELINE=sales MANIFEST={BROKEN_RUN}" in alerts[-1]
    # Replayed: loaded once, its attempts forgotten, nothing left in dead letter.
    assert replayed.ok, replayed
    assert keys_after == sorted(keys + _keys_of(settings, 900))
    assert attempts_left == []
    assert again.startswith("sales has no dead-lettered manifest")
    names = {(m["MetricName"], m["Dimensions"][0]["Value"]) for m in metrics}
    assert {("LoadsSucceeded", "sales"), ("ManifestsDeadLettered", "sales")} <= names
    assert {m["Dimensions"][0]["Name"] for m in metrics} == {METRICS_DIMENSION}


def test_every_file_held_back_or_landed_astray_raises_one_readable_alert(
    emulate: Emulate, flow_capture: Capture
) -> None:
    with emulate("flow", capture=flow_capture) as emulation:
        sales, visits = emulation.pipelines["sales"], emulation.pipelines["visits"]
        settings, s3 = sales.settings, emulation.clients.s3
        amount = _first(settings, "float")
        columns = [name for name, _ in settings.curated_columns if name != amount]
        (row,) = sample_rows(settings, count=1)
        missing = f"{','.join(columns)}\n{','.join(str(row[c]) for c in columns)}\n".encode()
        report = run_pipeline(emulation, "sales", ("no-amount.csv", missing))
        # Files under no pipeline's prefix: a near miss of one, and another.
        astray = [f"{settings.source_prefix.title()}2024/a.csv", "exports/b.csv"]
        for key in astray:
            s3.put_object(Bucket=sales.raw_bucket, Key=key, Body=b"x")
        # What the Glue job does with a file it cannot curate (a copy, with its reason).
        isolated = f"{visits.settings.quarantine_prefix}2024/v.jsonl"
        reason = "two header columns normalise to one name (Page, page)"
        s3.put_object(
            Bucket=visits.raw_bucket,
            Key=isolated,
            Body=b"{}",
            Metadata={"quarantine-reason": reason, "source-etag": "abc"},
        )
        alerts = emulation.alerts()

    assert report.status == "QUARANTINED"
    assert report.missing_columns == [amount]
    (quarantined,) = report.alerts
    lines = quarantined.splitlines()
    assert lines[0] == (
        f"sales: file {settings.source_prefix}no-amount.csv was quarantined: it lacks required"
        f" columns ({amount})."
    )
    assert lines[-1].strip() == (
        f"make replay STACK=flow PIPELINE=sales FILE={settings.quarantine_prefix}no-amount.csv"
    )
    first_lines = sorted(alert.splitlines()[0] for alert in alerts)
    assert first_lines == sorted(
        [
            f"flow: file {astray[0]} landed in s3://{sales.raw_bucket} under no pipeline's prefix;"
            f" nothing reads it. It looks meant for {settings.source_prefix}.",
            f"flow: file {astray[1]} landed in s3://{sales.raw_bucket} under no pipeline's prefix;"
            " nothing reads it.",
            f"visits: file {visits.settings.source_prefix}2024/v.jsonl was quarantined: {reason}.",
        ]
    )
    assert all(len(alert) < 1000 for alert in [quarantined, *alerts]), "no dumps"


def _metric_sums(emulation: Emulation, pipeline: str, metrics: tuple[str, ...]) -> dict[str, float]:
    """Each metric's sum over all time in the pipelines' namespace, for one pipeline."""
    cloudwatch = boto3.client("cloudwatch", region_name=emulation.region)
    return {
        metric: cloudwatch.get_metric_statistics(
            Namespace=METRICS_NAMESPACE,
            MetricName=metric,
            Dimensions=[{"Name": METRICS_DIMENSION, "Value": pipeline}],
            StartTime="2000-01-01T00:00:00Z",
            EndTime="2100-01-01T00:00:00Z",
            Period=86400,
            Statistics=["Sum"],
        )["Datapoints"][0]["Sum"]
        for metric in metrics
    }


def _follow(emulation: Emulation, pipeline: PipelineDeployment, name: str, body: bytes) -> str:
    """Land a file and wait for its execution; its Glue run's id."""
    driver = PipelineDriver(pipeline, emulation.clients.s3, emulation.clients.sfn)
    key = driver.land(name, body)
    delivery = emulation.object_created(pipeline, key)
    (started,) = [s for result in delivery.results for s in result["started"]]
    assert driver.wait(started["execution_arn"], TIMEOUT).succeeded
    return str(emulation.glue.runs(pipeline.job_name)[-1].id)


def test_a_held_batch_alerts_and_its_release_loads_it_once(
    emulate: Emulate, flow_capture: Capture
) -> None:
    """A batch over its max_reject_ratio (the flow stack's sales: range amount >= 0) is held by
    the job: its manifest under the held prefix, its reasons in the run report, one alert; its
    release loads its good rows once."""
    with emulate("flow", capture=flow_capture) as emulation:
        sales = emulation.pipelines["sales"]
        settings, s3, bucket = sales.settings, emulation.clients.s3, sales.curated_bucket
        ratio = settings.expectations.batch.max_reject_ratio
        assert ratio is not None and ratio < 1, "the flow stack's sales holds a bad batch"
        (rule,) = [r for r in settings.expectations.rows if r.kind == "range"]
        good = sample_rows(settings, first=0, count=2)
        # More rejected rows than the ratio allows: each below the range's minimum.
        bad_count = int(len(good) * ratio / (1 - ratio)) + 1
        bad = [
            {**row, rule.column: -1 if rule.min is None else float(rule.min) - 1}
            for row in sample_rows(settings, first=50, count=bad_count)
        ]
        run_id = _follow(emulation, sales, "held.csv", render(settings, [*good, *bad]))
        loaded_before = _keys(emulation, sales)
        held = _objects(emulation, bucket, settings.held_prefix)
        report = json.loads(
            s3.get_object(Bucket=bucket, Key=f"{settings.run_report_prefix}{run_id}.json")[
                "Body"
            ].read()
        )
        metrics = _metric_sums(emulation, "sales", ("RowsRead", "RowsRejected", "BatchesHeld"))
        (alert,) = emulation.alerts()
        recovery = Recovery(sales, s3, emulation.clients.sfn, poll_seconds=0.1)
        released = recovery.release(None)
        loaded_after = _keys(emulation, sales)
        try:
            recovery.release(None)
            again = "released twice"
        except RecoveryError as error:
            again = str(error)

    assert loaded_before == [] and held == [f"{settings.held_prefix}{run_id}.json"]
    rows = len(good) + bad_count
    # The job's metrics, which the rejects and held-batch alarms watch.
    assert metrics == {"RowsRead": rows, "RowsRejected": bad_count, "BatchesHeld": 1}
    assert (report["rows_read"], report["rows_rejected"]) == (rows, bad_count)
    assert report["rows_read"] == (
        report["rows_curated"] + report["rows_superseded"] + report["rows_rejected"]
    )
    (reason,) = report["batch"]["reasons"]
    assert report["batch"]["status"] == "held" and "max_reject_ratio" in reason
    lines = alert.splitlines()
    assert lines[0] == f"sales: batch {run_id} was held back from the warehouse: {reason}."
    assert f"It read {rows} rows and rejected {bad_count}." in alert
    assert lines[-2].strip() == f"make release STACK=flow PIPELINE=sales RUN={run_id}"
    assert released.ok and released.moved == [f"{settings.manifest_prefix}{run_id}.json"]
    assert loaded_after == sorted(row[settings.key_columns[0]] for row in good)
    assert again.startswith("sales has no held batch")


def test_a_quarantined_file_replayed_once_fixed_loads_once(
    emulate: Emulate, flow_capture: Capture
) -> None:
    with emulate("flow", capture=flow_capture) as emulation:
        sales = emulation.pipelines["sales"]
        settings, s3 = sales.settings, emulation.clients.s3
        header, *rows = _file(settings, 0).decode().splitlines()
        short = ",".join(header.split(",")[:-1]) + "\n"  # a required column's header lost
        report = run_pipeline(emulation, "sales", ("late.csv", short.encode()))
        (quarantined,) = report.quarantined
        # Fixed where it waits (the producer's corrected file), then replayed.
        s3.put_object(Bucket=sales.raw_bucket, Key=quarantined, Body=_file(settings, 0))
        recovery = Recovery(
            sales, s3, emulation.clients.sfn, deliver=emulation.deliver_pending, poll_seconds=0.1
        )
        replayed = recovery.replay_file(quarantined)
        keys = _keys(emulation, sales)
        left = _objects(emulation, sales.raw_bucket, settings.quarantine_prefix)
        try:
            recovery.replay_file(quarantined)
            again = "replayed twice"
        except RecoveryError as error:
            again = str(error)

    assert report.status == "QUARANTINED" and rows
    (landed,) = replayed.moved
    assert landed.startswith(f"{settings.source_prefix}late.replayed-") and landed.endswith(".csv")
    assert replayed.ok, replayed
    assert [f.status for f in replayed.files] == ["SUCCEEDED"]
    assert keys == sorted(_keys_of(settings, 0))
    assert left == [] and again.startswith("sales has no quarantined file")


def test_a_backfilled_prefix_lands_every_file_once(emulate: Emulate, flow_capture: Capture) -> None:
    with emulate("flow", capture=flow_capture) as emulation:
        sales = emulation.pipelines["sales"]
        settings, s3 = sales.settings, emulation.clients.s3
        astray = f"{settings.source_prefix.title()}"
        for index, start in enumerate((0, 10)):
            key = f"{astray}2024/0{index}.csv"
            s3.put_object(Bucket=sales.raw_bucket, Key=key, Body=_file(settings, start))
        emulation.alerts()  # the two files under no pipeline's prefix: alerted, nothing read
        recovery = Recovery(
            sales, s3, emulation.clients.sfn, deliver=emulation.deliver_pending, poll_seconds=0.1
        )
        backfilled = recovery.backfill(astray)
        keys = _keys(emulation, sales)
        runs = len(emulation.glue.runs(sales.job_name))
        repeated = recovery.backfill(astray)
        runs_after = len(emulation.glue.runs(sales.job_name))

    assert backfilled.ok, backfilled
    assert backfilled.moved == [
        f"{settings.source_prefix}2024/00.csv",
        f"{settings.source_prefix}2024/01.csv",
    ]
    assert keys == sorted(_keys_of(settings, 0) + _keys_of(settings, 10))
    # Run again: every file is already there, nothing lands twice.
    assert repeated.moved == [] and repeated.skipped == backfilled.moved
    assert runs_after == runs


def test_the_counts_a_load_returns_are_reported_and_put_as_metrics(
    emulate: Emulate, flow_capture: Capture
) -> None:
    """The warehouse's load procedure counts what it did: a second batch holding an older and a
    newer version of two loaded keys and three new keys stages 5 = inserted 3 + replaced 1 +
    ignored as older 1; each load's counts are put as metrics."""
    with emulate("flow", capture=flow_capture) as emulation:
        settings = emulation.pipelines["sales"].settings
        order = settings.order_column
        loaded = sample_rows(settings, first=10, count=2)
        older = {**loaded[0], order: sample_rows(settings, first=0, count=1)[0][order]}
        newer = {**loaded[1], order: sample_rows(settings, first=20, count=1)[0][order]}
        fresh = sample_rows(settings, first=30, count=3)
        first = run_pipeline(emulation, "sales", ("a.csv", render(settings, loaded)))
        second = run_pipeline(
            emulation, "sales", ("b.csv", render(settings, [older, newer, *fresh]))
        )
        sums = _metric_sums(
            emulation, "sales", ("RowsStaged", "RowsInserted", "RowsReplaced", "RowsIgnoredOlder")
        )

    def counts(report: Any) -> tuple[int, int, int, int]:
        (load,) = report.loads
        return (load.staged, load.inserted, load.replaced, load.ignored_older)

    assert counts(first) == (2, 2, 0, 0)
    assert counts(second) == (5, 3, 1, 1)
    both = zip(counts(first), counts(second), strict=True)
    assert list(sums.values()) == [float(a + b) for a, b in both]
    assert "staged 5 = inserted 3 + replaced 1 + ignored as older 1" in render_report(second)


def render_report(report: Any) -> str:
    from pipeline_run.local_report import render

    return render("flow", report)
