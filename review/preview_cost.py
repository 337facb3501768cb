"""The idle monthly cost delta of a preview: the old and new states of its logical steps priced
by the cost model. Only an event stream that finished unharmed lists every resource (unchanged
ones too), so only then is the total after the change, and the budget, checked here."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from cost.report import delta_markdown
from review.markdown import code
from review.preview_types import REPLACEMENT_PARTS, Preview, ResourceState, Step
from stack_config.root import AWS_REGIONS


def _record(state: ResourceState) -> Mapping[str, Any]:
    return {"type": state.type, "inputs": state.inputs}


def _logical(preview: Preview) -> list[Step]:
    return [s for s in preview.steps if s.op not in REPLACEMENT_PARTS and s.op != "read"]


def preview_cost(
    preview: Preview, *, region: str | None = None, budget: Decimal | None = None
) -> list[str]:
    """Markdown lines for the comment; `region` is used when the preview does not name one. A
    region that is not an AWS region is named (escaped), never looked up."""
    chosen = preview.region or region
    if chosen is not None and chosen not in AWS_REGIONS.values:
        return [
            f"**Idle monthly cost:** not estimated: the preview names the region {code(chosen)},"
            " which is not an AWS region.",
            "",
        ]
    steps = _logical(preview)
    before = [_record(s.old) for s in steps if s.old is not None]
    after = [_record(s.new) for s in steps if s.new is not None and s.op != "delete"]
    whole = (
        preview.has_policy_results and preview.finished and not (preview.damage or preview.errors)
    )
    return delta_markdown(before, after, chosen, budget=budget, total_known=whole)
