"""Verify a deployed environment: for every pipeline, land a canary file, wait for its execution
to succeed within the configured time, check that the canary rows reached the curated zone, and
remove them. Runs as the stack's verify role, through `s3` and `stepfunctions` clients only; the
same code runs against emulated AWS in the tests.

The pipelines are the stack's offline capture with the deployed names from its stack outputs
(`pulumi stack output --json`, which the release's Deploy action keeps): the buckets' generated
names and the state machines' ARNs.

CLI: `python -m pipeline_run.verify --stack dev --outputs outputs.json [--run-id ID] [--json F]`.
Exit 0 when every pipeline's canary arrived, 1 when one did not, 2 for a bad stack, outputs or
canary.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from offline.capture import PROJECT_ROOT, Capture, StackNotFoundError, capture_stack
from pipeline_run.canary import CanaryError
from pipeline_run.canary_run import CanaryReport, Landed, Verifier
from pipeline_run.deployment import DeploymentError, deployed
from stack_config import StackConfigError
from stack_config.delivery import VerificationSettings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def verification(capture: Capture) -> VerificationSettings:
    delivery = capture.config.platform.delivery
    if delivery is None:
        raise DeploymentError(f"stack '{capture.stack}' has no platform.delivery.verification")
    return delivery.verification


def render(stack: str, report: CanaryReport) -> str:
    """One pipeline's verification for the build log."""
    lines = [
        f"{report.pipeline} on {stack}: {'OK' if report.ok else 'FAILED'}"
        f" ({report.status}, {report.seconds:.1f} s)",
        f"  landed     {report.landed}",
    ]
    if report.failure:
        lines.append(f"  failure    {report.failure}")
    rows = (
        "not checked (no partition column)"
        if report.rows_expected is None
        else (f"{report.rows_found}/{report.rows_expected} canary keys in {report.partition}")
    )
    lines.append(f"  rows       {rows}")
    lines += [f"  removed    {key}" for key in report.removed]
    lines += [f"  kept       {key} (holds rows that are not canaries)" for key in report.kept]
    return "\n".join(lines)


def run(
    capture: Capture,
    outputs: Mapping[str, Any],
    *,
    s3: Any,
    sfn: Any,
    run_id: str,
    on_landed: Callable[[Landed], None] | None = None,
    **timing: Any,
) -> list[CanaryReport]:
    """Verify every pipeline of the captured stack, deployed under the names in `outputs`;
    `timing` may set the Verifier's `poll_seconds`, `sleep` and `clock`."""
    verifier = Verifier(
        deployed(capture, outputs),
        s3=s3,
        sfn=sfn,
        settings=verification(capture),
        run_id=run_id,
        on_landed=on_landed,
        **timing,
    )
    return verifier.run()


def main(
    argv: Sequence[str] | None = None, *, on_landed: Callable[[Landed], None] | None = None
) -> int:
    """Run the CLI; `on_landed` stands in for EventBridge where nothing delivers S3's events."""
    args = _parser().parse_args(argv)
    started = time.monotonic()
    try:
        capture = capture_stack(args.stack, args.root)
        outputs = json.loads(args.outputs.read_text(encoding="utf-8"))
        deployed(capture, outputs)  # every name the run needs is there before anything lands
        import boto3  # type: ignore[import-untyped]  # boto3 ships no type information

        reports = run(
            capture,
            outputs,
            s3=boto3.client("s3"),
            sfn=boto3.client("stepfunctions"),
            run_id=args.run_id,
            on_landed=on_landed,
            poll_seconds=args.poll_seconds,
        )
    except (StackNotFoundError, StackConfigError, DeploymentError, CanaryError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, ValueError) as error:
        print(f"error: cannot read the stack outputs {args.outputs}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ClientError as error:  # after the canaries that did land were removed
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    for report in reports:
        print(render(args.stack, report), end="\n\n")
    print(f"{len(reports)} pipeline(s) verified in {time.monotonic() - started:.1f} s")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for r in reports], indent=2, default=str))
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline_run.verify", description=__doc__)
    parser.add_argument("--stack", required=True, help="stack name: a Pulumi.<stack>.yaml exists")
    parser.add_argument(
        "--outputs", type=Path, required=True, help="the stack's `pulumi stack output --json`"
    )
    parser.add_argument("--run-id", default=uuid.uuid4().hex[:12], help="names the canary files")
    parser.add_argument("--json", type=Path, help="also write the report here as JSON")
    parser.add_argument("--poll-seconds", type=float, default=5.0, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help=argparse.SUPPRESS)
    return parser


if __name__ == "__main__":
    sys.exit(main())
