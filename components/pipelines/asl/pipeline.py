"""The data-pipeline state machine: crawl, wait for the crawler, then hand over to a queued run of
the job if there is one, else run the Glue job, load its pending manifests into the warehouse.
Only a failure notifies (the alert topic). An execution whose input holds `load_only` (what the
release and replay commands start) loads the pending manifests and nothing else.
pipeline_definition() returns an already validated definition.
"""

from __future__ import annotations

from collections.abc import Sequence

from components.pipelines.asl.definition import StateMachineDefinition
from components.pipelines.asl.fields import Catcher, JsonValue
from components.pipelines.asl.landing_steps import (
    CHECK_LANDED,
    MARK_FOR_RETRY,
    NOTHING_LANDED,
    landing_states,
    retry_marker_state,
)
from components.pipelines.asl.load_steps import LIST_PENDING_LOADS, manifest_load_states
from components.pipelines.asl.manifest_load import ManifestLoad
from components.pipelines.asl.pipeline_tasks import (
    _API_TIMEOUT_SECONDS,
    CHECK_CRAWL_RESULT,
    CHECK_CRAWLER_STATE,
    COUNT_CRAWLER_POLL,
    CRAWL_FAILED,
    CRAWLER_POLL_LIMIT,
    GET_CRAWLER,
    GLUE_API_RETRY_ERRORS,
    GLUE_JOB_RETRY_ERRORS,
    INIT_CRAWLER_POLL,
    PIPELINE_FAILED,
    PIPELINE_SUCCEEDED,
    RUN_GLUE_JOB,
    START_CRAWLER,
    WAIT_FOR_CRAWLER,
    _backoff,
    _error_marker,
    _guarded_task,
    _notify_states,
    integration_arn,
)
from components.pipelines.asl.states import Choice, ChoiceRule, Pass, State, Succeed, Task, Wait

IS_LOAD_ONLY = "IsLoadOnly"
LOAD_ONLY_INPUT = "load_only"
"""The execution input key that asks for the pending manifests' load alone."""
CHECK_JOB_QUEUE = "CheckJobQueue"
CLASSIFY_JOB_QUEUE = "ClassifyJobQueue"
IS_RUN_QUEUED = "IsRunQueued"
HANDED_OVER = "HandedOverToQueuedRun"


def _job_queue_states(job: str, partition: str) -> dict[str, State]:
    """A run of the job waiting in Glue's queue has not listed its input yet, so it will read
    whatever landed before now: this execution hands over to it instead of queueing another run.

    The check sits right before the run starts, after the crawl's polling has spread a burst's
    executions out: checked at the start, every execution of a burst would pass it before the
    first run is queued, and each would queue a run of its own (Glue fails a run that waits too
    long). Two executions passing the check in the same instant still queue two runs; the later
    run then finds nothing new and writes no manifest.
    """
    run_queued = ChoiceRule(
        variable="$.jobQueue.waiting", operator="BooleanEquals", value=True, next=HANDED_OVER
    )
    return {
        CHECK_JOB_QUEUE: _guarded_task(
            f"{integration_arn(partition, 'aws-sdk:glue')}:getJobRuns",
            {"JobName": job, "MaxResults": 10},
            next_state=CLASSIFY_JOB_QUEUE,
            retry=_backoff(GLUE_API_RETRY_ERRORS, interval=5, attempts=4, cap=60),
            timeout_seconds=_API_TIMEOUT_SECONDS,
            result_selector={"states.$": "$.JobRuns[*].JobRunState"},
            result_path="$.jobQueue",
        ),
        CLASSIFY_JOB_QUEUE: Pass(
            parameters={"waiting.$": "States.ArrayContains($.jobQueue.states, 'WAITING')"},
            result_path="$.jobQueue",
            next=IS_RUN_QUEUED,
        ),
        IS_RUN_QUEUED: Choice(choices=(run_queued,), default=RUN_GLUE_JOB),
        HANDED_OVER: Succeed(comment="The queued run of the job reads this execution's input."),
    }


def _crawler_states(crawler: str, poll_seconds: int, partition: str) -> dict[str, State]:
    """Start the crawler (an already running crawl counts as started) and poll it."""
    glue_sdk = integration_arn(partition, "aws-sdk:glue")
    api_retry = _backoff(GLUE_API_RETRY_ERRORS, interval=5, attempts=4, cap=60)
    already_running = Catcher(
        error_equals=("Glue.CrawlerRunningException",),
        next=INIT_CRAWLER_POLL,
        result_path="$.crawlerAlreadyRunning",
    )
    return {
        START_CRAWLER: _guarded_task(
            f"{glue_sdk}:startCrawler",
            {"Name": crawler},
            next_state=INIT_CRAWLER_POLL,
            retry=api_retry,
            timeout_seconds=_API_TIMEOUT_SECONDS,
            first_catch=(already_running,),
        ),
        INIT_CRAWLER_POLL: Pass(
            result={"Attempts": 1}, result_path="$.crawlerPoll", next=WAIT_FOR_CRAWLER
        ),
        WAIT_FOR_CRAWLER: Wait(seconds=poll_seconds, next=GET_CRAWLER),
        GET_CRAWLER: _guarded_task(
            f"{glue_sdk}:getCrawler",
            {"Name": crawler},
            next_state=CHECK_CRAWLER_STATE,
            retry=api_retry,
            timeout_seconds=_API_TIMEOUT_SECONDS,
            result_path="$.crawler",
        ),
    }


