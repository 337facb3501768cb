"""Regenerate `policies/data/taggable_types.json`: every pulumi-aws resource whose Args accept tags.

The pack reads the JSON at run time so it does not need pulumi_aws installed; this script reads
the SDK source (no import of its ~2000 modules). Run: `python -m policies.tools.gen_taggable`.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent.parent / "data" / "taggable_types.json"
_RESOURCE = re.compile(r"^class (\w+)\(pulumi\.CustomResource\):", re.M)
_CLASS = re.compile(r"^class (\w+)", re.M)


def _sdk_root() -> Path:
    spec = importlib.util.find_spec("pulumi_aws")
    if spec is None or spec.origin is None:
        raise SystemExit("pulumi_aws is not installed in this environment")
    return Path(spec.origin).parent


def _class_body(source: str, name: str) -> str:
    start = re.search(rf"^class {name}\b.*$", source, re.M)
    if start is None:
        return ""
    following = _CLASS.search(source, start.end())
    return source[start.end() : following.start() if following else len(source)]


def taggable_types(root: Path) -> list[str]:
    found: set[str] = set()
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for resource in _RESOURCE.findall(source):
            token = re.search(rf"super\({resource}, __self__\).__init__\(\s*'(aws:[^']+)'", source)
            args = _class_body(source, f"{resource}Args")
            if token and re.search(r"pulumi\.set\(__self__, \"tags\"", args):
                found.add(token.group(1))
    return sorted(found)


def render() -> dict[str, Any]:
    return {
        "generator": "python -m policies.tools.gen_taggable",
        "pulumi_aws_version": importlib.metadata.version("pulumi_aws"),
        "types": taggable_types(_sdk_root()),
    }


def main() -> None:
    OUTPUT.write_text(json.dumps(render(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
