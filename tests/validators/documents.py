"""The documents of a capture that third-party validators check: IAM policy documents (role,
trust, bucket, key, topic and queue policies), state machine definitions, event patterns."""

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from offline.capture import Capture, ReleaseCapture
from offline.mocks import Registration

STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"


@dataclass(frozen=True)
class Document:
    """One JSON document declared by a resource's input."""

    stack: str
    resource: str
    type: str
    prop: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.stack}:{self.resource}.{self.prop}"


def policy_documents(capture: Capture | ReleaseCapture) -> Iterator[Document]:
    """Every input of the capture that is an IAM policy document (a JSON object with Statement)."""
    return declared_policy_documents(capture.stack, capture.resources)


def declared_policy_documents(stack: str, resources: Iterable[Registration]) -> Iterator[Document]:
    """Every input of the registrations that is an IAM policy document."""
    for resource in resources:
        for prop, value in resource.inputs.items():
            if not (isinstance(value, str) and '"Statement"' in value):
                continue
            if "Statement" in json.loads(value):
                yield Document(stack, resource.name, resource.type, prop, value)


def definitions(capture: Capture | ReleaseCapture) -> Iterator[Document]:
    """Every state machine definition (Amazon States Language)."""
    for resource in capture.resources:
        if resource.type == STATE_MACHINE:
            text = resource.inputs["definition"]
            yield Document(capture.stack, resource.name, resource.type, "definition", text)


def event_patterns(capture: Capture | ReleaseCapture) -> Iterator[Document]:
    """Every EventBridge rule's event pattern (schedule rules have none)."""
    for resource in capture.resources:
        if resource.type == EVENT_RULE and "eventPattern" in resource.inputs:
            text = resource.inputs["eventPattern"]
            yield Document(capture.stack, resource.name, resource.type, "eventPattern", text)
