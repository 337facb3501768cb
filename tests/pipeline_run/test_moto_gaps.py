"""The moto gaps the emulation bridges, each shown failing in moto as it is and working bridged."""

from __future__ import annotations

from typing import Any

import pytest
from moto.glue.models import FakeCrawler

from pipeline_run import moto_gaps


class _Crawls(list[Any]):
    """A crawler's crawls while another execution starts one: each read of the last crawl
    finds a newer one (finished, then running)."""

    def __init__(self, *states: str) -> None:
        super().__init__([_Crawl(states[0])])
        self._states = list(states)

    def __getitem__(self, index: Any) -> Any:
        return _Crawl(self._states.pop(0) if len(self._states) > 1 else self._states[0])


class _Crawl:
    def __init__(self, status: str) -> None:
        self.status = status


def _crawler(*states: str) -> Any:
    """A moto crawler, as far as its state goes."""
    crawler: Any = object.__new__(FakeCrawler)
    crawler.crawls = _Crawls(*states)
    return crawler


def test_moto_reads_the_last_crawl_several_times_and_trips_on_a_concurrent_start() -> None:
    with pytest.raises(RuntimeError, match="Unexpeected state found for crawler"):
        _ = _crawler("COMPLETED", "RUNNING").status


@pytest.mark.parametrize(
    ("states", "expected"),
    [(("COMPLETED", "RUNNING"), "READY"), (("RUNNING",), "RUNNING"), (("STOPPED",), "READY")],
)
def test_bridged_the_state_comes_from_one_read(states: tuple[str, ...], expected: str) -> None:
    with moto_gaps.bridged():
        assert _crawler(*states).status == expected


def _run(definition: dict[str, Any], bridged: bool) -> dict[str, Any]:
    """The output of a one-off execution of `definition` on moto's interpreter."""
    import contextlib
    import json
    import time

    import boto3  # type: ignore[import-untyped]
    from moto import mock_aws

    gaps = moto_gaps.bridged() if bridged else contextlib.nullcontext()
    with gaps, mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name="eu-west-1")
        arn = sfn.create_state_machine(
            name="gap",
            definition=json.dumps(definition),
            roleArn="arn:aws:iam::123456789012:role/gap",
        )["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
        while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
            time.sleep(0.05)
    assert described["status"] == "SUCCEEDED", described.get("cause")
    output: dict[str, Any] = json.loads(described["output"])
    return output


# A field read through an array index: definite in Jayway JsonPath, which Step Functions uses.
READ_THROUGH_AN_INDEX = {
    "StartAt": "Row",
    "States": {
        "Row": {
            "Type": "Pass",
            "Result": [{"LongValue": 5}, {"LongValue": 3}],
            "ResultPath": "$.row",
            "Next": "Read",
        },
        "Read": {
            "Type": "Pass",
            "Parameters": {"staged.$": "$.row[0].LongValue", "all.$": "$.row[*].LongValue"},
            "End": True,
        },
    },
}


@pytest.mark.parametrize(("bridged", "staged"), [(False, [5]), (True, 5)])
def test_a_definite_path_through_an_index_yields_the_value_bridged(
    bridged: bool, staged: Any
) -> None:
    output = _run(READ_THROUGH_AN_INDEX, bridged)
    assert output == {"staged": staged, "all": [5, 3]}, "an indefinite path stays a list"


def test_values_of_a_list_in_a_list_keep_boto3_names_in_moto_and_are_pascal_cased_bridged() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (  # noqa: E501
        StateTaskServiceAwsSdk,
    )

    task: Any = object.__new__(StateTaskServiceAwsSdk)
    shape = moto_gaps._operation_model("redshift-data", "get_statement_result").output_shape

    def response() -> dict[str, Any]:
        return {"Records": [[{"longValue": 5}]], "TotalNumRows": 1}

    as_moto_does = response()
    task._from_boto_response(as_moto_does, shape)
    assert as_moto_does["Records"] == [[{"longValue": 5}]]
    bridged = moto_gaps._pascal_cased(task, response(), shape)
    assert bridged == {"Records": [[{"LongValue": 5}]], "TotalNumRows": 1}
