"""The delivery stack's release config: promotion order, approvals and the source are typed, every
problem names its key path, and a stage whose stack file is missing, invalid or without
`platform.delivery` is named by its stage before anything is declared."""

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from stack_config import StackConfigError
from stack_config.release_loader import parse_release_config, resolve_stages
from tests.stacks import FIXTURE_STACKS, fixture_values

Mutation = Callable[[dict[str, Any]], None]


def _values() -> dict[str, Any]:
    return copy.deepcopy(fixture_values("delivery"))


def _set(key: str, value: Any) -> Mutation:
    def mutate(values: dict[str, Any]) -> None:
        values["data-platform:release"][key] = value

    return mutate


def test_the_shipped_release_promotes_dev_then_prod_with_approval_for_prod() -> None:
    config = parse_release_config("delivery", _values())
    assert [(s.stack, s.approval) for s in config.release.stages] == [
        ("dev", False),
        ("prod", True),
    ]
    stages = resolve_stages("delivery", config, FIXTURE_STACKS)
    assert [s.delivery.verification.timeout_minutes for s in stages] == [20, 45]
    assert [s.delivery.target_account for s in stages] == ["123456789012", "123456789012"]


def test_a_stage_is_approved_unless_it_says_otherwise() -> None:
    values = _values()
    _set("stages", [{"stack": "dev"}])(values)
    (stage,) = parse_release_config("delivery", values).release.stages
    assert stage.approval is True


GITHUB = {
    "kind": "codeconnections",
    "connection_arn": "arn:aws:codeconnections:eu-west-1:123456789012:connection/x",
    "repository": "acme/data-platform",
}
INVALID = {
    "github source without token secret": (
        _set("source", GITHUB), "release.source.token_secret_arn",
    ),
    "unknown source kind": (_set("source", {"kind": "svn"}), "release.source"),
    "bad drift schedule": (_set("drift_schedule", "daily"), "release.drift_schedule"),
    "no stage": (_set("stages", []), "release.stages"),
    "a stack twice": (_set("stages", [{"stack": "dev"}, {"stack": "dev"}]), "release.stages"),
    "bad stack name": (_set("stages", [{"stack": "Prod!"}]), "release.stages[0].stack"),
    "approval not a switch": (
        _set("stages", [{"stack": "dev"}, {"stack": "prod", "approval": "maybe"}]),
        "release.stages[1].approval",
    ),
    "unknown stage key": (
        _set("stages", [{"stack": "dev", "verify": True}]), "release.stages[0].verify",
    ),
    "nobody alerted": (_set("alerts", []), "release.alerts"),
    "a platform in the delivery stack": (
        lambda values: values.update({"data-platform:platform": {}}),
        "platform",
    ),
}  # fmt: skip


@pytest.mark.parametrize(("mutate", "path"), INVALID.values(), ids=INVALID.keys())
def test_an_invalid_release_names_the_key_path(mutate: Mutation, path: str) -> None:
    values = _values()
    mutate(values)
    with pytest.raises(StackConfigError) as caught:
        parse_release_config("delivery", values)
    assert path in [problem.path for problem in caught.value.problems]


def _project(tmp_path: Path, *stacks: str) -> Path:
    for stack in stacks:
        shutil.copy(FIXTURE_STACKS / f"Pulumi.{stack}.yaml", tmp_path / f"Pulumi.{stack}.yaml")
    return tmp_path


def _problems(root: Path) -> list[str]:
    """What resolving the shipped stages against the stack files under root reports."""
    config = parse_release_config("delivery", _values())
    with pytest.raises(StackConfigError) as caught:
        resolve_stages("delivery", config, root)
    return [str(problem) for problem in caught.value.problems]


def _edit(root: Path, stack: str, edit: Callable[[str], str]) -> Path:
    path = root / f"Pulumi.{stack}.yaml"
    path.write_text(edit(path.read_text()))
    return root


def test_a_stage_without_its_stack_file_is_named(tmp_path: Path) -> None:
    assert _problems(_project(tmp_path, "dev")) == [
        "release.stages[1].stack: no Pulumi.prod.yaml next to Pulumi.yaml"
    ]


def test_a_stage_whose_stack_has_no_delivery_is_named(tmp_path: Path) -> None:
    root = _edit(_project(tmp_path, "dev", "prod"), "dev", lambda t: t[: t.index("    delivery:")])
    (problem,) = _problems(root)
    assert problem.startswith("release.stages[0].stack: stack 'dev' has no platform.delivery")


def test_a_stage_whose_stack_is_invalid_names_the_stacks_problem(tmp_path: Path) -> None:
    root = _edit(
        _project(tmp_path, "dev", "prod"),
        "prod",
        lambda t: t.replace("timeout_minutes: 45", "timeout_minutes: 0"),
    )
    (problem,) = _problems(root)
    assert problem.startswith("release.stages[1].stack: stack 'prod' has an invalid config")
    assert "platform.delivery.verification.timeout_minutes" in problem
