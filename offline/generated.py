"""The command line every docs generator shares (`make docs` runs them all): write the generated
files, or with `--check` write nothing and exit 1 naming each file that differs and `make docs`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path


def generator_main(
    argv: Sequence[str],
    *,
    prog: str,
    description: str,
    render: Callable[[], Iterable[tuple[Path, str]]],
) -> int:
    """Parse `--check`, render the targets, then check or write them; the exit status."""
    parser = argparse.ArgumentParser(prog=f"python -m {prog}", description=description)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if a file is stale; write nothing"
    )
    args = parser.parse_args(argv)
    targets = list(render())
    if args.check:
        stale = [p for p, text in targets if not p.exists() or p.read_text("utf-8") != text]
        for path in stale:
            print(f"{path} is stale; run make docs", file=sys.stderr)
        return 1 if stale else 0
    for path, text in targets:
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0
