"""Facts about the target AWS account and region that ARNs and resource policies need."""

from dataclasses import dataclass
from typing import Any

import pulumi


def partition_of(region: str) -> str:
    """The ARN partition of a region (`aws`, `aws-cn`, `aws-us-gov`)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True)
class AwsEnv:
    """Where the stack deploys: region and partition are known, the account id is an output."""

    region: str
    account_id: pulumi.Output[str]

    @property
    def partition(self) -> str:
        return partition_of(self.region)

    def arn(
        self, service: str, resource: pulumi.Input[str], *, regional: bool = True
    ) -> pulumi.Output[str]:
        """`arn:<partition>:<service>:<region>:<account>:<resource>`."""
        region = self.region if regional else ""
        return pulumi.Output.concat(
            f"arn:{self.partition}:{service}:{region}:", self.account_id, ":", resource
        )

    def key_by_alias(self, actions: list[str], alias: str) -> dict[str, Any]:
        """An Allow statement on the key behind `alias` (key ARNs of other stacks are unknown
        here; KMS matches the alias through the kms:ResourceAliases condition key)."""
        return {
            "Effect": "Allow",
            "Action": actions,
            "Resource": [self.arn("kms", "key/*")],
            "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": alias}},
        }

    def s3_arn(
        self, bucket: pulumi.Input[str], key_pattern: str | None = None
    ) -> pulumi.Output[str]:
        """The ARN of a bucket, or of the objects matching `key_pattern` in it."""
        suffix = "" if key_pattern is None else f"/{key_pattern}"
        return pulumi.Output.from_input(bucket).apply(
            lambda name: f"arn:{self.partition}:s3:::{name}{suffix}"
        )
