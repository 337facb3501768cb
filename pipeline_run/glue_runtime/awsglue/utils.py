"""`getResolvedOptions`, as Glue resolves a job's arguments: each requested name must be present
as `--name value` on the command line; everything else on it is ignored."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


class GlueArgumentError(Exception):
    """A requested argument is missing (Glue raises this with argparse's message)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise GlueArgumentError(message)


def getResolvedOptions(args: Sequence[str], options: Sequence[str]) -> dict[str, str]:  # noqa: N802
    """The value of every name in `options` from `args` (sys.argv)."""
    parser = _Parser(prog=args[0] if args else "job", add_help=False)
    for option in options:
        parser.add_argument(f"--{option}", required=True)
    known, _ = parser.parse_known_args(list(args[1:]))
    return {option: getattr(known, option) for option in options}
