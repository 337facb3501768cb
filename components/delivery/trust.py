"""The trust of a role that release builds assume: only the named build roles of the delivery
account, and only when they pass the agreed external id.

The principal is the delivery account and the condition names each build role by ARN
(`aws:PrincipalArn`), so the trust can be written before those roles exist and never matches a
role re-created under the same name in another account.
"""

from collections.abc import Sequence

import pulumi

from components.delivery.names import build_role_arn
from components.shared.iam import Statement


def release_trust(
    *,
    partition: str,
    delivery_account: pulumi.Input[str],
    projects: Sequence[str],
    external_id: str,
) -> Statement:
    """sts:AssumeRole for the build roles of `projects` in the delivery account."""
    account = pulumi.Output.from_input(delivery_account)
    principals = account.apply(
        lambda a: [build_role_arn(partition, a, project) for project in projects]
    )
    return {
        "Effect": "Allow",
        "Principal": {"AWS": pulumi.Output.concat("arn:", partition, ":iam::", account, ":root")},
        "Action": "sts:AssumeRole",
        "Condition": {
            "ArnEquals": {"aws:PrincipalArn": principals},
            "StringEquals": {"sts:ExternalId": external_id},
        },
    }
