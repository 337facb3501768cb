"""Runs `pulumi preview` of one or more stacks and always leaves one comment to post, with a
section per stack.

Each stack's JSON events, stderr and exit status are written to `--out-dir/<stack>/`; the
comment and the worst exit status to `--out-dir`. With `RELEASE_TARGETS` set (the release's
builds), each stack's preview runs as its target role in its own account and backend
(`review/targets.py`). A failed preview or a mandatory violation still yields its section
(saying the preview failed); the build fails afterwards on the recorded status, once the comment
is posted. All sections share the provider's size limit, shortened by priority together. The
stages named in `UNPREVIEWED_STACKS` (the pull-request build's: stages pull requests may not
preview) get a section saying so and why.

CLI: `python -m review.run_preview --stack dev [--stack prod] [--out-dir build/preview]`; exit 0
when the comment was written (whatever the previews' outcome), 2 when pulumi could not be
started or a stack has no target.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from offline.capture import StackNotFoundError, read_stack_values
from offline.policy_check import PACK_DIRNAME, policy_config_path
from policies.framework.credentials import redact
from review.broadening import Broadening, broadenings, render
from review.layout import GITHUB, LIMITS, Block, CommentLimit, fit
from review.markdown import code, text
from review.preview_comment import RANK_MANDATORY, preview_blocks
from review.preview_cost import preview_cost
from review.preview_model import PreviewFormatError, parse_preview
from review.targets import VARIABLE, TargetError, target
from stack_config import StackConfig, StackConfigError, parse_stack_config

STREAMING_ENV: Final = "PULUMI_ENABLE_STREAMING_JSON_PREVIEW"
UNPREVIEWED_ENV: Final = "UNPREVIEWED_STACKS"
# With UPDATE_PLANS=true each preview also saves Pulumi's update plan, which the deploy applies.
PLANS_ENV: Final = "UPDATE_PLANS"
PLAN_FILE: Final = "plan.json"
LOG_TAIL_LINES: Final = 30
PREVIEW_FILE, LOG_FILE, COMMENT_FILE, STATUS_FILE = (
    "preview.json",
    "preview.log",
    "comment.md",
    "status",
)


@dataclass(frozen=True)
class StackPreview:
    """What one stack's preview produced."""

    stack: str
    status: int
    preview_text: str
    log_text: str
    config: StackConfig | None = None


def preview_command(stack: str, pulumi: str = "pulumi", plan: Path | None = None) -> list[str]:
    """The preview the pipeline runs: diff, JSON events, the stack's policy pack config; with
    `plan`, Pulumi's update plan saved there (experimental: PULUMI_EXPERIMENTAL=true)."""
    saved = [f"--save-plan={plan}"] if plan is not None else []
    return [
        pulumi,
        "preview",
        "--stack",
        stack,
        "--diff",
        "--json",
        "--policy-pack",
        PACK_DIRNAME,
        "--policy-pack-config",
        str(policy_config_path(Path(PACK_DIRNAME), stack)),
        *saved,
    ]


def comment_limit(env: Mapping[str, str]) -> CommentLimit:
    """The size limit of the provider named by SOURCE_PROVIDER (GitHub's when unset)."""
    return LIMITS.get(env.get("SOURCE_PROVIDER", ""), GITHUB)


def stack_file_config(stack: str, root: Path = Path()) -> StackConfig | None:
    """The stack's validated config from `Pulumi.<stack>.yaml`, or None when it cannot be read
    (the preview itself reports a bad config)."""
    try:
        return parse_stack_config(stack, read_stack_values(stack, root))
    except (OSError, StackNotFoundError, StackConfigError):
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
    """The comment for one stack's preview: the rendered preview, or what is known when it
    failed. `config` gives the region when the preview names none, and the monthly budget."""
    return combined_comment([StackPreview(stack, status, preview_text, log_text, config)], env)


def combined_comment(previews: Sequence[StackPreview], env: Mapping[str, str]) -> str:
    """One comment with a section per stack, in order, then one per stage not previewed, fitted
    to the provider's limit."""
    blocks = [block for preview in previews for block in section(preview)]
    blocks += [unpreviewed(stack) for stack in env.get(UNPREVIEWED_ENV, "").split()]
    return fit(blocks, comment_limit(env)).rstrip("\n") + "\n" + "".join(_footer(env))


def unpreviewed(stack: str) -> Block:
    """A stage pull requests do not preview, and why."""
    return Block(
        head=(
            f"## Pulumi preview: {code(stack)}",
            "",
            "> [!NOTE]",
            f"> **Not previewed.** A pull request's code is unreviewed, so it runs only where a"
            f" stage allows it (`release.stages[].pull_request_preview`); stage {code(stack)}"
            " does not, and its account trusts this build with nothing. Its preview comes with"
            f" the release, before its deploy. Offline: `make diff STACK={stack} BASE=<branch>`.",
            "",
        )
    )


