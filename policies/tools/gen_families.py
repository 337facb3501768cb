"""Regenerate `policies/data/type_families.json`: the type tokens that create the same AWS resource.

pulumi-aws declares a renamed or deprecated resource as a type alias of its successor
(`aws.s3.Bucket` aliases `aws:s3/bucketV2:BucketV2`); a family is the successor with every alias
and every live class among them, so a rule written for one member judges them all.
Run: `python -m policies.tools.gen_families [--check]`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from policies.tools.sdk import SdkResource, generator_main, resources, sdk_version

OUTPUT = Path(__file__).resolve().parent.parent / "data" / "type_families.json"


def families(found: tuple[SdkResource, ...]) -> dict[str, list[str]]:
    """Successor token -> sorted members (successor included), for tokens that have aliases."""
    live = {r.token: r for r in found}
    groups: list[set[str]] = []
    for resource in found:
        if not resource.aliases:
            continue
        members = {resource.token, *resource.aliases}
        overlapping = [g for g in groups if g & members]
        for group in overlapping:
            members |= group
            groups.remove(group)
        groups.append(members)
    return {_successor(g, live): sorted(g) for g in sorted(groups, key=min)}


def _successor(members: set[str], live: dict[str, SdkResource]) -> str:
    current = sorted(t for t in members if t in live and not live[t].deprecated)
    return current[0] if current else sorted(members)[0]


def render() -> dict[str, Any]:
    return {
        "generator": "python -m policies.tools.gen_families",
        "pulumi_aws_version": sdk_version(),
        "families": families(resources()),
    }


def main(argv: list[str] | None = None) -> int:
    return generator_main("python -m policies.tools.gen_families", OUTPUT, render, argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
