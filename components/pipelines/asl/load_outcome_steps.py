"""What becomes of one manifest once its load statement has ended; every path ends in a Pass that
states the manifest's outcome, so the Map goes on with the next manifest whatever happened.

Loaded: the load's counts are read when the statement returned them (the load procedure's OUT
parameters: one row of staged, inserted, replaced, ignored_older), and the load metrics are put
(best effort: a load that succeeded stays a success when CloudWatch does not answer).

Failed: one attempt record is written per execution, `<attempts prefix><manifest file>/<execution
name>`, holding the error. Counting is a listing of that prefix: a retried write within one
execution replaces its own record, so an execution counts once, and no number has to be parsed.
When the records reach `max_attempts`, the manifest moves to the dead-letter prefix (copied, then
deleted); otherwise it stays pending for the next execution. Only when the failure path itself
cannot write to S3 does the item fail (LoadFailed), which stops the Map.
"""

from __future__ import annotations

from components.pipelines.asl.fields import ALL_ERRORS, Catcher, JsonValue
from components.pipelines.asl.manifest_load import ManifestLoad
from components.pipelines.asl.pipeline_tasks import (
    _API_TIMEOUT_SECONDS,
    DATA_API_RETRY_ERRORS,
    S3_RETRY_ERRORS,
    _backoff,
    _guarded_task,
    integration_arn,
)
from components.pipelines.asl.states import Choice, ChoiceRule, Fail, Pass, State, Task
from stack_config.pipelines import METRICS_DIMENSION, METRICS_NAMESPACE

RECORD_LOAD_FAILURE = "RecordLoadFailure"
RECORD_LOAD_ATTEMPT = "RecordLoadAttempt"
COUNT_LOAD_ATTEMPTS = "CountLoadAttempts"
IS_ATTEMPT_LIMIT_REACHED = "IsAttemptLimitReached"
LOAD_TO_BE_RETRIED = "LoadToBeRetried"
DEAD_LETTER_MANIFEST = "DeadLetterManifest"
REMOVE_DEAD_LETTERED_MANIFEST = "RemoveDeadLetteredManifest"
COUNT_DEAD_LETTER = "CountDeadLetter"
MANIFEST_DEAD_LETTERED = "ManifestDeadLettered"
LOAD_FAILED = "LoadFailed"
HAS_LOAD_COUNTS = "HasLoadCounts"
GET_LOAD_COUNTS = "GetLoadCounts"
ARE_LOAD_COUNTS_READABLE = "AreLoadCountsReadable"
READ_LOAD_COUNTS = "ReadLoadCounts"
PUT_LOAD_METRICS = "PutLoadMetrics"
PUT_LOAD_SUCCEEDED = "PutLoadSucceeded"
MANIFEST_LOADED = "ManifestLoaded"
MANIFEST_LOADED_UNCOUNTED = "ManifestLoadedUncounted"

LOADED_OUTCOME, FAILED_OUTCOME, DEAD_LETTERED_OUTCOME = "loaded", "failed", "dead-lettered"
LOAD_COUNTS = ("staged", "inserted", "replaced", "ignored_older")
"""The columns of the one-row result of the load statement, in order."""
LOAD_COUNT_METRICS = ("RowsStaged", "RowsInserted", "RowsReplaced", "RowsIgnoredOlder")
LOADS_SUCCEEDED_METRIC = "LoadsSucceeded"
DEAD_LETTERED_METRIC = "ManifestsDeadLettered"
# The last segment of the manifest's key (its file name), with intrinsics only.
_SEGMENTS = "States.StringSplit($.manifest, '/')"
_MANIFEST_FILE = (
    f"States.ArrayGetItem({_SEGMENTS}, States.MathAdd(States.ArrayLength({_SEGMENTS}), -1))"
)
_METRIC_RETRY = _backoff((ALL_ERRORS,), interval=2, attempts=3, cap=30)


