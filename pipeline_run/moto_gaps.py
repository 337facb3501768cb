"""Where moto's Step Functions interpreter or services differ from AWS in a way the declared
pipeline meets, the emulation bridges the gap here, one patch per gap, each naming it.

- glue:startJobRun.sync: moto 5.2.5 ends every such Task in States.Runtime ("'NoneType' object
  has no attribute 'interrupt_all'": its callback endpoint is None for integrations without
  .waitForTaskToken). The wait loop below is moto's own, without that call.
- aws-sdk:redshiftdata: moto does not know Step Functions' service name for the Redshift Data
  API (boto3's is redshift-data), so every such Task fails with "Unknown service", and it would
  name the API's errors Redshiftdata.* where AWS says RedshiftData.*.
- aws-sdk error names: moto knows Step Functions' name only for DynamoDB and Step Functions
  itself, so a Glue or S3 error reaches a Catch as glue.CrawlerRunningException where AWS raises
  Glue.CrawlerRunningException (and S3.NoSuchKeyException). The names AWS uses are added.
- aws-sdk parameters: Step Functions takes every member name in PascalCase (the Data API's
  SqlParameter is `Name`/`Value` there, `name`/`value` in boto3); moto's hook that maps them is a
  stub, so nested PascalCase members reach boto3 unchanged and fail. Its own mapping is wired in.
- aws-sdk responses: the matching response hook is a stub too, so timestamps stay datetime
  objects (AWS hands the state machine ISO 8601 strings) and moto then fails to serialise the
  execution's output. Timestamps become strings, members PascalCase, as Step Functions does;
  moto's mapping stops at a list inside a list (the Data API's `Records`, whose values stay
  `longValue` where Step Functions says `LongValue`), so the mapping here follows every shape.
- JSONPath: moto answers a field read through an array index (`$.row[0].LongValue`) with a
  list of the one value. Step Functions evaluates paths with Jayway JsonPath, whose definite
  paths (names and single indexes only) return the value itself (Jayway JsonPath README, "What
  is Returned When?"); a definite path is evaluated that way here.
- States.ALL: moto's Catch and Retry on States.ALL match every error. In AWS they match neither
  States.Runtime (a JSONPath that finds nothing, for example) nor States.DataLimitExceeded: those
  fail the execution whatever the definition catches. They are left uncaught here too.
- Glue crawler state: moto's FakeCrawler.status reads its last crawl several times, so a crawl
  started by another execution between two reads fails GetCrawler ("Unexpeected state found for
  crawler"); it is read once here.
- Glue GetCrawler: moto reports a finished crawl as COMPLETED where Glue says SUCCEEDED (bridged
  in `emulation.py`, which serves the crawler).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import botocore.session  # type: ignore[import-untyped]
from botocore import xform_name
from botocore.model import ListShape, StructureShape  # type: ignore[import-untyped]
from jsonpath_ng.ext.parser import parse as parse_json_path
from moto.glue.models import FakeCrawler
from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import (
    ErrorEqualsDecl,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_aws_sdk as aws_sdk,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (  # noqa: E501
    StateTaskService,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_glue import (  # noqa: E501
    StateTaskServiceGlue,
)
from moto.stepfunctions.parser.asl.utils import json_path

_POLL_SECONDS = 0.25
# Step Functions' prefix of each aws-sdk service's error names.
_ERROR_NAMES = {"redshiftdata": "RedshiftData", "glue": "Glue", "s3": "S3"}


@functools.cache
def _service_model(service: str) -> Any:
    """botocore's model of a service, loaded once (loading one reads and parses its JSON)."""
    return botocore.session.get_session().get_service_model(service)


@functools.cache
def _operation_model(service: str, snake_action: str) -> Any:
    model = _service_model(service)
    return model.operation_model(
        next(n for n in model.operation_names if xform_name(n) == snake_action)
    )


def _operation(
    task: aws_sdk.StateTaskServiceAwsSdk, service: str | None, action: str | None
) -> Any:
    return _operation_model(
        task._get_boto_service_name(service), task._get_boto_service_action(action)
    )


def _aws_sdk_response(
    self: aws_sdk.StateTaskServiceAwsSdk,
    response: Any,
    boto_service_name: str | None = None,
    service_action_name: str | None = None,
) -> None:
    _timestamps_as_strings(response)
    output = _operation(self, boto_service_name, service_action_name).output_shape
    if output is not None:
        _pascal_cased(self, response, output)


def _pascal_cased(task: aws_sdk.StateTaskServiceAwsSdk, value: Any, shape: Any) -> Any:
    """`value` with the members of every structure in it named as Step Functions names them,
    lists of lists included."""
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        for key in [k for k in value if k in shape.members]:
            member = task._from_boto_response_value(value.pop(key))
            value[task._to_sfn_cased(key)] = _pascal_cased(task, member, shape.members[key])
    elif isinstance(shape, ListShape) and isinstance(value, list):
        value[:] = [_pascal_cased(task, item, shape.member) for item in value]
    return value


