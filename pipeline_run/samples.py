"""Sample files for a pipeline, generated from its typed columns: a few rows every stage should
keep, and one the Glue job must drop (a value its declared type cannot hold)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from stack_config.pipelines import ColumnType, PipelineSettings

GOOD_ROWS = 3
_START = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def _value(kind: ColumnType, column: str, row: int) -> Any:
    if kind == "int":
        return 1000 + row
    if kind == "float" or kind.startswith("decimal("):
        return round(10.5 * (row + 1), 2)
    if kind == "bool":
        return row % 2 == 0
    if kind == "date":
        return (date(2024, 5, 1) + timedelta(days=row)).isoformat()
    if kind == "timestamp":
        return (_START + timedelta(hours=row)).isoformat().replace("+00:00", "Z")
    return f"{column}-{row}"


def sample_rows(
    settings: PipelineSettings, *, first: int = 0, count: int = GOOD_ROWS
) -> list[dict[str, Any]]:
    """`count` valid rows with distinct keys, numbered from `first`."""
    return [
        {name: _value(kind, name, first + index) for name, kind in settings.curated_columns}
        for index in range(count)
    ]


def bad_row(settings: PipelineSettings) -> dict[str, Any] | None:
    """A row whose required, typed column holds a value the type cannot (the job drops it), or
    None when every required column is a string."""
    typed = [(n, k) for n, k in settings.curated_columns if n in settings.required_columns]
    column = next((n for n, k in typed if k != "string"), None)
    if column is None:
        return None
    row = sample_rows(settings, first=900, count=1)[0]
    row[column] = "not-a-value"
    return row


def render(settings: PipelineSettings, rows: Sequence[Mapping[str, Any]]) -> bytes:
    """The rows in the pipeline's source format: CSV with a header, or JSON lines."""
    columns = [name for name, _ in settings.curated_columns]
    if settings.format == "json":
        return "".join(json.dumps(dict(row)) + "\n" for row in rows).encode()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def sample_file(settings: PipelineSettings) -> tuple[str, bytes, int]:
    """(file name, content, rows the job must keep) of the default sample."""
    rows = sample_rows(settings)
    bad = bad_row(settings)
    extension = ".csv" if settings.format == "csv" else ".jsonl"
    body = render(settings, [*rows, *([bad] if bad else [])])
    return f"sample-{settings.name}{extension}", body, len(rows)
