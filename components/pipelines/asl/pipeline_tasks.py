"""The data pipeline's state names, retry policy and shared failure path: every guarded Task
retries only its transient errors and sends anything else to NotifyFailure -> PipelineFailed.
"""

from __future__ import annotations

from collections.abc import Mapping

from components.pipelines.asl.fields import ALL_ERRORS, Catcher, JsonValue, Retrier
from components.pipelines.asl.states import Fail, Pass, State, Succeed, Task

START_CRAWLER = "StartCrawler"
INIT_CRAWLER_POLL = "InitCrawlerPoll"
WAIT_FOR_CRAWLER = "WaitForCrawler"
GET_CRAWLER = "GetCrawler"
CHECK_CRAWLER_STATE = "CheckCrawlerState"
COUNT_CRAWLER_POLL = "CountCrawlerPoll"
CRAWLER_POLL_LIMIT = "CrawlerPollLimitReached"
CHECK_CRAWL_RESULT = "CheckCrawlResult"
CRAWL_FAILED = "CrawlFailed"
RUN_GLUE_JOB = "RunGlueJob"
PIPELINE_SUCCEEDED = "PipelineSucceeded"
NOTIFY_FAILURE = "NotifyFailure"
NOTIFY_FAILURE_DIRECTLY = "NotifyFailureDirectly"
EXECUTION_FAILED = "execution-failed"
"""The `kind` of the alert function's payload for a failed execution."""
PIPELINE_FAILED = "PipelineFailed"

# Retry only what a later attempt can fix: throttling, service-side faults and hung API calls
# (States.Timeout on a task bounded to seconds). States.TaskFailed is deliberately absent: a
# failed Glue job run or a missing crawler/topic fails the same way again. The Glue job gets no
# States.Timeout retry either: a run that hit its hours-long timeout should page, not re-run.
GLUE_API_RETRY_ERRORS = (
    "Glue.ThrottlingException",
    "Glue.InternalServiceException",
    "Glue.OperationTimeoutException",
    "States.Timeout",
)
GLUE_JOB_RETRY_ERRORS = (
    "Glue.ConcurrentRunsExceededException",
    "Glue.ThrottlingException",
    "Glue.InternalServiceException",
    "Glue.OperationTimeoutException",
)
SNS_RETRY_ERRORS = ("SNS.InternalErrorException", "SNS.KMSThrottlingException", "States.Timeout")
DATA_API_RETRY_ERRORS = (
    "RedshiftData.ActiveStatementsExceededException",
    "RedshiftData.ActiveSessionsExceededException",
    "RedshiftData.InternalServerException",
    "RedshiftData.DatabaseConnectionException",
    "States.Timeout",
)
S3_RETRY_ERRORS = ("S3.S3Exception", "States.Timeout")
# The errors AWS recommends retrying on a Lambda invocation (Step Functions developer guide,
# "Handle Lambda service exceptions"), and its throttling.
LAMBDA_RETRY_ERRORS = (
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "States.Timeout",
)

_API_TIMEOUT_SECONDS = 60
PARTITIONS = ("aws", "aws-cn", "aws-us-gov")


def integration_arn(partition: str, integration: str) -> str:
    """The Task resource of a Step Functions service integration, e.g. `sns:publish`, in the
    partition the state machine runs in."""
    if partition not in PARTITIONS:
        raise ValueError(f"unknown partition {partition!r}; expected one of {PARTITIONS}")
    return f"arn:{partition}:states:::{integration}"


def _backoff(errors: tuple[str, ...], *, interval: int, attempts: int, cap: int) -> Retrier:
    return Retrier(
        error_equals=errors,
        interval_seconds=interval,
        max_attempts=attempts,
        backoff_rate=2.0,
        max_delay_seconds=cap,
        jitter_strategy="FULL",
    )


def _guarded_task(
    resource: str,
    parameters: Mapping[str, JsonValue],
    *,
    next_state: str,
    retry: Retrier,
    timeout_seconds: int,
    result_path: str | None = None,
    result_selector: Mapping[str, JsonValue] | None = None,
    first_catch: tuple[Catcher, ...] = (),
    on_error: str = NOTIFY_FAILURE,
) -> Task:
    """A Task that retries `retry` and routes every other error, recorded at $.error, to
    `on_error` (NotifyFailure, or a Fail state inside a Map's item processor)."""
    to_failure = Catcher(error_equals=(ALL_ERRORS,), next=on_error, result_path="$.error")
    return Task(
        resource=resource,
        parameters=parameters,
        result_selector=result_selector,
        result_path=result_path,
        timeout_seconds=timeout_seconds,
        retry=(retry,),
        catch=(*first_catch, to_failure),
        next=next_state,
    )


def _error_marker(error: str, cause: str, on_error: str = NOTIFY_FAILURE) -> Pass:
    """Record an error the way a Catch would, so `on_error` reads $.error either way."""
    return Pass(result={"Error": error, "Cause": cause}, result_path="$.error", next=on_error)


def _notify_states(
    pipeline: str,
    topic_arn: str,
    partition: str,
    after_failure: str = PIPELINE_FAILED,
    alert_function_arn: str | None = None,
) -> dict[str, State]:
    """The end states: success is silent (Step Functions records it; its EventBridge events and
    the ExecutionsSucceeded metric report it), a failure is alerted, then goes to
    `after_failure` (PipelineFailed, or a state that ends there).

    With `alert_function_arn`, the alert function writes the alert (the pipeline, the file or
    manifest, the reason in a sentence, what to do) from the execution's input and its error; if
    it cannot be invoked, the failure is published to the topic as it is."""
    sns_publish = integration_arn(partition, "sns:publish")
    sns_retry = _backoff(SNS_RETRY_ERRORS, interval=2, attempts=3, cap=30)
    failure = (
        "States.Format('Execution {} failed with {}: {}', "
        "$$.Execution.Id, $.error.Error, $.error.Cause)"
    )
    publish = Task(
        resource=sns_publish,
        parameters={
            "TopicArn": topic_arn,
            "Subject": f"[{pipeline}] FAILED"[:100],
            "Message.$": failure,
        },
        result_path=None,
        timeout_seconds=_API_TIMEOUT_SECONDS,
        retry=(sns_retry,),
        # Its own failure must not loop back into itself: it fails the execution directly.
        catch=(Catcher(error_equals=(ALL_ERRORS,), next=after_failure),),
        next=after_failure,
    )
    failed = Fail(error="PipelineFailed", cause=f"{pipeline} pipeline failed")
    if alert_function_arn is None:
        return {PIPELINE_SUCCEEDED: Succeed(), NOTIFY_FAILURE: publish, PIPELINE_FAILED: failed}
    return {
        PIPELINE_SUCCEEDED: Succeed(),
        NOTIFY_FAILURE: Task(
            resource=integration_arn(partition, "lambda:invoke"),
            parameters={
                "FunctionName": alert_function_arn,
                "Payload": {
                    "kind": EXECUTION_FAILED,
                    "pipeline": pipeline,
                    "execution.$": "$$.Execution.Id",
                    "input.$": "$$.Execution.Input",
                    "error.$": "$.error",
                },
            },
            result_path=None,
            timeout_seconds=_API_TIMEOUT_SECONDS,
            retry=(_backoff(LAMBDA_RETRY_ERRORS, interval=2, attempts=3, cap=30),),
            catch=(
                Catcher(error_equals=(ALL_ERRORS,), next=NOTIFY_FAILURE_DIRECTLY, result_path=None),
            ),
            next=after_failure,
        ),
        NOTIFY_FAILURE_DIRECTLY: publish,
        PIPELINE_FAILED: failed,
    }
