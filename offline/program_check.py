"""`python -m offline.check --program DIR --stack NAME`: the offline check of any Pulumi program.

Same conventions as `make check`: the resources per type, the pack's report, the inputs judged by
provider defaults; exit 0 without mandatory violations, 1 when the program or the pack fails or a
mandatory policy is violated, 2 for a bad program directory, stack file or policy config.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from offline.analyzer import PolicyConfigError, PolicyPackError, render_report
from offline.capture import StackNotFoundError
from offline.harness import (
    DEFAULT_PACK,
    Program,
    ProgramCheck,
    ProgramError,
    capture,
    check_program,
    load_program,
)
from offline.mocks import Registration
from offline.policy_check import PolicyConfigMissingError, load_policy_config
from offline.provider_defaults import default_notes, render_default_notes
from offline.report import to_json_resources

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def run(args: argparse.Namespace) -> int:
    """The check of `args.program`; policy config only from `--policy-config` (pack defaults)."""
    pack: Path = args.policy_pack or DEFAULT_PACK
    try:
        program = load_program(args.program, args.stack, args.stack_file)
        config = (
            None
            if args.policy_config is None
            else load_policy_config(pack, args.stack, path=args.policy_config)
        )
    except (ProgramError, StackNotFoundError, PolicyConfigMissingError, PolicyConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.no_policies:
            _summarise(program, capture(program), args.json)
            return EXIT_OK
        result = check_program(program, pack=pack, policy_config=config)
    except PolicyConfigError as err:
        print(f"error: policy config for stack '{args.stack}': {err}", file=sys.stderr)
        return EXIT_USAGE
    except PolicyPackError as err:
        print(f"error: the policy pack failed for {args.program}: {err}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as err:
        print(f"error: the program {args.program} failed: {err}", file=sys.stderr)
        return EXIT_FAILED
    return _print(result, pack, args.json)


def _summarise(
    program: Program, resources: tuple[Registration, ...], json_path: Path | None
) -> list[dict[str, object]]:
    """Print the resources per type, write them to `json_path`; the captured records."""
    custom = [r for r in resources if r.custom]
    print(
        f"Offline check of {program.root} stack '{program.stack}' "
        f"(project {program.project}, region {program.region})\n\nResources per type:"
    )
    for type_, count in sorted(Counter(r.type for r in custom).items()):
        print(f"  {count:>5}  {type_}")
    print(f"\nTotal: {len(custom)} resources\n")
    records = to_json_resources(resources)
    if json_path is not None:
        json_path.write_text(json.dumps(records, indent=2) + "\n")
    return records


def _print(result: ProgramCheck, pack: Path, json_path: Path | None) -> int:
    program, report = result.program, result.report
    records = _summarise(program, result.resources, json_path)
    print(render_report(report), end="")
    print(render_default_notes(default_notes(pack, records)), end="")
    if report.mandatory:
        count = len(report.mandatory)
        print(f"error: {count} mandatory policy violation(s) in {program.root}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
