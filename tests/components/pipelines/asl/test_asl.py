"""Tests for the ASL model: exact serialisation, every validate() failure, the pipeline graph."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.pipelines.asl import (
    Catcher,
    Choice,
    ChoiceRule,
    DefinitionError,
    Fail,
    ManifestLoad,
    Map,
    Pass,
    Retrier,
    State,
    StateMachineDefinition,
    Succeed,
    Task,
    Wait,
    pipeline_definition,
)

TOPIC = "arn:aws:sns:eu-west-1:123456789012:sales-alerts"
LOAD = ManifestLoad(
    bucket="dp-dev-curated",
    prefix="_manifests/sales/",
    target={"WorkgroupName": "analytics", "Database": "dev"},
    sql="CALL curated.load_sales(:manifest)",
    statement_name="sales-load",
    pipeline="sales",
    attempts_prefix="_load_attempts/sales/",
    dead_letter_prefix="_dead_letter/sales/",
)
BASE_STATES = [
    "StartCrawler",
    "InitCrawlerPoll",
    "WaitForCrawler",
    "GetCrawler",
    "CheckCrawlerState",
    "CountCrawlerPoll",
    "CrawlerPollLimitReached",
    "CheckCrawlResult",
    "CrawlFailed",
    "CheckJobQueue",
    "ClassifyJobQueue",
    "IsRunQueued",
    "HandedOverToQueuedRun",
    "RunGlueJob",
]
TAIL_STATES = ["PipelineSucceeded", "NotifyFailure", "PipelineFailed"]
TO_FAILURE = {"ErrorEquals": ["States.ALL"], "Next": "NotifyFailure", "ResultPath": "$.error"}


def _pipeline(load: ManifestLoad | None = None) -> dict[str, Any]:
    definition = pipeline_definition(
        pipeline="sales",
        crawler_name="sales-crawler",
        job_name="sales-etl",
        topic_arn=TOPIC,
        load=load,
    )
    return json.loads(definition.to_json())  # type: ignore[no-any-return]


def _machine(states: dict[str, State], start_at: str = "A") -> StateMachineDefinition:
    return StateMachineDefinition(start_at=start_at, states=states)


LOAD_STATES = [
    "ListPendingLoads",
    "HasPendingLoads",
    "LoadPendingManifests",
    "AnyLoadFailed",
    "ReportFailedLoads",
]
WITH_AND_WITHOUT_LOAD = [
    pytest.param(None, "PipelineSucceeded", id="no-warehouse"),
    pytest.param(LOAD, "ListPendingLoads", id="warehouse-load"),
]


@pytest.mark.parametrize(("load", "after_job"), WITH_AND_WITHOUT_LOAD)
def test_pipeline_states_and_main_path(load: ManifestLoad | None, after_job: str) -> None:
    states = _pipeline(load)["States"]
    first = ["IsLoadOnly"] if load else []
    assert list(states) == first + BASE_STATES + (LOAD_STATES if load else []) + TAIL_STATES
    assert states["RunGlueJob"]["Next"] == after_job
    assert states["NotifyFailure"]["Next"] == "PipelineFailed"
    assert states["PipelineSucceeded"] == {"Type": "Succeed"}
    assert states["PipelineFailed"] == {
        "Type": "Fail",
        "Error": "PipelineFailed",
        "Cause": "sales pipeline failed",
    }


@pytest.mark.parametrize(("load", "after_job"), WITH_AND_WITHOUT_LOAD)
def test_pipeline_task_resources(load: ManifestLoad | None, after_job: str) -> None:
    states = _pipeline(load)["States"]
    resources = {name: s["Resource"] for name, s in states.items() if s["Type"] == "Task"}
    expected = {
        "CheckJobQueue": "arn:aws:states:::aws-sdk:glue:getJobRuns",
        "StartCrawler": "arn:aws:states:::aws-sdk:glue:startCrawler",
        "GetCrawler": "arn:aws:states:::aws-sdk:glue:getCrawler",
        "RunGlueJob": "arn:aws:states:::glue:startJobRun.sync",
        **({"ListPendingLoads": "arn:aws:states:::aws-sdk:s3:listObjectsV2"} if load else {}),
        "NotifyFailure": "arn:aws:states:::sns:publish",
    }
    assert resources == expected


@pytest.mark.parametrize(("load", "after_job"), WITH_AND_WITHOUT_LOAD)
def test_every_task_backs_off_and_catches_to_notify_failure(
    load: ManifestLoad | None, after_job: str
) -> None:
    states = _pipeline(load)["States"]
    tasks = {name: s for name, s in states.items() if s["Type"] == "Task"}
    for name, task in tasks.items():
        (retrier,) = task["Retry"]
        assert retrier["BackoffRate"] == 2.0, name
        assert retrier["JitterStrategy"] == "FULL", name
        assert 0 < retrier["MaxAttempts"] <= 5, name
        assert not {"States.ALL", "States.TaskFailed"} & set(retrier["ErrorEquals"]), name
        assert task["TimeoutSeconds"] >= 1, name
        expected_last = (
            TO_FAILURE
            if name != "NotifyFailure"
            else {
                "ErrorEquals": ["States.ALL"],
                "Next": "PipelineFailed",
            }
        )
        assert task["Catch"][-1] == expected_last, name


def test_start_crawler_treats_running_crawler_as_started() -> None:
    start = _pipeline()["States"]["StartCrawler"]
    assert start["Parameters"] == {"Name": "sales-crawler"}
    assert start["Catch"] == [
        {
            "ErrorEquals": ["Glue.CrawlerRunningException"],
            "Next": "InitCrawlerPoll",
            "ResultPath": "$.crawlerAlreadyRunning",
        },
        TO_FAILURE,
    ]
    assert start["Next"] == "InitCrawlerPoll"


def test_crawler_poll_loop_is_bounded_and_checks_the_crawl_result() -> None:
    states = _pipeline()["States"]
    assert states["WaitForCrawler"] == {"Type": "Wait", "Seconds": 30, "Next": "GetCrawler"}
    assert states["GetCrawler"]["ResultPath"] == "$.crawler"
    assert states["CheckCrawlerState"] == {
        "Type": "Choice",
        "Choices": [
            {
                "Variable": "$.crawler.Crawler.State",
                "StringEquals": "READY",
                "Next": "CheckCrawlResult",
            },
            {
                "Variable": "$.crawlerPoll.Attempts",
                "NumericGreaterThanEquals": 60,
                "Next": "CrawlerPollLimitReached",
            },
        ],
        "Default": "CountCrawlerPoll",
    }
    assert states["CountCrawlerPoll"]["Next"] == "WaitForCrawler"
    assert states["CheckCrawlResult"]["Choices"][0]["Next"] == "CheckJobQueue"
    assert states["CheckCrawlResult"]["Default"] == "CrawlFailed"
    for marker in ("CrawlerPollLimitReached", "CrawlFailed"):
        assert states[marker]["ResultPath"] == "$.error"
        assert states[marker]["Next"] == "NotifyFailure"


def test_glue_job_runs_synchronously_with_input_arguments_and_job_retries() -> None:
    job = _pipeline()["States"]["RunGlueJob"]
    assert job["Parameters"] == {
        "JobName": "sales-etl",
        "Arguments": {
            "--bucket.$": "$$.Execution.Input.bucket",
            "--key.$": "$$.Execution.Input.key",
        },
    }
    assert job["TimeoutSeconds"] == 6 * 3600
    assert job["Retry"] == [
        {
            "ErrorEquals": [
                "Glue.ConcurrentRunsExceededException",
                "Glue.ThrottlingException",
                "Glue.InternalServiceException",
                "Glue.OperationTimeoutException",
            ],
            "IntervalSeconds": 30,
            "MaxAttempts": 5,
            "BackoffRate": 2.0,
            "MaxDelaySeconds": 600,
            "JitterStrategy": "FULL",
        }
    ]


def test_a_queued_job_run_takes_over_the_execution() -> None:
    # A run waiting in Glue's queue has not listed its input yet: it reads this file too. The
    # check comes after the crawl, right before the run would start.
    states = _pipeline()["States"]
    assert states["CheckCrawlResult"]["Choices"][0]["Next"] == "CheckJobQueue"
    check = states["CheckJobQueue"]
    assert check["Parameters"] == {"JobName": "sales-etl", "MaxResults": 10}
    assert check["ResultSelector"] == {"states.$": "$.JobRuns[*].JobRunState"}
    assert check["ResultPath"] == "$.jobQueue"
    assert check["Catch"] == [TO_FAILURE]
    assert states["ClassifyJobQueue"]["Parameters"] == {
        "waiting.$": "States.ArrayContains($.jobQueue.states, 'WAITING')"
    }
    assert states["IsRunQueued"] == {
        "Type": "Choice",
        "Choices": [
            {
                "Variable": "$.jobQueue.waiting",
                "BooleanEquals": True,
                "Next": "HandedOverToQueuedRun",
            }
        ],
        "Default": "RunGlueJob",
    }
    assert states["HandedOverToQueuedRun"]["Type"] == "Succeed"


def test_only_a_failure_publishes_to_the_alert_topic() -> None:
    states = _pipeline(LOAD)["States"]
    publishers = [n for n, s in states.items() if s.get("Resource", "").endswith(":sns:publish")]
    assert publishers == ["NotifyFailure"]
    failure = states["NotifyFailure"]["Parameters"]
    assert failure["TopicArn"] == TOPIC
    assert failure["Subject"] == "[sales] FAILED"
    assert "$.error.Cause" in failure["Message.$"]


def test_pipeline_without_job_input_keys_passes_no_arguments() -> None:
    definition = pipeline_definition(
        pipeline="p", crawler_name="c", job_name="j", topic_arn=TOPIC, job_input_keys=()
    )
    states = json.loads(definition.to_json())["States"]
    assert states["RunGlueJob"]["Parameters"] == {"JobName": "j"}


def test_json_round_trips() -> None:
    definition = pipeline_definition(
        pipeline="sales",
        crawler_name="sales-crawler",
        job_name="sales-etl",
        topic_arn=TOPIC,
        load=LOAD,
    )
    assert json.loads(definition.to_json()) == definition.to_dict()
    assert json.loads(definition.to_json(indent=2))["StartAt"] == "IsLoadOnly"


DONE = Succeed()
TIMEOUT_RETRY = Retrier(error_equals=("States.Timeout",))
LONG_NAME = "S" * 81

INVALID = [
    pytest.param({}, "A", None, "States is empty", id="no-states"),
    pytest.param({"B": DONE}, "A", "A", "StartAt", id="start-at-missing"),
    pytest.param(
        {"A": Pass(next="Ghost")}, "A", "A", "'Ghost', which is not a state", id="next-missing"
    ),
    pytest.param(
        {
            "A": Task(
                resource="r",
                catch=(Catcher(error_equals=("States.ALL",), next="Ghost"),),
                next="B",
            ),
            "B": DONE,
        },
        "A",
        "A",
        "'Ghost', which is not a state",
        id="catch-next-missing",
    ),
    pytest.param(
        {
            "A": Choice(
                choices=(ChoiceRule(variable="$.x", operator="IsPresent", value=True, next="G"),),
                default="B",
            ),
            "B": DONE,
        },
        "A",
        "A",
        "'G', which is not a state",
        id="choice-rule-next-missing",
    ),
    pytest.param(
        {
            "A": Choice(
                choices=(ChoiceRule(variable="$.x", operator="IsNull", value=True, next="B"),),
                default="Ghost",
            ),
            "B": DONE,
        },
        "A",
        "A",
        "'Ghost', which is not a state",
        id="choice-default-missing",
    ),
    pytest.param({"A": Wait(seconds=1)}, "A", "A", "neither Next nor End", id="no-next-no-end"),
    pytest.param(
        {"A": Pass(next="B", end=True), "B": DONE}, "A", "A", "both Next and End", id="next-and-end"
    ),
    pytest.param(
        {"A": Pass(end=True), "Orphan": DONE}, "A", "Orphan", "not reachable", id="unreachable"
    ),
    pytest.param(
        {"A": Pass(next="B"), "B": Wait(seconds=5, next="A")},
        "A",
        "A",
        "can never reach",
        id="cycle-without-exit",
    ),
    pytest.param(
        {
            "A": Task(
                resource="r",
                catch=(Catcher(error_equals=("States.ALL",), next="Failed"),),
                next="Loop",
            ),
            "Loop": Pass(next="A"),
            "Failed": Fail(error="E", cause="c"),
        },
        "A",
        "A",
        "can never reach",
        id="cycle-exits-only-on-error",
    ),
    pytest.param(
        {
            "A": Task(
                resource="r",
                retry=(Retrier(error_equals=("States.ALL",)), TIMEOUT_RETRY),
                end=True,
            )
        },
        "A",
        "A",
        "States.ALL must be alone in the last Retry",
        id="states-all-not-last",
    ),
    pytest.param(
        {"A": Task(resource="r", arguments={"x": 1}, end=True)},
        "A",
        "A",
        "Arguments",
        id="arguments-without-jsonata",
    ),
    pytest.param({LONG_NAME: DONE}, LONG_NAME, LONG_NAME, "1-80 characters", id="name-too-long"),
]


@pytest.mark.parametrize(("states", "start_at", "offender", "message"), INVALID)
def test_validate_names_the_offending_state(
    states: dict[str, State], start_at: str, offender: str | None, message: str
) -> None:
    definition = _machine(states, start_at)
    with pytest.raises(DefinitionError) as caught:
        definition.validate()
    assert caught.value.state == offender
    assert message in str(caught.value)
    if offender is not None:
        assert repr(offender) in str(caught.value)


@pytest.mark.parametrize(("states", "start_at", "offender", "message"), INVALID[:3])
def test_serialisation_validates_first(
    states: dict[str, State], start_at: str, offender: str | None, message: str
) -> None:
    definition = _machine(states, start_at)
    with pytest.raises(DefinitionError, match=message):
        definition.to_json()
    with pytest.raises(DefinitionError, match=message):
        definition.to_dict()


def test_jsonpath_fields_are_rejected_under_jsonata() -> None:
    definition = StateMachineDefinition(
        start_at="A",
        states={"A": Task(resource="r", parameters={"x": 1}, end=True)},
        query_language="JSONata",
    )
    with pytest.raises(DefinitionError, match="JSONPath fields") as caught:
        definition.validate()
    assert caught.value.state == "A"


def test_loop_with_an_exit_is_valid_and_serialises_exactly() -> None:
    definition = StateMachineDefinition(
        comment="poll",
        start_at="Wait",
        timeout_seconds=600,
        states={
            "Wait": Wait(seconds=5, next="Check"),
            "Check": Choice(
                choices=(
                    ChoiceRule(variable="$.done", operator="BooleanEquals", value=True, next="Ok"),
                ),
                default="Wait",
            ),
            "Ok": DONE,
        },
    )
    assert definition.to_dict() == {
        "Comment": "poll",
        "StartAt": "Wait",
        "TimeoutSeconds": 600,
        "States": {
            "Wait": {"Type": "Wait", "Seconds": 5, "Next": "Check"},
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.done", "BooleanEquals": True, "Next": "Ok"}],
                "Default": "Wait",
            },
            "Ok": {"Type": "Succeed"},
        },
    }


def test_jsonata_task_serialises_arguments() -> None:
    definition = StateMachineDefinition(
        start_at="A",
        states={"A": Task(resource="r", arguments={"Name": "{% $states.input.n %}"}, end=True)},
        query_language="JSONata",
    )
    assert definition.to_dict()["QueryLanguage"] == "JSONata"
    assert definition.to_dict()["States"] == {
        "A": {
            "Type": "Task",
            "Resource": "r",
            "Arguments": {"Name": "{% $states.input.n %}"},
            "End": True,
        }
    }


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        pytest.param(
            Task(
                resource="arn:r",
                parameters={"Name.$": "$.name"},
                result_path=None,
                timeout_seconds=30,
                retry=(
                    Retrier(
                        error_equals=("States.Timeout",),
                        interval_seconds=2,
                        max_attempts=4,
                        backoff_rate=1.5,
                        max_delay_seconds=20,
                        jitter_strategy="FULL",
                    ),
                ),
                catch=(Catcher(error_equals=("States.ALL",), next="F", result_path="$.err"),),
                next="N",
                comment="why",
            ),
            {
                "Type": "Task",
                "Resource": "arn:r",
                "Comment": "why",
                "Parameters": {"Name.$": "$.name"},
                "ResultPath": None,
                "TimeoutSeconds": 30,
                "Retry": [
                    {
                        "ErrorEquals": ["States.Timeout"],
                        "IntervalSeconds": 2,
                        "MaxAttempts": 4,
                        "BackoffRate": 1.5,
                        "MaxDelaySeconds": 20,
                        "JitterStrategy": "FULL",
                    }
                ],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F", "ResultPath": "$.err"}],
                "Next": "N",
            },
            id="task-all-fields",
        ),
        pytest.param(
            Task(resource="arn:r", end=True),
            {"Type": "Task", "Resource": "arn:r", "End": True},
            id="task-defaults-omitted",
        ),
        pytest.param(
            Pass(result={"n": 1}, result_path="$.p", next="N"),
            {"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.p", "Next": "N"},
            id="pass-result",
        ),
        pytest.param(
            Fail(error="Boom", cause="because"),
            {"Type": "Fail", "Error": "Boom", "Cause": "because"},
            id="fail",
        ),
        pytest.param(
            Catcher(error_equals=("E",), next="N"),
            {"ErrorEquals": ["E"], "Next": "N"},
            id="catcher-default-result-path-omitted",
        ),
    ],
)
def test_elements_serialise_to_asl_field_names(
    state: State | Catcher, expected: dict[str, Any]
) -> None:
    assert state.to_dict() == expected


def test_serialised_parameters_are_copies() -> None:
    params: dict[str, Any] = {"Nested": {"a": 1}}
    task = Task(resource="r", parameters=params, end=True)
    out = task.to_dict()
    params["Nested"]["a"] = 2
    assert out["Parameters"] == {"Nested": {"a": 1}}


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(lambda: Retrier(error_equals=()), "at least one", id="retrier-no-errors"),
        pytest.param(
            lambda: Retrier(error_equals=("E",), backoff_rate=0.5), "rate", id="retrier-shrinks"
        ),
        pytest.param(lambda: Catcher(error_equals=(), next="N"), "at least one", id="catch-none"),
        pytest.param(
            lambda: Task(resource="r", parameters={}, arguments={}, end=True),
            "not both",
            id="task-parameters-and-arguments",
        ),
        pytest.param(
            lambda: ChoiceRule(variable="$.n", operator="NumericEquals", value="1", next="N"),
            "cannot compare",
            id="choice-operand-type",
        ),
        pytest.param(lambda: Choice(choices=()), "at least one rule", id="choice-without-rules"),
        pytest.param(
            lambda: pipeline_definition(
                pipeline="p", crawler_name="c", job_name="j", topic_arn=TOPIC, max_crawler_polls=0
            ),
            "max_crawler_polls",
            id="pipeline-unbounded-polls",
        ),
    ],
)
def test_constructors_reject_invalid_values(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def _map(states: dict[str, State], start_at: str = "Item", **fields: Any) -> Map:
    return Map(items_path="$.items", start_at=start_at, states=states, next="Done", **fields)


def test_an_inline_map_serialises_its_item_processor() -> None:
    state = _map(
        {"Item": Pass(end=True)},
        item_selector={"key.$": "$$.Map.Item.Value.Key"},
        max_concurrency=1,
        result_path=None,
        catch=(Catcher(error_equals=("States.ALL",), next="Done"),),
    )
    assert state.to_dict() == {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemSelector": {"key.$": "$$.Map.Item.Value.Key"},
        "MaxConcurrency": 1,
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"},
            "StartAt": "Item",
            "States": {"Item": {"Type": "Pass", "End": True}},
        },
        "ResultPath": None,
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}],
        "Next": "Done",
    }


@pytest.mark.parametrize(
    ("inner", "start_at", "message"),
    [
        pytest.param({"Item": Pass(end=True)}, "Ghost", "StartAt 'Ghost'", id="start-missing"),
        pytest.param(
            {"Item": Pass(next="Done")}, "Item", "'Done', which is not a state", id="leaves-map"
        ),
        pytest.param(
            {"Item": Pass(next="Back"), "Back": Pass(next="Item")},
            "Item",
            "can never reach",
            id="endless-item",
        ),
    ],
)
def test_a_map_item_processor_is_validated_like_the_top_level(
    inner: dict[str, State], start_at: str, message: str
) -> None:
    definition = _machine({"A": _map(inner, start_at), "Done": DONE})
    with pytest.raises(DefinitionError, match=message) as caught:
        definition.validate()
    assert caught.value.state == "A"
    assert "item processor" in str(caught.value)


def test_fail_reads_error_and_cause_from_paths() -> None:
    assert Fail(error_path="$.e.Error", cause_path="$.e.Cause").to_dict() == {
        "Type": "Fail",
        "ErrorPath": "$.e.Error",
        "CausePath": "$.e.Cause",
    }
    with pytest.raises(ValueError, match="exactly one of error and error_path"):
        Fail(error="E", error_path="$.e")
    with pytest.raises(ValueError, match="at most one of cause and cause_path"):
        Fail(error="E", cause="c", cause_path="$.c")


def test_a_load_only_execution_goes_straight_to_the_pending_manifests() -> None:
    states = _pipeline(LOAD)["States"]
    assert states["IsLoadOnly"] == {
        "Type": "Choice",
        "Choices": [{"Variable": "$.load_only", "IsPresent": True, "Next": "ListPendingLoads"}],
        "Default": "StartCrawler",
    }
    assert "IsLoadOnly" not in _pipeline()["States"], "nothing to load without a warehouse"


def test_the_alert_function_writes_the_failure_alert_and_the_topic_gets_it_raw_otherwise() -> None:
    function = "arn:aws:lambda:eu-west-1:123456789012:function:dp-alerts"
    states = json.loads(
        pipeline_definition(
            pipeline="sales",
            crawler_name="sales-crawler",
            job_name="sales-etl",
            topic_arn=TOPIC,
            alert_function_arn=function,
        ).to_json()
    )["States"]
    notify = states["NotifyFailure"]
    assert notify["Resource"] == "arn:aws:states:::lambda:invoke"
    assert notify["Parameters"] == {
        "FunctionName": function,
        "Payload": {
            "kind": "execution-failed",
            "pipeline": "sales",
            "execution.$": "$$.Execution.Id",
            "input.$": "$$.Execution.Input",
            "error.$": "$.error",
        },
    }
    assert "Lambda.ServiceException" in notify["Retry"][0]["ErrorEquals"]
    assert notify["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "Next": "NotifyFailureDirectly", "ResultPath": None}
    ]
    assert notify["Next"] == "PipelineFailed"
    direct = states["NotifyFailureDirectly"]
    assert direct["Resource"] == "arn:aws:states:::sns:publish"
    assert direct["Parameters"]["TopicArn"] == TOPIC
    assert direct["Next"] == "PipelineFailed"
