"""The warehouse load a pipeline runs after its Glue job: every pending COPY manifest (one per
Glue run that wrote files) is loaded by one polled Redshift Data API statement, then deleted.

The statement takes the manifest's key as the Data API parameter `manifest` (a bound
parameter, never text spliced into SQL).

A manifest left behind by a failed load stays pending and is loaded by the next execution; the
warehouse's SQL makes loading a manifest twice, or out of order, harmless. Two executions can
list the same pending manifest (a burst of files runs the job twice in a row); when one has
loaded and removed it, the other's COPY fails on the missing manifest. A failed load whose
manifest is gone is therefore work done by another execution, not a failure. Inside the Map
every other failure ends at LoadFailed, whose Error and Cause the Map's Catch hands to
NotifyFailure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from components.pipelines.asl.fields import ALL_ERRORS, Catcher, JsonValue
from components.pipelines.asl.pipeline_tasks import (
    _API_TIMEOUT_SECONDS,
    NOTIFY_FAILURE,
    _backoff,
    _error_marker,
    _guarded_task,
    integration_arn,
)
from components.pipelines.asl.states import (
    Choice,
    ChoiceRule,
    Fail,
    Map,
    Pass,
    State,
    Task,
    Wait,
)

LIST_PENDING_LOADS = "ListPendingLoads"
HAS_PENDING_LOADS = "HasPendingLoads"
LOAD_PENDING_MANIFESTS = "LoadPendingManifests"
LOAD_WAREHOUSE = "LoadWarehouse"
REMOVE_LOADED_MANIFEST = "RemoveLoadedManifest"
CHECK_MANIFEST_PENDING = "CheckManifestPending"
IS_MANIFEST_PENDING = "IsManifestPending"
LOADED_ELSEWHERE = "LoadedByAnotherExecution"
RECORD_LOAD_FAILURE = "RecordLoadFailure"
LOAD_FAILED = "LoadFailed"
MANIFEST_PARAMETER = "manifest"
"""The Data API parameter that carries the manifest's key to the load statement."""

DATA_API_RETRY_ERRORS = (
    "RedshiftData.ActiveStatementsExceededException",
    "RedshiftData.ActiveSessionsExceededException",
    "RedshiftData.InternalServerException",
    "RedshiftData.DatabaseConnectionException",
    "States.Timeout",
)
S3_RETRY_ERRORS = ("S3.S3Exception", "States.Timeout")
_LOAD_STATEMENT = "$.loadStatement"
_LOAD_STATUS = "$.loadStatus"
_LOAD_POLL = "$.loadPoll"


@dataclass(frozen=True, kw_only=True)
class ManifestLoad:
    """Load the manifests under `s3://bucket/prefix` with `sql`, one statement per manifest.

    `sql` runs on `target` with the manifest's key as parameter `:manifest`. At most
    `max_manifests` are loaded per execution (the rest wait for the next one), one at a time.
    """

    bucket: str
    prefix: str
    target: Mapping[str, str]
    sql: str
    statement_name: str
    poll_seconds: int = 15
    max_polls: int = 240
    max_manifests: int = 100

    def __post_init__(self) -> None:
        if self.poll_seconds < 1 or self.max_polls < 1 or not 1 <= self.max_manifests <= 1000:
            raise ValueError("ManifestLoad needs poll_seconds, max_polls >= 1, 1-1000 manifests")
        if f":{MANIFEST_PARAMETER}" not in self.sql or not self.prefix.endswith("/"):
            raise ValueError(
                f"ManifestLoad needs SQL taking :{MANIFEST_PARAMETER} and a prefix ending in '/'"
            )


def manifest_load_states(load: ManifestLoad, after: str, partition: str) -> dict[str, State]:
    """List the pending manifests, and when there are any, load each in a Map, then `after`."""
    s3_sdk = integration_arn(partition, "aws-sdk:s3")
    has_pending = ChoiceRule(
        variable="$.pendingLoads.KeyCount",
        operator="NumericGreaterThan",
        value=0,
        next=LOAD_PENDING_MANIFESTS,
    )
    return {
        LIST_PENDING_LOADS: _guarded_task(
            f"{s3_sdk}:listObjectsV2",
            {"Bucket": load.bucket, "Prefix": load.prefix, "MaxKeys": load.max_manifests},
            next_state=HAS_PENDING_LOADS,
            retry=_backoff(S3_RETRY_ERRORS, interval=5, attempts=3, cap=60),
            timeout_seconds=_API_TIMEOUT_SECONDS,
            result_path="$.pendingLoads",
        ),
        HAS_PENDING_LOADS: Choice(choices=(has_pending,), default=after),
        LOAD_PENDING_MANIFESTS: Map(
            items_path="$.pendingLoads.Contents",
            item_selector={"manifest.$": "$$.Map.Item.Value.Key"},
            max_concurrency=1,
            start_at=LOAD_WAREHOUSE,
            states=_processor_states(load, partition),
            result_path=None,
            catch=(
                Catcher(error_equals=(ALL_ERRORS,), next=NOTIFY_FAILURE, result_path="$.error"),
            ),
            next=after,
        ),
    }


