"""`make check`: run the program offline for one stack, report what it declares, run the policies.

The capture goes through the policy pack (`policies/` by default) with the stack's policy config,
over the analyzer gRPC protocol as `pulumi preview --policy-pack` would; `--program DIR` checks
any other Pulumi Python program the same way (`offline.program_check`). Exit status: 0 when the
program evaluates, no mandatory policy is violated (advisory violations are printed only) and the
estimated idle monthly cost is within the stack's budget, if it sets one; 1 when the program or
the pack fails, a mandatory policy is violated or the idle cost is over budget; 2 for a bad stack
name, stack config or policy config.
"""

import argparse
import gc
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cost.report import idle_summary, over_budget
from offline import program_check, warehouse_types
from offline.analyzer import PolicyConfigError, PolicyPackError, PolicySession, render_report
from offline.capture import (
    PROJECT_ROOT,
    Capture,
    ReleaseCapture,
    StackNotFoundError,
    capture_release,
    capture_stack,
    project_name,
    read_config_file,
    read_stack_values,
)
from offline.mocks import Registration
from offline.placeholders import example_account_warning
from offline.policy_check import PACK_DIRNAME, PolicyConfigMissingError, load_policy_config
from offline.provider_defaults import default_notes, render_default_notes
from offline.report import summary, to_json_resource, to_json_resources
from stack_config import StackConfig, StackConfigError, parse_stack_config
from stack_config.release import ReleaseStackConfig
from stack_config.release_loader import is_release_stack, parse_release_config, resolve_stages

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.program is not None:
        return program_check.run(args)
    pack_dir: Path = args.policy_pack or args.root / PACK_DIRNAME
    try:
        values = None if args.stack_file is None else read_config_file(args.stack_file)
        values = values if values is not None else read_stack_values(args.stack, args.root)
        _validate(args.stack, values, args.root)  # a bad config is reported before the pack starts
        warning = example_account_warning(args.stack, values)
        if warning is not None:
            print(warning, file=sys.stderr)
        policy_config = (
            None
            if args.no_policies
            else load_policy_config(pack_dir, args.stack, path=args.policy_config)
        )
    except (
        StackNotFoundError,
        StackConfigError,
        warehouse_types.UndeclaredRetypeError,
        PolicyConfigMissingError,
        PolicyConfigError,
    ) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if policy_config is None:
        return _capture_and_report(args, values, session=None)
    try:
        session = PolicySession(
            pack_dir, stack=args.stack, project=project_name(args.root), config=policy_config
        )
    except PolicyConfigError as err:
        print(f"error: policy config for stack '{args.stack}': {err}", file=sys.stderr)
        return EXIT_USAGE
    except PolicyPackError as err:
        print(f"error: the policy pack failed for stack '{args.stack}': {err}", file=sys.stderr)
        return EXIT_FAILED
    with session:
        return _capture_and_report(args, values, session=session)


def _capture_and_report(
    args: argparse.Namespace, values: Mapping[str, Any], *, session: PolicySession | None
) -> int:
    """Run the program (each resource goes to the pack as it registers), then report."""

    def analyze(registration: Registration) -> None:
        if session is not None:
            session.analyze(to_json_resource(registration))

    try:
        capture: Capture | ReleaseCapture = (
            capture_release(
                args.stack, args.root, values=values, reclaim=False, on_register=analyze
            )
            if is_release_stack(values)
            else capture_stack(
                args.stack, args.root, values=values, reclaim=False, on_register=analyze
            )
        )
    except StackConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as err:
        print(f"error: the program failed for stack '{args.stack}': {err}", file=sys.stderr)
        return EXIT_FAILED
    print(summary(capture))
    resources = to_json_resources(capture.resources)
    over_budget = _report_cost(capture.config, resources)
    if args.json is not None:
        args.json.write_text(json.dumps(resources, indent=2) + "\n")
        print(f"\nWrote {len(resources)} resources to {args.json}")
    status = EXIT_OK
    if session is not None:
        status = _report_policies(session, args.stack, resources)
        pack_dir: Path = args.policy_pack or args.root / PACK_DIRNAME
        print(render_default_notes(default_notes(pack_dir, resources)), end="")
    if over_budget is not None:
        print(f"error: stack '{args.stack}': {over_budget}", file=sys.stderr)
        return max(status, EXIT_FAILED)
    return status


def _validate(stack: str, values: Mapping[str, Any], root: Path) -> None:
    """Raise `StackConfigError` naming every problem of a platform or delivery stack's config."""
    if is_release_stack(values):
        resolve_stages(stack, parse_release_config(stack, values), root)
    else:
        config = parse_stack_config(stack, values)
        problems = warehouse_types.check(stack, config, root)
        if problems:
            raise warehouse_types.UndeclaredRetypeError("; ".join(problems))


def _report_cost(
    config: StackConfig | ReleaseStackConfig, resources: Sequence[Mapping[str, Any]]
) -> str | None:
    """Print the idle monthly cost; return the mandatory budget finding, if any."""
    text, total = idle_summary(resources, config.region)
    print(f"\n{text}")
    if total is None or not isinstance(config, StackConfig):
        return None
    return over_budget(total, config.platform.cost.monthly_budget_usd)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="make check", description=__doc__)
    parser.add_argument("--stack", required=True, help="stack name: a Pulumi.<stack>.yaml exists")
    parser.add_argument(
        "--program",
        type=Path,
        metavar="DIR",
        help="check any Pulumi Python program in DIR instead of this platform (policy config "
        "only from --policy-config)",
    )
    parser.add_argument("--json", type=Path, help="also write the captured resources here")
    parser.add_argument(
        "--policy-pack",
        type=Path,
        metavar="DIR",
        help=f"policy pack directory, with config/<stack>.json (default: {PACK_DIRNAME})",
    )
    parser.add_argument(
        "--policy-config",
        type=Path,
        metavar="FILE",
        help="policy config JSON to use instead of <pack>/config/<stack>.json",
    )
    parser.add_argument(
        "--stack-file",
        type=Path,
        metavar="FILE",
        help="a file shaped like Pulumi.<stack>.yaml to use instead of the stack's own",
    )
    parser.add_argument(
        "--no-policies", action="store_true", help="capture and summarise only, skip the pack"
    )
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help=argparse.SUPPRESS)
    return parser


def _report_policies(
    session: PolicySession, stack: str, resources: Sequence[Mapping[str, Any]]
) -> int:
    try:
        report = session.finish(resources)
    except PolicyConfigError as err:
        print(f"error: policy config for stack '{stack}': {err}", file=sys.stderr)
        return EXIT_USAGE
    except PolicyPackError as err:
        print(f"error: the policy pack failed for stack '{stack}': {err}", file=sys.stderr)
        return EXIT_FAILED
    print()
    print(render_report(report), end="")
    if report.mandatory:
        count = len(report.mandatory)
        print(f"error: {count} mandatory policy violation(s) in stack '{stack}'", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":
    status = main()
    # The run leaves a large heap; exempt it from the collection at interpreter exit.
    gc.freeze()
    sys.exit(status)