def failed_load_states(load: ManifestLoad, partition: str) -> dict[str, State]:
    """Record the failed attempt, then leave the manifest pending or move it to dead letter."""
    s3_sdk = integration_arn(partition, "aws-sdk:s3")
    s3_retry = _backoff(S3_RETRY_ERRORS, interval=5, attempts=3, cap=60)
    attempts = f"{load.attempts_prefix}{{}}/"
    reached = ChoiceRule(
        variable="$.attempts.count",
        operator="NumericGreaterThanEquals",
        value=load.max_attempts,
        next=DEAD_LETTER_MANIFEST,
    )

    def s3_task(action: str, parameters: dict[str, JsonValue], next_state: str) -> Task:
        return _guarded_task(
            f"{s3_sdk}:{action}",
            {"Bucket": load.bucket, **parameters},
            next_state=next_state,
            retry=s3_retry,
            timeout_seconds=_API_TIMEOUT_SECONDS,
            on_error=LOAD_FAILED,
        )

    return {
        # A fixed error name: names starting with "States." cannot be raised by a Fail state, so
        # the original error travels in the cause.
        RECORD_LOAD_FAILURE: Pass(
            parameters={
                "Cause.$": "States.Format('{}: {}', $.error.Error, $.error.Cause)",
                "file.$": _MANIFEST_FILE,
            },
            result_path="$.failure",
            next=RECORD_LOAD_ATTEMPT,
        ),
        RECORD_LOAD_ATTEMPT: s3_task(
            "putObject",
            {
                "Key.$": f"States.Format('{attempts}{{}}', $.failure.file, $$.Execution.Name)",
                "Body.$": "$.failure.Cause",
                "ContentType": "text/plain; charset=utf-8",
            },
            COUNT_LOAD_ATTEMPTS,
        ),
        COUNT_LOAD_ATTEMPTS: Task(
            resource=f"{s3_sdk}:listObjectsV2",
            parameters={
                "Bucket": load.bucket,
                "Prefix.$": f"States.Format('{attempts}', $.failure.file)",
            },
            result_selector={"count.$": "$.KeyCount"},
            result_path="$.attempts",
            timeout_seconds=_API_TIMEOUT_SECONDS,
            retry=(s3_retry,),
            catch=(Catcher(error_equals=(ALL_ERRORS,), next=LOAD_FAILED, result_path="$.error"),),
            next=IS_ATTEMPT_LIMIT_REACHED,
        ),
        IS_ATTEMPT_LIMIT_REACHED: Choice(choices=(reached,), default=LOAD_TO_BE_RETRIED),
        LOAD_TO_BE_RETRIED: _outcome(FAILED_OUTCOME, load),
        DEAD_LETTER_MANIFEST: s3_task(
            "copyObject",
            {
                "CopySource.$": f"States.Format('{load.bucket}/{{}}', $.manifest)",
                "Key.$": f"States.Format('{load.dead_letter_prefix}{{}}', $.failure.file)",
            },
            REMOVE_DEAD_LETTERED_MANIFEST,
        ),
        REMOVE_DEAD_LETTERED_MANIFEST: s3_task(
            "deleteObject", {"Key.$": "$.manifest"}, COUNT_DEAD_LETTER
        ),
        COUNT_DEAD_LETTER: _put_metrics(
            load, {DEAD_LETTERED_METRIC: 1}, MANIFEST_DEAD_LETTERED, partition
        ),
        MANIFEST_DEAD_LETTERED: _outcome(DEAD_LETTERED_OUTCOME, load),
        # The failure path could not record the attempt: the Map stops, NotifyFailure reports it.
        LOAD_FAILED: Fail(error=LOAD_FAILED, cause_path="$.error.Cause"),
    }


