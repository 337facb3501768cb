"""Runs `pulumi preview` for the pull-request build and always leaves a comment to post.

The preview's JSON events, its stderr, the rendered comment and its exit status are written to
`--out-dir`. A failed preview or a mandatory policy violation still yields a comment (saying the
preview failed); the build fails afterwards on the recorded status, once the comment is posted.

CLI: `python -m review.run_preview --stack dev [--out-dir build/preview]`; exit 0 when the
comment was written (whatever the preview's outcome), 2 when pulumi could not be started.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

import yaml

from review.layout import GITHUB, LIMITS, CommentLimit
from review.markdown import code
from review.preview_comment import render_preview_comment
from review.preview_cost import preview_cost
from review.preview_model import PreviewFormatError, parse_preview
from stack_config import StackConfig, StackConfigError, parse_stack_config

POLICY_PACK: Final = "policies"
STREAMING_ENV: Final = "PULUMI_ENABLE_STREAMING_JSON_PREVIEW"
LOG_TAIL_LINES: Final = 30
PREVIEW_FILE, LOG_FILE, COMMENT_FILE, STATUS_FILE = (
    "preview.json",
    "preview.log",
    "comment.md",
    "status",
)


def preview_command(stack: str, pulumi: str = "pulumi") -> list[str]:
    """The preview the pipeline runs: diff, JSON events, the stack's policy pack config."""
    return [
        pulumi,
        "preview",
        "--stack",
        stack,
        "--diff",
        "--json",
        "--policy-pack",
        POLICY_PACK,
        "--policy-pack-config",
        f"{POLICY_PACK}/config/{stack}.json",
    ]


def comment_limit(env: Mapping[str, str]) -> CommentLimit:
    """The size limit of the provider named by SOURCE_PROVIDER (GitHub's when unset)."""
    return LIMITS.get(env.get("SOURCE_PROVIDER", ""), GITHUB)


def stack_config(stack: str, root: Path = Path()) -> StackConfig | None:
    """The stack's validated config from `Pulumi.<stack>.yaml`, or None when it cannot be read
    (the preview itself reports a bad config)."""
    path = root / f"Pulumi.{stack}.yaml"
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        return parse_stack_config(stack, document["config"])
    except (OSError, yaml.YAMLError, KeyError, TypeError, StackConfigError):
        return None


def build_comment(
    stack: str,
    status: int,
    preview_text: str,
    log_text: str,
    env: Mapping[str, str],
    *,
    config: StackConfig | None = None,
) -> str:
    """The comment for one preview run: the rendered preview, or what is known when it failed.

    `config` gives the region when the preview names none, and the monthly budget.
    """
    try:
        preview = parse_preview(preview_text)
        cost = preview_cost(
            preview,
            region=config.region if config else None,
            budget=config.platform.cost.monthly_budget_usd if config else None,
        )
        body = render_preview_comment(preview, stack=stack, limit=comment_limit(env), cost=cost)
    except PreviewFormatError as exc:
        body = _unreadable(stack, exc, log_text)
    heading, _, rest = body.partition("\n")
    return "\n".join([heading, "", *_status(status), rest.lstrip("\n"), *_footer(env)]) + "\n"


def _status(status: int) -> list[str]:
    if status == 0:
        return []
    return [
        "> [!WARNING]",
        f"> **The preview failed** (`pulumi preview` exited with {status}): see the errors and"
        " mandatory policy violations below and the build log. This change cannot be deployed"
        " as it is.",
        "",
    ]


def _unreadable(stack: str, error: PreviewFormatError, log_text: str) -> str:
    tail = log_text.strip().splitlines()[-LOG_TAIL_LINES:]
    lines = [
        f"## Pulumi preview: {code(stack)}",
        "",
        f"The preview produced no readable JSON ({error}). Last lines of its output:",
        "",
        "```text",
        *[line.replace("```", "'''") for line in tail],
        "```",
    ]
    return "\n".join(lines) + "\n"


def _footer(env: Mapping[str, str]) -> list[str]:
    parts = []
    if commit := env.get("SOURCE_COMMIT") or env.get("CODEBUILD_RESOLVED_SOURCE_VERSION"):
        parts.append(f"commit {code(commit[:12])}")
    if url := env.get("CODEBUILD_BUILD_URL"):
        parts.append(f"[build log]({url})")
    return ["", "_Preview of " + " · ".join(parts) + "._"] if parts else []


def run(stack: str, out_dir: Path, *, pulumi: str, env: Mapping[str, str]) -> int:
    """Run the preview, write its files and the comment; return the preview's exit status."""
    out_dir.mkdir(parents=True, exist_ok=True)
    preview_path, log_path = out_dir / PREVIEW_FILE, out_dir / LOG_FILE
    with preview_path.open("wb") as stdout, log_path.open("wb") as stderr:
        status = subprocess.run(
            preview_command(stack, pulumi),
            stdout=stdout,
            stderr=stderr,
            env={**env, STREAMING_ENV: "true"},
            check=False,
        ).returncode
    log_text = log_path.read_text(encoding="utf-8", errors="replace")
    sys.stderr.write(log_text)
    preview_text = preview_path.read_text(encoding="utf-8", errors="replace")
    comment = build_comment(stack, status, preview_text, log_text, env, config=stack_config(stack))
    (out_dir / COMMENT_FILE).write_text(comment, encoding="utf-8")
    (out_dir / STATUS_FILE).write_text(f"{status}\n", encoding="utf-8")
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m review.run_preview",
        description="Run `pulumi preview` and write its JSON, log, comment and exit status.",
    )
    parser.add_argument("--stack", required=True, help="stack to preview")
    parser.add_argument("--out-dir", type=Path, default=Path("build/preview"))
    parser.add_argument("--pulumi", default="pulumi", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        status = run(args.stack, args.out_dir, pulumi=args.pulumi, env=dict(os.environ))
    except OSError as exc:
        print(f"error: cannot run {args.pulumi}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    outcome = "succeeded" if status == 0 else f"failed with exit status {status}"
    print(f"pulumi preview {outcome}; comment in {args.out_dir / COMMENT_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
