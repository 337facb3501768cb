"""Pydantic models of the two JSON shapes `pulumi preview --json` writes: strict about what
identifies each shape, lenient about fields they do not use so newer Pulumi versions still parse.

Field names follow pulumi/pulumi `pkg/display/json.go` (digest: `PreviewDigest`,
`PreviewStep`, `PropertyDiff.kind`) and `sdk/go/common/apitype/events.go` (event stream:
`EngineEvent` with `sequence`, `timestamp` and exactly one event field, `StepEventMetadata`
with `keys`/`diffs`/`diffKind`, `ResOpFailedEvent`, `PolicyEvent`, `PolicyRemediationEvent`,
`SummaryEvent`).
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator
from pydantic.alias_generators import to_camel

# Every field of `apitype.EngineEvent` that carries an event; exactly one is set per line.
EVENT_KINDS: Final = (
    "cancelEvent",
    "stdoutEvent",
    "diagnosticEvent",
    "preludeEvent",
    "summaryEvent",
    "resourcePreEvent",
    "resOutputsEvent",
    "resOpFailedEvent",
    "policyEvent",
    "policyRemediationEvent",
    "policyLoadEvent",
    "policyAnalyzeSummaryEvent",
    "policyRemediateSummaryEvent",
    "policyAnalyzeStackSummaryEvent",
    "startDebuggingEvent",
    "progressEvent",
    "errorEvent",
)


class Lenient(BaseModel):
    """Ignores unknown fields; reads Pulumi's camelCase names."""

    model_config = ConfigDict(
        extra="ignore", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


class State(Lenient):
    """`apitype.ResourceV3` (digest) or `StepEventStateMetadata` (events)."""

    type: str = ""
    inputs: dict[str, Any] | None = None


class DigestDiff(Lenient):
    """Digest `PropertyDiff`: kind is add, update, delete or one of them + `-replace`."""

    kind: str


class DigestStep(Lenient):
    """Digest `PreviewStep`."""

    op: str
    urn: str
    old_state: State | None = None
    new_state: State | None = None
    diff_reasons: list[str] | None = None
    replace_reasons: list[str] | None = None
    detailed_diff: dict[str, DigestDiff] | None = None


class Diagnostic(Lenient):
    """Digest `PreviewDiagnostic` or event `DiagnosticEvent`."""

    urn: str | None = None
    message: str = ""
    severity: str = ""


class Digest(Lenient):
    """The default `pulumi preview --json` document; Pulumi omits empty fields."""

    config: dict[str, Any] | None = None
    steps: list[DigestStep] | None = Field(default=None, min_length=1)
    diagnostics: list[Diagnostic] | None = None
    change_summary: dict[str, int] | None = Field(default=None, min_length=1)


class EventDiff(Lenient):
    """Event `PropertyDiff`; the same kinds as the digest under the name `diffKind`."""

    diff_kind: str


class StepMetadata(Lenient):
    """Event `StepEventMetadata`: `keys` cause replacement, `diffs` changed."""

    op: str
    urn: str
    type: str = ""
    old: State | None = None
    new: State | None = None
    keys: list[str] | None = None
    diffs: list[str] | None = None
    detailed_diff: dict[str, EventDiff] | None = None


class ResourcePreEvent(Lenient):
    """Emitted once per planned step."""

    metadata: StepMetadata


class ResOpFailedEvent(Lenient):
    """A resource operation failed; the engine sends its step's metadata and exit status."""

    metadata: StepMetadata
    status: int = 0
    steps: int = 0


class PolicyEvent(Lenient):
    """One policy violation; enforcementLevel is advisory, mandatory, remediate..."""

    resource_urn: str | None = None
    message: str = ""
    policy_name: str
    policy_pack_name: str
    enforcement_level: str


class PolicyRemediationEvent(Lenient):
    """A remediate-level policy changed a resource's inputs from `before` to `after`."""

    resource_urn: str | None = None
    policy_name: str
    policy_pack_name: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


class PreludeEvent(Lenient):
    """Start of the update: the stack's config (secrets blinded)."""

    config: dict[str, Any] | None = None


class SummaryEvent(Lenient):
    """End of preview; resourceChanges counts logical steps per operation."""

    resource_changes: dict[str, int] | None = None


class EngineEvent(Lenient):
    """One line of the event stream: `sequence`, `timestamp` and exactly one known event."""

    sequence: StrictInt
    timestamp: StrictInt
    prelude_event: PreludeEvent | None = None
    resource_pre_event: ResourcePreEvent | None = None
    res_op_failed_event: ResOpFailedEvent | None = None
    policy_event: PolicyEvent | None = None
    policy_remediation_event: PolicyRemediationEvent | None = None
    summary_event: SummaryEvent | None = None
    diagnostic_event: Diagnostic | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_known_event(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for key in ("sequence", "timestamp"):
            if key not in data:
                raise ValueError(f"no `{key}`, so not an engine event")
        kinds = [kind for kind in EVENT_KINDS if data.get(kind) is not None]
        if not kinds:
            unknown = sorted(set(data) - {"sequence", "timestamp"})
            found = f"; it has {', '.join(unknown)}" if unknown else ""
            raise ValueError(f"no event (one of {', '.join(EVENT_KINDS)}){found}")
        if len(kinds) > 1:
            raise ValueError(f"{len(kinds)} events ({', '.join(kinds)}); exactly one is allowed")
        return data
