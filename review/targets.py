"""The environments a release build works on, from `RELEASE_TARGETS` (JSON the delivery stack sets
on each build project): for each stack, an AWS profile that assumes the build's role in the
stack's account, and the variables that point the AWS SDKs and Pulumi at that account.

The profile takes the build container's credentials (`credential_source = EcsContainer`) and
the SDKs re-assume the role when its session ends, so a deploy may outlast one session.

CLI (standard library only: it runs before the project's environment exists):
`python3 -m review.targets profiles` appends a profile per target to `$AWS_CONFIG_FILE` (default
`~/.aws/config`); `python3 -m review.targets env --stack dev` prints `export` lines for one stack;
`python3 -m review.targets stacks` prints the stacks, one a line.
Exit 2 names a missing or malformed variable or an unknown stack.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

VARIABLE = "RELEASE_TARGETS"


class TargetError(ValueError):
    """`RELEASE_TARGETS` is missing, malformed, or does not name the stack."""


@dataclass(frozen=True)
class Target:
    """One stack's environment as a build reaches it."""

    stack: str
    region: str
    backend_url: str
    external_id: str
    role_arn: str

    def profile(self, session: str) -> str:
        """The AWS config profile (named as the stack) that assumes the role."""
        return "\n".join(
            [
                f"[profile {self.stack}]",
                f"role_arn = {self.role_arn}",
                f"external_id = {self.external_id}",
                "credential_source = EcsContainer",
                f"role_session_name = {session}",
                f"region = {self.region}",
                "",
            ]
        )

    def environment(self) -> dict[str, str]:
        """Variables under which the SDKs and Pulumi act in the stack's account."""
        return {
            "AWS_PROFILE": self.stack,
            "AWS_SDK_LOAD_CONFIG": "1",
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "PULUMI_BACKEND_URL": self.backend_url,
        }


def parse_targets(env: Mapping[str, str]) -> dict[str, Target]:
    """The targets of `RELEASE_TARGETS`, by stack."""
    text = env.get(VARIABLE, "").strip()
    if not text:
        raise TargetError(f"environment variable {VARIABLE} is not set")
    try:
        entries = json.loads(text)
    except json.JSONDecodeError as error:
        raise TargetError(f"{VARIABLE} is not JSON ({error})") from error
    names = [f.name for f in fields(Target)]
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and sorted(e) == sorted(names) for e in entries
    ):
        raise TargetError(f"{VARIABLE} must be a JSON list of objects with keys {names}")
    return {e["stack"]: Target(**{n: str(e[n]) for n in names}) for e in entries}


def target(env: Mapping[str, str], stack: str) -> Target:
    """The target of one stack."""
    targets = parse_targets(env)
    if stack not in targets:
        raise TargetError(f"{VARIABLE} has no stack {stack!r}; stacks: {', '.join(targets)}")
    return targets[stack]


def session_name(env: Mapping[str, str]) -> str:
    """The role session name: the build, so CloudTrail shows which build acted."""
    build = env.get("CODEBUILD_BUILD_ID", "local").replace(":", "-")
    return "".join(c for c in f"release-{build}" if c.isalnum() or c in "=,.@-_")[:64]


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python3 -m review.targets", description=__doc__)
    parser.add_argument("command", choices=["profiles", "env", "stacks"])
    parser.add_argument("--stack", help="the stack whose variables `env` prints")
    args = parser.parse_args(argv)
    environment = os.environ if env is None else env
    try:
        if args.command == "profiles":
            config = Path(environment.get("AWS_CONFIG_FILE") or Path.home() / ".aws" / "config")
            config.parent.mkdir(parents=True, exist_ok=True)
            session = session_name(environment)
            with config.open("a", encoding="utf-8") as out:
                out.writelines(t.profile(session) for t in parse_targets(environment).values())
            return 0
        if args.command == "stacks":
            # One a line, nothing at all for none (a pull-request build may preview no stage).
            for stack in parse_targets(environment):
                print(stack)
            return 0
        if not args.stack:
            raise TargetError("env needs --stack")
        chosen = target(environment, args.stack)
    except TargetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for name, value in chosen.environment().items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
