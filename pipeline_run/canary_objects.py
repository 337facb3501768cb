"""The canary rows' curated partition, read and removed through an `s3` client only.

A file is removed only when every row it holds has a reserved canary key: a real row that happens
to carry the canary date is never deleted with it (the file is kept and reported).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from pipeline_run.canary import Key, key_of, only_canaries
from stack_config.pipelines import PipelineSettings


@dataclass(frozen=True)
class Removal:
    """What a clean-up removed and what it kept, by object key."""

    removed: tuple[str, ...]
    kept: tuple[str, ...]


@dataclass
class CanaryPartition:
    """One pipeline's canary partition in the curated bucket."""

    s3: Any
    bucket: str
    prefix: str
    settings: PipelineSettings
    reserved: set[Key]

    def keys_since(self, since: datetime) -> set[Key]:
        """The keys of rows in Parquet files written at or after `since`."""
        keys: set[Key] = set()
        for item in self._current():
            if item["LastModified"] >= since and item["Key"].endswith(".parquet"):
                keys |= self._keys(item["Key"])
        return keys

    def remove(self) -> Removal:
        """Delete every version of every canary-only object in the partition."""
        removed, kept = [], []
        versions = self._versions()
        current = {item["Key"] for item in self._current()}
        for key, ids in sorted(versions.items()):
            if (
                key in current
                and key.endswith(".parquet")
                and not only_canaries(self._keys(key), self.reserved)
            ):
                kept.append(key)
                continue
            for version in ids:
                self.s3.delete_object(Bucket=self.bucket, Key=key, VersionId=version)
            removed.append(key)
        return Removal(tuple(removed), tuple(kept))

    def _current(self) -> Iterator[dict[str, Any]]:
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            yield from page.get("Contents", [])

    def _versions(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        paginator = self.s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                found.setdefault(item["Key"], []).append(item["VersionId"])
        return found

    def _keys(self, key: str) -> set[Key]:
        body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        columns = ", ".join(f'"{c}"' for c in self.settings.key_columns)
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "part.parquet"
            path.write_bytes(body)
            cursor = duckdb.connect()
            try:
                rows = cursor.execute(f"SELECT {columns} FROM read_parquet(?)", [str(path)])
                names = self.settings.key_columns
                return {
                    key_of(self.settings, dict(zip(names, r, strict=True))) for r in rows.fetchall()
                }
            finally:
                cursor.close()
