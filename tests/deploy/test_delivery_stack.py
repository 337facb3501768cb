"""The operator's commands act on platform stacks: given the delivery stack, each refuses with
exit 2, naming itself and the commands that do apply to it, before touching anything."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from deploy import doctor, guided, new_stack, teardown
from offline.capture import PROJECT_ROOT
from pipeline_run import local
from tests.stacks import fixture_stacks, user_stacks

Main = Callable[[Sequence[str] | None], int]
DELIVERY = user_stacks(release=True)
COMMANDS: list[tuple[str, Main, list[str]]] = [
    ("make doctor", doctor.main, []),
    ("make deploy", guided.main, ["--yes"]),
    ("make destroy", teardown.main, ["--yes"]),
    ("make run-local", local.main, []),
]


@pytest.mark.stack_files
@pytest.mark.parametrize("stack", DELIVERY)
@pytest.mark.parametrize(("command", "main", "extra"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_platform_commands_refuse_the_delivery_stack_naming_what_to_use(
    stack: str,
    command: str,
    main: Main,
    extra: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--stack", stack, *extra]) == 2
    error = capsys.readouterr().err
    assert f"stack '{stack}' is a delivery stack" in error
    assert f"{command} is for platform stacks" in error
    assert f"make diff STACK={stack} BASE=<ref>" in error
    assert f"pulumi up --stack {stack} --policy-pack policies" in error


@pytest.mark.stack_files
@pytest.mark.parametrize("stack", DELIVERY)
def test_a_new_stack_is_never_made_from_the_delivery_stack(
    stack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "project"
    (root / "policies" / "config").mkdir(parents=True)
    for name in ("Pulumi.yaml", f"Pulumi.{stack}.yaml"):
        (root / name).write_text((PROJECT_ROOT / name).read_text())
    args = ["--stack", "qa", "--environment", "test", "--from", stack, "--root", str(root)]
    assert new_stack.main(args) == 2
    assert "make new-stack FROM= is for platform stacks" in capsys.readouterr().err
    assert not (root / "Pulumi.qa.yaml").exists()


def test_the_fixture_stacks_hold_a_delivery_stack() -> None:
    assert fixture_stacks(release=True), "the refusals above are tested on a delivery stack"
