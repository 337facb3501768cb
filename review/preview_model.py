"""Reads `pulumi preview --json` output into one typed `Preview`, whichever of Pulumi's two JSON
shapes it is in; anything else raises `PreviewFormatError` naming the offending field or line.

Shapes (pulumi/pulumi `pkg/backend/display/json.go`, `sdk/go/common/apitype/events.go`):
- the default digest: one object with `steps`, `diagnostics`, `changeSummary`; it never carries
  policy violations (the engine's policy events are skipped when the digest is built);
- the event stream (`PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true`): one engine event per line,
  including `policyEvent`s with `policyPackName`, `policyName` and `enforcementLevel`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pydantic import ValidationError

from review.markdown import plain
from review.preview_schema import (
    Diagnostic,
    Digest,
    DigestStep,
    EngineEvent,
    PolicyEvent,
    StepMetadata,
)

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
class Step:
    """One planned operation on one resource."""

    op: str
    urn: str
    type: str
    name: str
    properties: tuple[PropertyChange, ...] = ()


@dataclass(frozen=True)
class PolicyViolation:
    """One policy violation reported by a policy pack."""

    enforcement_level: str
    policy_pack: str
    policy_name: str
    urn: str | None
    message: str


@dataclass(frozen=True)
class Preview:
    """Everything the comment needs from one preview."""

    steps: tuple[Step, ...]
    counts: Mapping[str, int]
    violations: tuple[PolicyViolation, ...]
    errors: tuple[str, ...]
    has_policy_results: bool


def urn_type(urn: str) -> str:
    """The resource's own type token from a URN (the last `$`-separated segment)."""
    parts = urn.split("::", 3)
    return parts[2].rsplit("$", 1)[-1] if len(parts) == 4 else ""


def urn_name(urn: str) -> str:
    """The resource's logical name from a URN."""
    parts = urn.split("::", 3)
    return parts[3] if len(parts) == 4 else urn


def _properties(
    detailed: Mapping[str, str] | None, replace: Sequence[str], diffs: Sequence[str]
) -> tuple[PropertyChange, ...]:
    if detailed:
        found = {p: k.endswith("-replace") for p, k in detailed.items()}
        for key in replace:
            if not any(p == key or p.startswith((f"{key}.", f"{key}[")) for p in found):
                found[key] = True
    else:
        found = {key: False for key in diffs} | {key: True for key in replace}
    return tuple(PropertyChange(p, found[p]) for p in sorted(found))


def _digest_step(step: DigestStep) -> Step:
    state = step.new_state or step.old_state
    kinds = {p: d.kind for p, d in step.detailed_diff.items()} if step.detailed_diff else None
    return Step(
        op=step.op,
        urn=step.urn,
        type=(state.type if state and state.type else urn_type(step.urn)),
        name=urn_name(step.urn),
        properties=_properties(kinds, step.replace_reasons or [], step.diff_reasons or []),
    )


def _event_step(meta: StepMetadata) -> Step:
    kinds = {p: d.diff_kind for p, d in meta.detailed_diff.items()} if meta.detailed_diff else None
    return Step(
        op=meta.op,
        urn=meta.urn,
        type=meta.type or urn_type(meta.urn),
        name=urn_name(meta.urn),
        properties=_properties(kinds, meta.keys or [], meta.diffs or []),
    )


def _logical_counts(steps: Sequence[Step]) -> dict[str, int]:
    return dict(Counter(s.op for s in steps if s.op not in REPLACEMENT_PARTS))


def _errors(diagnostics: Sequence[Diagnostic]) -> tuple[str, ...]:
    return tuple(
        plain(d.message) for d in diagnostics if d.severity == "error" and plain(d.message)
    )


def _from_digest(digest: Digest) -> Preview:
    steps = tuple(_digest_step(s) for s in digest.steps or [])
    return Preview(
        steps=steps,
        counts=digest.change_summary or _logical_counts(steps),
        violations=(),
        errors=_errors(digest.diagnostics or []),
        has_policy_results=False,
    )


def _violation(event: PolicyEvent) -> PolicyViolation:
    return PolicyViolation(
        enforcement_level=event.enforcement_level,
        policy_pack=event.policy_pack_name,
        policy_name=event.policy_name,
        urn=event.resource_urn or None,
        message=plain(event.message),
    )


def _from_events(events: Sequence[EngineEvent]) -> Preview:
    by_urn_op: dict[tuple[str, str], Step] = {}
    summary: dict[str, int] | None = None
    for event in events:
        if event.resource_pre_event:
            step = _event_step(event.resource_pre_event.metadata)
            by_urn_op.setdefault((step.urn, step.op), step)
        if event.summary_event and event.summary_event.resource_changes is not None:
            summary = event.summary_event.resource_changes
    steps = tuple(by_urn_op.values())
    return Preview(
        steps=steps,
        counts=summary if summary is not None else _logical_counts(steps),
        violations=tuple(_violation(e.policy_event) for e in events if e.policy_event),
        errors=_errors([e.diagnostic_event for e in events if e.diagnostic_event]),
        has_policy_results=True,
    )


def _describe(error: ValidationError, where: str) -> str:
    first = error.errors()[0]
    loc = ".".join(str(part) for part in first["loc"]) or "(document)"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}{loc}: {first['msg']}{more}"


def _parse_lines(text: str) -> list[EngineEvent]:
    events: list[EngineEvent] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            events.append(EngineEvent.model_validate(json.loads(line)))
        except json.JSONDecodeError as exc:
            raise PreviewFormatError(f"line {number} is not valid JSON: {exc.msg}") from exc
        except ValidationError as exc:
            raise PreviewFormatError(_describe(exc, f"line {number}: ")) from exc
    return events


def _parse_document(document: Any) -> Preview:
    if isinstance(document, list):
        return _from_events(_validate_events(document))
    if not isinstance(document, dict):
        raise PreviewFormatError(f"expected a JSON object, got {type(document).__name__}")
    if isinstance(document.get("events"), list):
        return _from_events(_validate_events(document["events"]))
    if "steps" not in document and "changeSummary" not in document:
        raise PreviewFormatError(
            "expected `pulumi preview --json` output: an object with `steps` or `changeSummary`"
        )
    try:
        return _from_digest(Digest.model_validate(document))
    except ValidationError as exc:
        raise PreviewFormatError(_describe(exc, "")) from exc


def _validate_events(raw: list[Any]) -> list[EngineEvent]:
    try:
        return [EngineEvent.model_validate(item) for item in raw]
    except ValidationError as exc:
        raise PreviewFormatError(_describe(exc, "event ")) from exc


def _is_event_stream(text: str) -> bool:
    first = text.lstrip().split("\n", 1)[0]
    try:
        return isinstance(json.loads(first), dict)
    except json.JSONDecodeError:
        return False


def parse_preview(text: str) -> Preview:
    """Parse a preview digest, a JSON array of engine events, or newline-delimited events."""
    if not text.strip():
        raise PreviewFormatError("the file is empty")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        if _is_event_stream(text):
            return _from_events(_parse_lines(text))
        raise PreviewFormatError(f"not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    return _parse_document(document)


__all__ = [
    "PolicyViolation",
    "Preview",
    "PreviewFormatError",
    "PropertyChange",
    "Step",
    "parse_preview",
    "urn_name",
    "urn_type",
]
