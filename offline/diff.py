"""`make diff STACK=<stack> BASE=<git ref>`: what this working tree declares that BASE did not.

BASE is exported into a temporary directory (always removed); each tree is captured offline in
its own Python process, by its own `offline.check`, so each is evaluated by its own code. The
output compares declared (desired) state, never live cloud state, and shows the change of the
idle monthly cost (`cost/`). Exit status: 0 when both trees were captured (whether or not they
differ), 1 when either tree fails to evaluate, 2 for a bad ref or arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cost.report import delta_markdown
from offline.capture import PROJECT_ROOT, read_stack_values
from review.capture_diff import render_capture_diff
from stack_config import parse_stack_config
from stack_config.release_loader import is_release_stack, parse_release_config

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
CAPTURE_TIMEOUT = 600
_ERROR_TAIL = 20


class RefError(ValueError):
    """BASE does not name a commit of the repository."""


class CaptureFailedError(RuntimeError):
    """A tree could not be captured; the message says which and why."""


@dataclass(frozen=True)
class Capture:
    """A running offline capture of one tree into one JSON file."""

    label: str
    process: subprocess.Popen[bytes]
    output: Path
    errors: Path


def resolve_commit(root: Path, ref: str) -> str:
    """The full commit id `ref` names in the repository at `root`."""
    result = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", "--end-of-options",
         f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    if result.returncode != 0 or not result.stdout.strip():
        raise RefError(f"BASE={ref!r} is not a commit in {root} (git rev-parse found none)")
    return result.stdout.strip()


def export_tree(root: Path, commit: str, destination: Path) -> None:
    """Write the files of `commit` into `destination` (`git archive`, no worktree bookkeeping)."""
    with subprocess.Popen(
        ["git", "-C", str(root), "archive", "--format=tar", commit],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as git:
        assert git.stdout is not None
        with tarfile.open(fileobj=git.stdout, mode="r|") as archive:
            archive.extractall(destination, filter="data")
        stderr = git.stderr.read().decode() if git.stderr else ""
    if git.returncode != 0:
        raise RefError(f"git archive {commit} failed: {stderr.strip()}")


def start_capture(tree: Path, stack: str, output: Path, label: str) -> Capture:
    """Start `python -m offline.check` of `tree`, in `tree`, writing the resources to `output`."""
    check = tree / "offline" / "check.py"
    if not check.is_file():
        raise CaptureFailedError(f"{label}: has no offline/check.py, so it cannot be captured")
    # Older trees have no policy stage to skip; newer ones must not let policies fail the diff.
    skip = ["--no-policies"] if "--no-policies" in check.read_text(encoding="utf-8") else []
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONSAFEPATH"}}
    errors = output.with_suffix(".stderr")
    with errors.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "offline.check", "--stack", stack, "--json", str(output), *skip],
            cwd=tree,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    return Capture(label, process, output, errors)


def finish_capture(capture: Capture) -> list[dict[str, Any]]:
    """Wait for a capture and return its resources, or explain why there are none."""
    try:
        capture.process.wait(timeout=CAPTURE_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise CaptureFailedError(f"{capture.label}: timed out after {CAPTURE_TIMEOUT}s") from exc
    if capture.process.returncode != 0 or not capture.output.is_file():
        stderr = capture.errors.read_text(encoding="utf-8", errors="replace")
        tail = "\n".join(f"  {line}" for line in stderr.strip().splitlines()[-_ERROR_TAIL:])
        raise CaptureFailedError(
            f"{capture.label}: the program could not be evaluated offline"
            f" (exit {capture.process.returncode}):\n{tail}"
        )
    resources: list[dict[str, Any]] = json.loads(capture.output.read_text(encoding="utf-8"))
    return resources


def diff(root: Path, stack: str, base: str) -> str:
    """The Markdown declared-state diff of the working tree at `root` against commit `base`."""
    commit = resolve_commit(root, base)
    label = base if commit.startswith(base) else f"{base} ({commit[:12]})"
    with tempfile.TemporaryDirectory(prefix="offline-diff-") as scratch:
        tree = Path(scratch) / "base"
        tree.mkdir()
        export_tree(root, commit, tree)
        captures = [
            start_capture(tree, stack, Path(scratch) / "base.json", f"base {label}"),
            start_capture(root, stack, Path(scratch) / "head.json", f"working tree {root}"),
        ]
        try:
            base_resources, head_resources = (finish_capture(c) for c in captures)
        finally:
            for capture in captures:
                if capture.process.poll() is None:
                    capture.process.kill()
                    capture.process.wait()
    cost = _cost_delta(root, stack, base_resources, head_resources)
    return render_capture_diff(
        base_resources, head_resources, stack=stack, base_ref=label, cost=cost
    )


def _cost_delta(
    root: Path, stack: str, base: list[dict[str, Any]], head: list[dict[str, Any]]
) -> list[str]:
    """The monthly idle-cost delta, priced in the working tree's region, against its budget (a
    delivery stack has none)."""
    values = read_stack_values(stack, root)
    if is_release_stack(values):
        return delta_markdown(base, head, parse_release_config(stack, values).region, budget=None)
    config = parse_stack_config(stack, values)
    return delta_markdown(base, head, config.region, budget=config.platform.cost.monthly_budget_usd)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="make diff", description=__doc__)
    parser.add_argument("--stack", required=True, help="stack name: a Pulumi.<stack>.yaml exists")
    parser.add_argument("--base", required=True, help="git ref to compare against, e.g. main")
    parser.add_argument("--out", type=Path, help="also write the Markdown here")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.base.strip():
        print("error: BASE is empty; give a git ref, e.g. BASE=main", file=sys.stderr)
        return EXIT_USAGE
    try:
        markdown = diff(args.root.resolve(), args.stack, args.base)
    except RefError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except CaptureFailedError as err:
        print(f"error: cannot compare stack '{args.stack}': {err}", file=sys.stderr)
        return EXIT_FAILED
    sys.stdout.write(markdown)
    if args.out is not None:
        args.out.write_text(markdown, encoding="utf-8")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
