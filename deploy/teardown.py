"""`make destroy STACK=<stack>`: tear a stack down in the order that works the first time.

`pulumi destroy` refuses protected resources and leaves retained ones running, and a bucket
with objects cannot be deleted unless its `force_destroy` was applied. So a stack whose file
protects anything is first updated (`pulumi up`) from a copy of its stack file with
`protection.protect: false`, `retain_on_delete: false` and `force_destroy_buckets: true`
(`--retain`: kept in AWS instead), then destroyed; the stack file itself is not changed. First,
before it checks anything of the machine or the account, it says what is deleted, what stays in
AWS and what that costs a month; then the prerequisites; then it asks. Exit status: 0 when the
stack is destroyed, 1 when a prerequisite is missing, an update failed or the operator declined,
2 for an unknown stack or an invalid stack file.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from deploy.console import confirm
from deploy.doctor import (
    EXIT_MISSING,
    EXIT_OK,
    EXIT_USAGE,
    check_target,
    load_target,
    report,
    stack_parser,
)
from deploy.leftovers import (
    aftermath,
    kept_resources,
    kept_summary,
    removal_commands,
    teardown_protection,
    with_protection,
)
from deploy.pulumi_cli import PulumiCli, PulumiFailedError
from deploy.target import StackTarget
from policies.framework.yaml_file import read_yaml
from stack_config.protection import ProtectionSettings

# What a teardown needs; the pack, its config and bootstrap's other outputs it does not.
NEEDED = frozenset({"stack file", "Pulumi CLI", "uv", "AWS credentials", "account",
                    "state bucket", "stack"})  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    yes = "do not ask for the stack name (non-interactive runs)"
    parser = stack_parser("make destroy", __doc__, yes=yes)
    parser.add_argument(
        "--retain",
        action="store_true",
        help="keep the keys, buckets and warehouse in AWS (they go on costing; see the plan)",
    )
    args = parser.parse_args(argv)
    target = load_target(args.stack, args.root, "make destroy")
    if target is None:
        return EXIT_USAGE
    # The plan first: what goes, what stays and what that costs needs no account.
    protection = teardown_protection(retain=args.retain)
    lifted = with_protection(target.values, protection)
    update = target.config.platform.protection != protection
    print(_plan(target, lifted, protection, update=update))
    checked = check_target(target)
    if checked.missing() & NEEDED:
        print()
        print(report(target, [f for f in checked.findings if f.name in NEEDED]))
        return EXIT_MISSING
    question = f"\nType the stack name '{target.stack}' to destroy it:"
    if not confirm(question, assume_yes=args.yes, expected=target.stack):
        print("Nothing destroyed.")
        return EXIT_MISSING
    return _tear_down(target, checked.cli, lifted if update else None, retain=args.retain)


def _plan(
    target: StackTarget, lifted: dict[str, Any], protection: ProtectionSettings, *, update: bool
) -> str:
    kept = kept_resources(target.stack, lifted)
    steps = [f"Tearing down stack '{target.stack}' ({target.region}):"]
    if update:
        steps.append(
            f"  1. pulumi up with platform.protection {json.dumps(protection.model_dump())},"
            f" from a copy of {target.stack_file.name} (the file is not changed): destroy"
            " refuses protected resources, and deletes a bucket with objects only once"
            " force_destroy is applied"
        )
    what = (
        "keeping what retain_on_delete keeps"
        if protection.retain_on_delete
        else "the data in its buckets included"
    )
    steps.append(f"  {2 if update else 1}. pulumi destroy: every resource of the stack, {what}")
    return "\n".join([*steps, *kept_summary(kept, target.region)])


def _tear_down(
    target: StackTarget, cli: PulumiCli, lifted: dict[str, Any] | None, *, retain: bool
) -> int:
    stack = ["--stack", target.stack]
    with tempfile.TemporaryDirectory() as scratch:
        config: list[str] = []
        if lifted is not None:
            copy = Path(scratch) / target.stack_file.name
            document = read_yaml(target.stack_file) or {}
            copy.write_text(yaml.safe_dump({**document, "config": lifted}, sort_keys=False))
            config = ["--config-file", str(copy)]
            if cli.run(["up", *stack, "--yes", *config]) != 0:
                print("error: lifting the protection failed (above); nothing was destroyed")
                return EXIT_MISSING
        removals = _removals(target, cli)
        if cli.run(["destroy", *stack, "--yes", *config]) != 0:
            print(f"error: pulumi destroy failed (above); make destroy STACK={target.stack} again")
            return EXIT_MISSING
    print(f"\nDestroyed stack '{target.stack}'. What stays:")
    for line in [*aftermath(target.config, retain=retain), *removals]:
        print(f"- {line}")
    print(f"pulumi stack rm {target.stack} removes the empty stack and its history.")
    return EXIT_OK


def _removals(target: StackTarget, cli: PulumiCli) -> list[str]:
    """How to remove what the destroy will keep, read from the stack's state before it goes."""
    try:
        exported = json.loads(cli.output(["stack", "export", "--stack", target.stack]))
    except (PulumiFailedError, json.JSONDecodeError) as err:
        return [f"the kept resources could not be listed ({err}): see the AWS console"]
    commands = removal_commands(exported, target.region)
    return [f"kept; to remove it: {command}" for command in commands]


if __name__ == "__main__":
    sys.exit(main())
