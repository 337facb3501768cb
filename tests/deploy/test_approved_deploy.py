"""The release's Deploy applies only what was approved: its own preview (the fake `pulumi`
answering with a recorded preview) must plan the approved operations, or nothing deploys and
the difference is named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from offline.capture import PROJECT_ROOT
from review.approved import main
from tests.deploy.conftest import FakePulumi

RECORDED = PROJECT_ROOT / "tests" / "fixtures" / "previews" / "preview_changes.json"


def _approved(tmp_path: Path, document: dict[str, Any]) -> Path:
    directory = tmp_path / "approved" / "dev"
    directory.mkdir(parents=True)
    (directory / "preview.json").write_text(json.dumps(document))
    return directory


def _deploying(fake_pulumi: FakePulumi, tmp_path: Path, document: dict[str, Any]) -> None:
    current = tmp_path / "current-recorded.json"
    current.write_text(json.dumps(document))
    fake_pulumi.set(preview=str(current))


def _run(tmp_path: Path, approved: Path) -> int:
    return main(
        ["--stack", "dev", "--approved", str(approved), "--current", str(tmp_path / "out.json")]
    )


def test_the_approved_operations_deploy(
    fake_pulumi: FakePulumi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recorded = json.loads(RECORDED.read_text())
    _deploying(fake_pulumi, tmp_path, recorded)
    assert _run(tmp_path, _approved(tmp_path, recorded)) == 0
    assert "exactly the approved operations" in capsys.readouterr().out
    (preview,) = [c["args"] for c in fake_pulumi.calls() if c["args"][:1] == ["preview"]]
    assert preview[:4] == ["preview", "--stack", "dev", "--diff"]
    assert "--json" in preview and "policies/config/dev.json" in preview


def test_an_operation_nobody_approved_stops_the_deploy(
    fake_pulumi: FakePulumi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recorded = json.loads(RECORDED.read_text())
    approved = _approved(tmp_path, recorded)
    changed = json.loads(RECORDED.read_text())
    step = next(s for s in changed["steps"] if s["op"] == "create")
    changed["steps"].append({**step, "op": "delete", "urn": step["urn"] + "-old"})
    _deploying(fake_pulumi, tmp_path, changed)
    assert _run(tmp_path, approved) == 1
    out = capsys.readouterr().out
    assert "nothing deployed" in out
    assert f"not approved: delete {step['urn']}-old" in out


def test_other_changed_properties_stop_the_deploy(
    fake_pulumi: FakePulumi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recorded = json.loads(RECORDED.read_text())
    updates = [s for s in recorded["steps"] if s["op"] == "update"]
    assert updates, "the recorded preview plans an update"
    approved = _approved(tmp_path, recorded)
    changed = json.loads(RECORDED.read_text())
    step = next(s for s in changed["steps"] if s["urn"] == updates[0]["urn"])
    step["detailedDiff"] = {**(step.get("detailedDiff") or {}), "tags.Widened": {"kind": "add"}}
    _deploying(fake_pulumi, tmp_path, changed)
    assert _run(tmp_path, approved) == 1
    assert "changes other properties: +['tags.Widened']" in capsys.readouterr().out


def test_a_failed_preview_deploys_nothing(fake_pulumi: FakePulumi, tmp_path: Path) -> None:
    recorded = json.loads(RECORDED.read_text())
    _deploying(fake_pulumi, tmp_path, recorded)
    fake_pulumi.set(exit={"preview": 255})
    assert _run(tmp_path, _approved(tmp_path, recorded)) == 1
