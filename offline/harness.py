"""Any Pulumi Python program, captured offline and checked by any policy pack, as a preview would.

`load_program` reads `<dir>/Pulumi.yaml` and `Pulumi.<stack>.yaml` as the CLI does (keys without
a namespace belong to the project, `secure:` values become secrets), with no validation of this
platform's own config; `check_program` runs the program under the mocks (`offline.mocks`, which
answer the common data sources) and streams every registration to the pack's Analyze, then runs
AnalyzeStack: the calls `pulumi preview --policy-pack` makes. Library use: see `offline.testing`.
"""

from __future__ import annotations

import runpy
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offline.analyzer import PolicyReport, PolicySession
from offline.capture import (
    StackFileError,
    StackNotFoundError,
    capture_program,
    engine_config,
    program_environment,
    read_config_file,
)
from offline.mocks import Registration
from offline.report import to_json_resource, to_json_resources
from policies.framework.yaml_file import YamlFileError, read_yaml

DEFAULT_PACK = Path(__file__).resolve().parent.parent / "policies"
DEFAULT_REGION = "us-east-1"


class ProgramError(ValueError):
    """The directory is not a Pulumi Python program, or its stack file is unusable."""


@dataclass(frozen=True)
class Program:
    """A Pulumi Python program and one stack's config, as the CLI would hand them over."""

    root: Path
    main: Path
    project: str
    stack: str
    region: str
    config: dict[str, str]
    secret_keys: tuple[str, ...]


@dataclass(frozen=True)
class ProgramCheck:
    """What one offline check of a program produced."""

    program: Program
    resources: tuple[Registration, ...]
    report: PolicyReport


def load_program(root: Path, stack: str, stack_file: Path | None = None) -> Program:
    """The program in `root` with the config of `Pulumi.<stack>.yaml` (or `stack_file`)."""
    root = root.resolve()
    document = _yaml(root / "Pulumi.yaml")
    runtime = document.get("runtime")
    name = runtime.get("name") if isinstance(runtime, Mapping) else runtime
    if name != "python" or not isinstance(document.get("name"), str):
        raise ProgramError(f"{root / 'Pulumi.yaml'}: needs a name and runtime python, got {name!r}")
    project = document["name"]
    main = root / str(document.get("main") or ".")
    main = main / "__main__.py" if main.is_dir() else main
    if not main.is_file():
        raise ProgramError(f"{root}: no program at {main}")
    path = stack_file or root / f"Pulumi.{stack}.yaml"
    try:
        values = read_config_file(path) if path.is_file() or stack_file else {}
    except StackFileError as err:
        raise ProgramError(str(err)) from err
    config, secrets = engine_config(project, values)
    region = config.get("aws:region", DEFAULT_REGION)
    return Program(root, main, project, stack, region, config, tuple(secrets))


def _yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ProgramError(f"{path.parent}: not a Pulumi program (no Pulumi.yaml)")
    try:
        document = read_yaml(path)
    except YamlFileError as err:
        raise ProgramError(str(err)) from err
    if not isinstance(document, dict):
        raise ProgramError(f"{path}: must be a mapping")
    return document


def capture(
    program: Program, on_register: Callable[[Registration], None] | None = None
) -> tuple[Registration, ...]:
    """Run the program under the mocks, in its directory, as `pulumi preview` would run it."""
    with program_environment(program.root), _forgetting_modules_of(program.root):
        return capture_program(
            lambda: runpy.run_path(str(program.main), run_name="__main__"),
            project=program.project,
            stack=program.stack,
            region=program.region,
            config=program.config,
            secret_keys=program.secret_keys,
            on_register=on_register,
        )


def check_program(
    program: Program,
    *,
    pack: Path = DEFAULT_PACK,
    policy_config: Mapping[str, Any] | None = None,
) -> ProgramCheck:
    """Capture `program` and run `pack` over it; raises what the program or the pack raised."""
    with PolicySession(
        pack, stack=program.stack, project=program.project, config=policy_config
    ) as session:
        resources = capture(program, lambda r: session.analyze(to_json_resource(r)))
        report = session.finish(to_json_resources(resources))
    return ProgramCheck(program, resources, report)


@contextmanager
def _forgetting_modules_of(root: Path) -> Iterator[None]:
    # Modules the program imported from its directory are forgotten afterwards, so two programs
    # checked in one process never share them.
    before = set(sys.modules)
    try:
        yield
    finally:
        for name in set(sys.modules) - before:
            origin = getattr(sys.modules[name], "__file__", None) or ""
            if origin.startswith(str(root)):
                del sys.modules[name]


__all__ = [
    "DEFAULT_PACK",
    "Program",
    "ProgramCheck",
    "ProgramError",
    "StackNotFoundError",
    "capture",
    "check_program",
    "load_program",
]
