"""A customer-managed KMS key with rotation, an alias and a key policy scoped to the account.

The policy lets the account administer the key through IAM, and lets only the AWS services the
platform uses encrypt with it, each constrained to this account: CloudWatch Logs for this
account's log groups, the log delivery service for logs vended from this account, and the
platform's services on this account's behalf.
"""

import json
from typing import Annotated, Any

import pulumi
import pulumi_aws as aws
from pydantic import Field

from components.shared.aws_context import partition_of
from components.shared.protection import stateful_options
from stack_config.base import StrictModel
from stack_config.protection import ProtectionSettings

# Services that encrypt with the key on the platform's behalf (alarms and events publishing to
# encrypted SNS/SQS). CloudWatch Logs is separate: it is scoped by log-group encryption context.
DEFAULT_SERVICES = ("cloudwatch.amazonaws.com", "events.amazonaws.com", "s3.amazonaws.com")


class KmsKeyArgs(StrictModel):
    """What the key is for and how it may be used."""

    description: str = Field(description="Human-readable purpose of the key.")
    alias: Annotated[str, Field(pattern=r"^alias/[a-zA-Z0-9/_-]{1,250}$")]
    deletion_window_days: Annotated[int, Field(ge=7, le=30)]
    region: str = Field(description="Region of the key, for the CloudWatch Logs principal.")
    services: tuple[str, ...] = DEFAULT_SERVICES
    log_delivery: bool = Field(
        default=True,
        description=(
            "Let the log delivery service use the key: Step Functions execution logs reach "
            "log groups encrypted with it through that service."
        ),
    )
    tags: dict[str, str]
    protection: ProtectionSettings


class KmsKey(pulumi.ComponentResource):
    """A rotating customer-managed key and its alias."""

    key: aws.kms.Key
    arn: pulumi.Output[str]
    alias_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: KmsKeyArgs,
        *,
        account_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:security:KmsKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.key = aws.kms.Key(
            f"{name}-key",
            description=args.description,
            enable_key_rotation=True,
            deletion_window_in_days=args.deletion_window_days,
            policy=pulumi.Output.from_input(account_id).apply(
                lambda account: json.dumps(
                    key_policy(account, args.region, args.services, log_delivery=args.log_delivery)
                )
            ),
            tags=args.tags,
            opts=stateful_options(self, args.protection),
        )
        alias = aws.kms.Alias(
            f"{name}-alias", name=args.alias, target_key_id=self.key.key_id, opts=child
        )
        self.arn = self.key.arn
        self.alias_name = alias.name
        self.register_outputs({"arn": self.arn, "alias": self.alias_name})


def key_policy(
    account_id: str, region: str, services: tuple[str, ...], *, log_delivery: bool = True
) -> dict[str, Any]:
    """The key policy document: account administration plus account-scoped service use."""
    partition = partition_of(region)
    root = f"arn:{partition}:iam::{account_id}:root"
    log_groups = f"arn:{partition}:logs:{region}:{account_id}:log-group:*"
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AccountAdministersKeyThroughIam",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "CloudWatchLogsInThisAccount",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": [
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            "Resource": "*",
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}},
        },
    ]
    if log_delivery:
        statements.append(log_delivery_statement(account_id, region))
    if services:
        statements.append(
            {
                "Sid": "PlatformServicesInThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": sorted(services)},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def log_delivery_statement(account_id: str, region: str) -> dict[str, Any]:
    """The log delivery service, for logs vended from this account's resources.

    Step Functions delivers execution logs through `delivery.logs.amazonaws.com`; into a log
    group encrypted with a customer key they arrive only if the key policy lets that service use
    the key, as AWS CDK's StateMachine adds when a customer key and logging are both set
    (aws-stepfunctions/lib/state-machine.ts). The conditions are the ones the CloudWatch Logs
    User Guide documents for vended log delivery with a customer key ("Enabling logging from
    AWS services"): aws:SourceAccount and aws:SourceArn on this account's logs.
    """
    partition = partition_of(region)
    return {
        "Sid": "LogDeliveryForThisAccount",
        "Effect": "Allow",
        "Principal": {"Service": "delivery.logs.amazonaws.com"},
        "Action": ["kms:Decrypt*", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": account_id},
            "ArnLike": {"aws:SourceArn": f"arn:{partition}:logs:{region}:{account_id}:*"},
        },
    }
