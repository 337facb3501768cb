"""Shared paths and helpers for the delivery tests."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "previews"


def table_rows(markdown: str, header_prefix: str) -> list[str]:
    """The body rows of the first table whose header line starts with header_prefix."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_prefix))
    rows: list[str] = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows
