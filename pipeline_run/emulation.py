"""Emulated AWS for one captured stack: moto's services, populated from the program's own capture,
with the Glue crawler and jobs served by `LocalGlue` and the Redshift Data API by
`LocalWarehouse`. Step Functions executes the declared definitions in moto's ASL interpreter.

What the emulation changes, and only this: every Wait state waits `wait_seconds` (0 by default)
instead of its declared time, Glue and the Redshift Data API are served locally (see their
modules), and the functions' handlers are called in-process with their declared environment
instead of through Lambda (from EventBridge rules and from the state machines' Lambda tasks). A
crawl finishes as soon as it has registered its table; with `crawls_finish=False` it stays
RUNNING (a crawler that never ends, for drills). S3 reports every object created in a bucket with
EventBridge notifications; the events wait until `deliver_pending()` hands them to the declared
rules (the delivery is asynchronous in AWS too), which reading the alerts does first.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import boto3  # type: ignore[import-untyped]
import pulumi
from moto import mock_aws
from moto.core.config import DefaultConfig
from moto.glue.models import FakeCrawler, FakeJob, GlueBackend
from moto.moto_api import state_manager
from moto.s3 import notifications
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

from components.delivery.names import TARGET_DEPLOY_ROLE, TARGET_ROLE_PATH
from components.warehouse.sql import iam_role_user
from offline.capture import PROJECT_ROOT, Capture, offline_account
from offline.mocks import Registration
from pipeline_run import moto_gaps
from pipeline_run.deployment import PipelineDeployment, deployments
from pipeline_run.engine import Engine, Identity
from pipeline_run.events import QUEUE_TYPE, Delivery, EventBus, object_created_event
from pipeline_run.local_data_api import LocalDataApi
from pipeline_run.local_glue import LocalGlue, LocalJob, SparkFactory
from pipeline_run.local_warehouse import LocalWarehouse
from runtime.ingest import handler

CRAWL_MODEL = "glue::crawl"
DEPLOY_IDENTITY = Identity(f"{TARGET_ROLE_PATH}{TARGET_DEPLOY_ROLE}")
"""Who deploys the warehouse's objects: the release's deploy role (the admin secret)."""


@dataclass(frozen=True)
class Clients:
    s3: Any
    sfn: Any
    glue: Any
    sns: Any
    sqs: Any


class Emulation(contextlib.AbstractContextManager["Emulation"]):
    """moto started, the stack's resources created from the capture, Glue and Redshift local."""

    def __init__(
        self,
        capture: Capture,
        *,
        spark: SparkFactory,
        workdir: Path,
        wait_seconds: int = 0,
        crawls_finish: bool = True,
    ) -> None:
        self.capture, self.workdir, self.wait_seconds = capture, workdir, wait_seconds
        self.crawls_finish = crawls_finish
        self.region = capture.config.region
        self.account = offline_account(capture.config)
        self.pipelines: dict[str, PipelineDeployment] = deployments(capture)
        self._spark = spark
        self._stack = contextlib.ExitStack()
        self._alert_queue = ""
        self._loaders: dict[str, str] = {}
        self._created: list[tuple[str, str, int, str]] = []
        self._delivered: set[tuple[str, str, str]] = set()
        self._events_lock = threading.Lock()
        self._event_buckets = {
            str(r.inputs["bucket"])
            for r in _of_type(capture.resources, NOTIFICATION_TYPE)
            if r.inputs.get("eventbridge")
        }

    def __enter__(self) -> Emulation:
        # moto answers as the account the capture's ARNs name.
        environment = {"AWS_DEFAULT_REGION": self.region, "MOTO_ACCOUNT_ID": self.account}
        self._stack.enter_context(mock.patch.dict(os.environ, environment))
        self._stack.enter_context(moto_gaps.bridged())
        self._stack.enter_context(
            mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        )
        self._stack.enter_context(_crawls_end_when_told())
        self.clients = Clients(*(boto3.client(s, region_name=self.region) for s in _SERVICES))
        self.glue = LocalGlue(self.clients.s3, self.clients.glue, self._spark, self.workdir)
        self.warehouse = LocalWarehouse(self.clients.s3, self.workdir)
        self.data_api = LocalDataApi(self.warehouse, self.account, user_for=self._loader_of)
        self.engine = Engine(self.account)
        self._stack.callback(self.glue.close)
        self._stack.enter_context(self._serve_glue())
        self._stack.enter_context(self.data_api.serving())
        self._stack.enter_context(self._record_created_objects())
        self._create_resources()
        functions = self.workdir / "functions"
        self.events = EventBus(self.capture.resources, self.clients.sqs, functions)
        self._stack.enter_context(self._serve_lambda_tasks())
        handler._clients.cache_clear()
        self._stack.callback(handler._clients.cache_clear)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    # -- resources from the capture -------------------------------------------------------------

    def _create_resources(self) -> None:
        resources = self.capture.resources
        for bucket in _of_type(resources, "aws:s3/bucket:Bucket"):
            self.clients.s3.create_bucket(
                Bucket=bucket.outputs["bucket"],
                CreateBucketConfiguration={"LocationConstraint": self.region},
            )
        for shipped in _of_type(resources, "aws:s3/bucketObjectv2:BucketObjectv2"):
            self._upload(shipped)
        for queue in _of_type(resources, QUEUE_TYPE):
            self.clients.sqs.create_queue(QueueName=queue.outputs["name"])
        for database in _of_type(resources, "aws:glue/catalogDatabase:CatalogDatabase"):
            self.clients.glue.create_database(DatabaseInput={"Name": database.inputs["name"]})
        topics = {p.alert_topic_arn for p in self.pipelines.values()}
        self._alert_queue = self._subscribe_queue(topics)
        for pipeline in self.pipelines.values():
            self._create_pipeline(pipeline)
        self.engine.up(resources, DEPLOY_IDENTITY)

    def _upload(self, shipped: Registration) -> None:
        """An object the program ships from a file of the repository (the Glue scripts)."""
        source = shipped.inputs.get("source")
        if isinstance(source, pulumi.FileAsset):
            body = (PROJECT_ROOT / str(source.path)).read_bytes()  # relative to the program
            self.clients.s3.put_object(
                Bucket=shipped.inputs["bucket"], Key=shipped.inputs["key"], Body=body
            )

    def _create_pipeline(self, pipeline: PipelineDeployment) -> None:
        crawler, job = pipeline.crawler.inputs, pipeline.job.inputs
        self.clients.glue.create_crawler(
            Name=crawler["name"],
            Role=crawler["role"],
            DatabaseName=crawler["databaseName"],
            Targets={"S3Targets": [{"Path": t["path"]} for t in crawler["s3Targets"]]},
        )
        self.clients.glue.create_job(
            Name=pipeline.job_name,
            Role=job["roleArn"],
            Command={"Name": "glueetl", "ScriptLocation": job["command"]["scriptLocation"]},
            DefaultArguments=job.get("defaultArguments") or {},
        )
        self.glue.add_job(
            LocalJob(
                pipeline.job_name,
                job["command"]["scriptLocation"],
                job.get("defaultArguments") or {},
            )
        )
        self.clients.sfn.create_state_machine(
            name=pipeline.state_machine_name,
            definition=json.dumps(shorten_waits(pipeline.definition, self.wait_seconds)),
            roleArn=pipeline.role_arn,
        )
        load_sql = pipeline.load_sql
        if load_sql is not None:  # the state machine's role is who the load runs as
            self._loaders[load_sql] = pipeline.role_arn.rsplit("/", 1)[-1]

    def _subscribe_queue(self, topics: set[str]) -> str:
        url = self.clients.sqs.create_queue(QueueName="emulated-alerts")["QueueUrl"]
        arn = self.clients.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        for topic in topics:
            name = topic.rsplit(":", 1)[-1]
            created = self.clients.sns.create_topic(Name=name)["TopicArn"]
            self.clients.sns.subscribe(
                TopicArn=created,
                Protocol="sqs",
                Endpoint=arn["Attributes"]["QueueArn"],
                Attributes={"RawMessageDelivery": "true"},
            )
        return str(url)

    # -- what the driver does here that AWS would do -------------------------------------------

    def alerts(self) -> list[str]:
        """Every message published to the alert topics so far (read once), after the events of
        the objects created so far have been delivered."""
        self.deliver_pending()
        messages: list[str] = []
        while True:
            batch = self.clients.sqs.receive_message(
                QueueUrl=self._alert_queue, MaxNumberOfMessages=10
            ).get("Messages", [])
            if not batch:
                return messages
            for message in batch:
                messages.append(message["Body"])
                self.clients.sqs.delete_message(
                    QueueUrl=self._alert_queue, ReceiptHandle=message["ReceiptHandle"]
                )

    def object_created(self, pipeline: PipelineDeployment, key: str) -> Delivery:
        """EventBridge's "Object Created" event for an object landed in the pipeline's raw bucket,
        delivered to every declared rule it matches (see events.py); the pipeline's ingestion
        function runs with `pipeline.function_environment`."""
        head = self.clients.s3.head_object(Bucket=pipeline.raw_bucket, Key=key)
        environment = pipeline.function_environment
        delivery = self._deliver(
            pipeline.raw_bucket,
            key,
            head["ContentLength"],
            head["ETag"],
            {f"{pipeline.name}-ingest-function": environment} if environment else None,
        )
        if not delivery.rules:
            raise LookupError(f"{key}: no declared rule matches its Object Created event")
        return delivery

    def deliver_pending(self) -> list[Delivery]:
        """The events of the objects created since the last delivery, in order, to the declared
        rules they match (an object already delivered by `object_created` is not sent again)."""
        deliveries: list[Delivery] = []
        while True:
            with self._events_lock:
                created, self._created = self._created, []
            if not created:
                return deliveries
            deliveries += [self._deliver(*item) for item in created]

    def _deliver(
        self,
        bucket: str,
        key: str,
        size: int,
        etag: str,
        environments: Mapping[str, Mapping[str, str]] | None = None,
    ) -> Delivery:
        with self._events_lock:
            seen = (bucket, key, etag.strip('"'))
            if seen in self._delivered:
                return Delivery()
            self._delivered.add(seen)
        event = object_created_event(self.region, bucket, key, size, etag, account=self.account)
        return self.events.deliver(event, environments)

    @contextlib.contextmanager
    def _record_created_objects(self) -> Iterator[None]:
        """Every object created in a bucket the program sends to EventBridge, as S3 reports it."""
        original = notifications.send_event

        def send_event(
            account_id: str, event_name: notifications.S3NotificationEvent, bucket: Any, key: Any
        ) -> None:
            if event_name.startswith("s3:ObjectCreated") and bucket.name in self._event_buckets:
                with self._events_lock:
                    self._created.append((bucket.name, key.name, key.size, key.etag))
            original(account_id, event_name, bucket, key)

        with mock.patch.object(notifications, "send_event", send_event):
            yield

    @contextlib.contextmanager
    def _serve_lambda_tasks(self) -> Iterator[None]:
        """A state machine's Lambda task invokes the declared function's handler in-process, and
        gets its result, or its error, as Lambda's Invoke answers."""
        functions = self.events.functions

        def invoke(parameters: dict[str, Any], region: str, state_credentials: Any) -> Any:
            name = str(parameters["FunctionName"])
            function = functions.get(name) or next(
                (f for arn, f in functions.items() if arn.rsplit(":", 1)[-1] == name), None
            )
            if function is None:
                raise LookupError(f"no emulated function {name}")
            payload = json.loads(parameters.get("Payload") or b"{}")
            try:
                result, _ = function.invoke(payload)
            except Exception as error:  # an unhandled error, as Lambda reports one
                failure = {"errorType": type(error).__name__, "errorMessage": str(error)}
                return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": failure}
            return {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": result}

        with mock.patch.object(lambda_eval_utils, "_invoke_lambda_function", invoke):
            yield

    # -- Glue and the Data API, served locally -------------------------------------------------

    @contextlib.contextmanager
    def _serve_glue(self) -> Iterator[None]:
        glue, crawls_finish = self.glue, self.crawls_finish
        originals = (
            FakeJob.start_job_run,
            FakeJob.get_job_run,
            FakeJob.get_job_runs,
            GlueBackend.start_crawler,
            FakeCrawler.as_dict,
        )

        def start_job_run(job: FakeJob, **kwargs: Any) -> str:
            if not glue.serves(job.name):
                return originals[0](job, **kwargs)
            return glue.start_job_run(job.name, kwargs.get("arguments"))

        def get_job_run(job: FakeJob, run_id: str) -> Any:
            return (
                glue.job_run(job.name, run_id)
                if glue.serves(job.name)
                else originals[1](job, run_id)
            )

        def get_job_runs(job: FakeJob) -> Any:
            return glue.job_runs(job.name) if glue.serves(job.name) else originals[2](job)

        def start_crawler(backend: GlueBackend, name: str) -> None:
            originals[3](backend, name)
            crawler = backend.get_crawler(name)
            if not crawls_finish:
                return
            for target in crawler.targets.get("S3Targets", []):
                glue.crawl(crawler.database_name, target["Path"])
            crawler.crawls[-1].status = "COMPLETED"

        def describe_crawler(crawler: FakeCrawler) -> dict[str, Any]:
            # moto names a finished crawl COMPLETED; Glue's GetCrawler says SUCCEEDED.
            described: dict[str, Any] = originals[4](crawler)
            last = described.get("LastCrawl")
            if last is not None and last.get("Status") == "COMPLETED":
                last["Status"] = "SUCCEEDED"
            return described

        with contextlib.ExitStack() as stack:
            stack.enter_context(mock.patch.object(FakeJob, "start_job_run", start_job_run))
            stack.enter_context(mock.patch.object(FakeJob, "get_job_run", get_job_run))
            stack.enter_context(mock.patch.object(FakeJob, "get_job_runs", get_job_runs))
            stack.enter_context(mock.patch.object(GlueBackend, "start_crawler", start_crawler))
            stack.enter_context(mock.patch.object(FakeCrawler, "as_dict", describe_crawler))
            yield

    def _loader_of(self, sql: str, caller: str) -> str | None:
        """The database user a state machine's load runs as: its role's (moto runs every
        execution's calls as one caller, so the declared load statement says whose it is)."""
        role = self._loaders.get(sql)
        return iam_role_user(role) if role is not None else None


NOTIFICATION_TYPE = "aws:s3/bucketNotification:BucketNotification"
_SERVICES = ("s3", "stepfunctions", "glue", "sns", "sqs")
# moto runs the declared definitions with its ASL interpreter.
_EXECUTES_STATE_MACHINES: DefaultConfig = {"stepfunctions": {"execute_state_machine": True}}


def shorten_waits(definition: Mapping[str, Any], seconds: int) -> dict[str, Any]:
    """The definition with every Wait state, Map item processors included, waiting `seconds`."""
    result = copy.deepcopy(dict(definition))

    def visit(states: dict[str, Any]) -> None:
        for state in states.values():
            if state.get("Type") == "Wait":
                state["Seconds"] = seconds
            if state.get("Type") == "Map":
                visit(state["ItemProcessor"]["States"])

    visit(result["States"])
    return result


def _of_type(resources: tuple[Registration, ...], kind: str) -> list[Registration]:
    return [r for r in resources if r.type == kind]


@contextlib.contextmanager
def _crawls_end_when_told() -> Iterator[None]:
    """moto ends a crawl the first time it is read; here a crawl ends when the emulation ends it."""
    state_manager.set_transition(CRAWL_MODEL, {"progression": "manual", "times": sys.maxsize})
    try:
        yield
    finally:
        state_manager.unset_transition(CRAWL_MODEL)
