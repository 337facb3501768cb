"""`make doctor STACK=<stack>`: every prerequisite of deploying the stack with the Pulumi CLI,
checked in the order a first deploy needs them, each missing one named with its fix.

Reads only: the stack file, the machine, the AWS account (with the operator's credentials) and
the state backend. Exit status: 0 when nothing is missing (warnings are printed), 1 when
something is, 2 for an unknown stack or an invalid stack file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.aws_checks import aws_findings
from deploy.findings import Finding, Status, failed
from deploy.local_checks import local_findings
from deploy.pulumi_cli import PulumiCli, PulumiFailedError
from deploy.target import ReleaseStackError, StackTarget
from offline.capture import PROJECT_ROOT, StackNotFoundError
from stack_config import StackConfigError

EXIT_OK, EXIT_MISSING, EXIT_USAGE = 0, 1, 2


def diagnose(target: StackTarget, cli: PulumiCli, session: Any) -> list[Finding]:
    """Every finding, in the order they must be fixed."""
    found = local_findings(target, cli)
    found += aws_findings(target, session)
    found.append(stack_finding(target, cli, blocked=_blocking(found)))
    return found


def stack_finding(target: StackTarget, cli: PulumiCli, *, blocked: str | None) -> Finding:
    """Whether the stack exists in its backend (the backend needs the CLI and credentials)."""
    name = "stack"
    if blocked is not None:
        return Finding.skip(name, blocked)
    backend = cli.env.get("PULUMI_BACKEND_URL", "the backend you are logged in to")
    try:
        stacks = cli.stacks()
    except PulumiFailedError as err:
        return Finding.fail(name, f"cannot list the stacks of {backend}: {err}", "see the error")
    if target.stack not in stacks:
        return Finding.fail(
            name,
            f"'{target.stack}' does not exist in {backend}",
            f"make deploy STACK={target.stack} offers to create it, or: pulumi stack init"
            f" {target.stack} --secrets-provider '{target.secrets_provider}'",
        )
    return Finding.ok(name, f"'{target.stack}' in {backend}")


def _blocking(found: Sequence[Finding]) -> str | None:
    """What the stack check needs that an earlier check found missing."""
    for finding in found:
        if finding.status is Status.FAIL and finding.name in (
            "Pulumi CLI",
            "AWS credentials",
            "account",
            "state bucket",
        ):
            return finding.name
    return None


def report(target: StackTarget, found: Sequence[Finding]) -> str:
    lines = [f"Stack '{target.stack}' ({target.stack_file.name}, {target.region}):"]
    for finding in found:
        lines += finding.lines()
    missing = failed(list(found))
    if missing:
        lines.append(
            f"{len(missing)} prerequisite(s) missing: fix them in this order, then run"
            f" make doctor STACK={target.stack} again."
        )
    else:
        lines.append("Ready to deploy.")
    return "\n".join(lines)


def load_target(
    stack: str, root: Path = PROJECT_ROOT, command: str = "make doctor"
) -> StackTarget | None:
    """The stack, or None after printing why it cannot be used."""
    try:
        return StackTarget.load(stack, root, command=command)
    except (StackNotFoundError, ReleaseStackError, StackConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return None


def aws_session(region: str) -> Any:
    import boto3  # type: ignore[import-untyped]  # boto3 ships no type information

    return boto3.Session(region_name=region)


@dataclass(frozen=True)
class Checked:
    """A stack with the CLI that acts on it and what its prerequisites look like."""

    target: StackTarget
    cli: PulumiCli
    findings: list[Finding]

    def missing(self) -> set[str]:
        return {finding.name for finding in failed(self.findings)}


def check_stack(stack: str, root: Path, command: str = "make doctor") -> Checked | None:
    """Load the stack and check its prerequisites; None (after saying why) for a stack that
    cannot be used by `command`."""
    target = load_target(stack, root, command)
    return None if target is None else check_target(target)


def check_target(target: StackTarget) -> Checked:
    """The prerequisites of acting on a loaded stack."""
    cli = PulumiCli(target.root, target.pulumi_env())
    return Checked(target, cli, diagnose(target, cli, aws_session(target.region)))


def stack_parser(prog: str, description: str | None, *, yes: str = "") -> argparse.ArgumentParser:
    """The options of the operator's commands: `--stack`, `--yes` (described by `yes`, when the
    command asks anything) and the tests' hidden `--root`."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--stack", required=True, help="stack name: a Pulumi.<stack>.yaml exists")
    if yes:
        parser.add_argument("--yes", action="store_true", help=yes)
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = stack_parser("make doctor", __doc__).parse_args(argv)
    checked = check_stack(args.stack, args.root)
    if checked is None:
        return EXIT_USAGE
    print(report(checked.target, checked.findings))
    return EXIT_MISSING if checked.missing() else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
