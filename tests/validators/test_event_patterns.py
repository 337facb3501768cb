"""Every EventBridge event pattern of the shipped stacks matches the event AWS documents for it
and not its near misses, by moto's implementation of EventBridge pattern matching.

The samples (events/) are AWS's documented examples, trimmed, with placeholders filled in. For
each rule the sample is made about the stack's own resources: names come from the stack's
config and inputs; an ARN that is another resource's output comes from the pattern itself.
"""

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from moto.events.models import EventPattern
from moto.events.utils import EventMessageType

from offline.capture import Capture, ReleaseCapture, offline_account
from offline.mocks import MOCK_ACCOUNT_ID
from tests.stacks import user_stacks
from tests.validators.documents import Document, event_patterns

EVENTS = Path(__file__).parent / "events"
Event = dict[str, Any]
# (positive events, negative events) of one rule
Cases = tuple[list[Event], list[Event]]
AnyCapture = Capture | ReleaseCapture


def sample(name: str) -> Event:
    event: Event = json.loads((EVENTS / f"{name}.json").read_text())["event"]
    return event


def variant(event: Event, **changes: Any) -> Event:
    """A copy of event with dotted paths (`detail.state`) set."""
    changed = copy.deepcopy(event)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = changed
        for part in parents:
            target = target[part]
        target[last] = value
    return changed


def _account(capture: AnyCapture) -> str:
    if isinstance(capture, ReleaseCapture):
        return MOCK_ACCOUNT_ID
    return offline_account(capture.config)


def _here(capture: AnyCapture, event: Event) -> Event:
    return variant(event, account=_account(capture), region=capture.config.region)


def _named(capture: AnyCapture, type_: str, suffix: str) -> str:
    (name,) = [
        r.inputs["name"] for r in capture.resources if r.type == type_ and r.name.endswith(suffix)
    ]
    return str(name)


def _repository(capture: AnyCapture) -> tuple[str, str, str]:
    assert isinstance(capture, ReleaseCapture)
    release = capture.config.release
    assert release.source.kind == "codecommit"
    name = release.source.repository
    arn = f"arn:aws:codecommit:{capture.config.region}:{_account(capture)}:{name}"
    return name, arn, release.branch


def push(capture: AnyCapture, rule: Document, pattern: Event) -> Cases:
    name, arn, branch = _repository(capture)
    event = _here(capture, sample("codecommit-reference-updated"))
    event = variant(event, resources=[arn], **{"detail.repositoryName": name})
    ok = variant(
        event,
        **{"detail.referenceName": branch, "detail.referenceFullName": f"refs/heads/{branch}"},
    )
    return [ok, variant(ok, **{"detail.event": "referenceCreated"})], [
        variant(
            ok,
            **{"detail.referenceName": "feature", "detail.referenceFullName": "refs/heads/feature"},
        ),
        variant(ok, **{"detail.referenceType": "tag"}),
        variant(ok, **{"detail.event": "referenceDeleted"}),
        variant(ok, resources=[arn + "-other"]),
    ]


def pull_request(capture: AnyCapture, rule: Document, pattern: Event) -> Cases:
    name, arn, branch = _repository(capture)
    event = _here(capture, sample("codecommit-pull-request-created"))
    ok = variant(
        event,
        resources=[arn],
        **{"detail.repositoryNames": [name], "detail.destinationReference": f"refs/heads/{branch}"},
    )
    return [ok, variant(ok, **{"detail.event": "pullRequestSourceBranchUpdated"})], [
        variant(ok, **{"detail.destinationReference": "refs/heads/feature"}),
        variant(ok, **{"detail.event": "pullRequestMergeStatusUpdated"}),
    ]


def pipeline_failed(capture: AnyCapture, rule: Document, pattern: Event) -> Cases:
    name = _named(capture, "aws:codepipeline/pipeline:Pipeline", "release-pipeline")
    (arn,) = pattern["resources"]  # the pipeline's ARN output
    event = _here(capture, sample("codepipeline-execution-state-change"))
    event = variant(event, resources=[arn], **{"detail.pipeline": name})
    ok = variant(event, **{"detail.state": "FAILED"})
    return [ok], [
        event,
        variant(ok, **{"detail.state": "SUCCEEDED"}),
        variant(ok, resources=[arn + "-other"]),
    ]


