"""A capture as JSON records, the shape `make check JSON=` writes and the pack receives.

Each record is `{type, name, urn, parent, custom, provider, inputs, dependencies,
propertyDependencies, protect, retainOnDelete, ignoreChanges}`; the list is sorted by URN, so two
runs diff cleanly. File assets are recorded by path and content hash, resolved from `root`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pulumi

from offline.mocks import Registration

PLATFORM_ROOT = Path(__file__).resolve().parent.parent


def to_json_resources(
    resources: Sequence[Registration], root: Path = PLATFORM_ROOT
) -> list[dict[str, Any]]:
    """The capture as JSON-ready dictionaries, deterministic in order and number formatting."""
    return [to_json_resource(r, root) for r in sorted(resources, key=lambda r: r.urn)]


def to_json_resource(r: Registration, root: Path = PLATFORM_ROOT) -> dict[str, Any]:
    """One registration as a JSON-ready dictionary (an element of `to_json_resources`)."""
    return {
        "type": r.type,
        "name": r.name,
        "urn": r.urn,
        "parent": r.parent,
        "custom": r.custom,
        "provider": r.provider,
        "inputs": _plain(r.inputs, root),
        "dependencies": sorted(r.dependencies),
        "propertyDependencies": {k: sorted(v) for k, v in sorted(r.property_dependencies.items())},
        "protect": r.protect,
        "retainOnDelete": r.retain_on_delete,
        "ignoreChanges": sorted(r.ignore_changes),
    }


def _plain(value: Any, root: Path) -> Any:
    if isinstance(value, pulumi.Asset | pulumi.Archive):
        return _asset(value, root)
    if isinstance(value, dict):
        return {str(k): _plain(v, root) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_plain(v, root) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _asset(value: pulumi.Asset | pulumi.Archive, root: Path) -> dict[str, Any]:
    # Assets are recorded by path and content hash, so a changed script shows up as a change.
    if isinstance(value, pulumi.FileAsset | pulumi.FileArchive):
        path = root / str(value.path)
        kind = "fileAsset" if isinstance(value, pulumi.FileAsset) else "fileArchive"
        return {kind: str(value.path), "sha256": _sha256(path)}
    if isinstance(value, pulumi.StringAsset):
        return {"stringAsset": hashlib.sha256(value.text.encode()).hexdigest()}
    if isinstance(value, pulumi.AssetArchive):
        return {"assetArchive": {name: _plain(v, root) for name, v in sorted(value.assets.items())}}
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
