"""Renders `pulumi preview --json` output as a pull-request comment: what failed and what blocks
first, then stateful resources that would be replaced or deleted, the counts and the cost, then
remediations, advisory results and the change table, shortened in that reverse order to fit the
provider's comment size limit.

CLI: `python -m review.preview_comment preview.json --stack dev [--provider codecommit]
[--out comment.md]`; exit 2 with a message naming the problem when the file is missing or is not
preview output.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from review.layout import GITHUB, LIMITS, Block, CommentLimit, fit
from review.markdown import (
    ChangeRow,
    Danger,
    cell,
    change_table,
    code,
    danger_block,
    stateful_label,
    table,
)
from review.preview_cost import preview_cost
from review.preview_model import (
    Preview,
    PreviewFormatError,
    PropertyChange,
    Step,
    parse_preview,
)
from review.preview_sections import (
    errors_block,
    failed_block,
    remediations_block,
    status_block,
    violation_blocks,
)
from review.preview_types import REPLACEMENT_PARTS
from review.warehouse_words import warehouse_block

COUNT_ORDER: Final = ("create", "update", "replace", "delete", "same")
UNCHANGED_OPS: Final = frozenset({"same", "read", "refresh"})
DESTRUCTIVE_OPS: Final = frozenset({"replace", "delete", "delete-replaced", "create-replacement"})
_TABLE_RANK: Final = {"replace": 0, "delete": 1, "update": 2, "create": 3}
MAX_PROPERTIES: Final = 10
# Shortening order under the size limit: the table first, errors last (0: never shortened).
RANK_ERRORS, RANK_MANDATORY, RANK_DANGER, RANK_REMEDIATIONS, RANK_ADVISORY, RANK_TABLE = range(1, 7)


def changed_steps(preview: Preview) -> list[Step]:
    """Steps that change something, one per logical operation, most disruptive first."""
    replaced = {s.urn for s in preview.steps if s.op == "replace"}
    steps = [
        s
        for s in preview.steps
        if s.op not in UNCHANGED_OPS and not (s.op in REPLACEMENT_PARTS and s.urn in replaced)
    ]
    return sorted(steps, key=lambda s: (_TABLE_RANK.get(s.op, 4), s.op, s.type, s.name))


def dangers(preview: Preview) -> list[Danger]:
    """Stateful resources the preview would replace or delete, one entry per resource."""
    found: dict[str, Danger] = {}
    for step in changed_steps(preview):
        if step.op not in DESTRUCTIVE_OPS or stateful_label(step.type) is None:
            continue
        forcing = [p.path for p in step.properties if p.forces_replacement]
        detail = "forced by " + ", ".join(code(p) for p in forcing) if forcing else ""
        action = "delete" if step.op == "delete" else "replace"
        found.setdefault(step.urn, Danger(action, step.type, step.name, detail))
    return list(found.values())


def _counts(counts: Mapping[str, int]) -> list[str]:
    ops = [*COUNT_ORDER, *sorted(op for op in counts if op not in COUNT_ORDER and counts[op])]
    return [*table([cell(op) for op in ops], [[str(counts.get(op, 0)) for op in ops]]), ""]


def _details(properties: Sequence[PropertyChange]) -> str:
    if not properties:
        return "—"
    shown = [
        code(p.path, in_table=True) + (" (forces replacement)" if p.forces_replacement else "")
        for p in properties[:MAX_PROPERTIES]
    ]
    extra = len(properties) - MAX_PROPERTIES
    return ", ".join(shown) + (f", +{extra} more" if extra > 0 else "")


def _row(step: Step) -> ChangeRow:
    return ChangeRow(step.op, step.type, step.name, _details(step.properties))


def _danger(preview: Preview) -> Block:
    found = dangers(preview)
    headline = (
        f"{len(found)} stateful resource{'s' if len(found) != 1 else ''} would be replaced or "
        "deleted. Data they hold may be lost; confirm this is intended."
    )
    return danger_block(found, headline=headline, rank=RANK_DANGER)


def _warehouse(steps: Sequence[Step]) -> list[Block]:
    """The warehouse objects' changes in words, from each step's old and new inputs."""
    old = [{"type": s.old.type, "name": s.name, "inputs": s.old.inputs} for s in steps if s.old]
    new = [{"type": s.new.type, "name": s.name, "inputs": s.new.inputs} for s in steps if s.new]
    return warehouse_block(old, new)


def render_preview_comment(
    preview: Preview, *, stack: str, limit: CommentLimit = GITHUB, cost: Sequence[str] = ()
) -> str:
    """The whole comment within `limit`; `cost` is Markdown shown under the counts."""
    return fit(preview_blocks(preview, stack=stack, cost=cost), limit)


def preview_blocks(preview: Preview, *, stack: str, cost: Sequence[str] = ()) -> list[Block]:
    """One stack's section of a comment, as blocks in reading order, headed by the stack."""
    mandatory, others = violation_blocks(
        preview, mandatory_rank=RANK_MANDATORY, other_rank=RANK_ADVISORY
    )
    steps = changed_steps(preview)
    blocks = [
        Block(head=(f"## Pulumi preview: {code(stack)}", "")),
        status_block(preview),
        failed_block(preview),
        errors_block(preview, rank=RANK_ERRORS),
        mandatory,
        _danger(preview),
        Block(head=(*_counts(preview.counts), *cost)),
        remediations_block(preview, rank=RANK_REMEDIATIONS),
        *others,
        *_warehouse(steps),
        change_table(
            [_row(s) for s in steps], heading="Changed resources", empty="No resource changes.",
            rank=RANK_TABLE,
        ),
    ]  # fmt: skip
    return blocks


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m review.preview_comment",
        description="Render `pulumi preview --json` output as a pull-request comment.",
    )
    parser.add_argument("preview", type=Path, help="file written by `pulumi preview --json`")
    parser.add_argument("--stack", required=True, help="stack name for the heading")
    parser.add_argument("--out", type=Path, help="write the comment here instead of stdout")
    parser.add_argument(
        "--provider",
        choices=sorted(LIMITS),
        default="github",
        help="where the comment is posted, for its size limit (default: github)",
    )
    return parser


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PreviewFormatError(f"preview file not found: {path}") from exc
    except UnicodeDecodeError as exc:
        raise PreviewFormatError(f"{path}: not UTF-8 text") from exc
    except OSError as exc:
        raise PreviewFormatError(f"cannot read preview file {path}: {exc.strerror}") from exc


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        text = _read(args.preview)
        preview = _parse(args.preview, text)
    except PreviewFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    comment = render_preview_comment(
        preview, stack=args.stack, limit=LIMITS[args.provider], cost=preview_cost(preview)
    )
    if args.out:
        args.out.write_text(comment, encoding="utf-8")
    else:
        sys.stdout.write(comment)
    return 0


def _parse(path: Path, text: str) -> Preview:
    try:
        return parse_preview(text)
    except PreviewFormatError as exc:
        raise PreviewFormatError(f"{path}: not `pulumi preview --json` output: {exc}") from exc


if __name__ == "__main__":
    raise SystemExit(main())
