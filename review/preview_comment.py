"""Renders `pulumi preview --json` output as a pull-request comment that leads with replacements
and deletions of stateful resources and always fits in one GitHub comment.

CLI: `python -m review.preview_comment preview.json --stack dev [--out comment.md]`; exit 2
with a message naming the problem when the file is missing or is not preview output.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from review.markdown import (
    DEFAULT_MAX_CHARS,
    ChangeRow,
    Danger,
    code,
    danger_section,
    render_with_table,
    stateful_label,
    table,
)
from review.preview_model import (
    REPLACEMENT_PARTS,
    PolicyViolation,
    Preview,
    PreviewFormatError,
    PropertyChange,
    Step,
    parse_preview,
    urn_name,
    urn_type,
)

COUNT_ORDER: Final = ("create", "update", "replace", "delete", "same")
LEVEL_ORDER: Final = ("mandatory", "remediate", "advisory", "disabled")
UNCHANGED_OPS: Final = frozenset({"same", "read", "refresh"})
DESTRUCTIVE_OPS: Final = frozenset({"replace", "delete", "delete-replaced", "create-replacement"})
_TABLE_RANK: Final = {"replace": 0, "delete": 1, "update": 2, "create": 3}
MAX_PROPERTIES: Final = 10
MAX_VIOLATIONS_PER_LEVEL: Final = 50
MAX_MESSAGE: Final = 300


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
    return [*table(ops, [[str(counts.get(op, 0)) for op in ops]]), ""]


def _details(properties: Sequence[PropertyChange]) -> str:
    if not properties:
        return "—"
    shown = [
        code(p.path) + (" (forces replacement)" if p.forces_replacement else "")
        for p in properties[:MAX_PROPERTIES]
    ]
    extra = len(properties) - MAX_PROPERTIES
    return ", ".join(shown) + (f", +{extra} more" if extra > 0 else "")


def _row(step: Step) -> ChangeRow:
    return ChangeRow(step.op, step.type, step.name, _details(step.properties))


def _level_key(level: str) -> tuple[int, str]:
    return (LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER), level)


def _violation_line(violation: PolicyViolation) -> str:
    target = "the stack"
    if violation.urn:
        target = f"{code(urn_type(violation.urn))} {code(urn_name(violation.urn))}"
    message = violation.message
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "…"
    policy = code(f"{violation.policy_pack}/{violation.policy_name}")
    return f"- {policy} on {target}" + (f": {message}" if message else "")


def _violations(preview: Preview) -> list[str]:
    if not preview.has_policy_results:
        return [
            "_Policy violations are not part of the `pulumi preview --json` digest; produce it "
            "with `PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true` to list them here._",
            "",
        ]
    if not preview.violations:
        return []
    lines = [f"### Policy violations ({len(preview.violations)})", ""]
    for level in sorted({v.enforcement_level for v in preview.violations}, key=_level_key):
        group = [v for v in preview.violations if v.enforcement_level == level]
        blocks = ": blocks `pulumi up`" if level == "mandatory" else ""
        lines += [f"**{level}** ({len(group)}){blocks}", ""]
        lines += [_violation_line(v) for v in group[:MAX_VIOLATIONS_PER_LEVEL]]
        if len(group) > MAX_VIOLATIONS_PER_LEVEL:
            lines.append(f"- … and {len(group) - MAX_VIOLATIONS_PER_LEVEL} more")
        lines.append("")
    return lines


def _errors(preview: Preview) -> list[str]:
    if not preview.errors:
        return []
    lines = [f"### Errors ({len(preview.errors)})", ""]
    lines += [f"- {message[:MAX_MESSAGE]}" for message in preview.errors[:20]]
    return [*lines, ""]


def render_preview_comment(
    preview: Preview, *, stack: str, max_chars: int = DEFAULT_MAX_CHARS
) -> str:
    """The whole comment; only the change table is shortened to respect max_chars."""
    found = dangers(preview)
    headline = (
        f"{len(found)} stateful resource{'s' if len(found) != 1 else ''} would be replaced or "
        "deleted. Data they hold may be lost; confirm this is intended."
    )
    steps = changed_steps(preview)
    before = [
        f"## Pulumi preview: {code(stack)}",
        "",
        *danger_section(found, headline=headline),
        *_counts(preview.counts),
        *_violations(preview),
        *_errors(preview),
        f"### Changed resources ({len(steps)})" if steps else "No resource changes.",
        "",
    ]
    return render_with_table(before, [_row(s) for s in steps], [], max_chars=max_chars)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m review.preview_comment",
        description="Render `pulumi preview --json` output as a pull-request comment.",
    )
    parser.add_argument("preview", type=Path, help="file written by `pulumi preview --json`")
    parser.add_argument("--stack", required=True, help="stack name for the heading")
    parser.add_argument("--out", type=Path, help="write the comment here instead of stdout")
    parser.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS, help=argparse.SUPPRESS)
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
    comment = render_preview_comment(preview, stack=args.stack, max_chars=args.max_chars)
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
