"""`make check` warns about the documented example account id left in a stack file, and checks
a stack file that names a real account as that account."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline.capture import PROJECT_ROOT
from offline.placeholders import example_account_paths

REAL_ACCOUNT = "987654321098"


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        pytest.param(
            {"delivery": {"state_backend_url": "s3://data-platform-state-123456789012"}},
            ["platform.delivery.state_backend_url"],
            id="state-bucket",
        ),
        pytest.param(
            {"subscriptions": [{"endpoint": "x"}, {"endpoint": "arn:aws:sns:r:123456789012:t"}]},
            ["platform.subscriptions[1].endpoint"],
            id="in-a-list",
        ),
        pytest.param(
            {"delivery": {"state_backend_url": f"s3://data-platform-state-{REAL_ACCOUNT}"}},
            [],
            id="a-real-account",
        ),
    ],
)
def test_example_account_paths(platform: dict[str, Any], expected: list[str]) -> None:
    values = {"aws:region": "eu-west-1", "data-platform:platform": platform}
    assert example_account_paths(values) == expected


def _check(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(text)
    out = tmp_path / "capture.json"
    args = ["--stack", "dev", "--no-policies", "--stack-file", str(stack_file), "--json", str(out)]
    return subprocess.run(
        [sys.executable, "-m", "offline.check", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_shipped_example_id_is_warned_about(tmp_path: Path) -> None:
    result = _check(tmp_path, (PROJECT_ROOT / "Pulumi.dev.yaml").read_text())
    assert result.returncode == 0, result.stderr
    assert (
        "warning: the stack file of 'dev' still holds the documented example account id "
        "123456789012 at platform.delivery.state_backend_url;"
    ) in result.stderr


def test_a_real_account_is_checked_as_that_account_without_warning(tmp_path: Path) -> None:
    shipped = (PROJECT_ROOT / "Pulumi.dev.yaml").read_text()
    assert (
        "123456789012"
        in yaml.safe_load(shipped)["config"]["data-platform:platform"]["delivery"][
            "state_backend_url"
        ]
    )
    result = _check(tmp_path, shipped.replace("123456789012", REAL_ACCOUNT))
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr
    captured = (tmp_path / "capture.json").read_text()
    assert f":{REAL_ACCOUNT}:" in captured
    assert ":123456789012:" not in captured
    assert json.loads(captured)
