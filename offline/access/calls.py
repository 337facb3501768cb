"""A call a principal makes, where it comes from, and the calls the service side makes on the
caller's behalf (its hidden needs), each listed with the AWS document that says so."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from offline.access.evaluate import Request
from offline.access.world import Role, World


@dataclass(frozen=True)
class Call:
    """One request a role makes at run time, and where the proof found it."""

    role: Role
    request: Request
    origin: str


def call(
    role: Role, action: str, resource: str, origin: str, **context: Sequence[str] | str
) -> Call:
    values = {k: [v] if isinstance(v, str) else list(v) for k, v in context.items()}
    return Call(role, Request(action, resource, values), origin)


@dataclass(frozen=True)
class KeyUse:
    """A service that encrypts with a customer key as the caller: for which actions, with
    which KMS actions, under which encryption context, and the document."""

    service: str
    actions: Mapping[str, tuple[str, ...]]
    document: str
    context_key: str | None = None


KEY_USES = (
    KeyUse(
        "s3",
        {
            "s3:GetObject": ("kms:Decrypt",),
            "s3:GetObjectVersion": ("kms:Decrypt",),
            "s3:PutObject": ("kms:GenerateDataKey",),
        },
        "Amazon S3 User Guide, 'Using server-side encryption with AWS KMS keys (SSE-KMS)' and "
        "'Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys' (encryption context: the "
        "bucket ARN)",
        context_key="kms:EncryptionContext:aws:s3:arn",
    ),
    KeyUse(
        "states",
        {
            "states:StartExecution": ("kms:GenerateDataKey",),
            "states:DescribeExecution": ("kms:Decrypt",),
            "states:GetExecutionHistory": ("kms:Decrypt",),
        },
        "AWS Step Functions Developer Guide, 'Data at rest encryption in Step Functions'",
        context_key="kms:EncryptionContext:aws:states:stateMachineArn",
    ),
    KeyUse(
        "sqs",
        {
            "sqs:SendMessage": ("kms:GenerateDataKey", "kms:Decrypt"),
            "sqs:ReceiveMessage": ("kms:Decrypt",),
        },
        "Amazon SQS Developer Guide, 'Key management' (producer: GenerateDataKey and Decrypt; "
        "consumer: Decrypt)",
        context_key="kms:EncryptionContext:aws:sqs:arn",
    ),
    KeyUse(
        "sns",
        {"sns:Publish": ("kms:GenerateDataKey", "kms:Decrypt")},
        "Amazon SNS Developer Guide, 'Configuring AWS KMS permissions' (publishers)",
    ),
    KeyUse(
        "codecommit",
        {
            "codecommit:GitPull": ("kms:Decrypt",),
            "codecommit:GetBranch": ("kms:Decrypt",),
            "codecommit:GetCommit": ("kms:Decrypt",),
            "codecommit:UploadArchive": ("kms:Decrypt",),
        },
        "AWS CodeCommit User Guide, 'AWS Key Management Service and encryption for AWS "
        "CodeCommit repositories'",
    ),
)


def key_calls(world: World, made: Call, key_arn: str | None) -> Iterator[Call]:
    """What the service asks KMS for on the caller's behalf when `made` touches data under
    `key_arn` (none for data under an AWS-owned key)."""
    if key_arn is None:
        return
    service, action = made.request.action.split(":", 1)[0], made.request.action
    use = next((u for u in KEY_USES if u.service == service), None)
    if use is None or action not in use.actions:
        return
    region = key_arn.split(":")[3]
    context: dict[str, Sequence[str]] = {
        "kms:ResourceAliases": world.key_aliases(key_arn),
        "kms:ViaService": [f"{service}.{region}.amazonaws.com"],
    }
    if use.context_key is not None:
        context[use.context_key] = [_context_value(made.request.resource, service)]
    origin = f"{made.origin}: {service} uses the key as the caller ({use.document})"
    for kms_action in use.actions[action]:
        yield Call(made.role, Request(kms_action, key_arn, context), origin)


def _context_value(resource: str, service: str) -> str:
    if service == "s3":  # with a bucket key, the context is the bucket's ARN
        return resource.split("/", 1)[0]
    if service == "states" and ":execution:" in resource:
        machine = resource.rsplit(":", 1)[0].replace(":execution:", ":stateMachine:", 1)
        return machine
    return resource
