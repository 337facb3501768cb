"""Regenerate `policies/data/fsbp_controls.json`: the AWS Foundational Security Best Practices
controls, extracted from the compliance data the `prowler` package ships.

prowler is large (about a hundred dependencies), so it is not a dependency: its wheel is only
read, offline, as a zip. Run:

    pip download --no-deps prowler==5.46.0 -d /tmp/prowler
    python -m policies.tools.gen_fsbp /tmp/prowler/prowler-5.46.0-py3-none-any.whl

The extract keeps each control's id, title, service and severity, and records the wheel, the
file inside it and that file's sha256, so the list can be traced and refreshed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent.parent / "data" / "fsbp_controls.json"
MEMBER = "prowler/compliance/aws/aws_foundational_security_best_practices_aws.json"
_WHEEL = re.compile(r"^prowler-(?P<version>[^-]+)-")


def render(wheel: Path) -> dict[str, Any]:
    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read(MEMBER)
    document = json.loads(raw)
    version = _WHEEL.match(wheel.name)
    controls = [
        {
            "id": requirement["Id"],
            "title": requirement["Name"],
            "service": requirement["Attributes"][0]["Service"],
            "severity": requirement["Attributes"][0]["Severity"],
        }
        for requirement in document["Requirements"]
    ]
    return {
        "source": {
            "package": "prowler",
            "version": version["version"] if version else "",
            "file": MEMBER,
            "sha256": hashlib.sha256(raw).hexdigest(),
            "framework": document["Name"],
            "generator": "python -m policies.tools.gen_fsbp <prowler wheel>",
        },
        "controls": sorted(controls, key=lambda c: _order(c["id"])),
    }


def _order(control: str) -> tuple[str, int]:
    service, _, number = control.partition(".")
    return service, int(number) if number.isdigit() else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m policies.tools.gen_fsbp", description=__doc__)
    parser.add_argument("wheel", type=Path, help="a downloaded prowler wheel")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the file is stale; write nothing"
    )
    args = parser.parse_args(argv)
    text = json.dumps(render(args.wheel), indent=1) + "\n"
    if args.check:
        stale = not OUTPUT.exists() or OUTPUT.read_text(encoding="utf-8") != text
        if stale:
            print(f"{OUTPUT} is stale; run python -m policies.tools.gen_fsbp {args.wheel}")
        return 1 if stale else 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
