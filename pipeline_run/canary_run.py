"""One verification run: land every pipeline's canary at once, then follow each to the end.

For a pipeline started by S3 events the execution is the one the ingestion function starts for
the canary (its name derives from bucket, key and ETag); a scheduled pipeline is started as its
rule would start it. Whatever happens, the canary files and the canary partitions are removed
before `run` returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline_run.canary import Key, canary_file
from pipeline_run.canary_objects import CanaryPartition
from pipeline_run.deployment import PipelineDeployment
from pipeline_run.driver import TERMINAL, PipelineDriver, execution_status
from runtime.glue.etl_job import split_s3_url
from runtime.ingest.handler import execution_arn, execution_name
from stack_config.delivery import VerificationSettings


@dataclass(frozen=True)
class Landed:
    """A canary file in a pipeline's raw prefix, and the rows it must deliver."""

    pipeline: PipelineDeployment
    key: str
    version: str | None
    etag: str
    at: datetime
    deadline: float
    keys: frozenset[Key]


@dataclass
class CanaryReport:
    """What one pipeline's verification found."""

    pipeline: str
    landed: str = ""
    status: str = "NOT STARTED"
    seconds: float = 0.0
    failure: str | None = None
    partition: str | None = None
    rows_expected: int | None = None
    rows_found: int = 0
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        arrived = self.rows_expected is None or self.rows_found == self.rows_expected
        return self.status == "SUCCEEDED" and self.failure is None and arrived


@dataclass
class Verifier:
    """Lands, follows, checks and removes the canaries of a set of deployed pipelines."""

    pipelines: Mapping[str, PipelineDeployment]
    s3: Any
    sfn: Any
    settings: VerificationSettings
    run_id: str
    on_landed: Callable[[Landed], None] | None = None
    poll_seconds: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def run(self) -> list[CanaryReport]:
        reports = {name: CanaryReport(name) for name in self.pipelines}
        partitions = {n: self._partition(p) for n, p in self.pipelines.items()}
        landed: dict[str, Landed] = {}
        try:
            for partition in filter(None, partitions.values()):
                partition.remove()  # a previous run's leftovers cannot pass for this run's rows
            for name, pipeline in self.pipelines.items():
                landed[name] = self._land(pipeline, reports[name])
            for name, canary in landed.items():
                self._follow(canary, partitions[name], reports[name])
        finally:
            self._clean(landed, partitions, reports)
        return list(reports.values())

    def _driver(self, pipeline: PipelineDeployment) -> PipelineDriver:
        return PipelineDriver(pipeline, self.s3, self.sfn, self.poll_seconds, self.sleep)

    def _partition(self, pipeline: PipelineDeployment) -> CanaryPartition | None:
        if pipeline.settings.partition_source_column is None:
            return None
        _, prefix = split_s3_url(str(pipeline.job.inputs["defaultArguments"]["--target_path"]))
        canary = self.settings.canary
        _, _, keys = canary_file(pipeline.settings, canary, self.run_id)
        partition = canary.partition(prefix)
        return CanaryPartition(self.s3, pipeline.curated_bucket, partition, pipeline.settings, keys)

    def _land(self, pipeline: PipelineDeployment, report: CanaryReport) -> Landed:
        name, body, keys = canary_file(pipeline.settings, self.settings.canary, self.run_id)
        key = self._driver(pipeline).land(name, body)
        head = self.s3.head_object(Bucket=pipeline.raw_bucket, Key=key)
        deadline = self.clock() + self.settings.timeout_minutes * 60
        canary = Landed(
            pipeline, key, head.get("VersionId"), head["ETag"], head["LastModified"], deadline,
            frozenset(keys),
        )  # fmt: skip
        report.landed = f"s3://{pipeline.raw_bucket}/{key}"
        if self.on_landed is not None:
            self.on_landed(canary)
        return canary

    def _follow(
        self, canary: Landed, partition: CanaryPartition | None, report: CanaryReport
    ) -> None:
        """Wait for the canary's execution, then for its rows in the canary partition."""
        arn = self._execution(canary)
        minutes = self.settings.timeout_minutes
        if arn is None:
            report.failure = (
                f"no execution started for the canary within {minutes} min (the ingestion "
                "function may have rejected it: see its log)"
            )
            return
        while self._status(arn) not in TERMINAL and self.clock() <= canary.deadline:
            self.sleep(self.poll_seconds)
        outcome = self._driver(canary.pipeline).wait(arn, 0)
        report.status, report.seconds = outcome.status, outcome.seconds
        if outcome.failure is not None and outcome.status != "RUNNING":
            failure = outcome.failure
            report.failure = f"{failure.state}: {failure.error}: {failure.summary}"
        elif not outcome.succeeded:
            report.failure = f"the execution did not finish within {minutes} min ({arn})"
        if outcome.succeeded and partition is not None:
            self._rows(canary, partition, report)

    def _status(self, arn: str) -> str:
        return execution_status(self.sfn, arn)

    def _execution(self, canary: Landed) -> str | None:
        pipeline = canary.pipeline
        if pipeline.scheduled:
            return self._driver(pipeline).start_scheduled()
        name = execution_name(pipeline.raw_bucket, canary.key, canary.etag)
        arn = execution_arn(pipeline.state_machine_arn, name)
        while True:
            try:
                execution_status(self.sfn, arn)
                return arn
            except self.sfn.exceptions.ExecutionDoesNotExist:
                if self.clock() > canary.deadline:
                    return None
                self.sleep(self.poll_seconds)

    def _rows(self, canary: Landed, partition: CanaryPartition, report: CanaryReport) -> None:
        """The canary keys found in files written since landing, until all are or time is up."""
        report.partition = f"s3://{partition.bucket}/{partition.prefix}"
        report.rows_expected = len(canary.keys)
        while True:
            found = partition.keys_since(canary.at) & canary.keys
            report.rows_found = len(found)
            if found == canary.keys or self.clock() > canary.deadline:
                break
            self.sleep(self.poll_seconds)
        if found != canary.keys:
            report.failure = f"{len(canary.keys) - len(found)} canary row(s) never arrived"

    def _clean(
        self,
        landed: Mapping[str, Landed],
        partitions: Mapping[str, CanaryPartition | None],
        reports: Mapping[str, CanaryReport],
    ) -> None:
        for name, canary in landed.items():
            pipeline = canary.pipeline
            version = {"VersionId": canary.version} if canary.version else {}
            self.s3.delete_object(Bucket=pipeline.raw_bucket, Key=canary.key, **version)
            reports[name].removed.append(canary.key)
        for name, partition in partitions.items():
            if partition is not None:
                removal = partition.remove()
                reports[name].removed += removal.removed
                reports[name].kept += removal.kept
