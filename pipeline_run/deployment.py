"""What the driver knows about one deployed pipeline, read from what the program declared.

Everything comes from the offline capture of a stack: the Glue job's declared arguments name the
buckets and prefixes, the state machine's declared definition names the alert topic, the
ingestion function's declared environment is what its handler reads. Nothing is listed twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from components.pipelines.asl import (
    LOAD_PENDING_MANIFESTS,
    LOAD_WAREHOUSE,
    NOTIFY_FAILURE,
    NOTIFY_FAILURE_DIRECTLY,
)
from offline.capture import Capture
from offline.mocks import Registration
from runtime.glue.etl_job import split_s3_url
from stack_config.lake import CURATED_ZONE, RAW_ZONE
from stack_config.pipelines import PipelineSettings, ScheduleTrigger


class DeploymentError(LookupError):
    """The capture does not hold a resource the run needs (a broken or renamed declaration)."""


@dataclass(frozen=True)
class PipelineDeployment:
    """One pipeline as deployed: its config, where its data lives and what runs it."""

    name: str
    settings: PipelineSettings
    raw_bucket: str
    curated_bucket: str
    state_machine_name: str
    state_machine_arn: str
    definition: Mapping[str, Any]
    role_arn: str
    alert_topic_arn: str
    crawler: Registration
    job: Registration
    function_environment: Mapping[str, str] | None
    schedule_rule_arn: str | None

    @property
    def scheduled(self) -> bool:
        return isinstance(self.settings.trigger, ScheduleTrigger)

    @property
    def job_name(self) -> str:
        return str(self.job.outputs.get("name") or self.job.inputs["name"])

    @property
    def crawler_name(self) -> str:
        return str(self.crawler.inputs["name"])

    @property
    def load_sql(self) -> str | None:
        """The statement the definition runs to load a manifest into the warehouse, if any."""
        load = self.definition.get("States", {}).get(LOAD_PENDING_MANIFESTS)
        if load is None:
            return None
        return str(load["ItemProcessor"]["States"][LOAD_WAREHOUSE]["Parameters"]["Sql"])


def deployments(capture: Capture) -> dict[str, PipelineDeployment]:
    """Every pipeline of the captured stack, by name."""
    by_name = {r.name: r for r in capture.resources}
    return {
        p.name: _deployment(p, by_name, capture.resources)
        for p in capture.config.platform.pipelines
    }


def deployed(capture: Capture, outputs: Mapping[str, Any]) -> dict[str, PipelineDeployment]:
    """The captured pipelines with the names the deployment gave them (its stack outputs)."""
    try:
        buckets, machines = outputs["lake_buckets"], outputs["state_machines"]
        raw, curated = str(buckets[RAW_ZONE]), str(buckets[CURATED_ZONE])
    except (KeyError, TypeError) as error:
        raise DeploymentError(f"the stack outputs name no {error}") from None
    resolved = {}
    for name, pipeline in deployments(capture).items():
        arn = machines.get(name) if isinstance(machines, Mapping) else None
        if not isinstance(arn, str):
            raise DeploymentError(f"the stack outputs name no state machine of pipeline {name}")
        resolved[name] = replace(
            pipeline,
            raw_bucket=raw,
            curated_bucket=curated,
            state_machine_arn=arn,
            state_machine_name=arn.rsplit(":", 1)[-1],
        )
    return resolved


def _resource(by_name: Mapping[str, Registration], name: str, kind: str) -> Registration:
    resource = by_name.get(name)
    if resource is None or resource.type != kind:
        raise DeploymentError(f"the capture declares no {kind} named {name!r}")
    return resource


def _deployment(
    settings: PipelineSettings,
    by_name: Mapping[str, Registration],
    resources: tuple[Registration, ...],
) -> PipelineDeployment:
    name = settings.name
    job = _resource(by_name, f"{name}-etl-job", "aws:glue/job:Job")
    machine = _resource(
        by_name, f"{name}-orchestration-state-machine", "aws:sfn/stateMachine:StateMachine"
    )
    arguments = job.inputs.get("defaultArguments") or {}
    raw_bucket = _bucket_of(arguments, "--source_path", name)
    curated_bucket = _bucket_of(arguments, "--target_path", name)
    definition = json.loads(machine.inputs["definition"])
    function = by_name.get(f"{name}-ingest-function")
    rule = by_name.get(f"{name}-schedule")
    return PipelineDeployment(
        name=name,
        settings=settings,
        raw_bucket=raw_bucket,
        curated_bucket=curated_bucket,
        state_machine_name=str(machine.inputs["name"]),
        state_machine_arn=str(machine.outputs["arn"]),
        definition=definition,
        role_arn=str(machine.inputs["roleArn"]),
        alert_topic_arn=_alert_topic(definition, name),
        crawler=_resource(by_name, f"{name}-crawler-crawler", "aws:glue/crawler:Crawler"),
        job=job,
        function_environment=_function_environment(function),
        schedule_rule_arn=str(rule.outputs["arn"]) if rule is not None else None,
    )


def _bucket_of(arguments: Mapping[str, Any], argument: str, pipeline: str) -> str:
    value = arguments.get(argument)
    if not isinstance(value, str):
        raise DeploymentError(f"pipeline {pipeline}: the Glue job declares no {argument}")
    return split_s3_url(value)[0]


def _alert_topic(definition: Mapping[str, Any], pipeline: str) -> str:
    """The topic the failure path publishes to (directly, or when its alert function fails)."""
    states = definition.get("States", {})
    notify = states.get(NOTIFY_FAILURE_DIRECTLY) or states.get(NOTIFY_FAILURE, {})
    topic = notify.get("Parameters", {}).get("TopicArn")
    if not isinstance(topic, str):
        raise DeploymentError(f"pipeline {pipeline}: the definition publishes no failure alert")
    return topic


def _function_environment(function: Registration | None) -> Mapping[str, str] | None:
    if function is None:
        return None
    variables = (function.inputs.get("environment") or {}).get("variables") or {}
    return {str(k): str(v) for k, v in variables.items()}
