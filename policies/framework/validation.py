"""Pydantic's validation errors in the project's own words: what is allowed, and how a value
YAML read as a number or a boolean is written as text. Shared by the stack config, the bootstrap
config and the pack's exceptions file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic_core import ErrorDetails

_TEXT_KINDS = {"string_type", "string_sub_type"}
_NUMBER = "must be a number"
_DATE = "must be a date such as 2026-12-31"
_MAPPING = "must be a mapping of keys to values"
_FIXED = {
    "missing": "required key is missing",
    "extra_forbidden": "unknown key",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "decimal_type": _NUMBER,
    "decimal_parsing": _NUMBER,
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "dict_type": _MAPPING,
    "model_type": _MAPPING,
    "model_attributes_type": _MAPPING,
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
}
_BOUNDS = {
    "greater_than_equal": ("ge", "must be at least {}"),
    "greater_than": ("gt", "must be more than {}"),
    "less_than_equal": ("le", "must be at most {}"),
    "less_than": ("lt", "must be less than {}"),
    "string_too_short": ("min_length", "must be at least {} characters long"),
    "string_too_long": ("max_length", "must be at most {} characters long"),
    "too_short": ("min_length", "needs at least {} entries"),
    "too_long": ("max_length", "allows at most {} entries"),
    "string_pattern_mismatch": ("pattern", "must match the pattern {}"),
    "literal_error": ("expected", "must be {}"),
    "enum": ("expected", "must be {}"),
}


@dataclass(frozen=True)
class Described:
    """One error as the project says it; `shows_input` when the message already names the
    value given (no "(got ...)" needed)."""

    message: str
    shows_input: bool = False


def describe(error: ErrorDetails, *, text: str = "text") -> Described:
    """The error in the project's words; `text` says what a string field allows (for a value
    that is not a string)."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in _TEXT_KINDS:
        return Described(f"must be {text}{as_text_hint(error['input'])}", shows_input=True)
    if kind in _FIXED:
        return Described(_FIXED[kind])
    if kind in _BOUNDS:
        key, template = _BOUNDS[kind]
        return Described(template.format(ctx.get(key)))
    if kind == "union_tag_invalid":
        field = str(ctx.get("discriminator", "kind")).strip("'")
        allowed = str(ctx.get("expected_tags", "")).replace("'", "")
        return Described(f"unknown {field} {ctx.get('tag')!r}; allowed: {allowed}", True)
    if kind == "union_tag_not_found":
        return Described(f"needs a {str(ctx.get('discriminator', 'kind')).strip(chr(39))} key")
    return Described(error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, "))


def as_text_hint(value: Any) -> str:
    """How a non-string value came to be one, and how to write it as text."""
    if isinstance(value, bool):
        return (
            f"; got the boolean {str(value).lower()}: YAML reads an unquoted true or false as a"
            " boolean, so put the value in quotes"
        )
    if isinstance(value, int | float):
        return (
            f"; got the number {value}: YAML reads unquoted digits as a number, so put the"
            " value in quotes"
        )
    shapes = {dict: "a mapping", list: "a list", type(None): "no value"}
    return f"; got {shapes.get(type(value), type(value).__name__)}"
