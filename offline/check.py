"""`make check`: run the program offline for one stack and report what it declares.

Exit status: 0 when the program evaluates, 1 when it fails, 2 for a bad stack name or config.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from offline.capture import PROJECT_ROOT, StackNotFoundError, capture_stack
from offline.report import summary, to_json_resources
from stack_config import StackConfigError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make check", description=__doc__)
    parser.add_argument("--stack", required=True, help="stack name: a Pulumi.<stack>.yaml exists")
    parser.add_argument("--json", type=Path, help="also write the captured resources here")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        capture = capture_stack(args.stack, args.root)
    except (StackNotFoundError, StackConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as err:
        print(f"error: the program failed for stack '{args.stack}': {err}", file=sys.stderr)
        return EXIT_FAILED
    print(summary(capture))
    if args.json is not None:
        args.json.write_text(json.dumps(to_json_resources(capture.resources), indent=2) + "\n")
        print(f"\nWrote {len(capture.resources)} resources to {args.json}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
