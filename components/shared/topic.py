"""An SNS topic encrypted with the platform key that only this account's services may publish to,
and its subscribers."""

import hashlib
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from components.shared.iam import policy_document
from stack_config.operations import Subscription


class NotificationTopic(pulumi.ComponentResource):
    """A KMS-encrypted topic with a policy admitting the account and its AWS services."""

    topic: aws.sns.Topic
    arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        kms_key_arn: pulumi.Input[str],
        account_id: pulumi.Input[str],
        tags: dict[str, str],
        publishers: tuple[str, ...] = ("events.amazonaws.com", "cloudwatch.amazonaws.com"),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:operations:NotificationTopic", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.topic = aws.sns.Topic(
            f"{name}-topic", kms_master_key_id=kms_key_arn, tags=tags, opts=child
        )
        aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=self.topic.arn,
            policy=policy_document(
                [
                    {
                        "Sid": "AwsServicesOfThisAccountPublish",
                        "Effect": "Allow",
                        "Principal": {"Service": list(publishers)},
                        "Action": "sns:Publish",
                        "Resource": self.topic.arn,
                        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                    },
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "sns:Publish",
                        "Resource": self.topic.arn,
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ]
            ),
            opts=child,
        )
        self.arn = self.topic.arn
        self.register_outputs({"arn": self.arn})


def subscribe(
    name: str,
    topic_arn: pulumi.Input[str],
    subscriptions: Sequence[Subscription],
    opts: pulumi.ResourceOptions,
) -> None:
    """Subscribe each endpoint to the topic, as `<name>-<digest of the endpoint>`."""
    for subscription in subscriptions:
        # Named after the endpoint, not its position: reordering must not re-subscribe.
        digest = hashlib.sha256(subscription.endpoint.encode()).hexdigest()[:8]
        aws.sns.TopicSubscription(
            f"{name}-{digest}",
            topic=topic_arn,
            protocol=subscription.protocol,
            endpoint=subscription.endpoint,
            opts=opts,
        )
