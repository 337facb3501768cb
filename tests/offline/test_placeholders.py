"""`make check` warns about the documented example account id left in a stack file, and checks
a stack file that names a real account as that account."""

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline.check import main
from offline.placeholders import example_account_paths
from tests.stacks import FIXTURE_STACKS

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


def _check(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`make check` of dev with the stack file `text`, in this process: (status, stderr)."""
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(text)
    out = tmp_path / "capture.json"
    status = main(
        ["--stack", "dev", "--no-policies", "--stack-file", str(stack_file), "--json", str(out)]
    )
    return status, capsys.readouterr().err


def test_the_shipped_example_id_is_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, stderr = _check(tmp_path, (FIXTURE_STACKS / "Pulumi.dev.yaml").read_text(), capsys)
    assert status == 0, stderr
    assert (
        "warning: the stack file of 'dev' still holds the documented example account id "
        "123456789012 at platform.delivery.state_backend_url;"
    ) in stderr


def test_a_real_account_is_checked_as_that_account_without_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shipped = (FIXTURE_STACKS / "Pulumi.dev.yaml").read_text()
    assert (
        "123456789012"
        in yaml.safe_load(shipped)["config"]["data-platform:platform"]["delivery"][
            "state_backend_url"
        ]
    )
    status, stderr = _check(tmp_path, shipped.replace("123456789012", REAL_ACCOUNT), capsys)
    assert status == 0, stderr
    assert "warning" not in stderr
    captured = (tmp_path / "capture.json").read_text()
    assert f":{REAL_ACCOUNT}:" in captured
    assert ":123456789012:" not in captured
    assert json.loads(captured)
