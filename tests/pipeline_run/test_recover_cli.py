"""`make release|replay|backfill`'s command line, against the emulated deployment of a shipped
stack: what it prints, writes and exits with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline_run import recover
from pipeline_run.samples import render, sample_rows
from tests.pipeline_run.conftest import Emulate
from tests.pipeline_run.test_verify import outputs_of

STACK = "dev"


def test_a_quarantined_file_is_replayed_from_the_command_line(
    emulate: Emulate, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with emulate(STACK) as emulation:
        (name, pipeline) = next(
            (n, p) for n, p in emulation.pipelines.items() if not p.scheduled and p.load_sql
        )
        settings, s3 = pipeline.settings, emulation.clients.s3
        outputs = tmp_path / "outputs.json"
        outputs.write_text(json.dumps(outputs_of(emulation)))
        quarantined = f"{settings.quarantine_prefix}late.csv"
        s3.put_object(
            Bucket=pipeline.raw_bucket,
            Key=quarantined,
            Body=render(settings, sample_rows(settings)),
        )
        argv = ["--stack", STACK, "--pipeline", name, "--outputs", str(outputs)]
        clients = (s3, emulation.clients.sfn)
        report = tmp_path / "report.json"
        replayed = recover.main(
            ["replay", *argv, "--file", quarantined, "--json", str(report)],
            clients=clients,
            deliver=emulation.deliver_pending,
        )
        printed = capsys.readouterr().out
        again = recover.main(["replay", *argv, "--file", quarantined], clients=clients)
        refused = capsys.readouterr().err
        nothing_held = recover.main(["release", *argv], clients=clients)
        not_held = capsys.readouterr().err

    assert replayed == recover.EXIT_OK, printed
    assert printed.startswith(
        f"replay {name} on {STACK}: OK\n  moved      {settings.source_prefix}late.replayed-"
    )
    (file,) = json.loads(report.read_text())["files"]
    assert file["status"] == "SUCCEEDED"
    assert again == recover.EXIT_USAGE and "has no quarantined file" in refused
    assert nothing_held == recover.EXIT_USAGE and f"error: {name} has no held batch" in not_held


@pytest.mark.parametrize("command", sorted(recover.COMMANDS))
def test_each_command_describes_itself(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        recover.main([command, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: python -m pipeline_run.recover {command}" in capsys.readouterr().out


def test_unreadable_outputs_exit_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["release", "--stack", STACK, "--pipeline", "x", "--outputs", str(tmp_path / "no.json")]
    assert recover.main(argv) == recover.EXIT_USAGE
    assert capsys.readouterr().err.startswith("error: cannot read the stack outputs")
