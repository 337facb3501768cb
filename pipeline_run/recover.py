"""Put held-back data through a deployed pipeline, each piece once into the warehouse:

  make release  STACK=<stack> PIPELINE=<name> [RUN=<run id>]     a batch held by its batch rules
  make replay   STACK=<stack> PIPELINE=<name> FILE=<key>         a quarantined file, once fixed
  make replay   STACK=<stack> PIPELINE=<name> MANIFEST=<run id>  a dead-lettered manifest
  make backfill STACK=<stack> PIPELINE=<name> PREFIX=<prefix>    every file under a prefix

The stack's names come from its outputs (`pulumi stack output --json`, or the file given with
OUTPUTS=), the rest from its stack file; AWS credentials for its account are needed, as for
`make deploy`. Each command waits for the executions it starts and prints what they did.
Exit status: 0 when everything was loaded or ran, 1 when an execution failed or a file went to
quarantine again, 2 for a bad stack, pipeline, outputs, or nothing to act on.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from deploy.pulumi_cli import PulumiCli, PulumiFailedError, PulumiMissingError
from offline.capture import PROJECT_ROOT, StackNotFoundError, capture_stack
from pipeline_run.deployment import DeploymentError, PipelineDeployment, deployed
from pipeline_run.recovery import Recovery, RecoveryError, RecoveryReport
from stack_config import StackConfigError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
Command = Callable[[Recovery, argparse.Namespace], RecoveryReport]


def _release(recovery: Recovery, args: argparse.Namespace) -> RecoveryReport:
    return recovery.release(args.run)


def _replay(recovery: Recovery, args: argparse.Namespace) -> RecoveryReport:
    if (args.file is None) == (args.manifest is None):
        raise RecoveryError("replay takes FILE=<quarantined key> or MANIFEST=<run id>, not both")
    if args.file is not None:
        return recovery.replay_file(args.file)
    return recovery.replay_manifest(args.manifest)


def _backfill(recovery: Recovery, args: argparse.Namespace) -> RecoveryReport:
    return recovery.backfill(args.prefix)


COMMANDS: dict[str, Command] = {"release": _release, "replay": _replay, "backfill": _backfill}


def render(stack: str, report: RecoveryReport) -> str:
    lines = [f"{report.command} {report.pipeline} on {stack}: {'OK' if report.ok else 'FAILED'}"]
    lines += [f"  moved      {key}" for key in report.moved]
    lines += [f"  skipped    {key} (already landed)" for key in report.skipped]
    if report.execution is not None:
        lines.append(f"  execution  {report.execution} {report.status}")
    for load in report.loads:
        counts = load.get("counts") or {}
        shown = ", ".join(f"{k} {v}" for k, v in counts.items())
        lines.append(f"  load       {load.get('manifest')} {load.get('outcome')} {shown}".rstrip())
    for file in report.files:
        detail = f": {file.detail}" if file.detail else ""
        lines.append(f"  file       {file.landed} {file.status}{detail}")
    if report.failure:
        lines.append(f"  failure    {report.failure}")
    return "\n".join(lines)


def stack_outputs(stack: str, outputs: Path | None) -> dict[str, Any]:
    """The stack's outputs: from the file given, else from `pulumi stack output --json`."""
    if outputs is not None:
        loaded: dict[str, Any] = json.loads(outputs.read_text(encoding="utf-8"))
        return loaded
    cli = PulumiCli(PROJECT_ROOT, dict(os.environ))
    read: dict[str, Any] = json.loads(cli.output(["stack", "output", "--json", "--stack", stack]))
    return read


def main(
    argv: Sequence[str] | None = None,
    *,
    clients: tuple[Any, Any] | None = None,
    deliver: Callable[[], object] | None = None,
) -> int:
    """Run a command; `clients` (s3, stepfunctions) replace boto3's and `deliver` stands in for
    EventBridge where nothing delivers S3's events (both for the emulation)."""
    args = _parser().parse_args(argv)
    try:
        capture = capture_stack(args.stack)
        pipelines = deployed(capture, stack_outputs(args.stack, args.outputs))
        pipeline = _pipeline(pipelines, args.pipeline, args.stack)
    except (StackNotFoundError, StackConfigError, DeploymentError, LookupError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, ValueError, PulumiMissingError, PulumiFailedError) as error:
        print(f"error: cannot read the stack outputs: {error}", file=sys.stderr)
        return EXIT_USAGE
    s3, sfn = clients if clients is not None else _boto3_clients()
    recovery = Recovery(pipeline, s3, sfn, deliver=deliver, poll_seconds=args.poll_seconds)
    try:
        report = COMMANDS[args.command](recovery, args)
    except RecoveryError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(render(args.stack, report))
    if args.json is not None:
        args.json.write_text(json.dumps(asdict(report), indent=2, default=str) + "\n")
    return EXIT_OK if report.ok else EXIT_FAILED


def _boto3_clients() -> tuple[Any, Any]:
    import boto3  # type: ignore[import-untyped]  # boto3 ships no type information

    return boto3.client("s3"), boto3.client("stepfunctions")


def _pipeline(
    pipelines: dict[str, PipelineDeployment], name: str, stack: str
) -> PipelineDeployment:
    if name not in pipelines:
        raise LookupError(
            f"stack '{stack}' has no pipeline '{name}'; pipelines: {', '.join(pipelines)}"
        )
    return pipelines[name]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline_run.recover",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    helps = {
        "release": "load a batch held back by the pipeline's batch rules",
        "replay": "put a quarantined file or a dead-lettered manifest through again",
        "backfill": "land every file under a prefix in the pipeline's prefix and follow them",
    }
    for name, text in helps.items():
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("--stack", required=True, help="a Pulumi.<stack>.yaml exists")
        command.add_argument("--pipeline", required=True, help="the pipeline's name")
        command.add_argument("--outputs", type=Path, help="`pulumi stack output --json` saved")
        command.add_argument("--json", type=Path, help="also write the report here as JSON")
        command.add_argument("--poll-seconds", type=float, default=5.0, help=argparse.SUPPRESS)
        if name == "release":
            command.add_argument("--run", help="the held run's id (needed when several are held)")
        elif name == "replay":
            command.add_argument("--file", help="the quarantined file's key (quarantine/...)")
            command.add_argument("--manifest", help="the dead-lettered manifest's run id")
        else:
            command.add_argument(
                "--prefix", required=True, help="a folder of the raw bucket, or s3://bucket/folder/"
            )
    return parser


if __name__ == "__main__":
    sys.exit(main())
