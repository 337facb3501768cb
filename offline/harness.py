"""Any Pulumi Python program previewed offline and checked by any policy pack, as
`pulumi preview --policy-pack` would.

`load_program` reads `<dir>/Pulumi.yaml` and `Pulumi.<stack>.yaml` as the CLI does; `check_program`
previews the program in a child process (`offline.program`) and streams every registration to the
pack's Analyze, then runs AnalyzeStack over everything registered, also when the program failed
half-way (the failure is part of the result). Library use: see `offline.testing`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offline.analyzer import PolicyConfigError, PolicyReport, PolicySession
from offline.mocks import Registration
from offline.program.answers import Answers, AnswersError, load_answers
from offline.program.loader import Program, ProgramError, load_program
from offline.program.notes import run_notes
from offline.program.outcome import Failure
from offline.program.runner import DEFAULT_TIMEOUT, ProgramRun, run_program
from offline.records import to_json_resource, to_json_resources
from offline.stack_files import StackNotFoundError

DEFAULT_PACK = Path(__file__).resolve().parent.parent / "policies"
STRICT_CONFIG = DEFAULT_PACK / "profiles" / "strict.json"


@dataclass(frozen=True)
class ProgramCheck:
    """What one offline check of a program produced."""

    program: Program
    run: ProgramRun
    report: PolicyReport
    notes: tuple[str, ...]

    @property
    def resources(self) -> tuple[Registration, ...]:
        return self.run.registrations

    @property
    def failure(self) -> Failure | None:
        return self.run.failure


def capture(
    program: Program,
    *,
    answers: Answers | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    pass_env: Sequence[str] = (),
) -> ProgramRun:
    """Preview `program` without a pack: its registrations and how it ended."""
    return run_program(program, answers=answers, timeout=timeout, pass_env=pass_env)


def check_program(
    program: Program,
    *,
    pack: Path = DEFAULT_PACK,
    policy_config: Mapping[str, Any] | None = None,
    answers: Answers | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    pass_env: Sequence[str] = (),
) -> ProgramCheck:
    """Preview `program` and run `pack` over it; raises only what the pack raised."""
    with PolicySession(
        pack, stack=program.stack, project=program.project, config=policy_config
    ) as session:
        run = run_program(
            program,
            answers=answers,
            on_register=lambda r: session.analyze(to_json_resource(r, program.root)),
            timeout=timeout,
            pass_env=pass_env,
        )
        report = session.finish(to_json_resources(run.registrations, program.root))
    return ProgramCheck(program, run, report, tuple(run_notes(run)))


def merge_policy_configs(configs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Layered `--policy-pack-config` files, later ones winning per policy: a level replaces the
    level, properties merge (the strict profile, then a team's own tag values)."""
    merged: dict[str, dict[str, Any]] = {}
    for config in configs:
        for name, value in config.items():
            entry = {"enforcementLevel": value} if isinstance(value, str) else dict(value)
            merged[name] = {**merged.get(name, {}), **entry}
    return dict(merged)


def load_policy_configs(paths: Sequence[Path]) -> dict[str, Any] | None:
    """The merged policy config of `paths` (none given: the pack's defaults)."""
    if not paths:
        return None
    layers = []
    for path in paths:
        try:
            layer = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise PolicyConfigError(f"{path}: not a readable JSON file: {err}") from err
        if not isinstance(layer, dict):
            raise PolicyConfigError(f"{path}: must be a JSON object of policy name -> settings")
        layers.append(layer)
    return merge_policy_configs(layers)


__all__ = [
    "DEFAULT_PACK",
    "DEFAULT_TIMEOUT",
    "STRICT_CONFIG",
    "Answers",
    "AnswersError",
    "Program",
    "ProgramCheck",
    "ProgramError",
    "StackNotFoundError",
    "capture",
    "check_program",
    "load_answers",
    "load_policy_configs",
    "load_program",
    "merge_policy_configs",
]
