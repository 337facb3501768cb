"""Canary rows of a pipeline: valid rows of its typed columns whose keys hold reserved values (a
negative number, `<file_prefix>-<n>`, a date in the canary's day) and whose partition column
holds the canary date, so their curated files land in a partition of their own.

Reserved keys never change between runs, so the warehouse's upsert keeps at most one row per
canary key in a pipeline's table, however often Verify runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pipeline_run.samples import render, sample_rows
from stack_config.delivery import CanarySettings
from stack_config.pipelines import ColumnType, PipelineSettings

Key = tuple[str, ...]


class CanaryError(ValueError):
    """A pipeline whose key columns cannot hold a reserved canary value."""


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _reserved(kind: ColumnType, index: int, canary: CanarySettings, *, partition: bool) -> Any:
    """The index-th reserved value of a key column of this type."""
    day = canary.partition_date
    if kind == "int":
        return -(index + 1)
    if kind == "float" or kind.startswith("decimal("):
        return -(index + 1.0)
    if kind == "string":
        return f"{canary.file_prefix}-{index + 1}"
    if kind == "date":
        return (day if partition else day + timedelta(days=index)).isoformat()
    if kind == "timestamp":
        return (_midnight(day) + timedelta(seconds=index)).isoformat().replace("+00:00", "Z")
    raise CanaryError(f"a {kind} key column cannot hold a reserved canary value")


def canary_rows(settings: PipelineSettings, canary: CanarySettings) -> list[dict[str, Any]]:
    """The pipeline's canary rows: reserved keys, the canary date in the partition column."""
    types = dict(settings.curated_columns)
    partition = settings.partition_source_column
    rows = sample_rows(settings, count=canary.rows)
    for index, row in enumerate(rows):
        if partition is not None:
            stamp = _midnight(canary.partition_date)
            row[partition] = (
                canary.partition_date.isoformat()
                if types[partition] == "date"
                else stamp.isoformat().replace("+00:00", "Z")
            )
        for column in settings.key_columns:
            try:
                row[column] = _reserved(types[column], index, canary, partition=column == partition)
            except CanaryError as error:
                raise CanaryError(
                    f"pipeline {settings.name}, key column {column}: {error}"
                ) from None
    return rows


def canary_file(
    settings: PipelineSettings, canary: CanarySettings, run_id: str
) -> tuple[str, bytes, set[Key]]:
    """(file name under the raw prefix, content, keys the rows must arrive with)."""
    rows = canary_rows(settings, canary)
    extension = settings.allowed_extensions[0]
    name = f"{canary.file_prefix}-{run_id}{extension}"
    return name, render(settings, rows), {key_of(settings, row) for row in rows}


def key_of(settings: PipelineSettings, row: Mapping[str, Any]) -> Key:
    """A row's key, normalised the same whether written to the canary file or read back."""
    types = dict(settings.curated_columns)
    return tuple(_normalised(types[c], row[c]) for c in settings.key_columns)


def _normalised(kind: ColumnType, value: Any) -> str:
    if kind in ("int", "float") or kind.startswith("decimal("):
        return repr(float(value))
    if kind == "timestamp":
        stamp = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
        return stamp.astimezone(UTC).isoformat()
    if kind == "date":
        return (value if isinstance(value, date) else date.fromisoformat(str(value))).isoformat()
    return str(value)


def only_canaries(keys: Iterable[Key], reserved: set[Key]) -> bool:
    """Whether every key read from a file is a reserved canary key."""
    return all(key in reserved for key in keys)
