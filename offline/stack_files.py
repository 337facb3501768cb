"""Pulumi project and stack files as the CLI reads them, for this platform and any other program.

`read_config_file` returns a stack file's `config:` mapping; `engine_config` turns it into what
the CLI hands a program: namespaced keys, strings (JSON for structures) and the keys of `secure:`
values, whose text offline is a placeholder (`OFFLINE_SECRET`), marked secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from policies.framework.yaml_file import YamlFileError, read_yaml

OFFLINE_SECRET = "offline-placeholder-secret"  # stands in for a `secure:` value it cannot decrypt


class StackNotFoundError(LookupError):
    """No `Pulumi.<stack>.yaml` for the requested stack."""


class StackFileError(StackNotFoundError):
    """The stack file cannot be read as YAML; the message is `file:line:column: problem`."""


def stacks_in(root: Path) -> list[str]:
    """Stacks that have a `Pulumi.<stack>.yaml` next to `Pulumi.yaml`."""
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))


def read_config_file(path: Path) -> dict[str, Any]:
    """The `config:` mapping of a file shaped like `Pulumi.<stack>.yaml`."""
    if not path.is_file():
        raise StackNotFoundError(f"no stack file {path}")
    try:
        document = read_yaml(path, source=_shown(path)) or {}
    except YamlFileError as err:
        raise StackFileError(str(err)) from err
    values = document.get("config", {}) if isinstance(document, dict) else None
    if not isinstance(values, dict):
        raise StackNotFoundError(f"{path.name}: 'config' must be a mapping")
    return values


def _shown(path: Path) -> str:
    """The path as a user names it: relative to the working directory when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def engine_config(project: str, values: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """As the CLI hands config to a program: namespaced keys, strings, JSON for structures, and
    the keys of `secure:` values (marked secret, their text a placeholder)."""
    config: dict[str, str] = {}
    secrets: list[str] = []
    for key, value in values.items():
        full = key if ":" in key else f"{project}:{key}"
        if isinstance(value, Mapping) and set(value) == {"secure"}:
            config[full] = OFFLINE_SECRET
            secrets.append(full)
        else:
            config[full] = value if isinstance(value, str) else json.dumps(value)
    return config, secrets
