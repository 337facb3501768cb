"""Facts about pulumi-aws the rules rely on, read from `policies/data/` (no pulumi_aws at run time).

- type families (`type_families.json`, generated): the tokens that create the same AWS resource;
- secret inputs (`secret_inputs.json`, generated): inputs the SDK always makes Pulumi secrets;
- provider defaults (`provider_defaults.json`, kept by hand with the docstring that documents
  each): the value the provider fills in at Check time when a program omits an input.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_DATA = Path(__file__).resolve().parent.parent / "data"


def _load(name: str) -> Any:
    return json.loads((_DATA / name).read_text(encoding="utf-8"))


_FAMILIES: dict[str, tuple[str, ...]] = {
    member: tuple(members)
    for members in _load("type_families.json")["families"].values()
    for member in members
}
SUCCESSORS: dict[str, str] = {
    member: successor
    for successor, members in _load("type_families.json")["families"].items()
    for member in members
    if member != successor
}
"""Deprecated or renamed token -> the token pulumi-aws recommends instead."""
_SECRETS = _load("secret_inputs.json")
SECRET_INPUTS: dict[str, frozenset[str]] = {
    token: frozenset(names) for token, names in _SECRETS["inputs"].items()
}


def family(*tokens: str) -> tuple[str, ...]:
    """Every token that creates the same AWS resources as `tokens`, in the given order first."""
    members: list[str] = []
    for token in tokens:
        for member in (token, *_FAMILIES.get(token, ())):
            if member not in members:
                members.append(member)
    return tuple(members)


ALL_TYPES: tuple[str, ...] = family(*_SECRETS["resource_types"])
"""Every pulumi-aws resource type, with the legacy tokens of its family."""


@dataclass(frozen=True)
class ProviderDefault:
    """The value pulumi-aws fills in for an omitted input, and the docstring that says so."""

    type: str
    input: str
    value: Any
    args: str
    file: str
    param: str
    documented: str

    @property
    def note(self) -> str:
        return f"{self.input} is omitted; the provider fills in {json.dumps(self.value)}"


DEFAULTS: dict[tuple[str, str], ProviderDefault] = {
    (d["type"], d["input"]): ProviderDefault(**d)
    for d in _load("provider_defaults.json")["defaults"]
}


def provider_default(type_token: str, input_path: str) -> ProviderDefault:
    """The documented default of `input_path` (dotted) for any member of the type's family."""
    for member in family(type_token):
        found = DEFAULTS.get((member, input_path))
        if found is not None:
            return found
    raise KeyError(f"no documented provider default for {type_token} {input_path}")