def _crawler_decisions(crawler: str, poll_seconds: int, max_polls: int) -> dict[str, State]:
    """Leave the poll loop when the crawler is READY or after max_polls polls, whichever first."""
    ready = ChoiceRule(
        variable="$.crawler.Crawler.State",
        operator="StringEquals",
        value="READY",
        next=CHECK_CRAWL_RESULT,
    )
    exhausted = ChoiceRule(
        variable="$.crawlerPoll.Attempts",
        operator="NumericGreaterThanEquals",
        value=max_polls,
        next=CRAWLER_POLL_LIMIT,
    )
    crawl_ok = ChoiceRule(
        variable="$.crawler.Crawler.LastCrawl.Status",
        operator="StringEquals",
        value="SUCCEEDED",
        next=CHECK_JOB_QUEUE,
    )
    return {
        CHECK_CRAWLER_STATE: Choice(choices=(ready, exhausted), default=COUNT_CRAWLER_POLL),
        COUNT_CRAWLER_POLL: Pass(
            parameters={"Attempts.$": "States.MathAdd($.crawlerPoll.Attempts, 1)"},
            result_path="$.crawlerPoll",
            next=WAIT_FOR_CRAWLER,
        ),
        CRAWLER_POLL_LIMIT: _error_marker(
            "CrawlerPollLimitReached",
            f"crawler {crawler} still running after {max_polls} polls of {poll_seconds}s",
        ),
        CHECK_CRAWL_RESULT: Choice(choices=(crawl_ok,), default=CRAWL_FAILED),
        CRAWL_FAILED: _error_marker("CrawlFailed", f"last crawl of {crawler} did not succeed"),
    }


def _job_state(
    job: str, input_keys: Sequence[str], timeout_seconds: int, next_state: str, partition: str
) -> Task:
    parameters: dict[str, JsonValue] = {"JobName": job}
    if input_keys:
        # The context object keeps the execution input intact whatever earlier states added.
        parameters["Arguments"] = {f"--{k}.$": f"$$.Execution.Input.{k}" for k in input_keys}
    return _guarded_task(
        integration_arn(partition, "glue:startJobRun.sync"),
        parameters,
        next_state=next_state,
        retry=_backoff(GLUE_JOB_RETRY_ERRORS, interval=30, attempts=5, cap=600),
        timeout_seconds=timeout_seconds,
        result_path="$.glueJob",
    )


def pipeline_definition(
    *,
    pipeline: str,
    crawler_name: str,
    job_name: str,
    topic_arn: str,
    load: ManifestLoad | None = None,
    job_input_keys: Sequence[str] = ("bucket", "key"),
    crawler_poll_seconds: int = 30,
    max_crawler_polls: int = 60,
    job_timeout_seconds: int = 6 * 3600,
    partition: str = "aws",
    landed_queue_url: str | None = None,
    alert_function_arn: str | None = None,
) -> StateMachineDefinition:
    """Crawl, then hand over to a queued job run or run the Glue job, load, succeed.

    With `load`, every pending manifest is loaded into the warehouse after the job (see
    load_steps.py). Every Task retries its transient errors and sends anything else to
    NotifyFailure -> Fail. Task resources are in `partition` (`aws`, `aws-cn`, `aws-us-gov`).
    With `landed_queue_url` (scheduled pipelines), an execution first checks that something
    landed since the last run (see landing_steps.py). With `alert_function_arn`, that function
    writes the failure alert (see pipeline_tasks.py).
    Plain strings in, so a Pulumi component can call this inside Output.all(...).apply(...).
    """
    if crawler_poll_seconds < 1 or max_crawler_polls < 1:
        raise ValueError("crawler_poll_seconds and max_crawler_polls must be >= 1")
    after_job = LIST_PENDING_LOADS if load is not None else PIPELINE_SUCCEEDED
    loading = manifest_load_states(load, PIPELINE_SUCCEEDED, partition) if load is not None else {}
    landing: dict[str, State] = {}
    after_failure = PIPELINE_FAILED
    if landed_queue_url is not None:
        nothing_landed = LIST_PENDING_LOADS if load is not None else NOTHING_LANDED
        landing = {
            **landing_states(landed_queue_url, nothing_landed, partition),
            **retry_marker_state(landed_queue_url, partition),
        }
        after_failure = MARK_FOR_RETRY
    parts: list[dict[str, State]] = [
        landing,
        _crawler_states(crawler_name, crawler_poll_seconds, partition),
        _crawler_decisions(crawler_name, crawler_poll_seconds, max_crawler_polls),
        _job_queue_states(job_name, partition),
        {
            RUN_GLUE_JOB: _job_state(
                job_name, job_input_keys, job_timeout_seconds, after_job, partition
            )
        },
        loading,
        _notify_states(pipeline, topic_arn, partition, after_failure, alert_function_arn),
    ]
    start = CHECK_LANDED if landed_queue_url is not None else START_CRAWLER
    if load is not None:
        load_only = ChoiceRule(
            variable=f"$.{LOAD_ONLY_INPUT}",
            operator="IsPresent",
            value=True,
            next=LIST_PENDING_LOADS,
        )
        parts.insert(0, {IS_LOAD_ONLY: Choice(choices=(load_only,), default=start)})
        start = IS_LOAD_ONLY
    states: dict[str, State] = {name: state for part in parts for name, state in part.items()}
    definition = StateMachineDefinition(
        comment=f"{pipeline}: crawl, transform with Glue, load, notify",
        start_at=start,
        states=states,
    )
    definition.validate()
    return definition
