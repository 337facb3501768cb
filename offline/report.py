"""Turn a capture into the JSON document and the console summary of the offline check.

The JSON is a list of `{type, name, urn, parent, custom, provider, inputs, dependencies,
propertyDependencies, protect, retainOnDelete, ignoreChanges}` sorted by URN, so two runs diff
cleanly.
"""

import hashlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pulumi

from offline.capture import PROJECT_ROOT, Capture, ReleaseCapture
from offline.mocks import Registration
from stack_config import StackConfig


def to_json_resources(resources: Sequence[Registration]) -> list[dict[str, Any]]:
    """The capture as JSON-ready dictionaries, deterministic in order and number formatting."""
    return [to_json_resource(r) for r in sorted(resources, key=lambda r: r.urn)]


def to_json_resource(r: Registration) -> dict[str, Any]:
    """One registration as a JSON-ready dictionary (an element of `to_json_resources`)."""
    return {
        "type": r.type,
        "name": r.name,
        "urn": r.urn,
        "parent": r.parent,
        "custom": r.custom,
        "provider": r.provider,
        "inputs": _plain(r.inputs),
        "dependencies": sorted(r.dependencies),
        "propertyDependencies": {k: sorted(v) for k, v in sorted(r.property_dependencies.items())},
        "protect": r.protect,
        "retainOnDelete": r.retain_on_delete,
        "ignoreChanges": sorted(r.ignore_changes),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, pulumi.Asset | pulumi.Archive):
        return _asset(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _asset(value: pulumi.Asset | pulumi.Archive) -> dict[str, Any]:
    # Assets are recorded by path and content hash, so a changed script shows up as a change.
    if isinstance(value, pulumi.FileAsset | pulumi.FileArchive):
        path = PROJECT_ROOT / str(value.path)
        kind = "fileAsset" if isinstance(value, pulumi.FileAsset) else "fileArchive"
        return {kind: str(value.path), "sha256": _sha256(path)}
    if isinstance(value, pulumi.StringAsset):
        return {"stringAsset": hashlib.sha256(value.text.encode()).hexdigest()}
    if isinstance(value, pulumi.AssetArchive):
        return {"assetArchive": {name: _plain(v) for name, v in sorted(value.assets.items())}}
    return {"asset": type(value).__name__}


def _sha256(path: Path) -> str | None:
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    digest = hashlib.sha256()
    for file in files:
        if not file.exists():
            return None
        digest.update(file.relative_to(path.parent).as_posix().encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def top_level_component(resource: Registration, by_urn: dict[str, Registration]) -> str:
    """The name of the outermost component a resource belongs to (itself if top-level)."""
    current = resource
    while current.parent in by_urn:
        current = by_urn[current.parent]
    return f"{current.name} ({current.type})"


def summary(capture: Capture | ReleaseCapture) -> str:
    """Resources per top-level component and per type, with totals."""
    config = capture.config
    environment = (
        config.platform.environment
        if isinstance(config, StackConfig)
        else config.release.environment
    )
    by_urn = {r.urn: r for r in capture.resources}
    custom = [r for r in capture.resources if r.custom]
    per_component = Counter(top_level_component(r, by_urn) for r in custom)
    per_type = Counter(r.type for r in custom)
    components = len(capture.resources) - len(custom)
    lines = [
        f"Offline check of stack '{capture.stack}' (project {capture.project},"
        f" region {config.region}, environment {environment})",
        "",
        "Resources per component:",
        *_table(per_component),
        "",
        "Resources per type:",
        *_table(per_type),
        "",
        f"Total: {len(custom)} resources in {components} components",
    ]
    return "\n".join(lines)


def _table(counts: Counter[str]) -> list[str]:
    return [f"  {count:>5}  {key}" for key, count in sorted(counts.items())]
