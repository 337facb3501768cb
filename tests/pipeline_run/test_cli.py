"""`make run-local`'s command line on the fixture stacks: what it prints, writes and exits with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline_run import local


def test_a_named_pipeline_runs_and_the_json_report_matches(
    tmp_path: Path, fixture_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report_file = tmp_path / "report.json"
    argv = ["--stack", "dev", "--pipeline", "orders", "--json", str(report_file)]
    status = local.main([*argv, "--root", str(fixture_root)])
    out = capsys.readouterr().out

    assert status == local.EXIT_OK
    assert out.startswith("orders (object-created) on dev: SUCCEEDED in ")
    assert "  warehouse  curated.orders: 3 rows" in out
    assert "clickstream" not in out and "event_received" not in out
    (report,) = json.loads(report_file.read_text())
    assert report["pipeline"] == "orders" and report["status"] == "SUCCEEDED"
    assert report["warehouse_rows"] == 3
    assert [run["rows_written"] for run in report["glue_runs"]] == [3]
    assert [json.loads(line)["message"] for line in report["function_logs"]] == [
        "event_received",
        "execution_started",
    ]


def test_a_quarantined_file_exits_one(
    tmp_path: Path, fixture_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "orders.csv"
    bad.write_text("order_id,customer_id\n1,2\n")
    argv = ["--stack", "dev", "--pipeline", "orders", "--file", str(bad), "--verbose"]
    status = local.main([*argv, "--root", str(fixture_root)])
    out = capsys.readouterr().out

    assert status == local.EXIT_FAILED
    assert "orders (object-created) on dev: QUARANTINED" in out
    assert "  quarantine quarantine/orders/orders.csv\n" in out
    assert "  outcome    quarantined by the ingestion function: it lacks required columns (" in out
    assert '  function   {"time": ' in out, "--verbose shows the function's logs"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--stack", "qa"],
            "unknown stack 'qa': no Pulumi.qa.yaml; available: delivery, dev, prod",
        ),
        (
            ["--stack", "dev", "--pipeline", "invoices"],
            "stack 'dev' has no pipeline 'invoices'; pipelines: orders, clickstream",
        ),
        (["--stack", "dev", "--file", "no/such/file.csv"], "no/such/file.csv"),
    ],
)
def test_bad_input_exits_two_before_anything_runs(
    argv: list[str], message: str, fixture_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert local.main([*argv, "--root", str(fixture_root)]) == local.EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ") and message in captured.err


def test_help_describes_the_command_without_running(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        local.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: make run-local")
    assert "--pipeline" in out and "--file" in out and "--json" in out
