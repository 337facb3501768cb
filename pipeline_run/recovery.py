"""Putting data that was held back through a pipeline again, each piece once: release a held batch,
replay a quarantined file or a dead-lettered manifest after its cause is fixed, backfill the files
under a prefix. It speaks only through `s3` and `stepfunctions` clients, so the same code works
on a deployed stack and on the emulated one.

A batch or a manifest is moved (copied, then removed) to the pending manifests and loaded at once
by an execution that only loads (`load_only` in its input); the load's upsert keeps one row per
key however often a manifest loads. A quarantined file is moved back under the pipeline's prefix
under a name of its own (`<name>.replayed-<UTC time><extension>`): the ingestion function names
an execution after bucket, key and ETag, so the original key would name the execution that
already ran, and the Glue job's record of read files would skip it. Backfilled files are copied
under the pipeline's prefix with their path below PREFIX; a file already there with the same
content is skipped. S3's events start the executions of landed files, as for any file; a
scheduled pipeline is started as its schedule would.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from components.pipelines.asl import LOAD_ONLY_INPUT
from pipeline_run.deployment import PipelineDeployment
from pipeline_run.driver import TERMINAL, ExecutionOutcome, PipelineDriver
from runtime.glue.etl_job import split_s3_url
from runtime.ingest.handler import execution_arn, execution_name
from stack_config.pipelines import PLATFORM_RAW_ROOTS

LOADED = frozenset({"loaded", "loaded-elsewhere"})


class RecoveryError(LookupError):
    """What was asked for is not there (nothing held, no such file or manifest, a bad prefix)."""


@dataclass
class FileReport:
    """One landed file and what its execution did with it."""

    source: str
    landed: str
    status: str = "NOT STARTED"
    execution: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "SUCCEEDED"


@dataclass
class RecoveryReport:
    """What one command moved, started and loaded."""

    command: str
    pipeline: str
    moved: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    files: list[FileReport] = field(default_factory=list)
    execution: str | None = None
    status: str | None = None
    loads: list[dict[str, Any]] = field(default_factory=list)
    failure: str | None = None

    @property
    def ok(self) -> bool:
        if self.status is not None and self.status != "SUCCEEDED":
            return False
        return self.failure is None and all(f.ok for f in self.files)


@dataclass
class Recovery:
    """The commands, for one deployed pipeline. `deliver` stands in for EventBridge where
    nothing delivers S3's events (the emulation); in AWS it is None."""

    pipeline: PipelineDeployment
    s3: Any
    sfn: Any
    deliver: Callable[[], object] | None = None
    timeout: float = 1800.0
    poll_seconds: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    @property
    def _settings(self) -> Any:
        return self.pipeline.settings

    # -- held batches and dead-lettered manifests ---------------------------------------------

    def release(self, run_id: str | None) -> RecoveryReport:
        """Move a held batch's manifest to the pending ones and load it."""
        held = self._settings.held_prefix
        key = self._one_manifest(held, run_id, ("held batch", "held batches"), "RUN")
        return self._load_now("release", self._move(key, held))

    def replay_manifest(self, run_id: str) -> RecoveryReport:
        """Forget a dead-lettered manifest's failed attempts, move it back to the pending ones and
        load it."""
        dead = self._settings.dead_letter_prefix
        key = self._one_manifest(
            dead, run_id, ("dead-lettered manifest", "dead-lettered manifests"), "MANIFEST"
        )
        name = key.removeprefix(dead)
        attempts = self._list(
            self.pipeline.curated_bucket, f"{self._settings.load_attempts_prefix}{name}/"
        )
        for attempt in attempts:
            self.s3.delete_object(Bucket=self.pipeline.curated_bucket, Key=attempt)
        return self._load_now("replay", self._move(key, dead))

    def _one_manifest(
        self, prefix: str, run_id: str | None, names: tuple[str, str], option: str
    ) -> str:
        """The key of the manifest `run_id` under `prefix`, or of the only one there."""
        what, whats = names
        found = [k for k in self._list(self.pipeline.curated_bucket, prefix) if k.endswith(".json")]
        runs = [PurePosixPath(k).stem for k in found]
        if run_id is not None:
            key = f"{prefix}{run_id.removesuffix('.json')}.json"
            if key not in found:
                listed = ", ".join(runs) or "none"
                raise RecoveryError(
                    f"{self.pipeline.name} has no {what} {run_id}; there are: {listed}"
                )
            return key
        if not found:
            where = f"s3://{self.pipeline.curated_bucket}/{prefix}"
            raise RecoveryError(f"{self.pipeline.name} has no {what} (nothing under {where})")
        if len(found) > 1:
            raise RecoveryError(
                f"{self.pipeline.name} has {len(found)} {whats} ({', '.join(runs)}): name one"
                f" with {option}=<run id>"
            )
        return found[0]

    def _move(self, key: str, prefix: str) -> str:
        bucket = self.pipeline.curated_bucket
        pending = f"{self._settings.manifest_prefix}{key.removeprefix(prefix)}"
        self.s3.copy_object(Bucket=bucket, Key=pending, CopySource={"Bucket": bucket, "Key": key})
        self.s3.delete_object(Bucket=bucket, Key=key)
        return pending

    def _load_now(self, command: str, manifest: str) -> RecoveryReport:
        report = RecoveryReport(command, self.pipeline.name, moved=[manifest])
        if self.pipeline.load_sql is None:
            report.failure = f"{self.pipeline.name} has no warehouse load; {manifest} stays pending"
            return report
        started = self.sfn.start_execution(
            stateMachineArn=self.pipeline.state_machine_arn,
            name=f"{command}-{uuid.uuid4().hex[:20]}",
            input=json.dumps(
                {LOAD_ONLY_INPUT: {"requested_by": f"make {command}", "manifest": manifest}}
            ),
        )
        outcome = self._wait(str(started["executionArn"]))
        report.execution, report.status = outcome.arn, outcome.status
        report.loads = list(outcome.loads)
        mine = [item for item in outcome.loads if item.get("manifest") == manifest]
        if not mine or mine[0].get("outcome") not in LOADED:
            reason = mine[0].get("reason") if mine else "the execution did not load it"
            report.failure = f"{manifest} was not loaded: {reason}"
        return report

    # -- files ---------------------------------------------------------------------------------

    def replay_file(self, key: str) -> RecoveryReport:
        """Move a quarantined file back under the pipeline's prefix, under a name of its own."""
        quarantine, bucket = self._settings.quarantine_prefix, self.pipeline.raw_bucket
        key = key if key.startswith(quarantine) else f"{quarantine}{key}"
        if not self._exists(bucket, key):
            raise RecoveryError(f"{self.pipeline.name} has no quarantined file s3://{bucket}/{key}")
        path = PurePosixPath(key.removeprefix(quarantine))
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        name = f"{path.name.split('.', 1)[0]}.replayed-{stamp}{''.join(path.suffixes)}"
        target = f"{self._settings.source_prefix}{path.with_name(name)}"
        report = RecoveryReport("replay", self.pipeline.name)
        self._copy(bucket, key, target, {"replay-of": key})
        self.s3.delete_object(Bucket=bucket, Key=key)
        report.moved.append(target)
        report.files = self._follow([(f"s3://{bucket}/{key}", target)])
        return report

    def backfill(self, prefix: str) -> RecoveryReport:
        """Copy every file under `prefix` (of the raw bucket, or an s3:// URL) under the
        pipeline's prefix, keeping its path below `prefix`, and follow each through."""
        bucket, folder = self._backfill_source(prefix)
        sources = [k for k in self._list(bucket, folder) if not k.endswith("/")]
        if not sources:
            raise RecoveryError(f"nothing to backfill under s3://{bucket}/{folder}")
        report = RecoveryReport("backfill", self.pipeline.name)
        landed: list[tuple[str, str]] = []
        for key in sources:
            target = f"{self._settings.source_prefix}{key.removeprefix(folder)}"
            if self._etag(self.pipeline.raw_bucket, target) == self._etag(bucket, key):
                report.skipped.append(target)  # already landed: its rows are there or on the way
                continue
            self._copy(bucket, key, target, {"backfill-of": f"s3://{bucket}/{key}"})
            report.moved.append(target)
            landed.append((f"s3://{bucket}/{key}", target))
        report.files = self._follow(landed)
        return report

    def _backfill_source(self, prefix: str) -> tuple[str, str]:
        bucket, folder = (
            split_s3_url(prefix)
            if prefix.startswith("s3://")
            else (self.pipeline.raw_bucket, prefix)
        )
        if not folder.endswith("/"):
            raise RecoveryError(f"PREFIX {prefix!r} must end in '/' (a folder)")
        if bucket == self.pipeline.raw_bucket:
            owned = (self._settings.source_prefix, *PLATFORM_RAW_ROOTS)
            inside = [p for p in owned if folder.startswith(p) or p.startswith(folder)]
            if inside:
                raise RecoveryError(
                    f"PREFIX {prefix!r} overlaps {inside[0]}: files under the pipeline's prefix are"
                    " read already, quarantined ones are replayed (make replay FILE=...)"
                )
        return bucket, folder

    def _copy(self, bucket: str, key: str, target: str, metadata: dict[str, str]) -> None:
        # A managed copy: a single CopyObject cannot copy objects over 5 GB.
        self.s3.copy(
            {"Bucket": bucket, "Key": key},
            self.pipeline.raw_bucket,
            target,
            ExtraArgs={"Metadata": metadata, "MetadataDirective": "REPLACE"},
        )

    def _follow(self, landed: Sequence[tuple[str, str]]) -> list[FileReport]:
        """Each landed file's execution to its end (one scheduled run for a scheduled pipeline)."""
        if not landed:
            return []
        if self.deliver is not None:
            self.deliver()
        reports = [
            FileReport(source, f"s3://{self.pipeline.raw_bucket}/{key}") for source, key in landed
        ]
        if self.pipeline.scheduled:
            outcome = self._wait(PipelineDriver(self.pipeline, self.s3, self.sfn).start_scheduled())
            for report in reports:
                self._record(report, outcome)
            return reports
        for report, (_, key) in zip(reports, landed, strict=True):
            arn = self._execution_of(key)
            if arn is None:
                report.status, report.detail = self._not_started(key)
            else:
                self._record(report, self._wait(arn))
        return reports

    def _execution_of(self, key: str) -> str | None:
        """The execution the ingestion function starts for `key`, once it exists."""
        etag = self._etag(self.pipeline.raw_bucket, key)
        if etag is None:
            return None  # moved to quarantine already
        arn = execution_arn(
            self.pipeline.state_machine_arn, execution_name(self.pipeline.raw_bucket, key, etag)
        )
        deadline = self.clock() + self.timeout
        while True:
            try:
                self.sfn.describe_execution(executionArn=arn)
                return arn
            except self.sfn.exceptions.ExecutionDoesNotExist:
                if self.clock() > deadline or not self._exists(self.pipeline.raw_bucket, key):
                    return None
                self.sleep(self.poll_seconds)

    def _not_started(self, key: str) -> tuple[str, str]:
        quarantined = self._settings.quarantine_prefix + key.removeprefix(
            self._settings.source_prefix
        )
        if self._exists(self.pipeline.raw_bucket, quarantined):
            return (
                "QUARANTINED",
                f"the ingestion function quarantined it: s3://{self.pipeline.raw_bucket}/{quarantined}",
            )
        return "NOT STARTED", "no execution started for it (see the ingestion function's log)"

    def _record(self, report: FileReport, outcome: ExecutionOutcome) -> None:
        report.execution, report.status = outcome.arn, outcome.status
        if outcome.failure is not None:
            report.detail = f"failed at {outcome.failure.state}: {outcome.failure.summary}"
        elif outcome.visited("HandedOverToQueuedRun"):
            report.detail = "handed over to a queued Glue run"

    # -- S3 and Step Functions -------------------------------------------------------------------

    def _wait(self, arn: str) -> ExecutionOutcome:
        deadline = self.clock() + self.timeout
        while self.sfn.describe_execution(executionArn=arn)["status"] not in TERMINAL:
            if self.clock() > deadline:
                break
            self.sleep(self.poll_seconds)
        return PipelineDriver(self.pipeline, self.s3, self.sfn).wait(arn, 0)

    def _list(self, bucket: str, prefix: str) -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def _etag(self, bucket: str, key: str) -> str | None:
        try:
            return str(self.s3.head_object(Bucket=bucket, Key=key)["ETag"]).strip('"')
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def _exists(self, bucket: str, key: str) -> bool:
        return self._etag(bucket, key) is not None
