"""The generated files' freshness check, failing with the command that refreshes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from offline.capture import PROJECT_ROOT

REFRESH = "make docs"


def assert_fresh(path: Path, rendered: str) -> None:
    """Fail, naming `make docs` and the first line that differs, when `path` is not `rendered`."""
    stored = path.read_text(encoding="utf-8") if path.exists() else ""
    if stored == rendered:
        return
    pairs = zip(stored.splitlines(), rendered.splitlines(), strict=False)
    line = next((n for n, (a, b) in enumerate(pairs, start=1) if a != b), None)
    where = f" (from line {line})" if line else " (its length)"
    pytest.fail(
        f"{path.relative_to(PROJECT_ROOT)} is stale{where}: run `{REFRESH}` and commit the result."
        " The generated docs follow the stack files, the config models, the policy pack and"
        " the prices: run it after changing any of them.",
        pytrace=False,
    )
