"""The warehouse load a pipeline runs after its Glue job: every pending COPY manifest (one per
Glue run that wrote files) is loaded by one polled Redshift Data API statement, then deleted.

The statement takes the manifest's key as the Data API parameter `manifest` (a bound
parameter, never text spliced into SQL).

One manifest's failure never stops the others: each item of the Map ends with an outcome
(`loaded`, `loaded-elsewhere`, `failed`, `dead-lettered`; see load_outcome_steps.py), the Map
goes on with the next manifest, and when any item `failed`, every item's outcome (the failed ones
with their attempt count and reason) goes to NotifyFailure. A failed load leaves its manifest
pending for the next execution, with one attempt record more; after `max_attempts` records it
moves to the dead-letter prefix. The warehouse's SQL makes loading a manifest twice, or out of
order, harmless. Two executions can list the same pending manifest (a burst of files runs the
job twice in a row); when one has loaded and removed it, the other's COPY fails on the missing
manifest. A failed load whose manifest is gone is therefore work done by another execution, not
a failure.
"""

from __future__ import annotations

from components.pipelines.asl.fields import ALL_ERRORS, Catcher, JsonValue
from components.pipelines.asl.load_outcome_steps import (
    FAILED_OUTCOME,
    HAS_LOAD_COUNTS,
    LOAD_FAILED,
    RECORD_LOAD_FAILURE,
    failed_load_states,
    loaded_states,
)
from components.pipelines.asl.manifest_load import MANIFEST_PARAMETER, ManifestLoad
from components.pipelines.asl.pipeline_tasks import (
    _API_TIMEOUT_SECONDS,
    DATA_API_RETRY_ERRORS,
    NOTIFY_FAILURE,
    S3_RETRY_ERRORS,
    _backoff,
    _error_marker,
    _guarded_task,
    integration_arn,
)
from components.pipelines.asl.states import Choice, ChoiceRule, Map, Pass, State, Task, Wait

LIST_PENDING_LOADS = "ListPendingLoads"
HAS_PENDING_LOADS = "HasPendingLoads"
LOAD_PENDING_MANIFESTS = "LoadPendingManifests"
ANY_LOAD_FAILED = "AnyLoadFailed"
REPORT_FAILED_LOADS = "ReportFailedLoads"
LOAD_WAREHOUSE = "LoadWarehouse"
REMOVE_LOADED_MANIFEST = "RemoveLoadedManifest"
CHECK_MANIFEST_PENDING = "CheckManifestPending"
IS_MANIFEST_PENDING = "IsManifestPending"
LOADED_ELSEWHERE = "LoadedByAnotherExecution"
LOADS = "$.loads"
"""Where the Map leaves each manifest's outcome (`items`) and whether any load failed."""

_LOAD_STATEMENT = "$.loadStatement"
_LOAD_STATUS = "$.loadStatus"
_LOAD_POLL = "$.loadPoll"


def manifest_load_states(load: ManifestLoad, after: str, partition: str) -> dict[str, State]:
    """List the pending manifests, and when there are any, load each in a Map, then `after`; a
    manifest whose load failed (and stays pending) is reported through NotifyFailure."""
    s3_sdk = integration_arn(partition, "aws-sdk:s3")
    has_pending = ChoiceRule(
        variable="$.pendingLoads.KeyCount",
        operator="NumericGreaterThan",
        value=0,
        next=LOAD_PENDING_MANIFESTS,
    )
    any_failed = ChoiceRule(
        variable=f"{LOADS}.anyFailed",
        operator="BooleanEquals",
        value=True,
        next=REPORT_FAILED_LOADS,
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
            result_selector={
                "items.$": "$",
                "anyFailed.$": f"States.ArrayContains($[*].outcome, '{FAILED_OUTCOME}')",
            },
            result_path=LOADS,
            catch=(
                Catcher(error_equals=(ALL_ERRORS,), next=NOTIFY_FAILURE, result_path="$.error"),
            ),
            next=ANY_LOAD_FAILED,
        ),
        ANY_LOAD_FAILED: Choice(choices=(any_failed,), default=after),
        REPORT_FAILED_LOADS: Pass(
            parameters={
                "Error": LOAD_FAILED,
                "Cause.$": f"States.JsonToString({LOADS}.items)",
            },
            result_path="$.error",
            next=NOTIFY_FAILURE,
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
            next_state=HAS_LOAD_COUNTS,
            retry=_backoff(S3_RETRY_ERRORS, interval=5, attempts=3, cap=60),
            timeout_seconds=_API_TIMEOUT_SECONDS,
            on_error=RECORD_LOAD_FAILURE,
        ),
        **loaded_states(load, partition),
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
            parameters={"manifest.$": "$.manifest", "outcome": "loaded-elsewhere"},
            end=True,
        ),
        **failed_load_states(load, partition),
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
