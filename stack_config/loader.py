"""Validate raw stack config and report every problem with its full key path.

`StackConfigError` lists each problem as `path: message (got value)`, where a path looks like
`platform.lake.zones[1].name`; nothing is returned unless the whole config is valid.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from stack_config.root import StackConfig

PROJECT = "data-platform"
PLATFORM_KEY = f"{PROJECT}:platform"
REGION_KEY = "aws:region"


@dataclass(frozen=True)
class Problem:
    """One invalid value: where it is, what is wrong, what was given."""

    path: str
    message: str
    value: str | None

    def __str__(self) -> str:
        given = "" if self.value is None else f" (got {self.value})"
        return f"{self.path}: {self.message}{given}"


class StackConfigError(ValueError):
    """The stack config is invalid; `problems` names every offending key."""

    def __init__(self, stack: str, problems: Sequence[Problem]) -> None:
        self.stack = stack
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid config for stack '{stack}':\n{lines}")


def parse_stack_config(stack: str, values: Mapping[str, Any]) -> StackConfig:
    """Validate namespaced config values (`aws:region`, `data-platform:platform`)."""
    unknown = sorted(k for k in values if k.startswith(f"{PROJECT}:") and k != PLATFORM_KEY)
    problems = [
        Problem(key.split(":", 1)[1], f"unknown key; allowed: {PLATFORM_KEY.split(':')[1]}", None)
        for key in unknown
    ]
    raw = {"aws:region": values.get(REGION_KEY), "platform": values.get(PLATFORM_KEY)}
    raw = {k: v for k, v in raw.items() if v is not None}
    try:
        config = StackConfig.model_validate(raw)
    except ValidationError as err:
        problems.extend(validation_problems(err, StackConfig))
    if problems:
        raise StackConfigError(stack, problems)
    return config


def format_path(loc: Sequence[int | str]) -> str:
    """Render a pydantic location as `a.b[1].c`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validation_problems(error: ValidationError, root: type[BaseModel]) -> list[Problem]:
    """Every error of validating `root`, with the key path a user wrote."""
    return [_problem(e, root) for e in error.errors(include_url=False)]


def _problem(error: ErrorDetails, root: type[BaseModel]) -> Problem:
    loc, parent = _walk(error["loc"], root)
    message = error["msg"].removeprefix("Value error, ")
    value: str | None = repr(error["input"])
    if error["type"] == "missing":
        message, value = "required key is missing", None
    elif error["type"] == "extra_forbidden":
        model = _model_of(parent)
        allowed = [f.alias or name for name, f in model.model_fields.items()] if model else []
        message = "unknown key" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
        value = None
    return Problem(format_path(loc), message, _shorten(value))


def _walk(loc: Sequence[int | str], root: type[BaseModel]) -> tuple[list[int | str], Any]:
    """The config keys a user wrote (without pydantic's union-member parts) and the annotation
    of the value holding the last of them."""
    kept: list[int | str] = []
    annotation: Any = root
    parent: Any = None
    for part in loc:
        if isinstance(part, str) and "[" in part:  # e.g. 'function-after[...]', '[key]'
            continue
        members = _union_members(annotation)
        if isinstance(part, str) and part in members:
            annotation = members[part]
            continue
        kept.append(part)
        parent, annotation = annotation, _step(annotation, part)
    return kept, parent


def _union_members(annotation: Any) -> dict[str, Any]:
    """For a discriminated union of models, its members by tag value."""
    members = {}
    for arg in get_args(annotation):
        for candidate in (arg, *get_args(arg)):
            field = getattr(candidate, "model_fields", {}).get("kind")
            for tag in get_args(field.annotation) if field else ():
                members[tag] = candidate
    return members


def _step(annotation: Any, part: int | str) -> Any:
    if isinstance(part, int):
        args = get_args(annotation)
        return args[0] if get_origin(annotation) in (list, tuple) and args else None
    model = _model_of(annotation)
    fields = model.model_fields.items() if model else ()
    return next((f.annotation for name, f in fields if part in (name, f.alias)), None)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    candidates = (annotation, *get_args(annotation))
    models = [a for a in candidates if isinstance(a, type) and issubclass(a, BaseModel)]
    return models[0] if models else None


def _shorten(value: str | None, limit: int = 80) -> str | None:
    if value is None or len(value) <= limit:
        return value
    return value[: limit - 3] + "..."
