"""`make deploy`: prerequisites, then the stack (created on request), a preview with the pack,
a question, and `pulumi up` with the same pack; nothing is applied without a yes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from deploy import guided
from tests.deploy.conftest import FakePulumi, bootstrap_outputs


class _Terminal(io.StringIO):
    """Standard input of an operator at a terminal who types the given answers."""

    def isatty(self) -> bool:
        return True


def _pack(project: Path) -> list[str]:
    return [
        "--policy-pack",
        str(project / "policies"),
        "--policy-pack-config",
        str(project / "policies" / "config" / "dev.json"),
    ]


def _run(project: Path, *flags: str) -> int:
    return guided.main(["--stack", "dev", "--root", str(project), *flags])


def test_yes_previews_with_the_pack_then_applies_with_it(
    project: Path, fake_pulumi: FakePulumi, aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    bootstrap_outputs()
    assert _run(project, "--yes") == 0
    assert fake_pulumi.commands() == [
        ["preview", "--stack", "dev", "--diff", *_pack(project)],
        ["up", "--stack", "dev", "--yes", *_pack(project)],
        ["stack", "output", "--stack", "dev"],
    ]
    output = " ".join(capsys.readouterr().out.split())
    # Said before the question: subscribers must confirm.
    assert output.index("follow its 'Confirm subscription' link") < output.index("Deploy these")


def test_a_missing_stack_is_created_with_the_stack_files_secrets_provider(
    project: Path, fake_pulumi: FakePulumi, aws: None
) -> None:
    bootstrap_outputs()
    fake_pulumi.set(stacks=[])
    assert _run(project, "--yes") == 0
    provider = "awskms://alias/data-platform-state?region=eu-west-1"
    assert fake_pulumi.commands()[:2] == [
        ["stack", "init", "dev", "--secrets-provider", provider],
        ["preview", "--stack", "dev", "--diff", *_pack(project)],
    ]


@pytest.mark.parametrize(
    "answer, applied",
    [("y\n", True), ("yes\n", True), ("n\n", False), ("\n", False)],
    ids=["y", "yes", "n", "enter"],
)
def test_the_update_runs_only_on_a_typed_yes(
    ready: FakePulumi, monkeypatch: pytest.MonkeyPatch, answer: str, applied: bool
) -> None:
    monkeypatch.setattr("sys.stdin", _Terminal(answer))
    assert _run(ready.project) == (0 if applied else 1)
    ran = [args[0] for args in ready.commands()]
    assert ran == (["preview", "up", "stack"] if applied else ["preview"])


def test_without_a_terminal_or_yes_nothing_is_applied(
    project: Path, fake_pulumi: FakePulumi, aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    bootstrap_outputs()
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert _run(project) == 1
    assert [args[0] for args in fake_pulumi.commands()] == ["preview"]


def test_a_failed_preview_stops_before_the_question(
    project: Path, fake_pulumi: FakePulumi, aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    bootstrap_outputs()
    fake_pulumi.set(exit={"preview": 255})
    assert _run(project, "--yes") == 1
    assert [args[0] for args in fake_pulumi.commands()] == ["preview"]
    assert "nothing was deployed" in capsys.readouterr().err


def test_a_missing_prerequisite_stops_before_any_pulumi_command(
    project: Path, fake_pulumi: FakePulumi, aws: None
) -> None:
    assert _run(project, "--yes") == 1  # bootstrap never ran
    assert fake_pulumi.commands() == []
