"""The state Glue keeps for a job run, for the local runtime: the AWS clients the run reaches
(moto's, under `make run-local`), its scratch folder, its job's bookmarks and its counts.

`pipeline_run/local_glue.py` sets the current run around each script execution; Glue's
semantics kept here: a source with a `transformation_ctx` reads only objects the job has not
processed (by key and ETag), and they count as processed only when the run commits.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Bookmark = set[tuple[str, str]]  # (bucket/key, ETag) of the objects processed


@dataclass
class LocalRun:
    """One job run: what it may reach and what it did."""

    s3: Any
    glue: Any
    workdir: Path
    bookmarks: dict[str, Bookmark]  # the job's, by transformation_ctx; kept across runs
    bookmarks_enabled: bool = True
    job_name: str | None = None
    rows_read: int = 0
    rows_written: int = 0
    pending: dict[str, Bookmark] = field(default_factory=dict)

    def started(self, job_name: str) -> None:
        self.job_name = job_name

    def new_objects(self, ctx: str | None, paths: list[str]) -> list[tuple[str, str]]:
        """Objects under `paths` (s3:// prefixes) the job's bookmark for `ctx` has not seen."""
        found: list[tuple[str, str]] = []
        for path in paths:
            bucket, _, prefix = path.removeprefix("s3://").partition("/")
            pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
            for page in pages:
                found += [
                    (f"{bucket}/{o['Key']}", o["ETag"])
                    for o in page.get("Contents", [])
                    if not o["Key"].endswith("/")
                ]
        if ctx is None or not self.bookmarks_enabled:
            return found
        new = [item for item in found if item not in self.bookmarks.get(ctx, set())]
        self.pending.setdefault(ctx, set()).update(new)
        return new

    def commit(self) -> None:
        for ctx, objects in self.pending.items():
            self.bookmarks.setdefault(ctx, set()).update(objects)
        self.pending.clear()


_runs: list[LocalRun] = []  # the run in progress, if any (runs never overlap)


def current() -> LocalRun:
    if not _runs:
        raise RuntimeError("no local Glue run is in progress")
    return _runs[-1]


@contextlib.contextmanager
def running(run: LocalRun) -> Iterator[LocalRun]:
    """`run` is the current run for the duration of the block."""
    _runs.append(run)
    try:
        yield run
    finally:
        _runs.remove(run)
