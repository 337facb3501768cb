"""The state Glue keeps for a job run, for the local runtime: the AWS clients the run reaches
(moto's, under `make run-local`), its scratch folder, its job's bookmarks and its counts.

`pipeline_run/local_glue.py` sets the current run around each script execution; Glue's
semantics kept here: a source with a `transformation_ctx` reads only objects the job has not
processed (by key and ETag), and they count as processed only when the run commits. In Glue,
Spark's own readers open `s3://` URLs (EMRFS); here a reader given `s3://` paths reads copies of
the emulated objects, kept under the run's scratch folder as `s3/<bucket>/<key>`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
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


_READER_METHODS = ("csv", "json", "text", "parquet", "orc", "load")


def _mirrored(run: LocalRun, path: object) -> object:
    """The local copy of an `s3://` object or prefix (other paths unchanged)."""
    if not isinstance(path, str) or not path.startswith("s3://"):
        return path
    bucket, _, key = path.removeprefix("s3://").partition("/")
    root = run.workdir / "s3" / bucket
    listed = run.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key)
    for page in listed:
        for item in page.get("Contents", []):
            if (
                item["Key"] != key
                and not key.endswith("/")
                and not item["Key"].startswith(key + "/")
            ):
                continue
            target = root / item["Key"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(run.s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
    return str(root / key)


def _reading_s3(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def read(self: Any, path: Any = None, *args: Any, **kwargs: Any) -> Any:
        run = current()
        if isinstance(path, list | tuple):
            path = [_mirrored(run, p) for p in path]
        else:
            path = _mirrored(run, path)
        return method(self, path, *args, **kwargs)

    return read


@contextlib.contextmanager
def spark_reads_s3() -> Iterator[None]:
    """Spark's DataFrameReader opens `s3://` paths of the current run's S3, as in Glue."""
    from pyspark.sql.readwriter import DataFrameReader

    originals = {name: getattr(DataFrameReader, name) for name in _READER_METHODS}
    for name, method in originals.items():
        setattr(DataFrameReader, name, _reading_s3(method))
    try:
        yield
    finally:
        for name, method in originals.items():
            setattr(DataFrameReader, name, method)
