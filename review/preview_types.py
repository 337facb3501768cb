"""The typed result of reading a preview: steps, counts, policy results, errors, and how
complete the preview was. Values of inputs are kept only to price resources, never shown."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from policies.framework.credentials import redact
from review.markdown import plain
from review.preview_schema import Diagnostic, State

# Steps that are the physical halves of a logical `replace`; Pulumi's changeSummary counts
# only logical steps, and the digest hides these unless --show-replacement-steps is given.
REPLACEMENT_PARTS: Final = frozenset(
    {"create-replacement", "delete-replaced", "discard-replaced", "import-replacement"}
)


class PreviewFormatError(ValueError):
    """The input is not `pulumi preview --json` output."""


@dataclass(frozen=True)
class PropertyChange:
    """A changed property path and whether the provider says it forces replacement."""

    path: str
    forces_replacement: bool


@dataclass(frozen=True)
class ResourceState:
    """One side of a step: the resource's type and declared inputs (secrets blinded)."""

    type: str
    inputs: Mapping[str, Any]


@dataclass(frozen=True)
class Step:
    """One planned operation on one resource."""

    op: str
    urn: str
    type: str
    name: str
    properties: tuple[PropertyChange, ...] = ()
    old: ResourceState | None = field(default=None, compare=False)
    new: ResourceState | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PolicyViolation:
    """One policy violation reported by a policy pack."""

    enforcement_level: str
    policy_pack: str
    policy_name: str
    urn: str | None
    message: str


@dataclass(frozen=True)
class Remediation:
    """A remediate-level policy changed these input paths of a resource before deployment."""

    policy_pack: str
    policy_name: str
    urn: str | None
    changed: tuple[str, ...]


@dataclass(frozen=True)
class Preview:
    """Everything the comment needs from one preview.

    `finished` is False when the engine's summary never came (the preview stopped early);
    `damage` names the lines of an event stream that could not be read; `failed` are the
    resource operations the engine reported as failed. Messages are redacted of credentials.
    """

    steps: tuple[Step, ...]
    counts: Mapping[str, int]
    violations: tuple[PolicyViolation, ...]
    errors: tuple[str, ...]
    has_policy_results: bool
    remediations: tuple[Remediation, ...] = ()
    finished: bool = True
    damage: tuple[str, ...] = ()
    region: str | None = None
    failed: tuple[Step, ...] = ()


def urn_type(urn: str) -> str:
    """The resource's own type token from a URN (the last `$`-separated segment)."""
    parts = urn.split("::", 3)
    return parts[2].rsplit("$", 1)[-1] if len(parts) == 4 else ""


def urn_name(urn: str) -> str:
    """The resource's logical name from a URN."""
    parts = urn.split("::", 3)
    return parts[3] if len(parts) == 4 else urn


def properties(
    detailed: Mapping[str, str] | None, replace: Sequence[str], diffs: Sequence[str]
) -> tuple[PropertyChange, ...]:
    """Changed property paths; those the provider says force replacement are marked."""
    if detailed:
        found = {p: k.endswith("-replace") for p, k in detailed.items()}
        for key in replace:
            if not any(p == key or p.startswith((f"{key}.", f"{key}[")) for p in found):
                found[key] = True
    else:
        found = {key: False for key in diffs} | {key: True for key in replace}
    return tuple(PropertyChange(p, found[p]) for p in sorted(found))


def make_step(
    op: str,
    urn: str,
    type_: str,
    changes: tuple[Mapping[str, str] | None, Sequence[str], Sequence[str]],
    states: tuple[State | None, State | None],
) -> Step:
    """A step from either shape: `changes` is (detailed diff kinds, replace keys, diff keys),
    `states` the old and new state."""
    type_ = type_ or urn_type(urn)
    return Step(
        op=op,
        urn=urn,
        type=type_,
        name=urn_name(urn),
        properties=properties(*changes),
        old=resource_state(states[0], type_),
        new=resource_state(states[1], type_),
    )


def resource_state(state: State | None, fallback_type: str) -> ResourceState | None:
    """The type and inputs of one side of a step, when the preview recorded it."""
    if state is None:
        return None
    return ResourceState(state.type or fallback_type, dict(state.inputs or {}))


def step_counts(steps: Sequence[Step], summary: Mapping[str, int] | None) -> dict[str, int]:
    """Logical operations counted from the steps; unchanged ones from the engine's summary
    when it has them, because the digest lists no unchanged resource but the stack."""
    counts = dict(Counter(s.op for s in steps if s.op not in REPLACEMENT_PARTS))
    if summary and "same" in summary:
        counts["same"] = summary["same"]
    return counts


# What an error diagnostic whose message is only colour codes (or nothing) is shown as.
WORDLESS_ERROR: Final = "an error without a message (it held only colour codes); see the build log"


def errors(diagnostics: Sequence[Diagnostic]) -> tuple[str, ...]:
    """The messages of error diagnostics, on one line each, credentials redacted; an error
    without words still counts."""
    return tuple(
        redact(plain(d.message)) or WORDLESS_ERROR for d in diagnostics if d.severity == "error"
    )
