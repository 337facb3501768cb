"""What a pipeline's warehouse load needs to know: where its manifests wait, the statement that
loads one, and where a manifest's failed attempts and its dead letter go."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MANIFEST_PARAMETER = "manifest"
"""The Data API parameter that carries the manifest's key to the load statement."""


@dataclass(frozen=True, kw_only=True)
class ManifestLoad:
    """Load the manifests under `s3://bucket/prefix` with `sql`, one statement per manifest.

    `sql` runs on `target` with the manifest's key as parameter `:manifest`. At most
    `max_manifests` are loaded per execution (the rest wait for the next one), one at a time.
    Each failed load leaves a record under `attempts_prefix`; after `max_attempts` of them the
    manifest moves to `dead_letter_prefix`. Load metrics carry the dimension Pipeline=`pipeline`.
    """

    bucket: str
    prefix: str
    target: Mapping[str, str]
    sql: str
    statement_name: str
    pipeline: str
    attempts_prefix: str
    dead_letter_prefix: str
    max_attempts: int = 3
    poll_seconds: int = 15
    max_polls: int = 240
    max_manifests: int = 100

    def __post_init__(self) -> None:
        if self.poll_seconds < 1 or self.max_polls < 1 or not 1 <= self.max_manifests <= 1000:
            raise ValueError("ManifestLoad needs poll_seconds, max_polls >= 1, 1-1000 manifests")
        if f":{MANIFEST_PARAMETER}" not in self.sql:
            raise ValueError(f"ManifestLoad needs SQL taking :{MANIFEST_PARAMETER}")
        prefixes = (self.prefix, self.attempts_prefix, self.dead_letter_prefix)
        if not all(p.endswith("/") for p in prefixes) or len(set(prefixes)) != len(prefixes):
            raise ValueError("ManifestLoad needs three distinct prefixes ending in '/'")
        if self.max_attempts < 1:
            raise ValueError("ManifestLoad.max_attempts must be >= 1")
