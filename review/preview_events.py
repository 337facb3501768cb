"""Builds a `Preview` from engine events (pulumi/pulumi `sdk/go/common/apitype/events.go`):
steps from `resourcePreEvent`, violations from `policyEvent`, remediations from
`policyRemediationEvent` (the changed input paths, never their values), errors from
`diagnosticEvent`, failed operations from `resOpFailedEvent`, the region from `preludeEvent`,
and whether the `summaryEvent` came."""

from __future__ import annotations

from collections.abc import Sequence

from policies.framework.credentials import redact
from review.capture_diff import diff_values
from review.markdown import plain
from review.preview_schema import EngineEvent, PolicyEvent, PolicyRemediationEvent, StepMetadata
from review.preview_types import (
    PolicyViolation,
    Preview,
    Remediation,
    Step,
    errors,
    make_step,
    step_counts,
)


def _event_step(meta: StepMetadata) -> Step:
    kinds = {p: d.diff_kind for p, d in meta.detailed_diff.items()} if meta.detailed_diff else None
    return make_step(
        meta.op,
        meta.urn,
        meta.type,
        (kinds, meta.keys or [], meta.diffs or []),
        (meta.old, meta.new),
    )


def _violation(event: PolicyEvent) -> PolicyViolation:
    return PolicyViolation(
        enforcement_level=event.enforcement_level,
        policy_pack=event.policy_pack_name,
        policy_name=event.policy_name,
        urn=event.resource_urn or None,
        message=redact(plain(event.message)),
    )


def _remediation(event: PolicyRemediationEvent) -> Remediation:
    changes = diff_values(event.before or {}, event.after or {})
    return Remediation(
        policy_pack=event.policy_pack_name,
        policy_name=event.policy_name,
        urn=event.resource_urn or None,
        changed=tuple(sorted({c.path for c in changes})),
    )


def _region(events: Sequence[EngineEvent]) -> str | None:
    for event in events:
        if event.prelude_event and event.prelude_event.config:
            region = event.prelude_event.config.get("aws:region")
            return region if isinstance(region, str) else None
    return None


def events_preview(events: Sequence[EngineEvent], damage: Sequence[str]) -> Preview:
    """The preview the events describe; `damage` names the lines that could not be read."""
    by_urn_op: dict[tuple[str, str], Step] = {}
    summary: dict[str, int] | None = None
    finished = False
    for event in events:
        if event.resource_pre_event:
            step = _event_step(event.resource_pre_event.metadata)
            by_urn_op.setdefault((step.urn, step.op), step)
        if event.summary_event:
            finished = True
            summary = event.summary_event.resource_changes
    steps = tuple(by_urn_op.values())
    return Preview(
        steps=steps,
        counts=step_counts(steps, summary),
        violations=tuple(_violation(e.policy_event) for e in events if e.policy_event),
        errors=errors([e.diagnostic_event for e in events if e.diagnostic_event]),
        has_policy_results=True,
        remediations=tuple(
            _remediation(e.policy_remediation_event) for e in events if e.policy_remediation_event
        ),
        finished=finished,
        damage=tuple(redact(d) for d in damage),
        region=_region(events),
        failed=tuple(
            _event_step(e.res_op_failed_event.metadata) for e in events if e.res_op_failed_event
        ),
    )
