"""Validate raw stack config and report every problem with its full key path.

`StackConfigError` lists each problem as `path: message (got value)`, where a path looks like
`platform.lake.zones[1].name`; nothing is returned unless the whole config is valid.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from policies.framework.validation import describe
from stack_config.base import OneOf, Pattern
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
    loc, parent, annotation = _walk(error["loc"], root)
    if error["type"] == "extra_forbidden":
        model = _model_of(parent)
        allowed = [f.alias or name for name, f in model.model_fields.items()] if model else []
        message = "unknown key" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
        return Problem(format_path(loc), message, None)
    if error["type"] == "union_tag_not_found":
        tags = ", ".join(_union_members(annotation))
        return Problem(format_path(loc), f"needs a kind; allowed: {tags}", None)
    described = describe(error, text=_allowed_text(annotation))
    # A whole object is not shown (its keys are the story), nor a value the message names.
    whole = isinstance(error["input"], dict | list)
    if error["type"] == "missing" or described.shows_input or whole:
        return Problem(format_path(loc), described.message, None)
    return Problem(format_path(loc), described.message, _shorten(repr(error["input"])))


def _walk(loc: Sequence[int | str], root: type[BaseModel]) -> tuple[list[int | str], Any, Any]:
    """The config keys a user wrote (without pydantic's union-member parts), the annotation of
    the value holding the last of them, and that value's own annotation."""
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
    return kept, parent, annotation


def _allowed_text(annotation: Any) -> str:
    """What a constrained string allows (its `Pattern`), else "text"."""
    for arg in (annotation, *_nested(annotation)):
        for meta in getattr(arg, "__metadata__", ()):
            if isinstance(getattr(meta, "func", None), Pattern | OneOf):
                return str(meta.func.allowed)
    return "text"


def _union_members(annotation: Any) -> dict[str, Any]:
    """For a discriminated union of models, its members by tag value."""
    members = {}
    for candidate in _nested(annotation):
        field = getattr(candidate, "model_fields", {}).get("kind")
        for tag in get_args(field.annotation) if field else ():
            members[tag] = candidate
    return members


def _nested(annotation: Any) -> list[Any]:
    """Every type inside an `Annotated`, `Optional` or union annotation, depth first."""
    found = []
    for arg in get_args(annotation):
        found += [arg, *_nested(arg)]
    return found


def _step(annotation: Any, part: int | str) -> Any:
    if isinstance(part, int):
        while get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        args = get_args(annotation)
        return args[0] if get_origin(annotation) in (list, tuple) and args else None
    model = _model_of(annotation)
    fields = model.model_fields.items() if model else ()
    field = next((f for name, f in fields if part in (name, f.alias)), None)
    if field is None:
        return None
    return Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation


def _model_of(annotation: Any) -> type[BaseModel] | None:
    candidates = (annotation, *get_args(annotation))
    models = [a for a in candidates if isinstance(a, type) and issubclass(a, BaseModel)]
    return models[0] if models else None


def _shorten(value: str | None, limit: int = 80) -> str | None:
    if value is None or len(value) <= limit:
        return value
    return value[: limit - 3] + "..."
