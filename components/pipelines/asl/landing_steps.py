"""What a scheduled pipeline checks before it crawls: whether anything landed since its last run.

Every file landing under the pipeline's prefix leaves a message in its landing queue (an
EventBridge rule on S3 "Object Created"). A scheduled execution that finds the queue empty
skips the crawl and the Glue job: they would find nothing new (the job's bookmarks) and still
bill their minimum run time. It still loads pending manifests when the pipeline has a warehouse:
a load that failed last time is retried.

When something landed, the queue is purged and the execution waits out the purge (SQS may
delete messages sent up to 60 seconds after PurgeQueue) before it crawls, so every file whose
message the purge could take has landed before the job lists its input. A failed execution
sends a message back (MarkForRetry after NotifyFailure), so the next scheduled run tries again.
"""

from __future__ import annotations

from components.pipelines.asl.fields import ALL_ERRORS, Catcher
from components.pipelines.asl.pipeline_tasks import (
    _API_TIMEOUT_SECONDS,
    PIPELINE_FAILED,
    START_CRAWLER,
    _backoff,
    _guarded_task,
    integration_arn,
)
from components.pipelines.asl.states import Choice, ChoiceRule, State, Succeed, Task, Wait

CHECK_LANDED = "CheckLanded"
ANYTHING_LANDED = "AnythingLanded"
CLEAR_LANDED = "ClearLanded"
WAIT_FOR_PURGE = "WaitForPurge"
NOTHING_LANDED = "NothingLanded"
MARK_FOR_RETRY = "MarkForRetry"

# SQS may delete messages sent within this many seconds after PurgeQueue (SQS API reference).
PURGE_SECONDS = 60
SQS_RETRY_ERRORS = ("States.Timeout",)


def landing_states(queue_url: str, nothing_landed: str, partition: str) -> dict[str, State]:
    """Check the landing queue; go on to the crawl when something landed, else `nothing_landed`
    (NothingLanded, or the pending-load check when the pipeline has a warehouse)."""
    sqs = integration_arn(partition, "aws-sdk:sqs")
    landed = ChoiceRule(
        variable="$.landed.Messages", operator="IsPresent", value=True, next=CLEAR_LANDED
    )
    states: dict[str, State] = {
        # Long polling (WaitTimeSeconds > 0) asks every SQS server: an empty answer is reliable.
        CHECK_LANDED: _guarded_task(
            f"{sqs}:receiveMessage",
            {
                "QueueUrl": queue_url,
                "MaxNumberOfMessages": 1,
                "WaitTimeSeconds": 1,
                "VisibilityTimeout": 0,
            },
            next_state=ANYTHING_LANDED,
            retry=_backoff(SQS_RETRY_ERRORS, interval=5, attempts=3, cap=60),
            timeout_seconds=_API_TIMEOUT_SECONDS,
            result_path="$.landed",
        ),
        ANYTHING_LANDED: Choice(choices=(landed,), default=nothing_landed),
        # A purge that fails (one already ran in the last minute, say) costs at most one more
        # run: the execution goes on either way.
        CLEAR_LANDED: Task(
            resource=f"{sqs}:purgeQueue",
            parameters={"QueueUrl": queue_url},
            result_path=None,
            timeout_seconds=_API_TIMEOUT_SECONDS,
            catch=(
                Catcher(
                    error_equals=(ALL_ERRORS,), next=WAIT_FOR_PURGE, result_path="$.purgeError"
                ),
            ),
            next=WAIT_FOR_PURGE,
        ),
        WAIT_FOR_PURGE: Wait(seconds=PURGE_SECONDS, next=START_CRAWLER),
    }
    if nothing_landed == NOTHING_LANDED:
        states[NOTHING_LANDED] = Succeed(comment="Nothing landed since the last run.")
    return states


def retry_marker_state(queue_url: str, partition: str) -> dict[str, State]:
    """After a failure is notified: leave a message, so the next scheduled run runs again."""
    return {
        MARK_FOR_RETRY: Task(
            resource=integration_arn(partition, "aws-sdk:sqs:sendMessage"),
            parameters={
                "QueueUrl": queue_url,
                "MessageBody.$": "States.Format('retry after {}', $$.Execution.Id)",
            },
            result_path=None,
            timeout_seconds=_API_TIMEOUT_SECONDS,
            retry=(_backoff(SQS_RETRY_ERRORS, interval=2, attempts=3, cap=30),),
            catch=(Catcher(error_equals=(ALL_ERRORS,), next=PIPELINE_FAILED),),
            next=PIPELINE_FAILED,
        )
    }