def _timestamps_as_strings(value: Any) -> None:
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in list(items):
        if isinstance(item, datetime):
            value[key] = item.astimezone(UTC).isoformat().replace("+00:00", "Z")
        else:
            _timestamps_as_strings(item)


def _aws_sdk_parameters(
    self: aws_sdk.StateTaskServiceAwsSdk,
    parameters: dict[str, Any],
    boto_service_name: str | None = None,
    service_action_name: str | None = None,
) -> None:
    operation = _operation(self, boto_service_name, service_action_name)
    self._to_boto_request(parameters, operation.input_shape)


def _glue_sync(
    self: StateTaskServiceGlue,
    env: Any,
    resource_runtime_part: Any,
    normalised_parameters: dict[str, Any],
    state_credentials: Any,
) -> None:
    task_output = env.stack.pop()
    self.timeout.eval(env=env)
    env.stack.pop()  # the Task's TimeoutSeconds: the execution's timer enforces it
    env.stack.append(task_output)
    resolver: Any = self._build_sync_resolver(
        env=env,
        resource_runtime_part=resource_runtime_part,
        normalised_parameters=normalised_parameters,
        state_credentials=state_credentials,
    )
    while env.is_running():
        result = resolver()
        if result:
            _timestamps_as_strings(result)  # JobRun timestamps, serialisable as AWS hands them
            env.stack.append(result)
            return
        time.sleep(_POLL_SECONDS)


def _crawler_status(crawler: FakeCrawler) -> str:
    """moto's crawler state, from one read of its last crawl."""
    if not crawler.crawls:
        return "READY"
    last = crawler.crawls[-1].status
    return last if last in ("RUNNING", "STOPPING") else "READY"


# A definite JSONPath: the root, then names and single indexes only.
_DEFINITE = re.compile(r"\$(\.[A-Za-z_][\w-]*|\[\d+\]|\['[^']*'\])*")
_extract_json = json_path.extract_json
# The modules of moto's interpreter that evaluate a JSONPath, each holding its own reference.
_EVALUATING_PATHS = (
    "moto.stepfunctions.parser.asl.component.common.string.string_expression",
    "moto.stepfunctions.parser.asl.component.intrinsic.argument.argument",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations."
    "timestamp_operators",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations."
    "boolean_equals",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations."
    "numeric",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations."
    "string_operators",
    "moto.stepfunctions.parser.asl.eval.states",
)


def _extract_definite(path: str, data: Any) -> Any:
    """moto's JSONPath evaluation, except that a definite path yields the value it finds."""
    if _DEFINITE.fullmatch(path):
        matches = parse_json_path(path).find(data)
        if len(matches) == 1:
            return matches[0].value
    return _extract_json(path, data)


_UNCATCHABLE = frozenset({"States.Runtime", "States.DataLimitExceeded"})
_match_error = ErrorEqualsDecl._eval_body


def _error_equals(self: ErrorEqualsDecl, env: Any) -> None:
    """moto's match, except that States.ALL does not match the errors AWS never catches."""
    error_name = env.stack[-1]
    _match_error(self, env)
    if getattr(error_name, "error_name", None) in _UNCATCHABLE and not any(
        getattr(name, "error_name", None) == error_name.error_name for name in self.error_names
    ):
        env.stack[-1] = False


@contextlib.contextmanager
def bridged() -> Iterator[None]:
    """moto with the gaps above bridged, for the duration of the block."""
    sdk = aws_sdk.StateTaskServiceAwsSdk
    with contextlib.ExitStack() as stack:
        stack.enter_context(
            mock.patch.object(StateTaskServiceGlue, "_eval_integration_pattern", _glue_sync)
        )
        stack.enter_context(mock.patch.object(ErrorEqualsDecl, "_eval_body", _error_equals))
        stack.enter_context(mock.patch.object(FakeCrawler, "status", property(_crawler_status)))
        stack.enter_context(mock.patch.object(sdk, "_normalise_parameters", _aws_sdk_parameters))
        stack.enter_context(mock.patch.object(sdk, "_normalise_response", _aws_sdk_response))
        for module in _EVALUATING_PATHS:
            stack.enter_context(
                mock.patch.object(
                    importlib.import_module(module), "extract_json", _extract_definite
                )
            )
        overrides: dict[str, str] = StateTaskService._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES
        stack.enter_context(mock.patch.dict(overrides, {"redshiftdata": "redshift-data"}))
        for service, name in _ERROR_NAMES.items():
            stack.enter_context(mock.patch.dict(aws_sdk._SERVICE_ERROR_NAMES, {service: name}))
        yield
