"""Validate the delivery stack's config and the stack files its stages promote.

Like `parse_stack_config`, every problem is reported with its key path, and nothing is returned
unless all is valid: a stage whose stack has no stack file, an invalid one, or no
`platform.delivery` is named by its path (`release.stages[1].stack`).
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from policies.framework.yaml_file import YamlFileError, read_yaml
from stack_config.loader import (
    PROJECT,
    REGION_KEY,
    Problem,
    StackConfigError,
    parse_stack_config,
    validation_problems,
)
from stack_config.release import ReleaseStackConfig, StageEnvironment

RELEASE_KEY = f"{PROJECT}:release"


def is_release_stack(values: Mapping[str, Any]) -> bool:
    """Whether a stack's config declares a release pipeline rather than a platform."""
    return RELEASE_KEY in values


def parse_release_config(stack: str, values: Mapping[str, Any]) -> ReleaseStackConfig:
    """Validate namespaced config values (`aws:region`, `data-platform:release`)."""
    unknown = sorted(k for k in values if k.startswith(f"{PROJECT}:") and k != RELEASE_KEY)
    problems = [
        Problem(k.split(":", 1)[1], "unknown key in a delivery stack", None) for k in unknown
    ]
    raw = {"aws:region": values.get(REGION_KEY), "release": values.get(RELEASE_KEY)}
    try:
        config = ReleaseStackConfig.model_validate({k: v for k, v in raw.items() if v is not None})
    except ValidationError as err:
        problems.extend(validation_problems(err, ReleaseStackConfig))
    if problems:
        raise StackConfigError(stack, problems)
    return config


def read_stack_file(stack: str, root: Path) -> dict[str, Any] | None:
    """The `config:` mapping of `Pulumi.<stack>.yaml` under root, or None without that file;
    raises `YamlFileError` for a file that is not valid YAML."""
    path = root / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        return None
    document = read_yaml(path, source=path.name) or {}
    values = document.get("config") if isinstance(document, dict) else None
    return values if isinstance(values, dict) else {}


def resolve_stages(
    stack: str, config: ReleaseStackConfig, root: Path
) -> tuple[StageEnvironment, ...]:
    """Each stage with its stack's validated config, in promotion order."""
    problems: list[Problem] = []
    resolved: list[StageEnvironment] = []
    for index, stage in enumerate(config.release.stages):
        path = f"release.stages[{index}].stack"
        try:
            values = read_stack_file(stage.stack, root)
        except YamlFileError as error:
            problems.append(Problem(path, f"stack '{stage.stack}': {error}", None))
            continue
        if values is None:
            problems.append(
                Problem(path, f"no Pulumi.{stage.stack}.yaml next to Pulumi.yaml", None)
            )
            continue
        try:
            environment = parse_stack_config(stage.stack, values)
        except StackConfigError as error:
            first = error.problems[0]
            message = f"stack '{stage.stack}' has an invalid config ({first.path}: {first.message})"
            problems.append(Problem(path, message, None))
            continue
        if environment.platform.delivery is None:
            message = f"stack '{stage.stack}' has no platform.delivery (its account and backend)"
            problems.append(Problem(path, message, None))
            continue
        resolved.append(StageEnvironment(stage, environment))
    if problems:
        raise StackConfigError(stack, problems)
    return tuple(resolved)