def _processor_states(load: ManifestLoad, partition: str) -> dict[str, State]:
    data_api = integration_arn(partition, "aws-sdk:redshiftdata")
    retry = _backoff(DATA_API_RETRY_ERRORS, interval=5, attempts=4, cap=120)
    parameters: dict[str, JsonValue] = {
        **load.target,
        "Sql": load.sql,
        "Parameters": [{"Name": MANIFEST_PARAMETER, "Value.$": "$.manifest"}],
        "StatementName": load.statement_name[:500],
    }
    return {
        LOAD_WAREHOUSE: _guarded_task(
            f"{data_api}:executeStatement",
            parameters,
            next_state=f"{LOAD_WAREHOUSE}InitPoll",
            retry=retry,
            timeout_seconds=_API_TIMEOUT_SECONDS,
            result_path=_LOAD_STATEMENT,
            on_error=RECORD_LOAD_FAILURE,
        ),
        f"{LOAD_WAREHOUSE}InitPoll": Pass(
            result={"Attempts": 1}, result_path=_LOAD_POLL, next=f"{LOAD_WAREHOUSE}Wait"
        ),
        f"{LOAD_WAREHOUSE}Wait": Wait(seconds=load.poll_seconds, next=f"{LOAD_WAREHOUSE}Describe"),
        f"{LOAD_WAREHOUSE}Describe": _guarded_task(
            f"{data_api}:describeStatement",
            {"Id.$": f"{_LOAD_STATEMENT}.Id"},
            next_state=f"{LOAD_WAREHOUSE}Check",
            retry=retry,
            timeout_seconds=_API_TIMEOUT_SECONDS,
            result_path=_LOAD_STATUS,
            on_error=RECORD_LOAD_FAILURE,
        ),
        **_poll_decisions(load),
        REMOVE_LOADED_MANIFEST: _guarded_task(
            integration_arn(partition, "aws-sdk:s3:deleteObject"),
            {"Bucket": load.bucket, "Key.$": "$.manifest"},
            next_state=f"{REMOVE_LOADED_MANIFEST}Done",
            retry=_backoff(S3_RETRY_ERRORS, interval=5, attempts=3, cap=60),
            timeout_seconds=_API_TIMEOUT_SECONDS,
            on_error=RECORD_LOAD_FAILURE,
        ),
        f"{REMOVE_LOADED_MANIFEST}Done": Pass(result_path=None, end=True),
        # Only a successful load removes a manifest: a failed load of a removed one was a repeat.
        # Its own error is kept apart: the load's error at $.error is what gets reported.
        CHECK_MANIFEST_PENDING: Task(
            resource=integration_arn(partition, "aws-sdk:s3:listObjectsV2"),
            parameters={"Bucket": load.bucket, "Prefix.$": "$.manifest", "MaxKeys": 1},
            result_selector={"KeyCount.$": "$.KeyCount"},
            result_path="$.manifestPending",
            timeout_seconds=_API_TIMEOUT_SECONDS,
            retry=(_backoff(S3_RETRY_ERRORS, interval=5, attempts=3, cap=60),),
            catch=(
                Catcher(
                    error_equals=(ALL_ERRORS,),
                    next=RECORD_LOAD_FAILURE,
                    result_path="$.manifestCheckError",
                ),
            ),
            next=IS_MANIFEST_PENDING,
        ),
        IS_MANIFEST_PENDING: Choice(
            choices=(
                ChoiceRule(
                    variable="$.manifestPending.KeyCount",
                    operator="NumericEquals",
                    value=0,
                    next=LOADED_ELSEWHERE,
                ),
            ),
            default=RECORD_LOAD_FAILURE,
        ),
        LOADED_ELSEWHERE: Pass(
            comment="Another execution loaded this manifest and removed it.",
            result_path=None,
            end=True,
        ),
        # A fixed error name: names starting with "States." cannot be raised by a Fail state, so
        # the original error travels in the cause.
        RECORD_LOAD_FAILURE: Pass(
            parameters={"Cause.$": "States.Format('{}: {}', $.error.Error, $.error.Cause)"},
            result_path="$.failure",
            next=LOAD_FAILED,
        ),
        LOAD_FAILED: Fail(error=LOAD_FAILED, cause_path="$.failure.Cause"),
    }


def _poll_decisions(load: ManifestLoad) -> dict[str, State]:
    """Move on when FINISHED, record the error on FAILED/ABORTED or too many polls, else poll."""
    name, status = LOAD_WAREHOUSE, f"{_LOAD_STATUS}.Status"

    def on_status(value: str, target: str) -> ChoiceRule:
        return ChoiceRule(variable=status, operator="StringEquals", value=value, next=target)

    exhausted = ChoiceRule(
        variable=f"{_LOAD_POLL}.Attempts",
        operator="NumericGreaterThanEquals",
        value=load.max_polls,
        next=f"{name}PollLimit",
    )
    failed = tuple(on_status(value, f"{name}Failed") for value in ("FAILED", "ABORTED"))
    return {
        f"{name}Check": Choice(
            choices=(on_status("FINISHED", REMOVE_LOADED_MANIFEST), *failed, exhausted),
            default=f"{name}CountPoll",
        ),
        f"{name}CountPoll": Pass(
            parameters={"Attempts.$": f"States.MathAdd({_LOAD_POLL}.Attempts, 1)"},
            result_path=_LOAD_POLL,
            next=f"{name}Wait",
        ),
        # The whole status response is the cause: its Error field is absent for some statuses.
        f"{name}Failed": Pass(
            parameters={
                "Error": f"{name}Failed",
                "Cause.$": f"States.JsonToString({_LOAD_STATUS})",
            },
            result_path="$.error",
            next=CHECK_MANIFEST_PENDING,
        ),
        f"{name}PollLimit": _error_marker(
            f"{name}PollLimitReached",
            f"{name} still running after {load.max_polls} polls of {load.poll_seconds}s",
            on_error=RECORD_LOAD_FAILURE,
        ),
    }
