"""Compares two offline captures of the resources a Pulumi program declares (base and head) and
renders the difference as pull-request Markdown. Pure functions: desired state only, never live
cloud state, and secret values are never printed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from review.layout import GITHUB, Block, CommentLimit, fit
from review.markdown import (
    ChangeRow,
    Danger,
    change_table,
    code,
    danger_block,
    short_value,
    stateful_label,
    table,
)
from review.warehouse_words import warehouse_block

# Pulumi marks a serialized secret with this signature key/value (sdk/go/common/resource/sig).
SECRET_SIG_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIG_VALUE: Final = "1b47061264138c4ac30d75fd1eb44270"
# Pulumi's placeholder for a value that is only known after deployment.
UNKNOWN_VALUE: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
MAX_PROPERTIES: Final = 10
_PLAIN_KEY = re.compile(r"^[^.\[\]\"\s]+$")
_ROW_RANK: Final = {"removed": 0, "changed": 1, "added": 2}

ChangeKind = Literal["added", "removed", "changed"]


class CaptureFormatError(ValueError):
    """A capture is not a list of resources with unique URNs."""


class CapturedResource(BaseModel):
    """One resource as the program declared it, captured without touching the cloud."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    urn: str = Field(min_length=1, description="Pulumi URN; the identity used for matching.")
    type: str = Field(description="Type token, e.g. aws:s3/bucketV2:BucketV2.")
    name: str = Field(description="Logical resource name.")
    parent: str | None = Field(default=None, description="Parent URN, if any.")
    inputs: dict[str, Any] = Field(default_factory=dict, description="Declared inputs.")
    dependencies: list[str] = Field(default_factory=list, description="URNs depended on.")
    property_dependencies: dict[str, list[str]] = Field(
        default_factory=dict, alias="propertyDependencies", description="Per-input dependencies."
    )


@dataclass(frozen=True)
class InputChange:
    """One changed input at a dotted path; `old`/`new` are None when absent."""

    path: str
    kind: ChangeKind
    old: Any
    new: Any


@dataclass(frozen=True)
class ResourceChange:
    """A resource declared on both sides whose inputs differ."""

    urn: str
    type: str
    name: str
    inputs: tuple[InputChange, ...]


@dataclass(frozen=True)
class CaptureDiff:
    """Resources added, removed and changed between base and head, each sorted by URN."""

    added: tuple[CapturedResource, ...]
    removed: tuple[CapturedResource, ...]
    changed: tuple[ResourceChange, ...]
    unchanged: int

    @property
    def has_changes(self) -> bool:
        """True when anything was added, removed or changed."""
        return bool(self.added or self.removed or self.changed)


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG_VALUE


def _key_path(path: str, key: str) -> str:
    if _PLAIN_KEY.match(key):
        return f"{path}.{key}" if path else key
    return f'{path}["{key}"]'


def _present(mapping: Mapping[str, Any]) -> dict[str, Any]:
    # An input set to None and an input left out declare the same thing.
    return {k: v for k, v in mapping.items() if v is not None}


def _diff_dicts(old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> list[InputChange]:
    old, new = _present(old), _present(new)
    changes: list[InputChange] = []
    for key in sorted(set(old) | set(new)):
        sub = _key_path(path, key)
        if key not in old:
            changes.append(InputChange(sub, "added", None, _masked(new[key])))
        elif key not in new:
            changes.append(InputChange(sub, "removed", _masked(old[key]), None))
        else:
            changes.extend(diff_values(old[key], new[key], sub))
    return changes


def _diff_lists(old: Sequence[Any], new: Sequence[Any], path: str) -> list[InputChange]:
    changes: list[InputChange] = []
    for index in range(max(len(old), len(new))):
        sub = f"{path}[{index}]"
        if index >= len(old):
            changes.append(InputChange(sub, "added", None, _masked(new[index])))
        elif index >= len(new):
            changes.append(InputChange(sub, "removed", _masked(old[index]), None))
        else:
            changes.extend(diff_values(old[index], new[index], sub))
    return changes


def _masked(value: Any) -> Any:
    return "[secret]" if _is_secret(value) else value


def diff_values(old: Any, new: Any, path: str = "") -> list[InputChange]:
    """Leaf-level differences between two input values, as dotted/indexed paths."""
    if _is_secret(old) or _is_secret(new):
        same = old == new
        return [] if same else [InputChange(path, "changed", "[secret]", "[secret]")]
    if isinstance(old, dict) and isinstance(new, dict):
        return _diff_dicts(old, new, path)
    if isinstance(old, list) and isinstance(new, list):
        return _diff_lists(old, new, path)
    if type(old) is type(new) and old == new:
        return []
    return [InputChange(path, "changed", old, new)]


def _index(resources: Sequence[Mapping[str, Any]], side: str) -> dict[str, CapturedResource]:
    indexed: dict[str, CapturedResource] = {}
    for position, raw in enumerate(resources):
        try:
            resource = CapturedResource.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(part) for part in first["loc"])
            raise CaptureFormatError(f"{side}[{position}].{loc}: {first['msg']}") from exc
        if resource.urn in indexed:
            raise CaptureFormatError(f"{side}[{position}]: duplicate urn {resource.urn}")
        indexed[resource.urn] = resource
    return indexed