def action_failed(capture: AnyCapture, rule: Document, pattern: Event) -> Cases:
    """A failed action the rule is for fires it (the preview rule: Preview; the deploy rule:
    Deploy and Verify); a success, another of the release's actions or another pipeline does
    not."""
    name = _named(capture, "aws:codepipeline/pipeline:Pipeline", "release-pipeline")
    (arn,) = pattern["resources"]  # the pipeline's ARN output
    event = _here(capture, sample("codepipeline-action-execution-state-change"))
    event = variant(event, resources=[arn], **{"detail.pipeline": name, "detail.state": "FAILED"})
    stages = {"Preview": "Preview-prod", "Deploy": "Deploy-prod", "Verify": "Deploy-dev"}
    named = ["Preview"] if "preview-failed" in rule.where else ["Deploy", "Verify"]
    positives = [
        variant(event, **{"detail.stage": stages[action], "detail.action": action})
        for action in named
    ]
    others = [
        variant(event, **{"detail.stage": stage, "detail.action": action})
        for action, stage in stages.items()
        if action not in named
    ]
    return positives, [
        variant(positives[0], **{"detail.state": "SUCCEEDED"}),
        *others,
        variant(positives[-1], resources=[arn + "-other"]),
    ]


def drift_detected(capture: AnyCapture, rule: Document, pattern: Event) -> Cases:
    projects = [
        str(r.inputs["name"])
        for r in capture.resources
        if r.type == "aws:codebuild/project:Project" and r.name.endswith("-drift-project")
    ]
    assert len(projects) == len(capture.config.release.stages)  # type: ignore[union-attr]
    event = _here(capture, sample("codebuild-build-state-change"))
    positives = [
        variant(event, **{"detail.project-name": p, "detail.build-status": "FAILED"})
        for p in projects
    ]
    return positives, [
        variant(positives[0], **{"detail.build-status": "SUCCEEDED"}),
        *(
            variant(
                p, **{"detail.project-name": p["detail"]["project-name"].replace("drift", "deploy")}
            )
            for p in positives
        ),
    ]


def object_created(capture: AnyCapture, rule: Document, pattern: Event) -> Cases:
    assert isinstance(capture, Capture)
    (bucket,) = pattern["detail"]["bucket"]["name"]  # the raw or curated bucket's name output
    event = _here(capture, sample("s3-object-created"))
    event = variant(event, resources=[f"arn:aws:s3:::{bucket}"], **{"detail.bucket.name": bucket})
    if rule.resource.startswith("alerts-"):
        return _alert_objects(capture, rule, event)
    (pipeline,) = [
        p for p in capture.config.platform.pipelines if rule.resource.startswith(f"{p.name}-")
    ]
    ok = variant(event, **{"detail.object.key": f"{pipeline.source_prefix}2024/01/01/part-1.csv"})
    return [ok], [
        variant(ok, **{"detail.object.key": f"{pipeline.quarantine_prefix}part-1.csv"}),
        variant(ok, **{"detail.object.key": "example-key"}),
        variant(ok, **{"detail.bucket.name": f"{bucket}-other"}),
    ]


def _alert_objects(capture: Capture, rule: Document, event: Event) -> Cases:
    """The alert function hears of every raw object (it tells quarantined and unmatched ones
    from the rest) and of the curated zone's held batches and dead-lettered manifests only."""
    pipelines = capture.config.platform.pipelines
    other_bucket = variant(event, **{"detail.bucket.name": "another-bucket"})
    if rule.resource == "alerts-raw-objects":
        keys = [f"{p.quarantine_prefix}a.csv" for p in pipelines] + ["Orders/a.csv", "a.csv"]
        return [variant(event, **{"detail.object.key": k}) for k in keys], [other_bucket]
    held = [
        f"{prefix}jr_1.json" for p in pipelines for prefix in (p.held_prefix, p.dead_letter_prefix)
    ]
    ordinary = [f"{p.manifest_prefix}jr_1.json" for p in pipelines]
    ordinary += [f"{p.target_table}/ingest_date=2024-01-01/part-0.parquet" for p in pipelines]
    return [variant(event, **{"detail.object.key": k}) for k in held], [
        *(variant(event, **{"detail.object.key": k}) for k in ordinary),
        other_bucket,
    ]


def glue_failed(capture: AnyCapture, rule: Document, pattern: Event) -> Cases:
    jobs = [str(r.inputs["name"]) for r in capture.resources if r.type == "aws:glue/job:Job"]
    event = _here(capture, sample("glue-job-state-change"))
    positives = [variant(event, **{"detail.jobName": job}) for job in jobs]
    return positives, [
        variant(positives[0], **{"detail.state": "SUCCEEDED", "detail.severity": "INFO"}),
        variant(positives[0], **{"detail.jobName": "another-job"}),
    ]


