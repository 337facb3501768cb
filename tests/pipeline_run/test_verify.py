"""Verify on emulated AWS, through the same code as against a deployment: canaries land in every
pipeline, their rows reach the curated canary partition (and the warehouse under reserved keys),
and nothing of them is left in the lake; a pipeline that fails or hangs fails the verification."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pipeline_run.canary_run import CanaryReport, Landed
from pipeline_run.deployment import deployed
from pipeline_run.emulation import Emulation
from pipeline_run.verify import EXIT_OK, EXIT_USAGE, main, run
from stack_config.lake import CURATED_ZONE, RAW_ZONE
from tests.pipeline_run.conftest import Emulate

POLL = 0.2


def outputs_of(emulation: Emulation) -> dict[str, Any]:
    """The stack outputs of the emulated deployment, in the shape `pulumi stack output` has."""
    pipelines = emulation.pipelines.values()
    first = next(iter(pipelines))
    return {
        "lake_buckets": {RAW_ZONE: first.raw_bucket, CURATED_ZONE: first.curated_bucket},
        "state_machines": {p.name: p.state_machine_arn for p in pipelines},
    }


def delivering(emulation: Emulation) -> Callable[[Landed], None]:
    """EventBridge's part: S3's Object Created event reaches every declared rule it matches (the
    ingestion function, or a scheduled pipeline's landing queue)."""

    def deliver(landed: Landed) -> None:
        emulation.object_created(landed.pipeline, landed.key)

    return deliver


def verify(
    emulation: Emulation,
    *,
    capture: Any = None,
    run_id: str = "r1",
    on_landed: Callable[[Landed], None] | None = None,
    **timing: Any,
) -> list[CanaryReport]:
    """Verify the emulated stack as the CLI does, S3's events delivered by `on_landed`."""
    return run(
        # A regression fails in two minutes, not in the stack file's verification timeout.
        capture if capture is not None else _with_timeout(emulation, minutes=2),
        outputs_of(emulation),
        s3=emulation.clients.s3,
        sfn=emulation.clients.sfn,
        run_id=run_id,
        on_landed=on_landed or delivering(emulation),
        poll_seconds=POLL,
        **timing,
    )


def _keys(emulation: Emulation, bucket: str) -> list[str]:
    listed = emulation.clients.s3.list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


def test_every_pipelines_canary_arrives_and_is_removed(emulate: Emulate) -> None:
    with emulate("dev") as emulation:
        reports = verify(emulation)
        pipeline = emulation.pipelines["orders"]
        raw, curated = (
            _keys(emulation, pipeline.raw_bucket),
            _keys(emulation, pipeline.curated_bucket),
        )
        warehouse = {t: emulation.warehouse.rows(f"curated.{t}") for t in ("orders", "page_views")}
        copies = list(emulation.warehouse.translations)

    assert [(r.pipeline, r.ok, r.status, r.rows_found) for r in reports] == [
        ("orders", True, "SUCCEEDED", 3),
        ("clickstream", True, "SUCCEEDED", 3),
    ]
    assert reports[0].landed == f"s3://{pipeline.raw_bucket}/orders/canary-r1.csv"
    assert reports[0].partition == f"s3://{pipeline.curated_bucket}/orders/ingest_date=1970-01-02/"
    assert "orders/canary-r1.csv" in reports[0].removed and reports[0].kept == []
    assert not [k for k in raw if "canary" in k]
    assert not [k for k in curated if "ingest_date=1970-01-02" in k]
    # The load ran (one COPY per pipeline's manifest) and kept none of the canary rows.
    loaded = [c.split(" FROM ")[1].split("/_manifests/")[1].split("/")[0] for c in copies]
    assert loaded == ["orders", "page_views"]
    assert warehouse == {"orders": [], "page_views": []}


def test_canary_rows_never_stay_in_the_warehouse_however_often_verify_runs(
    emulate: Emulate,
) -> None:
    with emulate("dev") as emulation:
        for run_id in ("r1", "r2"):
            reports = verify(emulation, run_id=run_id)
            assert all(r.ok for r in reports), reports
        rows = emulation.warehouse.rows("curated.orders")
        copies = len(emulation.warehouse.translations)

    assert (rows, copies) == ([], 4)


class FastClock:
    """Time that passes a minute per poll, so a verification times out in a few real polls."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        time.sleep(POLL)
        self.now += 60 * seconds / POLL


def test_a_hanging_pipeline_fails_within_the_timeout_and_is_still_cleaned(
    emulate: Emulate,
) -> None:
    clock = FastClock()
    with emulate("dev", crawls_finish=False, wait_seconds=1) as emulation:
        capture = _with_timeout(emulation, minutes=3)
        reports = verify(emulation, capture=capture, clock=clock, sleep=clock.sleep)
        raw = _keys(emulation, emulation.pipelines["orders"].raw_bucket)

    orders = reports[0]
    assert not orders.ok and orders.status == "RUNNING"
    assert orders.failure is not None and "did not finish within 3 min" in orders.failure
    assert 180 < clock.now <= 240, "it waited the configured time, measured by its clock"
    assert not [k for k in raw if "canary" in k]


def _with_timeout(emulation: Emulation, *, minutes: int) -> Any:
    capture = emulation.capture
    platform = capture.config.platform
    assert platform.delivery is not None
    verification = platform.delivery.verification.model_copy(update={"timeout_minutes": minutes})
    delivery = platform.delivery.model_copy(update={"verification": verification})
    config = capture.config.model_copy(
        update={"platform": platform.model_copy(update={"delivery": delivery})}
    )
    return replace(capture, config=config)


def test_a_canary_the_ingestion_function_rejects_fails_without_an_execution(
    emulate: Emulate,
) -> None:
    clock = FastClock()
    with emulate("dev") as emulation:

        def deliver_to_a_stricter_function(landed: Landed) -> None:
            if landed.pipeline.scheduled:
                return
            environment = {**(landed.pipeline.function_environment or {}), "MAX_OBJECT_BYTES": "8"}
            strict = replace(landed.pipeline, function_environment=environment)
            emulation.object_created(strict, landed.key)

        reports = verify(
            emulation,
            capture=_with_timeout(emulation, minutes=2),
            on_landed=deliver_to_a_stricter_function,
            clock=clock,
            sleep=clock.sleep,
        )

    orders = reports[0]
    assert (orders.ok, orders.status) == (False, "NOT STARTED")
    assert orders.failure is not None and "no execution started" in orders.failure
    assert [r.removed[0] for r in reports] == ["orders/canary-r1.csv", "clickstream/canary-r1.json"]


def test_the_cli_verifies_a_stack_from_its_outputs_file(
    emulate: Emulate, tmp_path: Path, fixture_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs, report = tmp_path / "outputs.json", tmp_path / "build" / "verify.json"
    with emulate("dev") as emulation:
        outputs.write_text(json.dumps(outputs_of(emulation)))
        argv = ["--stack", "dev", "--outputs", str(outputs), "--run-id", "cli"]
        argv += ["--poll-seconds", str(POLL), "--json", str(report), "--root", str(fixture_root)]
        status = main(argv, on_landed=delivering(emulation))

    printed = capsys.readouterr().out
    assert status == EXIT_OK, printed
    assert "orders on dev: OK (SUCCEEDED" in printed and "clickstream on dev: OK" in printed
    assert "3/3 canary keys in s3://lake-curated-bucket/orders/ingest_date=1970-01-02/" in printed
    assert [r["pipeline"] for r in json.loads(report.read_text())] == ["orders", "clickstream"]


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        pytest.param(None, "cannot read the stack outputs", id="no-file"),
        pytest.param("{", "cannot read the stack outputs", id="not-json"),
        pytest.param({"state_machines": {}}, "outputs name no 'lake_buckets'", id="no-buckets"),
        pytest.param(
            {"lake_buckets": {"raw": "r", "curated": "c"}, "state_machines": {"orders": "arn"}},
            "the stack outputs name no state machine of pipeline clickstream",
            id="a-pipeline-missing",
        ),
    ],
)  # fmt: skip
def test_bad_outputs_exit_2_naming_what_is_missing(
    tmp_path: Path,
    fixture_root: Path,
    capsys: pytest.CaptureFixture[str],
    outputs: Any,
    message: str,
) -> None:
    path = tmp_path / "outputs.json"
    if outputs is not None:
        path.write_text(outputs if isinstance(outputs, str) else json.dumps(outputs))
    argv = ["--stack", "dev", "--outputs", str(path), "--root", str(fixture_root)]
    assert main(argv) == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_the_deployed_names_come_from_the_outputs(fixture_captures: dict[str, Any]) -> None:
    arn = "arn:aws:states:eu-west-1:210987654321:stateMachine:data-platform-dev-{}"
    outputs = {
        "lake_buckets": {RAW_ZONE: "lake-raw-bucket-1a2b3c4", CURATED_ZONE: "lake-curated-x"},
        "state_machines": {n: arn.format(n) for n in ("orders", "clickstream")},
    }
    resolved = deployed(fixture_captures["dev"], outputs)
    orders = resolved["orders"]
    assert (orders.raw_bucket, orders.curated_bucket) == (
        "lake-raw-bucket-1a2b3c4",
        "lake-curated-x",
    )
    assert orders.state_machine_arn == arn.format("orders")
    assert orders.state_machine_name == "data-platform-dev-orders"
    assert orders.settings.source_prefix == "orders/"
