"""`make doctor`: each missing prerequisite is named with its fix, in the order a first deploy
needs them, and what depends on a missing one is skipped rather than misreported."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from deploy import doctor
from tests.deploy.conftest import ACCOUNT, FakePulumi, bootstrap_outputs

ALL_OK = {
    "stack file": "ok",
    "alert subscribers": "warn",
    "policy config": "ok",
    "Pulumi CLI": "ok",
    "uv": "ok",
    "policy pack env": "ok",
    "AWS credentials": "ok",
    "account": "ok",
    "state bucket": "ok",
    "account key": "ok",
    "catalog encryption": "ok",
    "stack": "ok",
}


def _statuses(output: str) -> dict[str, str]:
    found = {}
    for line in output.splitlines():
        status = line[2:8].strip()
        if line.startswith("  ") and status in ("ok", "warn", "FAIL", "skip"):
            found[line[8:30].strip()] = status
    return found


def test_a_bootstrapped_account_is_ready(
    project: Path, fake_pulumi: FakePulumi, aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    bootstrap_outputs()
    assert doctor.main(["--stack", "dev", "--root", str(project)]) == doctor.EXIT_OK
    output = capsys.readouterr().out
    assert _statuses(output) == ALL_OK
    assert output.rstrip().endswith("Ready to deploy.")
    # Every pulumi call used the stack file's backend, bootstrap's bucket.
    backends = {call["backend"] for call in fake_pulumi.calls()}
    assert backends == {f"s3://data-platform-state-{ACCOUNT}"}


def _no_pulumi(project: Path, fake: FakePulumi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(project))  # neither pulumi nor uv is found
    bootstrap_outputs()


def _old_pulumi(project: Path, fake: FakePulumi, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.set(version="v3.100.0")
    bootstrap_outputs()


def _no_credentials(project: Path, fake: FakePulumi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")


def _other_account(project: Path, fake: FakePulumi, monkeypatch: pytest.MonkeyPatch) -> None:
    stack_file = project / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace(ACCOUNT, "444455556666"))
    bootstrap_outputs()


def _example_account(project: Path, fake: FakePulumi, monkeypatch: pytest.MonkeyPatch) -> None:
    stack_file = project / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace(ACCOUNT, "123456789012"))
    bootstrap_outputs()


def _not_bootstrapped(project: Path, fake: FakePulumi, monkeypatch: pytest.MonkeyPatch) -> None:
    pass


def _bootstrapped_elsewhere(
    project: Path, fake: FakePulumi, monkeypatch: pytest.MonkeyPatch
) -> None:
    bootstrap_outputs("eu-central-1")


def _no_stack(project: Path, fake: FakePulumi, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.set(stacks=["prod"])
    bootstrap_outputs()


def _no_policy_env(project: Path, fake: FakePulumi, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.rmtree(project / "policies" / ".venv")
    bootstrap_outputs()


def _no_policy_config(project: Path, fake: FakePulumi, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "policies" / "config" / "dev.json").unlink()
    bootstrap_outputs()


Setup = Callable[[Path, FakePulumi, pytest.MonkeyPatch], None]
MISSING: dict[str, tuple[Setup, dict[str, str], str]] = {
    "no pulumi or uv on PATH": (
        _no_pulumi,
        {"Pulumi CLI": "FAIL", "uv": "FAIL", "stack": "skip"},
        "install the Pulumi CLI 3.272.0 or newer",
    ),
    "pulumi older than the SDK": (
        _old_pulumi,
        {"Pulumi CLI": "FAIL", "stack": "skip"},
        "v3.100.0 is older than the program's SDK 3.272.0",
    ),
    "no AWS credentials": (
        _no_credentials,
        {
            "AWS credentials": "FAIL",
            "account": "skip",
            "state bucket": "skip",
            "account key": "skip",
            "catalog encryption": "skip",
            "stack": "skip",
        },
        "aws sso login",
    ),
    "credentials of another account": (
        _other_account,
        {"account": "FAIL", "state bucket": "FAIL", "stack": "skip"},
        f"the credentials are for account {ACCOUNT}, the stack file's is account 444455556666",
    ),
    "the documentation's account id": (
        _example_account,
        {"stack file": "FAIL", "account": "FAIL", "state bucket": "FAIL", "stack": "skip"},
        "still holds the example account id 123456789012 at platform.delivery.state_backend_url",
    ),
    "bootstrap never ran": (
        _not_bootstrapped,
        {
            "state bucket": "FAIL",
            "account key": "FAIL",
            "catalog encryption": "warn",
            "stack": "skip",
        },
        f"data-platform-state-{ACCOUNT} does not exist",
    ),
    "bootstrap ran in another region": (
        _bootstrapped_elsewhere,
        {"account key": "FAIL", "catalog encryption": "warn"},
        "alias/data-platform-state in eu-west-1: NotFoundException",
    ),
    "the stack does not exist yet": (
        _no_stack,
        {"stack": "FAIL"},
        "pulumi stack init dev --secrets-provider"
        " 'awskms://alias/data-platform-state?region=eu-west-1'",
    ),
    "no policy pack environment": (
        _no_policy_env,
        {"policy pack env": "FAIL"},
        "(cd policies && uv sync --locked)",
    ),
    "no policy config": (
        _no_policy_config,
        {"policy config": "FAIL"},
        "make new-stack STACK=dev creates it",
    ),
}


@pytest.mark.parametrize("case", MISSING.values(), ids=MISSING.keys())
def test_each_missing_prerequisite_is_named_with_its_fix(
    fake_pulumi: FakePulumi,
    aws: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case: tuple[Setup, dict[str, str], str],
) -> None:
    setup, changed, words = case
    project = fake_pulumi.project
    setup(project, fake_pulumi, monkeypatch)
    assert doctor.main(["--stack", "dev", "--root", str(project)]) == doctor.EXIT_MISSING
    output = capsys.readouterr().out
    assert _statuses(output) == {**ALL_OK, **changed}
    assert words in " ".join(output.split())
    assert "prerequisite(s) missing: fix them in this order" in output


def test_an_unknown_stack_is_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert doctor.main(["--stack", "staging", "--root", str(project)]) == doctor.EXIT_USAGE
    assert "unknown stack 'staging'" in capsys.readouterr().err


def test_the_account_id_of_a_stack_file_is_the_account_checked(
    project: Path, fake_pulumi: FakePulumi, aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # A state bucket named without the account id: the stack file says the account instead.
    stack_file = project / "Pulumi.dev.yaml"
    text = stack_file.read_text().replace(
        f"state_backend_url: s3://data-platform-state-{ACCOUNT}",
        "state_backend_url: s3://team-state\n      account_id: '444455556666'",
    )
    stack_file.write_text(text)
    bootstrap_outputs()
    doctor.main(["--stack", "dev", "--root", str(project)])
    output = capsys.readouterr().out
    assert _statuses(output)["account"] == "FAIL"
    assert "the stack file's is account 444455556666" in output
