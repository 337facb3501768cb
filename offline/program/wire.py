"""Property values as a resource monitor receives them, decoded as the engine keeps them.

Unknowns stay the engine's sentinel string, secrets stay wrapped in their signature object (so
the pack receives them marked, as the engine sends them), assets and archives become the SDK's
asset objects, and a resource reference becomes the id (custom) or URN (component) it stands for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from google.protobuf import json_format, struct_pb2  # type: ignore[import-untyped, unused-ignore]
from pulumi.runtime import rpc

SIG = rpc._special_sig_key
_ASSET = rpc._special_asset_sig
_ARCHIVE = rpc._special_archive_sig
_SECRET = rpc._special_secret_sig
_RESOURCE = rpc._special_resource_sig
_OUTPUT = rpc._special_output_value_sig


def decode_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    """The struct's properties; properties whose value is null are left out, as the SDK does."""
    raw: dict[str, Any] = json_format.MessageToDict(struct)
    return {k: decode(v) for k, v in raw.items() if v is not None}


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, Mapping):
        return value
    special = _SPECIAL.get(value.get(SIG))
    if special is not None:
        return special(value)
    return {k: decode(v) for k, v in value.items() if v is not None}


def _secret(value: Mapping[str, Any]) -> Any:
    return {SIG: _SECRET, "value": decode(value.get("value"))}


def _resource(value: Mapping[str, Any]) -> Any:
    return value.get("id") or value.get("urn") or rpc.UNKNOWN


def _output(value: Mapping[str, Any]) -> Any:
    inner = decode(value["value"]) if "value" in value else rpc.UNKNOWN
    return {SIG: _SECRET, "value": inner} if value.get("secret") else inner


def _asset(value: Mapping[str, Any]) -> pulumi.Asset:
    if "path" in value:
        return pulumi.FileAsset(str(value["path"]))
    if "uri" in value:
        return pulumi.RemoteAsset(str(value["uri"]))
    return pulumi.StringAsset(str(value.get("text", "")))


def _archive(value: Mapping[str, Any]) -> pulumi.Archive:
    if "path" in value:
        return pulumi.FileArchive(str(value["path"]))
    if "uri" in value:
        return pulumi.RemoteArchive(str(value["uri"]))
    assets = value.get("assets") or {}
    return pulumi.AssetArchive({str(k): decode(v) for k, v in assets.items()})


_SPECIAL: dict[Any, Callable[[Mapping[str, Any]], Any]] = {
    _SECRET: _secret,
    _ASSET: _asset,
    _ARCHIVE: _archive,
    _RESOURCE: _resource,
    _OUTPUT: _output,
}


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value == rpc.UNKNOWN


def contains_unknown(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return is_unknown(value)


def encode(value: Mapping[str, Any]) -> struct_pb2.Struct:
    """A JSON-like mapping as a struct (data source answers, deployment info)."""
    struct = struct_pb2.Struct()
    struct.update(dict(value))
    return struct
