"""Reads `pulumi preview --json` output into one typed `Preview`, whichever of Pulumi's two JSON
shapes it is in; anything else raises `PreviewFormatError` saying what was expected.

Shapes (pulumi/pulumi `pkg/backend/display/json.go`, `sdk/go/common/apitype/events.go`):
- the default digest: one object with `steps`, `diagnostics`, `changeSummary`; it never carries
  policy results (the engine's policy events are skipped when the digest is built);
- the event stream (`PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true`): one engine event per line.
  A line that cannot be read (a warning printed into the stream, a line cut short when the
  build was killed, JSON nested deeper than `MAX_DEPTH`) is recorded as damage and the events
  around it are kept.

A digest holding only diagnostics (a preview that failed before it planned) is a preview too.
"""

from __future__ import annotations

import json
from typing import Any, Final

from pydantic import ValidationError

from review.preview_events import events_preview
from review.preview_schema import Digest, DigestStep, EngineEvent
from review.preview_types import (
    PolicyViolation,
    Preview,
    PreviewFormatError,
    PropertyChange,
    Remediation,
    ResourceState,
    Step,
    errors,
    make_step,
    step_counts,
    urn_name,
    urn_type,
)

EXPECTED: Final = (
    "expected a digest (a JSON object with `steps`, `changeSummary` or `diagnostics`) or an "
    "engine event "
    "stream (one JSON object per line, each with `sequence`, `timestamp` and exactly one event "
    "such as `resourcePreEvent`)"
)
BOM: Final = "\ufeff"
DIGEST_KEYS: Final = frozenset({"steps", "changeSummary", "diagnostics"})
# Deeper than any engine event nests (inputs hold policy documents as text); bounded so that
# hostile input is reported as damage instead of exhausting the interpreter's stack.
MAX_DEPTH: Final = 64


def _digest_step(step: DigestStep) -> Step:
    state = step.new_state or step.old_state
    kinds = {p: d.kind for p, d in step.detailed_diff.items()} if step.detailed_diff else None
    return make_step(
        step.op,
        step.urn,
        state.type if state else "",
        (kinds, step.replace_reasons or [], step.diff_reasons or []),
        (step.old_state, step.new_state),
    )


def _from_digest(digest: Digest) -> Preview:
    steps = tuple(_digest_step(s) for s in digest.steps or [])
    region = (digest.config or {}).get("aws:region")
    return Preview(
        steps=steps,
        counts=step_counts(steps, digest.change_summary),
        violations=(),
        errors=errors(digest.diagnostics or []),
        has_policy_results=False,
        finished=digest.change_summary is not None,
        region=region if isinstance(region, str) else None,
    )


def describe(error: ValidationError, where: str) -> str:
    """The first validation problem as `where` + dotted location + message."""
    first = error.errors()[0]
    loc = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}{loc + ': ' if loc else ''}{message}{more}"


def _load(text: str) -> Any:
    """`json.loads`, refusing documents nested deeper than MAX_DEPTH (ValueError)."""
    try:
        document = json.loads(text)
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels") from None
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
        children = value.values() if isinstance(value, dict) else value
        if isinstance(value, dict | list):
            stack.extend((child, depth + 1) for child in children)
    return document


def _read_lines(text: str) -> tuple[list[EngineEvent], list[str]]:
    events: list[EngineEvent] = []
    damage: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            events.append(EngineEvent.model_validate(_load(line)))
        except json.JSONDecodeError as exc:
            damage.append(f"line {number} is not JSON ({exc.msg})")
        except ValidationError as exc:
            damage.append(describe(exc, f"line {number}: "))
        except ValueError as exc:
            damage.append(f"line {number} is {exc}")
    if not events:
        raise PreviewFormatError(f"{damage[0]}; {EXPECTED}")
    return events, damage


def _kind(document: Any) -> str:
    if isinstance(document, dict):
        keys = ", ".join(sorted(document)[:8]) or "none"
        return f"got an object with keys: {keys}"
    names = {list: "a JSON array", str: "a string", bool: "a boolean", type(None): "null"}
    return f"got {names.get(type(document), 'a number')}"


def _parse_digest(document: Any) -> Preview:
    if not isinstance(document, dict) or not DIGEST_KEYS & set(document):
        raise PreviewFormatError(f"{_kind(document)}; {EXPECTED}")
    try:
        return _from_digest(Digest.model_validate(document))
    except ValidationError as exc:
        raise PreviewFormatError(describe(exc, "")) from exc


def parse_preview(text: str) -> Preview:
    """Parse a preview digest or an engine event stream (one event per line)."""
    body = text.removeprefix(BOM)
    if not body.strip():
        raise PreviewFormatError("the file is empty")
    try:
        document = _load(body)
    except ValueError:  # not one JSON document (JSONDecodeError included), or nested too deeply
        return events_preview(*_read_lines(body))
    if isinstance(document, dict) and "sequence" in document:
        return events_preview(*_read_lines(body))
    return _parse_digest(document)


__all__ = [
    "PolicyViolation",
    "Preview",
    "PreviewFormatError",
    "PropertyChange",
    "Remediation",
    "ResourceState",
    "Step",
    "parse_preview",
    "urn_name",
    "urn_type",
]
