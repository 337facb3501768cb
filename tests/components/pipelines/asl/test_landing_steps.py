"""A scheduled pipeline's definition checks its landing queue first: nothing landed means no
crawl and no job; a failure leaves a message so the next scheduled run tries again."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.pipelines.asl import ManifestLoad, pipeline_definition

TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts"
QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/dp-dev-daily-landed"
LOAD = ManifestLoad(
    bucket="dp-dev-curated",
    prefix="_manifests/daily/",
    target={"WorkgroupName": "analytics", "Database": "dev"},
    sql="CALL curated.load_daily(:manifest)",
    statement_name="daily-load",
    pipeline="daily",
    attempts_prefix="_load_attempts/daily/",
    dead_letter_prefix="_dead_letter/daily/",
)


def _states(*, load: ManifestLoad | None = None, queue: str | None = QUEUE) -> dict[str, Any]:
    definition = pipeline_definition(
        pipeline="daily",
        crawler_name="daily-raw",
        job_name="daily",
        topic_arn=TOPIC,
        load=load,
        landed_queue_url=queue,
    )
    return json.loads(definition.to_json())  # type: ignore[no-any-return]


def test_a_scheduled_run_starts_by_asking_the_landing_queue() -> None:
    definition = _states()
    assert definition["StartAt"] == "CheckLanded"
    check = definition["States"]["CheckLanded"]
    assert check["Resource"] == "arn:aws:states:::aws-sdk:sqs:receiveMessage"
    # Long polling: an empty answer from every server, not a sample.
    assert check["Parameters"] == {
        "QueueUrl": QUEUE,
        "MaxNumberOfMessages": 1,
        "WaitTimeSeconds": 1,
        "VisibilityTimeout": 0,
    }
    assert check["ResultPath"] == "$.landed"
    assert check["Catch"][-1]["Next"] == "NotifyFailure"


@pytest.mark.parametrize(
    ("load", "nothing_landed"),
    [(None, "NothingLanded"), (LOAD, "ListPendingLoads")],
    ids=["no-warehouse", "warehouse: pending loads are still retried"],
)
def test_nothing_landed_skips_the_crawl_and_the_job(
    load: ManifestLoad | None, nothing_landed: str
) -> None:
    states = _states(load=load)["States"]
    assert states["AnythingLanded"] == {
        "Type": "Choice",
        "Choices": [{"Variable": "$.landed.Messages", "IsPresent": True, "Next": "ClearLanded"}],
        "Default": nothing_landed,
    }
    assert ("NothingLanded" in states) == (load is None)


def test_what_landed_is_cleared_and_the_purge_waited_out_before_the_crawl() -> None:
    states = _states()["States"]
    clear = states["ClearLanded"]
    assert clear["Resource"] == "arn:aws:states:::aws-sdk:sqs:purgeQueue"
    assert clear["Parameters"] == {"QueueUrl": QUEUE}
    # A failed purge costs one more run at most: it never fails the execution.
    assert clear["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "Next": "WaitForPurge", "ResultPath": "$.purgeError"}
    ]
    assert clear["Next"] == "WaitForPurge"
    assert states["WaitForPurge"] == {"Type": "Wait", "Seconds": 60, "Next": "StartCrawler"}


def test_a_failure_is_notified_then_marked_for_the_next_run() -> None:
    states = _states()["States"]
    assert states["NotifyFailure"]["Next"] == "MarkForRetry"
    assert states["NotifyFailure"]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "Next": "MarkForRetry"}
    ]
    mark = states["MarkForRetry"]
    assert mark["Resource"] == "arn:aws:states:::aws-sdk:sqs:sendMessage"
    assert mark["Parameters"] == {
        "QueueUrl": QUEUE,
        "MessageBody.$": "States.Format('retry after {}', $$.Execution.Id)",
    }
    assert mark["Next"] == "PipelineFailed"
    assert mark["Catch"] == [{"ErrorEquals": ["States.ALL"], "Next": "PipelineFailed"}]


def test_a_file_triggered_definition_has_no_landing_check() -> None:
    definition = _states(queue=None)
    assert definition["StartAt"] == "StartCrawler"
    assert not {"CheckLanded", "MarkForRetry"} & set(definition["States"])
    assert definition["States"]["NotifyFailure"]["Next"] == "PipelineFailed"
