"""Least-privilege IAM roles: a service trust policy plus one inline policy of explicit grants.

Statements are plain dictionaries whose values may be Pulumi outputs; the document is rendered
with `Output.json_dumps`, so ARNs of other resources can be referenced directly.
"""

import json
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from components.shared.aws_context import AwsEnv

Statement = dict[str, Any]

# Every role the platform creates lives under this path, so the deploy role's IAM permissions
# can be scoped to the platform's own roles.
ROLE_PATH = "/data-platform/"


def allow(actions: Sequence[str], resources: Sequence[Any], **condition: Any) -> Statement:
    """An Allow statement; keyword arguments become its Condition block."""
    statement: Statement = {"Effect": "Allow", "Action": list(actions), "Resource": list(resources)}
    if condition:
        statement["Condition"] = condition
    return statement


def deny(
    actions: Sequence[str],
    resources: Sequence[Any] | None = None,
    *,
    not_resources: Sequence[Any] | None = None,
    **condition: Any,
) -> Statement:
    """A Deny statement on `resources`, or on everything except `not_resources` (exactly one of
    the two); keyword arguments become its Condition block."""
    if (resources is None) == (not_resources is None):
        raise ValueError("a Deny statement takes exactly one of resources and not_resources")
    scope, targets = (
        ("Resource", resources) if resources is not None else ("NotResource", not_resources)
    )
    statement: Statement = {"Effect": "Deny", "Action": list(actions), scope: list(targets or ())}
    if condition:
        statement["Condition"] = condition
    return statement


# Step Functions encrypts a machine's definition and execution data with its customer key under
# this encryption context ("Data at rest encryption in Step Functions", Step Functions Developer
# Guide); a caller's StartExecution needs kms:GenerateDataKey, its DescribeExecution and
# GetExecutionHistory with data kms:Decrypt.
STATES_CONTEXT_KEY = "kms:EncryptionContext:aws:states:stateMachineArn"


def execution_data_grant(
    env: AwsEnv, kms_key_arn: pulumi.Input[str], state_machines: Sequence[pulumi.Input[str]]
) -> Statement:
    """The key for the execution data of `state_machines` only, through Step Functions only."""
    return allow(
        ["kms:GenerateDataKey", "kms:Decrypt"],
        [kms_key_arn],
        StringEquals={
            STATES_CONTEXT_KEY: list(state_machines),
            "kms:ViaService": f"states.{env.region}.amazonaws.com",
        },
    )


def policy_document(statements: Sequence[Statement]) -> pulumi.Output[str]:
    """The JSON policy document, resolved once every output inside it is known.

    Equivalent to `Output.json_dumps`, which wraps every nested dict and list in an Output of
    its own; gathering the outputs first keeps a program with hundreds of policies cheap.
    """
    outputs: list[pulumi.Output[Any]] = []
    template = _with_holes({"Version": "2012-10-17", "Statement": list(statements)}, outputs)
    return pulumi.Output.all(*outputs).apply(lambda values: json.dumps(_filled(template, values)))


class _Hole(int):
    """Marks where the n-th output's value goes in a document template."""


def _with_holes(value: Any, outputs: list[pulumi.Output[Any]]) -> Any:
    if isinstance(value, pulumi.Output):
        outputs.append(value)
        return _Hole(len(outputs) - 1)
    if isinstance(value, dict):
        return {key: _with_holes(item, outputs) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_with_holes(item, outputs) for item in value]
    return value


def _filled(value: Any, values: Sequence[Any]) -> Any:
    if isinstance(value, _Hole):
        return values[value]
    if isinstance(value, dict):
        return {key: _filled(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, values) for item in value]
    return value


def service_role(
    resource_name: str,
    *,
    service: str | Sequence[str],
    statements: Sequence[Statement],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
    source_account: pulumi.Input[str] | None = None,
    managed_policy_arns: Sequence[str] = (),
    name: str | None = None,
) -> aws.iam.Role:
    """A role assumable only by `service` (one or several service principals; optionally only on
    behalf of `source_account`), with its inline grants and any AWS managed policies attached.

    `name` fixes the role's name where something outside IAM refers to it by name (a database
    user, say); otherwise Pulumi names it.
    """
    services = [service] if isinstance(service, str) else list(service)
    trust: Statement = {
        "Effect": "Allow",
        "Principal": {"Service": services[0] if len(services) == 1 else services},
        "Action": "sts:AssumeRole",
    }
    if source_account is not None:
        trust["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return trusted_role(
        resource_name,
        trust=trust,
        statements=statements,
        tags=tags,
        opts=opts,
        managed_policy_arns=managed_policy_arns,
        name=name,
    )


def trusted_role(
    resource_name: str,
    *,
    trust: Statement,
    statements: Sequence[Statement],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
    managed_policy_arns: Sequence[str] = (),
    name: str | None = None,
    path: str = ROLE_PATH,
) -> aws.iam.Role:
    """A role assumable as `trust` says, with its inline grants and any AWS managed policies
    attached; under ROLE_PATH unless another `path` keeps it out of the deploy's reach."""
    role = aws.iam.Role(
        resource_name,
        name=name,
        path=path,
        assume_role_policy=policy_document([trust]),
        tags=tags,
        opts=opts,
    )
    aws.iam.RolePolicy(
        f"{resource_name}-policy",
        role=role.id,
        policy=policy_document(statements),
        opts=opts,
    )
    for index, arn in enumerate(managed_policy_arns):
        aws.iam.RolePolicyAttachment(
            f"{resource_name}-managed-{index}", role=role.name, policy_arn=arn, opts=opts
        )
    return role
