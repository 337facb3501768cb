"""Describes the stack-config models as a reader needs them: one section per object (and per
`kind` variant), one row per key with its type, constraints, default and description.

Everything is read from the models themselves (annotations, `Field` constraints, validators'
docstrings), so the description changes when the validation does.
"""

from __future__ import annotations

import inspect
import json
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import AfterValidator, BaseModel
from pydantic.fields import FieldInfo

from stack_config.base import OneOf, Pattern
from stack_config.schedule import check_schedule

_SCALARS = {str: "string", int: "integer", bool: "boolean", float: "number", Decimal: "decimal"}


@dataclass(frozen=True)
class Row:
    """One key of an object."""

    key: str
    type_text: str
    link: str | None
    default: str
    description: str
    shared: bool = False


@dataclass(frozen=True)
class Section:
    """An object at a key path, or the `kind` variants a key path chooses between."""

    title: str
    summary: str
    rows: tuple[Row, ...] = ()
    rules: tuple[str, ...] = ()
    variants: tuple[tuple[str, str], ...] = ()


@dataclass
class _Type:
    text: str
    link: str | None = None
    nested: list[tuple[str, Any]] = field(default_factory=list)
    shared: bool = False


def sections(model: type[BaseModel], path: str) -> list[Section]:
    """The sections of `model` at `path` and of every object below it, parents first; a model
    met again at another path links to its first section instead of repeating it."""
    found: list[Section] = []
    _visit_model(model, path, found, {})
    return found


def _visit_model(
    model: type[BaseModel], path: str, found: list[Section], seen: dict[Any, str]
) -> None:
    rows, nested = [], []
    for name, info in model.model_fields.items():
        described = _describe(info.annotation, f"{path}.{info.alias or name}")
        for sub_path, target in described.nested:
            if target in seen:
                described.link, described.shared = seen[target], True
            else:
                seen[target] = sub_path
                nested.append((sub_path, target))
        text = _with(described.text, _constraints(info.metadata, text=info.annotation is str))
        default, description = _default(info), info.description or ""
        rows.append(
            Row(info.alias or name, text, described.link, default, description, described.shared)
        )
    found.append(Section(f"`{path}`", _doc(model), tuple(rows), _rules(model)))
    for sub_path, target in nested:
        _visit(target, sub_path, found, seen)


def _visit(target: Any, path: str, found: list[Section], seen: dict[Any, str]) -> None:
    if isinstance(target, type) and issubclass(target, BaseModel):
        _visit_model(target, path, found, seen)
        return
    members = _kinds(target)
    titles = [(kind, f"`{path}` with `kind: {kind}`") for kind in members]
    summary = "One of these objects, chosen by its `kind` key:"
    found.append(Section(f"`{path}`", summary, variants=tuple(titles)))
    for (_kind, title), model in zip(titles, members.values(), strict=True):
        variant: list[Section] = []
        _visit_model(model, path, variant, seen)
        first = variant[0]
        found.append(Section(title, first.summary, first.rows, first.rules))
        found.extend(variant[1:])


def _with(text: str, constraints: list[str]) -> str:
    return f"{text} ({'; '.join(constraints)})" if constraints else text


def _describe(annotation: Any, path: str) -> _Type:
    handler = _COMPOSITES.get(get_origin(annotation))
    if handler is not None:
        return handler(get_args(annotation), path)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _Type("object", path, [(path, annotation)])
    return _Type(_SCALARS.get(annotation, getattr(annotation, "__name__", str(annotation))))


def _annotated(args: tuple[Any, ...], path: str) -> _Type:
    inner = _describe(args[0], path)
    inner.text = _with(inner.text, _constraints(args[1:], text=args[0] is str))
    return inner


def _union(args: tuple[Any, ...], path: str) -> _Type:
    members = tuple(a for a in args if a is not type(None))
    optional = " or null" if len(args) > len(members) else ""
    if len(members) == 1:
        inner = _describe(members[0], path)
        inner.text += optional
        return inner
    return _Type(f"object chosen by `kind`{optional}", path, [(path, members)])


