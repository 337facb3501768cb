"""Questions to the operator: nothing destructive or billable happens without an answer typed at
a terminal, or the explicit `--yes` of a non-interactive run."""

from __future__ import annotations

import sys


def confirm(question: str, *, assume_yes: bool, expected: str = "y") -> bool:
    """True when `--yes` was given or the operator types `expected` (`y`/`yes` for the
    default); a run without a terminal is never taken for a yes."""
    if assume_yes:
        print(f"{question} yes (--yes)")
        return True
    if not sys.stdin.isatty():
        print(f"{question} no terminal to ask on: run it at a terminal, or pass YES=1 (--yes)")
        return False
    answer = input(f"{question} ").strip()
    return answer in ("y", "yes") if expected == "y" else answer == expected
