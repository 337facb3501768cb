"""Regenerate `policies/data/taggable_types.json`: every pulumi-aws resource whose Args accept tags.

The pack reads the JSON at run time so it does not need pulumi_aws installed.
Run: `python -m policies.tools.gen_taggable [--check]`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from policies.tools.sdk import generator_main, resources, sdk_version

OUTPUT = Path(__file__).resolve().parent.parent / "data" / "taggable_types.json"


def render() -> dict[str, Any]:
    return {
        "generator": "python -m policies.tools.gen_taggable",
        "pulumi_aws_version": sdk_version(),
        "types": [r.token for r in resources() if r.taggable],
    }


def main(argv: list[str] | None = None) -> int:
    return generator_main("python -m policies.tools.gen_taggable", OUTPUT, render, argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