def _literal(args: tuple[Any, ...], _path: str) -> _Type:
    return _Type(("`" if len(args) == 1 else "one of `") + "`, `".join(map(str, args)) + "`")


def _list(args: tuple[Any, ...], path: str) -> _Type:
    inner = _describe(args[0], f"{path}[]")
    return _Type(f"list of {inner.text}", inner.link, inner.nested)


def _dict(args: tuple[Any, ...], path: str) -> _Type:
    key, value = _describe(args[0], path), _describe(args[1], f"{path}{{}}")
    return _Type(f"map of {key.text} to {value.text}", value.link, value.nested)


_COMPOSITES: dict[Any, Callable[[tuple[Any, ...], str], _Type]] = {
    Annotated: _annotated,
    Union: _union,
    types.UnionType: _union,
    Literal: _literal,
    list: _list,
    dict: _dict,
}


def _kinds(members: tuple[type[BaseModel], ...]) -> dict[str, type[BaseModel]]:
    """The variants of a discriminated union by the value of their `kind` key."""
    found: dict[str, type[BaseModel]] = {}
    for model in members:
        (kind,) = get_args(model.model_fields["kind"].annotation)
        found[kind] = model
    return found


def _constraints(metadata: Any, *, text: bool = False) -> list[str]:
    """The constraints' words; `text`: a length counts characters, not items."""
    found: list[str] = []
    low = next((m.ge for m in metadata if isinstance(m, annotated_types.Ge)), None)
    high = next((m.le for m in metadata if isinstance(m, annotated_types.Le)), None)
    if low is not None and high is not None:
        found.append(f"{low} to {high}")
    else:
        found += [f"at least {low}"] if low is not None else []
        found += [f"at most {high}"] if high is not None else []
    for item in metadata:
        found += _constraint(item, text=text)
    return found


def _constraint(item: Any, *, text: bool) -> list[str]:
    if isinstance(item, FieldInfo):
        return _constraints(item.metadata, text=text)
    if isinstance(item, AfterValidator):
        return [_validator_text(item.func)]
    if isinstance(item, annotated_types.Gt):
        return [f"more than {item.gt}"]
    if isinstance(item, annotated_types.MinLen):
        unit = "character" if text else "item"
        return [f"at least {item.min_length} {unit}{'s' if item.min_length > 1 else ''}"]
    if getattr(item, "decimal_places", None) is not None:
        return [f"up to {item.decimal_places} decimals"]
    return []


def _validator_text(func: Any) -> str:
    if isinstance(func, Pattern | OneOf):
        return func.allowed
    if func is check_schedule:
        return "a [schedule](#schedule-expressions)"
    return _phrase(func.__doc__)


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "**required**"
    value = info.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "every key's default"
    if value is None:
        return "null (unset)"
    if isinstance(value, bool | int | float | Decimal | str):
        return f"`{json.dumps(value) if isinstance(value, bool) else value}`"
    if isinstance(value, date):
        return f"`{value.isoformat()}`"
    return f"`{json.dumps(value)}`"


def _rules(model: type[BaseModel]) -> tuple[str, ...]:
    decorators = model.__pydantic_decorators__
    functions = [d.func for d in decorators.model_validators.values()]
    functions += [d.func for d in decorators.field_validators.values()]
    return tuple(_first_line(inspect.getdoc(f)) for f in functions if inspect.getdoc(f))


def _doc(model: type[BaseModel]) -> str:
    return " ".join((inspect.getdoc(model) or "").split())


def _phrase(doc: str | None) -> str:
    """A validator's docstring as a phrase inside a sentence: no capital, no full stop."""
    text = _first_line(doc).removesuffix(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() or text[1:2] == " " else text


def _first_line(doc: str | None) -> str:
    """A docstring's first paragraph on one line."""
    return " ".join((doc or "").split("\n\n")[0].split())
