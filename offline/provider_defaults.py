"""Which inputs a check judged by the provider's default: values pulumi-aws fills in at Check time.

Offline, no provider runs `Check`, so an omitted input reaches the pack as omitted; a pack that
ships `data/provider_defaults.json` (this one does) judges it by the documented default, and the
check lists every such input so nobody mistakes a default for a declared value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def default_notes(pack_dir: Path, resources: Sequence[Mapping[str, Any]]) -> list[str]:
    """One line per (resource, input) the pack judged by a documented provider default."""
    path = pack_dir / "data" / "provider_defaults.json"
    if not path.is_file():
        return []
    defaults = json.loads(path.read_text(encoding="utf-8"))["defaults"]
    notes = []
    for record in resources:
        for default in (d for d in defaults if d["type"] == record["type"]):
            if _omitted(record.get("inputs") or {}, default["input"].split(".")):
                notes.append(
                    f"  - {record['type']} '{record['name']}': {default['input']} is omitted; "
                    f"the provider fills in {json.dumps(default['value'])} "
                    f"({default['documented']})"
                )
    return notes


def _omitted(inputs: Mapping[str, Any], path: list[str]) -> bool:
    value: Any = inputs
    for key in path:
        if isinstance(value, list):
            return not value
        if not isinstance(value, Mapping) or value.get(key) is None:
            return True
        value = value[key]
    return False


def render_default_notes(notes: Sequence[str]) -> str:
    if not notes:
        return ""
    heading = "Judged by provider defaults (pulumi-aws fills these in at Check time):"
    return "\n".join(["", heading, *notes]) + "\n"
