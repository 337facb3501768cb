"""The `pulumi` executable, run in the project root: version, stacks, and commands whose output
the operator watches. Nothing here imitates the CLI; a missing CLI is reported, not worked around.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

SDK_VERSION = version("pulumi")
"""The Pulumi SDK the program runs on; the CLI must be this version or newer."""


class PulumiMissingError(FileNotFoundError):
    """No `pulumi` executable on PATH."""


class PulumiFailedError(RuntimeError):
    """A `pulumi` command whose output is parsed exited non-zero; the message has its stderr."""


def version_tuple(text: str) -> tuple[int, ...]:
    """`v3.272.0` (or `3.272.0-alpha...`) as (3, 272, 0)."""
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(part) for part in match.groups()) if match else ()


@dataclass(frozen=True)
class PulumiCli:
    """Runs `pulumi` from PATH in `root` with `env`."""

    root: Path
    env: Mapping[str, str]
    executable: str = "pulumi"

    def run(self, args: Sequence[str], *, capture: bool = False) -> int:
        """Run a command with its output on the terminal (or swallowed); its exit status."""
        return self._run(args, capture=capture).returncode

    def output(self, args: Sequence[str]) -> str:
        """The stdout of a command that must succeed."""
        done = self._run(args, capture=True)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise PulumiFailedError(f"pulumi {' '.join(args)}: " + " / ".join(tail))
        return done.stdout

    def version(self) -> str:
        return self.output(["version"]).strip()

    def stacks(self) -> list[str]:
        """The stack names of the project in the current backend (`org/project/` dropped)."""
        listed = json.loads(self.output(["stack", "ls", "--json"]) or "[]")
        return [str(entry["name"]).rsplit("/", 1)[-1] for entry in listed]

    def _run(self, args: Sequence[str], *, capture: bool) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                [self.executable, *args],
                cwd=self.root,
                env=dict(self.env),
                text=True,
                capture_output=capture,
                check=False,
            )
        except FileNotFoundError as err:
            raise PulumiMissingError("the pulumi CLI is not on PATH") from err
