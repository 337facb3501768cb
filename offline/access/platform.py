"""The run-time principals of a platform stack and the calls each makes: state machines (from
their definitions), ingestion functions and Glue jobs (from their code and declared inputs),
crawlers, the warehouse's COPY role, and the roles EventBridge targets run as."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from components.operations.alerts import HANDLER_FILE as ALERT_HANDLER
from components.pipelines.ingestion import HANDLER_FILE as INGEST_HANDLER
from offline.access.calls import Call, call, key_calls
from offline.access.sdk_calls import SdkCall, iam_actions, resourceless
from offline.access.world import Role, Stack, World
from offline.mocks import Registration

Extract = Callable[[Sequence[Path]], list[SdkCall]]
Target = tuple[str, str, dict[str, Any]]
"""(IAM action, resource ARN, request context) of one bound use."""
MACHINE = "aws:sfn/stateMachine:StateMachine"
FUNCTION = "aws:lambda/function:Function"
JOB, CRAWLER = "aws:glue/job:Job", "aws:glue/crawler:Crawler"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
WORKGROUP = "aws:redshiftserverless/workgroup:Workgroup"
CLUSTER = "aws:redshift/cluster:Cluster"
NAMESPACE = "aws:redshiftserverless/namespace:Namespace"
SECURITY_CONFIGURATION = "aws:glue/securityConfiguration:SecurityConfiguration"
_TASK = re.compile(r"arn:[\w-]+:states:::(aws-sdk:)?([\w-]+):(\w+)(\.sync|\.waitForTaskToken)?")
# Optimized integrations and what they call (AWS Step Functions Developer Guide, each
# integration's "IAM policies": Glue's .sync polls the run and stops it when the task stops).
OPTIMIZED = {
    "glue:startJobRun.sync": (
        "glue:StartJobRun",
        "glue:GetJobRun",
        "glue:GetJobRuns",
        "glue:BatchStopJobRun",
    ),
    "glue:startJobRun": ("glue:StartJobRun",),
    "sns:publish": ("sns:Publish",),
    # Step Functions Developer Guide, "Invoke an AWS Lambda function": lambda:InvokeFunction on
    # the function named by FunctionName.
    "lambda:invoke": ("lambda:InvokeFunction",),
}
# Vended log delivery and X-Ray (Step Functions Developer Guide, "IAM policies for logging to
# CloudWatch Logs" and "IAM policies for using AWS X-Ray"): no resource-level permissions.
MACHINE_LOGGING = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
TRACING = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")


class UnplacedCallError(LookupError):
    """A call the proof knows is made but cannot attach to a resource: the model needs it."""


def _arn(world: World, registration: Registration, *, service: str, resource: str) -> str:
    stack = world.stack_of(registration)
    return f"arn:aws:{service}:{stack.region}:{stack.account}:{resource}"


def s3_arn(bucket: str, key: str | None = None) -> str:
    return f"arn:aws:s3:::{bucket}" + ("" if key is None else f"/{key}")


def with_keys(world: World, made: Call, key_arn: str | None) -> Iterator[Call]:
    yield made
    yield from key_calls(world, made, key_arn)


def s3_calls(world: World, role: Role, targets: Sequence[Target], origin: str) -> Iterator[Call]:
    """S3 requests with the bucket key's hidden needs."""
    for action, resource, context in targets:
        made = call(role, action, resource, origin, **context)
        bucket = resource.removeprefix("arn:aws:s3:::").split("/", 1)[0]
        yield from with_keys(world, made, world.bucket_key(bucket))


# --- state machines -----------------------------------------------------------------------