def loaded_states(load: ManifestLoad, partition: str) -> dict[str, State]:
    """Read the load's counts when the statement returned them, put the load metrics, end."""
    has_counts = ChoiceRule(
        variable="$.loadStatus.HasResultSet",
        operator="BooleanEquals",
        value=True,
        next=GET_LOAD_COUNTS,
    )
    readable = ChoiceRule(
        variable=f"$.loadResult.row[{len(LOAD_COUNTS) - 1}].LongValue",
        operator="IsPresent",
        value=True,
        next=READ_LOAD_COUNTS,
    )
    counted: dict[str, JsonValue] = {LOADS_SUCCEEDED_METRIC: 1}
    counted |= {
        metric: f"$.loadCounts.{count}"
        for metric, count in zip(LOAD_COUNT_METRICS, LOAD_COUNTS, strict=True)
    }
    return {
        HAS_LOAD_COUNTS: Choice(choices=(has_counts,), default=PUT_LOAD_SUCCEEDED),
        GET_LOAD_COUNTS: Task(
            resource=integration_arn(partition, "aws-sdk:redshiftdata:getStatementResult"),
            parameters={"Id.$": "$.loadStatement.Id"},
            result_selector={"row.$": "$.Records[0]"},
            result_path="$.loadResult",
            timeout_seconds=_API_TIMEOUT_SECONDS,
            retry=(_backoff(DATA_API_RETRY_ERRORS, interval=5, attempts=4, cap=120),),
            # The rows are in the table: counts that cannot be read do not undo the load.
            catch=(
                Catcher(
                    error_equals=(ALL_ERRORS,),
                    next=PUT_LOAD_SUCCEEDED,
                    result_path="$.loadResultError",
                ),
            ),
            next=ARE_LOAD_COUNTS_READABLE,
        ),
        ARE_LOAD_COUNTS_READABLE: Choice(choices=(readable,), default=PUT_LOAD_SUCCEEDED),
        READ_LOAD_COUNTS: Pass(
            parameters={
                f"{count}.$": f"$.loadResult.row[{index}].LongValue"
                for index, count in enumerate(LOAD_COUNTS)
            },
            result_path="$.loadCounts",
            next=PUT_LOAD_METRICS,
        ),
        PUT_LOAD_METRICS: _put_metrics(load, counted, MANIFEST_LOADED, partition),
        PUT_LOAD_SUCCEEDED: _put_metrics(
            load, {LOADS_SUCCEEDED_METRIC: 1}, MANIFEST_LOADED_UNCOUNTED, partition
        ),
        MANIFEST_LOADED: Pass(
            parameters={
                "manifest.$": "$.manifest",
                "outcome": LOADED_OUTCOME,
                "counts.$": "$.loadCounts",
            },
            end=True,
        ),
        MANIFEST_LOADED_UNCOUNTED: Pass(
            parameters={"manifest.$": "$.manifest", "outcome": LOADED_OUTCOME}, end=True
        ),
    }


def _outcome(outcome: str, load: ManifestLoad) -> Pass:
    """The item's result: what happened to which manifest, after how many failed attempts, why."""
    return Pass(
        parameters={
            "manifest.$": "$.manifest",
            "outcome": outcome,
            "attempts.$": "$.attempts.count",
            "max_attempts": load.max_attempts,
            "reason.$": "$.failure.Cause",
        },
        end=True,
    )


def _put_metrics(
    load: ManifestLoad, values: dict[str, JsonValue], next_state: str, partition: str
) -> Task:
    """PutMetricData of `values` (a number, or a path to one) in the pipelines' namespace with
    the pipeline's dimension; a failure is not the load's failure, so every error goes on."""
    dimension: list[JsonValue] = [{"Name": METRICS_DIMENSION, "Value": load.pipeline}]
    data: list[JsonValue] = [
        {
            "MetricName": name,
            ("Value.$" if isinstance(value, str) else "Value"): value,
            "Unit": "Count",
            "Dimensions": dimension,
        }
        for name, value in values.items()
    ]
    return Task(
        resource=integration_arn(partition, "aws-sdk:cloudwatch:putMetricData"),
        parameters={"Namespace": METRICS_NAMESPACE, "MetricData": data},
        result_path=None,
        timeout_seconds=_API_TIMEOUT_SECONDS,
        retry=(_METRIC_RETRY,),
        catch=(Catcher(error_equals=(ALL_ERRORS,), next=next_state, result_path="$.metricsError"),),
        next=next_state,
    )
