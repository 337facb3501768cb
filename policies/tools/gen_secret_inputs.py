"""Regenerate `policies/data/secret_inputs.json`: inputs pulumi-aws always makes Pulumi secrets,
and every resource type token (the types a credential-shaped input can appear on).

The SDK wraps these inputs (`master_password`, `secret_string`, a Glue connection's properties,
...) in `pulumi.Output.secret`, so the state holds them encrypted whatever the program passed.
Run: `python -m policies.tools.gen_secret_inputs [--check]`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from policies.tools.sdk import generator_main, resources, sdk_version

OUTPUT = Path(__file__).resolve().parent.parent / "data" / "secret_inputs.json"


def render() -> dict[str, Any]:
    return {
        "generator": "python -m policies.tools.gen_secret_inputs",
        "pulumi_aws_version": sdk_version(),
        "inputs": {r.token: list(r.secret_inputs) for r in resources() if r.secret_inputs},
        "resource_types": [r.token for r in resources()],
    }


def main(argv: list[str] | None = None) -> int:
    return generator_main("python -m policies.tools.gen_secret_inputs", OUTPUT, render, argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
