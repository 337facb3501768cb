"""`make check`: run the program offline for one stack, report what it declares, run the policies.

The capture goes through the policy pack (`policies/` by default) with the stack's policy config,
over the analyzer gRPC protocol as `pulumi preview --policy-pack` would. Exit status: 0 when the
program evaluates and no mandatory policy is violated (advisory violations are printed only), 1
when the program or the pack fails or a mandatory policy is violated, 2 for a bad stack name,
stack config or policy config.
"""

import argparse
import gc
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from offline.analyzer import PolicyConfigError, PolicyPackError, render_report, run_policy_pack
from offline.capture import PROJECT_ROOT, StackNotFoundError, capture_stack
from offline.policy_check import PACK_DIRNAME, PolicyConfigMissingError, load_policy_config
from offline.report import summary, to_json_resources
from stack_config import StackConfigError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    pack_dir: Path = args.policy_pack or args.root / PACK_DIRNAME
    try:
        capture = capture_stack(args.stack, args.root)
    except (StackNotFoundError, StackConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as err:
        print(f"error: the program failed for stack '{args.stack}': {err}", file=sys.stderr)
        return EXIT_FAILED
    try:
        policy_config = None if args.no_policies else load_policy_config(pack_dir, args.stack)
    except (PolicyConfigMissingError, PolicyConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    print(summary(capture))
    resources = to_json_resources(capture.resources)
    if args.json is not None:
        args.json.write_text(json.dumps(resources, indent=2) + "\n")
        print(f"\nWrote {len(resources)} resources to {args.json}")
    if policy_config is None:
        return EXIT_OK
    return _check_policies(pack_dir, args.stack, resources, policy_config)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="make check", description=__doc__)
    parser.add_argument("--stack", required=True, help="stack name: a Pulumi.<stack>.yaml exists")
    parser.add_argument("--json", type=Path, help="also write the captured resources here")
    parser.add_argument(
        "--policy-pack",
        type=Path,
        metavar="DIR",
        help=f"policy pack directory, with config/<stack>.json (default: {PACK_DIRNAME})",
    )
    parser.add_argument(
        "--no-policies", action="store_true", help="capture and summarise only, skip the pack"
    )
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help=argparse.SUPPRESS)
    return parser


def _check_policies(
    pack_dir: Path, stack: str, resources: Sequence[Mapping[str, Any]], config: Mapping[str, Any]
) -> int:
    try:
        report = run_policy_pack(pack_dir, resources, config=config)
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
