"""The URN pins of the user's stacks (`tests/fixtures/urns/<stack>.txt`): every URN a stack
declared when it was pinned. A changed URN makes Pulumi delete the resource and create a new one,
so a pinned URN that disappears is a replacement to confirm (or an alias to add).

`make urn-pins` (`python -m tests.urn_pins`) pins what every stack file declares now: after a
stack's first deploy, or after a deliberate removal (a sample pipeline, a replaced stack).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from offline.capture import PROJECT_ROOT, capture_release, capture_stack
from tests.stacks import user_stacks

PINS: Final = Path(__file__).resolve().parent / "fixtures" / "urns"
REFRESH: Final = "make urn-pins"
_SHOWN: Final = 5


def declared_urns() -> dict[str, set[str]]:
    """Every URN each user stack declares now (platform and delivery stacks)."""
    declared = {s: {r.urn for r in capture_stack(s).resources} for s in user_stacks()}
    for stack in user_stacks(release=True):
        declared[stack] = {r.urn for r in capture_release(stack).resources}
    return declared


def pin_problems(declared: Mapping[str, set[str]], pins: Path = PINS) -> list[str]:
    """One line per stack whose pins no longer hold: URNs gone, or a pinned stack gone."""
    problems = []
    for path in sorted(pins.glob("*.txt")):
        stack, pinned = path.stem, set(path.read_text(encoding="utf-8").split())
        if stack not in declared:
            problems.append(f"{stack}: pinned, but there is no Pulumi.{stack}.yaml any more")
            continue
        gone = sorted(pinned - declared[stack])
        if gone:
            shown = "".join(f"\n    {urn}" for urn in gone[:_SHOWN])
            more = f"\n    ... and {len(gone) - _SHOWN} more" if len(gone) > _SHOWN else ""
            problems.append(f"{stack}: {len(gone)} pinned URN(s) no longer declared:{shown}{more}")
    return problems


def explain(problems: Sequence[str]) -> str:
    """The failure a user reads: what changed, why it matters, the command that accepts it."""
    listed = "\n".join(f"  {p}" for p in problems)
    return (
        "The URN pins (tests/fixtures/urns/) guard deployed stacks against accidental"
        " replacement: a resource whose URN changes is deleted and created anew by the next"
        f" deploy.\n{listed}\nIf this is deliberate (a pipeline or stack removed or replaced),"
        f" refresh the pins: {REFRESH}, and commit tests/fixtures/urns/. If not, give the renamed"
        " or re-parented resource an alias (pulumi.ResourceOptions(aliases=...))."
    )


def write_pins(declared: Mapping[str, set[str]], pins: Path = PINS) -> list[str]:
    """Pin every declared URN, drop the pins of stacks that are gone; what changed, by stack."""
    changes = []
    for path in sorted(pins.glob("*.txt")):
        if path.stem not in declared:
            path.unlink()
            changes.append(f"removed {path.name} (no Pulumi.{path.stem}.yaml)")
    for stack, urns in sorted(declared.items()):
        path = pins / f"{stack}.txt"
        text = "".join(f"{urn}\n" for urn in sorted(urns))
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changes.append(f"wrote {path.name} ({len(urns)} URNs)")
    return changes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=REFRESH, description=__doc__)
    parser.parse_args(argv)
    for line in write_pins(declared_urns()) or ["the pins are up to date"]:
        print(line)
    print(f"review and commit {PINS.relative_to(PROJECT_ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
