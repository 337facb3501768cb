"""`python -m offline.check`: the offline check of this platform's stack (`make check`) or, with
`--program DIR`, of any Pulumi Python program previewed in a child process.

Exit status (README, "Exit codes"): 0 passed; 1 a mandatory policy is violated (or, for a stack of
this platform, its idle monthly cost is over budget); 2 bad usage (arguments, program directory,
stack file, policy config, answers file); 3 the program failed (raised, exited before it
finished, timed out, was killed, logged an error); 4 the policy pack failed.
"""

import argparse
import gc
import sys
from collections.abc import Sequence
from pathlib import Path

from offline import program_check, status
from offline.findings import REPORT_SUFFIXES
from offline.policy_check import PACK_DIRNAME
from offline.program.runner import DEFAULT_TIMEOUT

EXIT_OK = status.OK
PLATFORM_ROOT = Path(__file__).resolve().parent.parent


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.program is not None:
        return program_check.run(args)
    try:
        from offline import stack_check
    except ImportError as err:
        print(
            f"error: checking a stack of this platform needs its repository ({err}); "
            "to check your own program pass --program DIR",
            file=sys.stderr,
        )
        return status.USAGE
    return stack_check.run(args)


def _report_path(value: str) -> Path:
    path = Path(value)
    if path.suffix not in REPORT_SUFFIXES:
        raise argparse.ArgumentTypeError(
            f"{value}: a findings report ends in {' or '.join(REPORT_SUFFIXES)} (SARIF 2.1.0 for "
            ".sarif); the resource capture is --json"
        )
    return path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m offline.check", description=__doc__)
    parser.add_argument("--stack", required=True, help="stack name: a Pulumi.<stack>.yaml exists")
    parser.add_argument(
        "--program",
        type=Path,
        metavar="DIR",
        help="check the Pulumi Python program in DIR (a preview in a child process) instead of "
        "this platform",
    )
    parser.add_argument(
        "--json", type=Path, metavar="FILE", help="also write the captured resources here"
    )
    parser.add_argument(
        "--report",
        type=_report_path,
        metavar="FILE",
        help="write the findings here: FILE.json, or FILE.sarif for code-scanning tools",
    )
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
        action="append",
        help="policy config JSON instead of <pack>/config/<stack>.json; repeat to layer files "
        "(later ones win per policy), e.g. policies/profiles/strict.json then your tag values",
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
    program = parser.add_argument_group("--program only")
    program.add_argument(
        "--answers",
        type=Path,
        metavar="FILE",
        help="what data sources and stack references return (YAML or JSON; policies/README.md)",
    )
    program.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"stop the program after this long (default {DEFAULT_TIMEOUT:g})",
    )
    program.add_argument(
        "--python",
        metavar="PATH",
        help="the program's interpreter (default: its virtualenv from Pulumi.yaml, else this one)",
    )
    program.add_argument(
        "--pass-env",
        action="append",
        default=[],
        metavar="NAME",
        help="pass this environment variable to the program (it gets no others but PATH, HOME, "
        "the locale and Pulumi's own)",
    )
    parser.add_argument("--root", type=Path, default=PLATFORM_ROOT, help=argparse.SUPPRESS)
    return parser


if __name__ == "__main__":
    exit_status = main()
    # The run leaves a large heap; exempt it from the collection at interpreter exit.
    gc.freeze()
    sys.exit(exit_status)
