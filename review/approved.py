"""Deploy what was approved: the deploy's own `pulumi preview --json` must plan the same
operations as the preview the approval was given on (each resource's URN, operation and changed
property paths); otherwise nothing is applied and the difference is named.

`pulumi up` plans again from the program and the live state when it runs, so a change between
the approved preview and the deploy (a commit cannot differ, but live state, a provider's
answer or an unknown value can) would otherwise be applied unseen (pulumi/pulumi #2318, #8985).
What remains between this check and `pulumi up` is the seconds in between; `UPDATE_PLANS=true`
closes it with Pulumi's update plans (`--save-plan`, `up --plan`), see docs/delivery.md.

CLI: `python -m review.approved --stack dev --approved DIR [--current build/deploy/preview.json]`
(DIR: the approved preview's directory of the stack, holding its `preview.json`): runs the
stack's preview with its policy pack (JSON events) into `--current` and compares; exit 0 same,
1 different (or the preview failed), 2 unreadable input.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from review.preview_comment import changed_steps
from review.preview_model import Preview, PreviewFormatError, parse_preview
from review.run_preview import PREVIEW_FILE, STREAMING_ENV, preview_command


def operations(preview: Preview) -> dict[tuple[str, str], tuple[str, ...]]:
    """Each changed resource's (URN, operation) -> its changed property paths."""
    return {(s.urn, s.op): tuple(p.path for p in s.properties) for s in changed_steps(preview)}


def differences(approved: Preview, current: Preview) -> list[str]:
    """What the current plan does that the approved one did not, and the reverse."""
    before, after = operations(approved), operations(current)
    found = [f"not approved: {op} {urn}" for urn, op in sorted(after.keys() - before.keys())]
    found += [
        f"approved, no longer planned: {op} {urn}"
        for urn, op in sorted(before.keys() - after.keys())
    ]
    for key in sorted(before.keys() & after.keys()):
        if before[key] != after[key]:
            urn, op = key
            added = sorted(set(after[key]) - set(before[key]))
            gone = sorted(set(before[key]) - set(after[key]))
            found.append(f"{op} {urn} changes other properties: +{added} -{gone}")
    if not current.finished or current.errors:
        found.append("the deploy's preview did not finish: " + "; ".join(current.errors))
    return found


def run_preview(stack: str, out: Path, *, pulumi: str, env: Mapping[str, str]) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as stdout:
        done = subprocess.run(
            preview_command(stack, pulumi),
            stdout=stdout,
            env={**env, STREAMING_ENV: "true"},
            check=False,
        )
    return done.returncode


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m review.approved", description=__doc__)
    parser.add_argument("--stack", required=True)
    parser.add_argument(
        "--approved", type=Path, required=True, help="the approved preview's directory"
    )
    parser.add_argument("--current", type=Path, default=Path("build/deploy/preview.json"))
    parser.add_argument("--pulumi", default="pulumi", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        approved = parse_preview((args.approved / PREVIEW_FILE).read_text(encoding="utf-8"))
    except (OSError, PreviewFormatError) as error:
        print(f"error: the approved preview in {args.approved}: {error}", file=sys.stderr)
        return 2
    status = run_preview(args.stack, args.current, pulumi=args.pulumi, env=dict(os.environ))
    try:
        current = parse_preview(args.current.read_text(encoding="utf-8"))
    except (OSError, PreviewFormatError) as error:
        print(f"error: the deploy's preview (exit {status}): {error}", file=sys.stderr)
        return 1
    found = differences(approved, current)
    if status != 0:
        found.append(f"the deploy's preview exited with {status}")
    if found:
        print(f"Stack {args.stack}: what would deploy is not what was approved; nothing deployed.")
        print("\n".join(f"  - {line}" for line in found))
        print("Re-run the stage's preview and approve again (docs/delivery.md, Approvals).")
        return 1
    print(f"Stack {args.stack}: the deploy plans exactly the approved operations.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
