"""A Pulumi Python program and one stack's config, read as the Pulumi CLI reads them.

`Pulumi.yaml` names the project, the runtime (python) and optionally `main` and the virtualenv;
project-level `config:` defaults are overlaid by `Pulumi.<stack>.yaml`, which must exist (a
misspelt stack is an error naming the stacks there are). What the check cannot do as the CLI
would (decrypt a `secure:` value, know a region nobody set) is said in `notes`.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offline.stack_files import (
    OFFLINE_SECRET,
    StackNotFoundError,
    engine_config,
    read_config_file,
    stacks_in,
)
from policies.framework.yaml_file import YamlFileError, read_yaml

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
    python: str = sys.executable
    notes: tuple[str, ...] = ()


def load_program(
    root: Path, stack: str, stack_file: Path | None = None, *, python: str | None = None
) -> Program:
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
    values = {**_project_defaults(document, project), **_stack_values(root, stack, stack_file)}
    config, secrets = engine_config(project, values)
    notes = [_secure_note(key) for key in secrets]
    region = config.get("aws:region")
    if region is None:
        notes.append(
            f"aws:region is set in neither the stack file nor Pulumi.yaml; the check answers as "
            f"{DEFAULT_REGION} (a deployment would need it set)"
        )
    interpreter = python or _interpreter(root, runtime)
    return Program(
        root,
        main,
        project,
        stack,
        region or DEFAULT_REGION,
        config,
        tuple(secrets),
        interpreter,
        tuple(notes),
    )


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


def _stack_values(root: Path, stack: str, stack_file: Path | None) -> dict[str, Any]:
    path = stack_file or root / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise ProgramError(_missing_stack(root, stack, path))
    try:
        return read_config_file(path)
    except StackNotFoundError as err:  # a StackFileError too: `file:line:column: problem`
        raise ProgramError(str(err)) from err


def _missing_stack(root: Path, stack: str, path: Path) -> str:
    stacks = stacks_in(root)
    if not stacks:
        return (
            f"no stack file {path}: {root} has no Pulumi.<stack>.yaml; create one "
            "(`config:` with at least aws:region) or pass --stack-file"
        )
    close = difflib.get_close_matches(stack, stacks, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"no stack file {path}; stacks in {root}: {', '.join(stacks)}{hint}"


def _project_defaults(document: Mapping[str, Any], project: str) -> dict[str, Any]:
    """Project-level `config:` of Pulumi.yaml: a value, or an object with a `default`."""
    declared = document.get("config") or {}
    if not isinstance(declared, Mapping):
        raise ProgramError(f"Pulumi.yaml of {project}: 'config' must be a mapping")
    defaults: dict[str, Any] = {}
    for key, spec in declared.items():
        if isinstance(spec, Mapping) and ("default" in spec or "type" in spec):
            if "default" in spec:
                defaults[str(key)] = spec["default"]
        else:
            defaults[str(key)] = spec
    return defaults


def _secure_note(key: str) -> str:
    return (
        f"config {key} is a secure: value, which the check cannot decrypt: the program sees "
        f"{OFFLINE_SECRET!r} in its place, marked secret"
    )


def _interpreter(root: Path, runtime: Any) -> str:
    """The program's own virtualenv, as the CLI would choose it, else this interpreter."""
    options = runtime.get("options") if isinstance(runtime, Mapping) else None
    options = options if isinstance(options, Mapping) else {}
    candidates = []
    if options.get("virtualenv"):
        candidates.append(root / str(options["virtualenv"]))
    if options.get("toolchain") in ("uv", "poetry"):
        candidates.append(root / ".venv")
    for venv in candidates:
        python = venv / "bin" / "python"
        if python.is_file():
            return str(python)
    return sys.executable
