"""The preview comment's text sections: whether the preview finished, its errors, policy
violations by level and remediations. Messages are shown as plain text, cut with "…"."""

from __future__ import annotations

from typing import Final

from review.layout import Block
from review.markdown import code, text
from review.preview_types import PolicyViolation, Preview, Remediation, urn_name, urn_type

LEVEL_ORDER: Final = ("mandatory", "remediate", "advisory", "disabled")
MAX_MESSAGE: Final = 300
MAX_ERRORS: Final = 20
MAX_VIOLATIONS_PER_LEVEL: Final = 50
MAX_PATHS: Final = 10
MAX_DAMAGE: Final = 3


def clip(message: str, limit: int = MAX_MESSAGE) -> str:
    """The message, cut to `limit` characters with "…" when longer."""
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _target(urn: str | None) -> str:
    return f"{code(urn_type(urn))} {code(urn_name(urn))}" if urn else "the stack"


def _status_lines(preview: Preview) -> list[str]:
    lines = []
    if preview.failed:
        count = len(preview.failed)
        lines.append(
            f"> **{count} resource operation{'s' if count != 1 else ''} failed**: the engine"
            " reported the failure below; what the plan shows did not all happen as planned."
        )
    if preview.errors:
        count = len(preview.errors)
        lines.append(
            f"> **The preview failed before finishing**: it reported {count} error"
            f"{'s' if count != 1 else ''}. The steps below are those it planned before it"
            " stopped, and the counts are of those steps."
        )
    elif not preview.finished:
        lines.append(
            "> **The preview did not finish**: the engine's summary never came, so the steps"
            " below may be only part of the plan."
        )
    if preview.damage:
        shown = "; ".join(text(d) for d in preview.damage[:MAX_DAMAGE])
        more = len(preview.damage) - MAX_DAMAGE
        lines.append(
            f"> **The event stream is incomplete**: {len(preview.damage)} line"
            f"{'s' if len(preview.damage) != 1 else ''} could not be read ({shown}"
            f"{f'; and {more} more' if more > 0 else ''}). Every event that could be read is"
            " shown."
        )
    return lines


def status_block(preview: Preview) -> Block:
    """A warning when the preview failed, stopped early or its stream was damaged."""
    lines = _status_lines(preview)
    if not lines:
        return Block()
    return Block(head=("> [!WARNING]", *"\n>\n".join(lines).split("\n"), ""))


def failed_block(preview: Preview) -> Block:
    """The resource operations that failed: never shortened away (rank 0)."""
    if not preview.failed:
        return Block()
    return Block(
        head=(f"### Failed operations ({len(preview.failed)})", ""),
        items=tuple(f"- {code(s.op)} of {code(s.type)} {code(s.name)}" for s in preview.failed),
        tail=("",),
        cap=MAX_ERRORS,
        more="- … and {n} more failed operations",
    )


def errors_block(preview: Preview, *, rank: int) -> Block:
    """The preview's error diagnostics, at most MAX_ERRORS of them."""
    if not preview.errors:
        return Block()
    return Block(
        head=(f"### Errors ({len(preview.errors)})", ""),
        items=tuple(f"- {text(clip(m))}" for m in preview.errors),
        tail=("",),
        rank=rank,
        cap=MAX_ERRORS,
        more="- … and {n} more errors",
    )


def _violation_line(violation: PolicyViolation) -> str:
    policy = code(f"{violation.policy_pack}/{violation.policy_name}")
    message = f": {text(clip(violation.message))}" if violation.message else ""
    return f"- {policy} on {_target(violation.urn)}{message}"


def _level_key(level: str) -> tuple[int, str]:
    return (LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER), level)


def _level_block(preview: Preview, level: str, rank: int) -> Block:
    group = [v for v in preview.violations if v.enforcement_level == level]
    blocks = ": these block `pulumi up`" if level == "mandatory" else ""
    return Block(
        head=(f"### {text(level.capitalize())} policy violations ({len(group)}){blocks}", ""),
        items=tuple(_violation_line(v) for v in group),
        tail=("",),
        rank=rank,
        cap=MAX_VIOLATIONS_PER_LEVEL,
        more="- … and {n} more " + text(level) + " violations",
    )


def violation_blocks(
    preview: Preview, *, mandatory_rank: int, other_rank: int
) -> tuple[Block, list[Block]]:
    """The mandatory violations, and one block per other level, most severe first."""
    if not preview.has_policy_results:
        note = (
            "_Policy violations are not part of the `pulumi preview --json` digest; produce it "
            "with `PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true` to list them here._"
        )
        return Block(), [Block(head=(note, ""))]
    levels = sorted({v.enforcement_level for v in preview.violations}, key=_level_key)
    mandatory = _level_block(preview, "mandatory", mandatory_rank)
    others = [_level_block(preview, lv, other_rank) for lv in levels if lv != "mandatory"]
    return (mandatory if "mandatory" in levels else Block()), others


def _remediation_line(remediation: Remediation) -> str:
    policy = code(f"{remediation.policy_pack}/{remediation.policy_name}")
    paths = [code(p) for p in remediation.changed[:MAX_PATHS]]
    extra = len(remediation.changed) - MAX_PATHS
    changed = ", ".join(paths) + (f", +{extra} more" if extra > 0 else "")
    return f"- {policy} on {_target(remediation.urn)}: changed {changed or 'nothing'}"


def remediations_block(preview: Preview, *, rank: int) -> Block:
    """Remediate-level policies that change resources before they are deployed (no values)."""
    if not preview.remediations:
        return Block()
    return Block(
        head=(
            f"### Policy remediations ({len(preview.remediations)})",
            "",
            "_These policies change the resources' inputs before deployment; values are not"
            " shown._",
            "",
        ),
        items=tuple(_remediation_line(r) for r in preview.remediations),
        tail=("",),
        rank=rank,
        more="- … and {n} more remediations",
    )