BINDINGS: dict[tuple[str, str], Callable[[AnyCapture, Document, Event], Cases]] = {
    ("aws.codecommit", "CodeCommit Repository State Change"): push,
    ("aws.codecommit", "CodeCommit Pull Request State Change"): pull_request,
    ("aws.codepipeline", "CodePipeline Pipeline Execution State Change"): pipeline_failed,
    ("aws.codepipeline", "CodePipeline Action Execution State Change"): action_failed,
    ("aws.codebuild", "CodeBuild Build State Change"): drift_detected,
    ("aws.s3", "Object Created"): object_created,
    ("aws.glue", "Glue Job State Change"): glue_failed,
}


def check(capture: AnyCapture, rule: Document) -> list[str]:
    """What is wrong with one rule's pattern: documented events it misses or near misses it
    matches."""
    pattern: Event = json.loads(rule.text)
    (source,), (detail_type,) = pattern["source"], pattern["detail-type"]
    binding = BINDINGS.get((source, detail_type))
    if binding is None:
        return [f"{rule.where}: no documented sample event for {source} / {detail_type}"]
    positives, negatives = binding(capture, rule, pattern)
    matcher = EventPattern.load(rule.text)

    def matches(event: Event) -> bool:
        # A documented event has every field of moto's event message type.
        return matcher.matches_event(cast(EventMessageType, event))

    missed = [
        f"{rule.where}: misses {json.dumps(e['detail'])}" for e in positives if not matches(e)
    ]
    caught = [f"{rule.where}: matches {json.dumps(e['detail'])}" for e in negatives if matches(e)]
    return missed + caught


@pytest.fixture(scope="module")
def captures(
    fixture_captures: dict[str, Capture], fixture_release_capture: ReleaseCapture
) -> dict[str, AnyCapture]:
    return {**fixture_captures, fixture_release_capture.stack: fixture_release_capture}


@pytest.mark.parametrize("stack", [*user_stacks(), *user_stacks(release=True)])
def test_every_event_pattern_matches_its_documented_event_only(
    stack: str,
    user_captures: dict[str, Capture],
    user_release_captures: dict[str, ReleaseCapture],
) -> None:
    captures: dict[str, AnyCapture] = {**user_captures, **user_release_captures}
    capture = captures[stack]
    rules = list(event_patterns(capture))
    assert rules
    assert [problem for rule in rules for problem in check(capture, rule)] == []


def test_every_binding_is_exercised_by_a_fixture_stack(captures: dict[str, AnyCapture]) -> None:
    kinds = {
        (pattern["source"][0], pattern["detail-type"][0])
        for capture in captures.values()
        for pattern in (json.loads(r.text) for r in event_patterns(capture))
    }
    assert kinds == set(BINDINGS)


BROKEN = {
    # A field the event does not carry: the rule never fires.
    ("delivery", "release-pipeline-failed"): lambda p: variant(p, detail={"status": ["FAILED"]}),
    # The wrong vocabulary: CodeCommit names branches without refs/heads/.
    ("delivery", "release-on-push"): lambda p: variant(
        p, **{"detail.referenceName": ["refs/heads/main"]}
    ),
    # Too wide: every failed action, a preview's included.
    ("delivery", "release-deploy-failed"): lambda p: variant(p, detail={"state": ["FAILED"]}),
    # Too wide: every object of the bucket, quarantine included.
    ("dev", "orders-ingest-object-created"): lambda p: variant(
        p, detail={"bucket": p["detail"]["bucket"]}
    ),
    ("dev", "operations-glue-failures"): lambda p: variant(
        p, **{"detail-type": ["Glue Job Run Status"]}
    ),
}


@pytest.mark.parametrize(("stack", "rule_name"), BROKEN, ids=[r for _, r in BROKEN])
def test_a_broken_pattern_is_reported(
    stack: str, rule_name: str, captures: dict[str, AnyCapture]
) -> None:
    capture = captures[stack]
    (rule,) = [r for r in event_patterns(capture) if r.resource == rule_name]
    assert check(capture, rule) == []
    broken = json.dumps(BROKEN[(stack, rule_name)](json.loads(rule.text)))
    assert check(capture, Document(rule.stack, rule.resource, rule.type, rule.prop, broken))
