"""Typed Amazon States Language (ASL) model and the data-pipeline state machine built with it.

A StateMachineDefinition only serialises after validate() has proved that every transition target
exists, every state is reachable from StartAt, and every state can still reach a terminal state.
"""

from components.pipelines.asl.definition import (
    DefinitionError,
    QueryLanguage,
    StateMachineDefinition,
)
from components.pipelines.asl.fields import ALL_ERRORS, Catcher, JsonValue, Retrier
from components.pipelines.asl.load_steps import (
    DATA_API_RETRY_ERRORS,
    AnyLoadStep,
    LoadStep,
    PolledLoadStep,
    data_api_load_step,
)
from components.pipelines.asl.pipeline import pipeline_definition
from components.pipelines.asl.pipeline_tasks import (
    CHECK_CRAWL_RESULT,
    CHECK_CRAWLER_STATE,
    COUNT_CRAWLER_POLL,
    CRAWL_FAILED,
    CRAWLER_POLL_LIMIT,
    GET_CRAWLER,
    GLUE_API_RETRY_ERRORS,
    GLUE_JOB_RETRY_ERRORS,
    INIT_CRAWLER_POLL,
    NOTIFY_FAILURE,
    NOTIFY_SUCCESS,
    PIPELINE_FAILED,
    PIPELINE_SUCCEEDED,
    RUN_GLUE_JOB,
    SNS_RETRY_ERRORS,
    START_CRAWLER,
    WAIT_FOR_CRAWLER,
    integration_arn,
)
from components.pipelines.asl.states import (
    Choice,
    ChoiceRule,
    ComparisonOperator,
    Fail,
    Pass,
    State,
    Succeed,
    Task,
    Wait,
)

__all__ = [
    "ALL_ERRORS",
    "CHECK_CRAWLER_STATE",
    "CHECK_CRAWL_RESULT",
    "COUNT_CRAWLER_POLL",
    "CRAWLER_POLL_LIMIT",
    "CRAWL_FAILED",
    "DATA_API_RETRY_ERRORS",
    "GET_CRAWLER",
    "GLUE_API_RETRY_ERRORS",
    "GLUE_JOB_RETRY_ERRORS",
    "INIT_CRAWLER_POLL",
    "NOTIFY_FAILURE",
    "NOTIFY_SUCCESS",
    "PIPELINE_FAILED",
    "PIPELINE_SUCCEEDED",
    "RUN_GLUE_JOB",
    "SNS_RETRY_ERRORS",
    "START_CRAWLER",
    "WAIT_FOR_CRAWLER",
    "AnyLoadStep",
    "Catcher",
    "Choice",
    "ChoiceRule",
    "ComparisonOperator",
    "DefinitionError",
    "Fail",
    "JsonValue",
    "LoadStep",
    "Pass",
    "PolledLoadStep",
    "QueryLanguage",
    "Retrier",
    "State",
    "StateMachineDefinition",
    "Succeed",
    "Task",
    "Wait",
    "data_api_load_step",
    "integration_arn",
    "pipeline_definition",
]
