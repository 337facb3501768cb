"""`make deploy STACK=<stack>`: the guided first (and every) deploy with the Pulumi CLI.

Checks the prerequisites (`make doctor`), offers to create the stack in its backend with its
secrets provider, previews with the guardrails pack and the stack's policy config, asks, and
runs `pulumi up` with the same pack. Exit status: 0 when the update succeeded, 1 when a
prerequisite is missing, the preview or update failed, or the operator declined (nothing is
deployed then), 2 for an unknown stack or an invalid stack file.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from deploy.console import confirm
from deploy.doctor import EXIT_MISSING, EXIT_OK, EXIT_USAGE, check_stack, report, stack_parser
from deploy.pulumi_cli import PulumiCli
from deploy.target import StackTarget


def main(argv: Sequence[str] | None = None) -> int:
    yes = "answer yes to every question (non-interactive runs)"
    args = stack_parser("make deploy", __doc__, yes=yes).parse_args(argv)
    checked = check_stack(args.stack, args.root, "make deploy")
    if checked is None:
        return EXIT_USAGE
    target, cli = checked.target, checked.cli
    print(report(target, checked.findings))
    missing = checked.missing()
    if missing - {"stack"}:
        return EXIT_MISSING
    if "stack" in missing and not _create_stack(target, cli, assume_yes=args.yes):
        return EXIT_MISSING
    return _preview_and_apply(target, cli, assume_yes=args.yes)


def _create_stack(target: StackTarget, cli: PulumiCli, *, assume_yes: bool) -> bool:
    question = (
        f"\nCreate stack '{target.stack}' with secrets provider {target.secrets_provider}? [y/N]"
    )
    if not confirm(question, assume_yes=assume_yes):
        print("Nothing created.")
        return False
    init = ["stack", "init", target.stack, "--secrets-provider", target.secrets_provider]
    if cli.run(init) != 0:
        print(f"error: pulumi {' '.join(init)} failed", file=sys.stderr)
        return False
    print(
        f"Created. {target.stack_file.name} now holds the stack's secretsprovider and"
        " encryptedkey: commit it (the pipeline's builds need them)."
    )
    return True


def _preview_and_apply(target: StackTarget, cli: PulumiCli, *, assume_yes: bool) -> int:
    stack = ["--stack", target.stack]
    if cli.run(["preview", *stack, "--diff", *target.policy_args()]) != 0:
        print("error: the preview failed (above); nothing was deployed", file=sys.stderr)
        return EXIT_MISSING
    for line in reminders(target):
        print(line)
    question = f"\nDeploy these changes to stack '{target.stack}' in {target.region}? [y/N]"
    if not confirm(question, assume_yes=assume_yes):
        print("Nothing deployed.")
        return EXIT_MISSING
    if cli.run(["up", *stack, "--yes", *target.policy_args()]) != 0:
        print("error: pulumi up failed (above); run make deploy again after fixing it")
        return EXIT_MISSING
    cli.run(["stack", "output", *stack])
    print(
        f"\nDeployed stack '{target.stack}'. Land a file to see a pipeline run (README, See it"
        f" work); make destroy STACK={target.stack} tears it down."
    )
    return EXIT_OK


def reminders(target: StackTarget) -> list[str]:
    """What the operator must do for the update to work as expected, said before it runs."""
    platform = target.config.platform
    emails = [s.endpoint for s in platform.operations.subscriptions if s.protocol == "email"]
    lines = []
    if emails:
        lines.append(
            f"\nNote: {', '.join(emails)} will get a message from AWS Notifications when the"
            " update subscribes them; alerts reach them only once they follow its 'Confirm"
            " subscription' link."
        )
    return lines


if __name__ == "__main__":
    sys.exit(main())