def _states(definition: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in definition.get("States", {}).items():
        yield name, state
        for branch in state.get("Branches", []):
            yield from _states(branch)
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                yield from _states(state[key])


def machine_calls(world: World) -> Iterator[Call]:
    """Each Task state's calls as the machine's role, and what running the machine needs."""
    for machine in world.of_type(MACHINE):
        role = world.role_of(machine, "roleArn")
        assert role is not None, f"{machine.name}: its role is not declared"
        arn, name = str(machine.outputs["arn"]), machine.inputs["name"]
        definition = json.loads(machine.inputs["definition"])
        listed = _listed_prefixes(definition)
        for state, task in _states(definition):
            if task.get("Type") != "Task":
                continue
            origin = f"state machine {name}, state {state} ({task['Resource']})"
            yield from _task_calls(world, machine, role, task, listed=listed, origin=origin)
        key = (machine.inputs.get("encryptionConfiguration") or {}).get("kmsKeyId")
        own = call(role, "states:StartExecution", arn, f"state machine {name} runs")
        for made in key_calls(world, own, key):
            yield Call(role, made.request, f"{name} encrypts its execution data")
        for made in key_calls(world, call(role, "states:DescribeExecution", arn, ""), key):
            yield Call(role, made.request, f"{name} decrypts its execution data")
        if machine.inputs.get("loggingConfiguration"):
            yield from (call(role, a, "*", f"{name} logs") for a in MACHINE_LOGGING)
        if (machine.inputs.get("tracingConfiguration") or {}).get("enabled"):
            yield from (call(role, a, "*", f"{name} is traced") for a in TRACING)


def _listed_prefixes(definition: dict[str, Any]) -> dict[str, list[str]]:
    """Bucket -> static prefixes the definition lists: where keys from a listing come from."""
    found: dict[str, list[str]] = {}
    for _, task in _states(definition):
        params = task.get("Parameters") or {}
        if "Bucket" in params and isinstance(params.get("Prefix"), str):
            found.setdefault(params["Bucket"], []).append(params["Prefix"])
    return found


def _task_calls(
    world: World,
    machine: Registration,
    role: Role,
    task: dict[str, Any],
    *,
    listed: dict[str, list[str]],
    origin: str,
) -> Iterator[Call]:
    match = _TASK.fullmatch(task["Resource"])
    if match is None:
        raise UnplacedCallError(f"{origin}: not a service integration the proof reads")
    sdk, service, api, suffix = match.groups()
    params = task.get("Parameters") or {}
    if sdk:
        actions = iam_actions(service, re.sub(r"(?<!^)([A-Z])", r"_\1", api).lower())
    else:
        integration = f"{service}:{api}{suffix or ''}"
        if integration not in OPTIMIZED:
            raise UnplacedCallError(f"{origin}: integration {integration} is not in OPTIMIZED")
        actions = OPTIMIZED[integration]
    for action in actions:
        for resource, context, key in _task_resource(world, machine, action, params, listed):
            yield from with_keys(world, call(role, action, resource, origin, **context), key)
        if action == "redshift-data:ExecuteStatement":
            yield from _data_api_credentials(world, machine, role, params, origin)


def _task_resource(
    world: World,
    machine: Registration,
    action: str,
    params: dict[str, Any],
    listed: dict[str, list[str]],
) -> list[tuple[str, dict[str, Any], str | None]]:
    """(resource, context, key of the data) of one action of a Task, from its Parameters."""
    service = action.split(":", 1)[0]
    if service == "glue":
        kind, name = (
            ("job/", params["JobName"]) if "JobName" in params else ("crawler/", params["Name"])
        )
        return [(_arn(world, machine, service="glue", resource=f"{kind}{name}"), {}, None)]
    if service == "s3":
        return _s3_task(world, action, params, listed)
    return _message_or_data_task(world, machine, action, params)


def _message_or_data_task(
    world: World, machine: Registration, action: str, params: dict[str, Any]
) -> list[tuple[str, dict[str, Any], str | None]]:
    service = action.split(":", 1)[0]
    if service == "sqs":
        queue = world.queue(params["QueueUrl"])
        assert queue is not None, f"queue {params['QueueUrl']} is not declared"
        return [(str(queue.outputs["arn"]), {}, queue.inputs.get("kmsMasterKeyId"))]
    if service == "lambda":
        return [(str(params["FunctionName"]), {}, None)]
    if service == "sns":
        topic = world.by_arn(params["TopicArn"])
        if topic is None:
            raise UnplacedCallError(f"{action}: topic {params['TopicArn']} is not declared")
        return [(params["TopicArn"], {}, topic.inputs.get("kmsMasterKeyId"))]
    if action == "redshift-data:ExecuteStatement":
        target = _warehouse(world, machine, params)
        return [(str(target.outputs["arn"]), _tag_context(target), None)]
    if action in ("redshift-data:DescribeStatement", "redshift-data:GetStatementResult"):
        return [("*", {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}, None)]
    if resourceless(action):
        # PutMetricData's only condition key is the namespace it puts to.
        metrics = action == "cloudwatch:PutMetricData"
        return [("*", {"cloudwatch:namespace": params["Namespace"]} if metrics else {}, None)]
    raise UnplacedCallError(f"{action}: no resource for Parameters {sorted(params)}")


def _s3_task(
    world: World, action: str, params: dict[str, Any], listed: dict[str, list[str]]
) -> list[tuple[str, dict[str, Any], str | None]]:
    if "Bucket" not in params:
        raise UnplacedCallError(f"{action}: the bucket is not static: {sorted(params)}")
    bucket, prefixes = params["Bucket"], listed.get(params["Bucket"], [])
    if action in ("s3:ListBucket", "s3:ListBucketVersions"):
        found = _keys(params, "Prefix", prefixes, suffix="")
        return [(s3_arn(bucket), {"s3:prefix": p}, None) for p in _placed(action, found)]
    # CopyObject reads its CopySource (`<bucket>/<key>`) and writes its Key.
    copied = action == "s3:GetObject" and ("CopySource" in params or "CopySource.$" in params)
    if copied:
        keys = _keys(params, "CopySource", prefixes, suffix="x", static=f"{bucket}/")
    else:
        keys = _keys(params, "Key", prefixes, suffix="x")
    return [(s3_arn(bucket, k), {}, world.bucket_key(bucket)) for k in _placed(action, keys)]


def _placed(action: str, keys: list[str]) -> list[str]:
    if not keys:
        raise UnplacedCallError(f"{action}: its key comes from a path the definition never lists")
    return keys


_FORMAT_PREFIX = re.compile(r"States\.Format\('([^'{]*)")


def _keys(
    params: dict[str, Any], field: str, listed: list[str], *, suffix: str, static: str = ""
) -> list[str]:
    """The keys (or prefixes) a field names: its value; the static start of a `States.Format`
    path (after `static`, which a CopySource's `<bucket>/` is); otherwise (a key from a path)
    one under each prefix the definition listed."""
    if isinstance(params.get(field), str):
        return [params[field].removeprefix(static)]
    found = _FORMAT_PREFIX.match(str(params.get(f"{field}.$", "")))
    start = found.group(1).removeprefix(static) if found is not None else ""
    if start:
        return [f"{start}{suffix}"]
    return [f"{p}{suffix}" for p in listed]


def _warehouse(world: World, machine: Registration, params: dict[str, Any]) -> Registration:
    if "WorkgroupName" in params:
        found = [
            w
            for w in world.of_type(WORKGROUP)
            if w.inputs["workgroupName"] == params["WorkgroupName"]
        ]
    else:
        found = [
            c
            for c in world.of_type(CLUSTER)
            if c.inputs["clusterIdentifier"] == params.get("ClusterIdentifier")
        ]
    assert found, f"{machine.name}: the warehouse of {params} is not declared"
    return found[0]


def _tag_context(registration: Registration) -> dict[str, Any]:
    tags = registration.inputs.get("tags") or {}
    return {f"aws:ResourceTag/{k}": v for k, v in tags.items()}


def _data_api_credentials(
    world: World, machine: Registration, role: Role, params: dict[str, Any], origin: str
) -> Iterator[Call]:
    """The Data API's temporary database credentials for an IAM caller (Amazon Redshift
    Management Guide, 'Authorizing access to the Amazon Redshift Data API')."""
    target = _warehouse(world, machine, params)
    why = f"{origin}: the Data API gets database credentials as the caller"
    if target.type == WORKGROUP:
        yield call(
            role,
            "redshift-serverless:GetCredentials",
            str(target.outputs["arn"]),
            why,
            **_tag_context(target),
        )
    else:
        db = f"dbname:{target.inputs['clusterIdentifier']}/{params['Database']}"
        yield call(
            role,
            "redshift:GetClusterCredentialsWithIAM",
            _arn(world, machine, service="redshift", resource=db),
            why,
        )


def warehouse_calls_as(
    world: World, stack: Stack, role: Role, actions: Sequence[str], origin: str
) -> Iterator[Call]:
    """Data API `actions` on the stack's warehouse as `role`, with the credentials they need."""
    found = [
        r
        for r in (*world.of_type(WORKGROUP), *world.of_type(CLUSTER))
        if world.stack_of(r) == stack
    ]
    for target in found:
        params = (
            {"WorkgroupName": target.inputs["workgroupName"]}
            if target.type == WORKGROUP
            else {"ClusterIdentifier": target.inputs["clusterIdentifier"]}
        )
        params["Database"] = _database(world, target)
        for action in actions:
            for resource, context, _ in _message_or_data_task(world, target, action, params):
                yield call(role, action, resource, origin, **context)
        yield from _data_api_credentials(world, target, role, params, origin)


def _database(world: World, target: Registration) -> str:
    if target.type == CLUSTER:
        return str(target.inputs["databaseName"])
    namespace = next(
        n
        for n in world.of_type(NAMESPACE)
        if n.inputs["namespaceName"] == target.inputs["namespaceName"]
    )
    return str(namespace.inputs["dbName"])


# --- code: ingestion functions ------------------------------------------------------------


def _assets(function: Registration) -> dict[str, Any]:
    """The function's code archive: name in the archive -> asset."""
    return dict(getattr(function.inputs["code"], "assets", {}) or {})


def function_files(function: Registration) -> list[Path]:
    """The repository files a function ships (its code archive's file assets)."""
    return [Path(a.path) for a in _assets(function).values() if hasattr(a, "path")]


def function_calls(world: World, extract: Extract) -> Iterator[Call]:
    """What each function's code calls (bound to the function's declared environment), and
    what Lambda needs of its role: logs, traces, the dead-letter queue."""
    for function in world.of_type(FUNCTION):
        role = world.role_of(function, "role")
        assert role is not None, f"{function.name}: its role is not declared"
        env = (function.inputs.get("environment") or {}).get("variables") or {}
        files = function_files(function)
        placing = [TARGETS[f.as_posix()] for f in files if f.as_posix() in TARGETS]
        if len(placing) != 1:
            shipped = ", ".join(f.as_posix() for f in files)
            raise UnplacedCallError(
                f"function {function.inputs['name']} ships {shipped}: the proof knows where the"
                f" code of {', '.join(TARGETS)} acts (offline/access/platform.py TARGETS)"
            )
        targets = placing[0](world, function, env)
        for sdk in extract(files):
            yield from bind(world, role, sdk, targets, f"function {function.inputs['name']}")
        yield from _lambda_service_calls(world, function, role)


def _ingest_targets(
    world: World, function: Registration, env: dict[str, str]
) -> dict[tuple[str, str], list[Target]]:
    """Where the ingestion handler acts (runtime/ingest/handler.py): the landed object under
    SOURCE_PREFIX, its quarantine copy under QUARANTINE_PREFIX, the STATE_MACHINE_ARN."""
    bucket = _source_bucket(world, function)
    source = s3_arn(bucket, f"{env['SOURCE_PREFIX']}landed.csv")
    quarantine = s3_arn(bucket, f"{env['QUARANTINE_PREFIX']}landed.csv")
    return {
        ("s3", "get_object"): [("s3:GetObject", source, {})],
        ("s3", "head_object"): [("s3:GetObject", quarantine, {})],
        ("s3", "delete_object"): [("s3:DeleteObject", source, {})],
        ("s3", "copy"): [
            ("s3:GetObject", source, {}),
            ("s3:PutObject", quarantine, {}),
            ("s3:AbortMultipartUpload", quarantine, {}),
        ],
        ("stepfunctions", "start_execution"): [
            ("states:StartExecution", env["STATE_MACHINE_ARN"], {})
        ],
    }


def _alert_targets(
    world: World, function: Registration, env: dict[str, str]
) -> dict[tuple[str, str], list[Target]]:
    """Where the alert function acts (runtime/alerts/handler.py), for each pipeline in the
    `pipelines.json` its code carries: a quarantined file's reason (HeadObject) in the raw
    bucket, run reports and load attempts (GetObject, listed by prefix) in the curated bucket,
    and the alert topic."""
    known = json.loads(_assets(function)["pipelines.json"].text)["pipelines"]
    raw, curated = env["RAW_BUCKET"], env["CURATED_BUCKET"]
    return {
        ("s3", "head_object"): [
            ("s3:GetObject", s3_arn(raw, f"{p['quarantine_prefix']}x.csv"), {}) for p in known
        ],
        ("s3", "get_object"): [
            ("s3:GetObject", s3_arn(curated, f"{p[prefix]}x.json"), {})
            for p in known
            for prefix in ("run_report_prefix", "load_attempts_prefix")
        ],
        ("s3", "list_objects_v2"): [
            ("s3:ListBucket", s3_arn(curated), {"s3:prefix": f"{p['load_attempts_prefix']}x/"})
            for p in known
        ],
        ("sns", "publish"): [("sns:Publish", env["ALERT_TOPIC_ARN"], {})],
    }


# Each function's handler, by the repository file it ships -> where its SDK calls act.
TARGETS: dict[
    str, Callable[[World, Registration, dict[str, str]], dict[tuple[str, str], list[Target]]]
] = {
    INGEST_HANDLER: _ingest_targets,
    ALERT_HANDLER: _alert_targets,
}


def _source_bucket(world: World, function: Registration) -> str:
    """The bucket of the EventBridge rule that invokes the function."""
    for target in world.of_type(EVENT_TARGET):
        if target.inputs.get("arn") == function.outputs["arn"]:
            rule = world.by_urn[target.property_dependencies["rule"][0]]
            pattern = json.loads(rule.inputs["eventPattern"])
            return str(pattern["detail"]["bucket"]["name"][0])
    raise UnplacedCallError(f"{function.name}: no rule invokes it, so its bucket is unknown")


def _lambda_service_calls(world: World, function: Registration, role: Role) -> Iterator[Call]:
    name = function.inputs["name"]
    origin = f"Lambda runs {name} (AWS Lambda Developer Guide, 'Lambda execution role')"
    group = (function.inputs.get("loggingConfig") or {}).get("logGroup")
    if group:
        group_arn = _arn(world, function, service="logs", resource=f"log-group:{group}:*")
        yield call(role, "logs:CreateLogStream", group_arn, origin)
        yield call(role, "logs:PutLogEvents", group_arn, origin)
    if (function.inputs.get("tracingConfig") or {}).get("mode") == "Active":
        yield from (call(role, a, "*", origin) for a in TRACING)
    dlq = (function.inputs.get("deadLetterConfig") or {}).get("targetArn")
    if dlq:
        queue = world.queue(dlq)
        key = queue.inputs.get("kmsMasterKeyId") if queue is not None else None
        yield from with_keys(world, call(role, "sqs:SendMessage", dlq, origin), key)


NOT_MADE: list[Target] = []
"""Placed for an operation the actor's code holds but its arguments turn off (a Glue job's
migrations without `--migrations`): the call is not made, so it needs no grant."""


def bind(
    world: World,
    role: Role,
    sdk: SdkCall,
    targets: dict[tuple[str, str], list[Target]],
    who: str,
) -> Iterator[Call]:
    """A code call with the resources its actor uses it on; every IAM action the operation
    needs must be placed, or the proof names the call."""
    origin = f"{who}: {sdk.location} {sdk.service}.{sdk.method}"
    placed = targets.get((sdk.service, sdk.method))
    if placed is None:
        raise UnplacedCallError(f"{origin}: the proof does not know where this call acts")
    if placed is NOT_MADE:
        return
    needed = set(iam_actions(sdk.service, sdk.method))
    if missing := needed - {a for a, _, _ in placed}:
        raise UnplacedCallError(f"{origin}: needs {sorted(missing)}, which are not placed")
    yield from s3_calls(world, role, [t for t in placed if t[0].startswith("s3:")], origin)
    for action, resource, context in placed:
        if not action.startswith("s3:"):
            made = call(role, action, resource, origin, **context)
            yield from with_keys(world, made, data_key(world, action, resource))


def data_key(world: World, action: str, resource: str) -> str | None:
    """The customer key of the data `resource` holds (a state machine's, a queue's)."""
    if action.startswith("states:"):
        machine_arn = resource.rsplit(":", 1)[0].replace(":execution:", ":stateMachine:", 1)
        found = world.by_arn(resource) or world.by_arn(machine_arn)
        config = (found.inputs.get("encryptionConfiguration") or {}) if found else {}
        return config.get("kmsKeyId")
    return None
