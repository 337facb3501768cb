"""Pydantic models of the two JSON shapes `pulumi preview --json` writes, lenient about fields
they do not use so newer Pulumi versions still parse.

Field names follow pulumi/pulumi `sdk/pkg/display/json.go` (digest: `PreviewDigest`,
`PreviewStep`, `PropertyDiff.kind`) and `sdk/go/common/apitype/events.go` (event stream:
`EngineEvent`, `StepEventMetadata` with `keys`/`diffs`/`diffKind`, `PolicyEvent`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Lenient(BaseModel):
    """Ignores unknown fields; reads Pulumi's camelCase names."""

    model_config = ConfigDict(
        extra="ignore", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


class State(Lenient):
    """`apitype.ResourceV3` (digest) or `StepEventStateMetadata` (events); only the type is read."""

    type: str = ""


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
    """The default `pulumi preview --json` document."""

    steps: list[DigestStep] | None = None
    diagnostics: list[Diagnostic] | None = None
    change_summary: dict[str, int] | None = None


class EventDiff(Lenient):
    """Event `PropertyDiff`; the same kinds as the digest under the name `diffKind`."""

    diff_kind: str


class StepMetadata(Lenient):
    """Event `StepEventMetadata`: `keys` cause replacement, `diffs` changed."""

    op: str
    urn: str
    type: str = ""
    keys: list[str] | None = None
    diffs: list[str] | None = None
    detailed_diff: dict[str, EventDiff] | None = None


class ResourcePreEvent(Lenient):
    """Emitted once per planned step."""

    metadata: StepMetadata


class PolicyEvent(Lenient):
    """One policy violation; enforcementLevel is advisory, mandatory, remediate..."""

    resource_urn: str | None = None
    message: str = ""
    policy_name: str
    policy_pack_name: str
    enforcement_level: str


class SummaryEvent(Lenient):
    """End of preview; resourceChanges counts logical steps per operation."""

    resource_changes: dict[str, int] | None = None


class EngineEvent(Lenient):
    """One line of the event stream; exactly one event field is set."""

    resource_pre_event: ResourcePreEvent | None = None
    policy_event: PolicyEvent | None = None
    summary_event: SummaryEvent | None = None
    diagnostic_event: Diagnostic | None = None