def section(run: StackPreview) -> list[Block]:
    """One stack's blocks: heading, failure warning, then the preview (or its log's end). Any
    failure to render one stack stays in that stack's section."""
    config = run.config
    try:
        preview = parse_preview(run.preview_text)
        cost = preview_cost(
            preview,
            region=config.region if config else None,
            budget=config.platform.cost.monthly_budget_usd if config else None,
        )
        blocks = preview_blocks(preview, stack=run.stack, cost=cost)
        blocks.insert(1, broadening_block(broadenings(preview)))
    except PreviewFormatError as exc:
        blocks = [_unreadable(run.stack, str(exc), run.log_text)]
    except Exception as exc:  # one stack's output never costs the other stacks their sections
        reason = f"it could not be rendered: {type(exc).__name__}"
        blocks = [_unreadable(run.stack, reason, run.log_text)]
    return [blocks[0], _status(run.status), *blocks[1:]]


def broadening_block(found: Sequence[Broadening]) -> Block:
    """The changes that widen permissions: a stage without an approval stops on them."""
    if not found:
        return Block()
    return Block(
        head=(f"### Permission broadening ({len(found)})", ""),
        items=tuple(render(found)),
        tail=("",),
        rank=RANK_MANDATORY,
        more="- … and {n} more",
    )


def _status(status: int) -> Block:
    if status == 0:
        return Block()
    return Block(
        head=(
            "> [!WARNING]",
            f"> **The preview failed** (`pulumi preview` exited with {status}): see the errors"
            " and mandatory policy violations below and the build log. This change cannot be"
            " deployed as it is.",
            "",
        )
    )


def _unreadable(stack: str, error: str, log_text: str) -> Block:
    """The stack's heading, why its preview cannot be shown, and its log's last lines, with
    credentials redacted (a multi-line private key is redacted whole before the cut)."""
    tail = redact(log_text.strip()).splitlines()[-LOG_TAIL_LINES:]
    lines = (
        f"## Pulumi preview: {code(stack)}",
        "",
        f"The preview produced no readable JSON ({text(redact(error))}). Last lines of its output:",
        "",
        "```text",
        *[line.replace("```", "'''") for line in tail],
        "```",
        "",
    )
    return Block(head=lines)


def _footer(env: Mapping[str, str]) -> list[str]:
    parts = []
    if commit := env.get("SOURCE_COMMIT") or env.get("CODEBUILD_RESOLVED_SOURCE_VERSION"):
        parts.append(f"commit {code(commit[:12])}")
    if url := env.get("CODEBUILD_BUILD_URL"):
        parts.append(f"[build log]({url})")
    return ["\n_Preview of " + " · ".join(parts) + "._\n"] if parts else []


def stack_environment(stack: str, env: Mapping[str, str]) -> dict[str, str]:
    """The preview's environment: the build's, in the stack's account where a target names it."""
    chosen = {**env, STREAMING_ENV: "true"}
    if env.get(PLANS_ENV) == "true":  # update plans are experimental (Pulumi docs, Update plans)
        chosen["PULUMI_EXPERIMENTAL"] = "true"
    if VARIABLE in env:
        chosen.update(target(env, stack).environment())
    return chosen


def run_stack(stack: str, out_dir: Path, *, pulumi: str, env: Mapping[str, str]) -> StackPreview:
    """Run one stack's preview and write its files under `out_dir/<stack>`."""
    directory = out_dir / stack
    directory.mkdir(parents=True, exist_ok=True)
    preview_path, log_path = directory / PREVIEW_FILE, directory / LOG_FILE
    plan = directory / PLAN_FILE if env.get(PLANS_ENV) == "true" else None
    with preview_path.open("wb") as stdout, log_path.open("wb") as stderr:
        status = subprocess.run(
            preview_command(stack, pulumi, plan),
            stdout=stdout,
            stderr=stderr,
            env=stack_environment(stack, env),
            check=False,
        ).returncode
    (directory / STATUS_FILE).write_text(f"{status}\n", encoding="utf-8")
    log_text = log_path.read_text(encoding="utf-8", errors="replace")
    sys.stderr.write(log_text)
    preview_text = preview_path.read_text(encoding="utf-8", errors="replace")
    return StackPreview(stack, status, preview_text, log_text, stack_file_config(stack))


def run(stacks: Sequence[str], out_dir: Path, *, pulumi: str, env: Mapping[str, str]) -> int:
    """Preview every stack, write the comment; return the worst exit status."""
    previews = [run_stack(stack, out_dir, pulumi=pulumi, env=env) for stack in stacks]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / COMMENT_FILE).write_text(combined_comment(previews, env), encoding="utf-8")
    status = max((p.status for p in previews), default=0)
    (out_dir / STATUS_FILE).write_text(f"{status}\n", encoding="utf-8")
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m review.run_preview",
        description="Run `pulumi preview` of each stack and write one comment and the status.",
    )
    parser.add_argument("--stack", action="append", default=[], help="a stack (repeatable)")
    parser.add_argument("--out-dir", type=Path, default=Path("build/preview"))
    parser.add_argument("--pulumi", default="pulumi", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        status = run(args.stack, args.out_dir, pulumi=args.pulumi, env=dict(os.environ))
    except TargetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot run {args.pulumi}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    outcome = "succeeded" if status == 0 else f"failed with exit status {status}"
    print(f"pulumi preview {outcome}; comment in {args.out_dir / COMMENT_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