def diff_captures(
    base: Sequence[Mapping[str, Any]], head: Sequence[Mapping[str, Any]]
) -> CaptureDiff:
    """Match resources by URN and report what head adds, removes and changes relative to base."""
    old, new = _index(base, "base"), _index(head, "head")
    changed: list[ResourceChange] = []
    for urn in sorted(old.keys() & new.keys()):
        inputs = diff_values(old[urn].inputs, new[urn].inputs)
        if inputs:
            changed.append(ResourceChange(urn, new[urn].type, new[urn].name, tuple(inputs)))
    return CaptureDiff(
        added=tuple(new[u] for u in sorted(new.keys() - old.keys())),
        removed=tuple(old[u] for u in sorted(old.keys() - new.keys())),
        changed=tuple(changed),
        unchanged=len(old.keys() & new.keys()) - len(changed),
    )


def _shown(value: Any) -> str | None:
    if value == UNKNOWN_VALUE:
        return "(known after deploy)"
    text = short_value(value)
    return None if text is None else code(text, in_table=True)


def describe_change(change: InputChange) -> str:
    """One input change as Markdown: the path, and old → new when both are short scalars."""
    old, new = _shown(change.old), _shown(change.new)
    path = code(change.path, in_table=True)
    if change.kind == "added":
        return f"{path}: (unset) → {new}" if new else f"{path} (added)"
    if change.kind == "removed":
        return f"{path}: {old} → (unset)" if old else f"{path} (removed)"
    if old and new:
        return f"{path}: {old} → {new}"
    return f"{path} (changed)"


def _details(inputs: Sequence[InputChange]) -> str:
    shown = [describe_change(c) for c in inputs[:MAX_PROPERTIES]]
    extra = len(inputs) - MAX_PROPERTIES
    return "<br>".join(shown) + (f"<br>+{extra} more" if extra > 0 else "")


def _rows(diff: CaptureDiff) -> list[ChangeRow]:
    rows = [ChangeRow("removed", r.type, r.name, "—") for r in diff.removed]
    rows += [ChangeRow("changed", c.type, c.name, _details(c.inputs)) for c in diff.changed]
    rows += [ChangeRow("added", r.type, r.name, "—") for r in diff.added]
    return sorted(rows, key=lambda r: (_ROW_RANK[r.operation], r.type, r.name))


def _dangers(diff: CaptureDiff) -> list[Danger]:
    return [
        Danger("remove", r.type, r.name, "")
        for r in diff.removed
        if stateful_label(r.type) is not None
    ]


def _scope_note(base_ref: str) -> list[str]:
    return [
        "> [!NOTE]",
        "> This compares the **declared (desired) state** of the Pulumi program at "
        f"{code(base_ref)} with this pull request, captured offline. It is **not** a comparison"
        " with live cloud state, and it cannot tell which changes force a replacement;"
        " `pulumi preview` can.",
        ">",
        "> A renamed or re-parented resource shows as removed and added unless it has an alias.",
        "",
    ]


def render_capture_diff(
    base: Sequence[Mapping[str, Any]],
    head: Sequence[Mapping[str, Any]],
    *,
    stack: str,
    base_ref: str,
    limit: CommentLimit = GITHUB,
    cost: Sequence[str] = (),
) -> str:
    """The pull-request comment for the declared-state difference between base and head.

    `cost` is Markdown shown under the counts (the monthly cost delta).
    """
    diff = diff_captures(base, head)
    found = _dangers(diff)
    subject = "resource is" if len(found) == 1 else "resources are"
    headline = (
        f"{len(found)} stateful {subject} no longer declared. Deploying would delete the cloud"
        " resource and its data unless it is protected or retained on delete."
    )
    counts = [len(diff.added), len(diff.removed), len(diff.changed), diff.unchanged]
    head_lines = (f"## Declared-state diff: {code(stack)} vs {code(base_ref)}", "")
    blocks = [
        Block(head=(*head_lines, *_scope_note(base_ref))),
        danger_block(found, headline=headline, rank=1),
        Block(
            head=(
                *table(["added", "removed", "changed", "unchanged"], [[str(n) for n in counts]]),
                "",
                *cost,
            )
        ),
        *warehouse_block(base, head),
        change_table(
            _rows(diff), heading="Resources that differ", empty="No declared resource differs.",
            rank=2,
        ),
    ]  # fmt: skip
    return fit(blocks, limit)
