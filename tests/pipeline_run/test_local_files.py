"""`make run-local` with several files: landed in order into one emulated account, each followed
through, with each file's outcome, the accounting of its runs and loads, and the table's rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from offline.capture import Capture
from pipeline_run import local
from pipeline_run.samples import render, sample_rows
from stack_config import parse_stack_config
from tests.stacks import fixture_values

STACK = "dev"


def _run_local(
    root: Path, pipeline: str, files: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, list[dict[str, Any]]]:
    """`make run-local ... FILE=a,b`: its exit status, its output and its per-file reports."""
    report_file = tmp_path / "report.json"
    status = local.main(
        [
            "--stack", STACK, "--pipeline", pipeline, "--root", str(root),
            "--file", ",".join(map(str, files)), "--json", str(report_file),
        ]
    )  # fmt: skip
    return status, capsys.readouterr().out, json.loads(report_file.read_text())


def test_several_files_land_in_order_and_each_is_followed_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture_root: Path
) -> None:
    settings = parse_stack_config(STACK, fixture_values(STACK)).platform.pipelines[0]
    extension = settings.allowed_extensions[0]
    first = sample_rows(settings, count=2)
    key, order = settings.key_columns[0], settings.order_column
    # The second file updates the first's second key (a later order value) and adds one.
    changed = {**first[1], order: sample_rows(settings, first=10, count=1)[0][order]}
    added = sample_rows(settings, first=20, count=1)[0]
    files = [tmp_path / f"a{extension}", tmp_path / f"b{extension}"]
    files[0].write_bytes(render(settings, first))
    files[1].write_bytes(render(settings, [changed, added]))
    status, out, reports = _run_local(fixture_root, settings.name, files, tmp_path, capsys)

    assert status == local.EXIT_OK, out
    assert [r["file"] for r in reports] == [f.name for f in files]
    assert [r["landed"].rsplit("/", 1)[-1] for r in reports] == [f.name for f in files]
    assert all(r["outcome"].startswith("loaded: ") for r in reports), out
    # One Glue run per file, each reading only its own file.
    assert [[run["rows_read"] for run in r["glue_runs"]] for r in reports] == [[2], [2]]
    # After the second file: one row per key, the updated key at its later version.
    last = reports[-1]
    rows = [dict(zip(last["table_columns"], row, strict=True)) for row in last["table_rows"]]
    assert sorted(row[key] for row in rows) == sorted(
        str(value) for value in {first[0][key], first[1][key], added[key]}
    )
    (updated,) = [row for row in rows if row[key] == str(first[1][key])]
    assert updated[order].startswith(str(changed[order]).removesuffix("Z")[:19])
    # Printed: each file's outcome, and the table's rows once, after the last file.
    assert out.count("  outcome    loaded: ") == 2
    assert out.count("  rows       ") == 1


def test_a_folder_lands_its_files_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "2024" / "06").mkdir(parents=True)
    for name in ("b.csv", "a.csv", "2024/06/c.csv", ".hidden"):
        (tmp_path / name).write_text(name)
    assert [name for name, _ in local.read_files(str(tmp_path))] == [
        "2024/06/c.csv",
        "a.csv",
        "b.csv",
    ]
    assert local.read_files(f"{tmp_path / 'b.csv'},{tmp_path / 'a.csv'}") == [
        ("b.csv", b"b.csv"),
        ("a.csv", b"a.csv"),
    ]


def test_files_without_a_pipeline_on_a_stack_of_several_are_refused(
    flow_capture: Capture,
) -> None:
    names = [p.name for p in flow_capture.config.platform.pipelines]
    assert len(names) > 1
    with pytest.raises(LookupError) as refused:
        local._selected(flow_capture, None, True)
    assert str(refused.value).endswith(f"has pipelines: {', '.join(names)}")
    assert local._selected(flow_capture, names[-1], True) == [names[-1]]
    assert local._selected(flow_capture, None, False) == names, "samples go to every pipeline"


def test_a_file_the_job_cannot_curate_then_a_good_one_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture_root: Path
) -> None:
    """Finding 5 through `make run-local FILE=bad.csv,good.csv`: the first file's header names a
    column twice, so the Glue job quarantines it with its reason; the second loads."""
    (settings,) = [
        p
        for p in parse_stack_config(STACK, fixture_values(STACK)).platform.pipelines
        if p.format == "csv"
    ][:1]
    columns = [name for name, _ in settings.curated_columns]
    good = sample_rows(settings, count=2)
    bad_header = ",".join([*columns, columns[0]])
    bad_rows = "".join(
        ",".join(str(row[c]) for c in [*columns, columns[0]]) + "\n"
        for row in sample_rows(settings, first=40, count=2)
    )
    files = [tmp_path / "bad.csv", tmp_path / "good.csv"]
    files[0].write_text(f"{bad_header}\n{bad_rows}")
    files[1].write_bytes(render(settings, good))
    status, out, (first, second) = _run_local(fixture_root, settings.name, files, tmp_path, capsys)

    assert status == local.EXIT_FAILED, "a file went to quarantine"
    assert first["outcome"].startswith("quarantined by the Glue job: "), out
    assert f"both normalise to '{columns[0]}'" in first["outcome"]
    assert second["outcome"].startswith("loaded: "), out
    key = settings.key_columns[0]
    rows = [dict(zip(second["table_columns"], r, strict=True)) for r in second["table_rows"]]
    assert sorted(r[key] for r in rows) == sorted(str(row[key]) for row in good)
