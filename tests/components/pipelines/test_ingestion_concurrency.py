"""Reserved concurrency of the ingestion function is opt-in: unset, the function shares the
account's unreserved pool, which is all a new account (quota 10) can give."""

from typing import Any

import pytest
from pydantic import ValidationError

from offline.capture import Capture
from stack_config.pipelines import IngestSettings

FUNCTION = "aws:lambda/function:Function"


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        pytest.param({}, None, id="unset-by-default"),
        pytest.param({"reserved_concurrency": 10}, 10, id="set"),
        pytest.param({"reserved_concurrency": None}, None, id="explicitly-unset"),
    ],
)
def test_reserved_concurrency_is_optional(settings: dict[str, Any], expected: int | None) -> None:
    assert IngestSettings.model_validate(settings).reserved_concurrency == expected


@pytest.mark.parametrize("value", [0, 101])
def test_reserved_concurrency_out_of_range_is_rejected(value: int) -> None:
    with pytest.raises(ValidationError) as error:
        IngestSettings.model_validate({"reserved_concurrency": value})
    assert [e["loc"] for e in error.value.errors()] == [("reserved_concurrency",)]


@pytest.mark.parametrize(
    ("stack", "expected"),
    [
        pytest.param("dev", None, id="dev-shares-the-unreserved-pool"),
        pytest.param("prod", 10, id="prod-reserves-10"),
    ],
)
def test_shipped_ingestion_functions_reserve_only_where_configured(
    stack: str, expected: int | None, fixture_captures: dict[str, Capture]
) -> None:
    functions = [
        r
        for r in fixture_captures[stack].resources
        if r.type == FUNCTION and r.name.endswith("-ingest-function")
    ]
    assert functions
    assert {f.name: f.inputs.get("reservedConcurrentExecutions") for f in functions} == {
        f.name: expected for f in functions
    }
