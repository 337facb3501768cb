"""The policy of a queue that EventBridge rules send to: those rules only, over TLS only."""

from typing import Any

import pulumi


def queue_statements(
    queue_arn: pulumi.Input[str],
    rule_arn: pulumi.Input[str] | list[pulumi.Input[str]],
    *,
    sid: str,
) -> list[dict[str, Any]]:
    """A queue's policy: only the EventBridge rule `rule_arn` (or rules) may send to it, only
    over TLS."""
    return [
        {
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
        },
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sqs:*",
            "Resource": queue_arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ]
