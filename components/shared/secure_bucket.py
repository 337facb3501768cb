"""An S3 bucket that is secure by construction, with its companion resources.

Every bucket gets default encryption, versioning, all four public-access-block flags,
BucketOwnerEnforced ownership, a TLS-only bucket policy and lifecycle rules; every bucket but the
access-logs target sends server access logs. Encryption follows the bucket's role
(see `BucketRole`).
"""

import json
from enum import Enum
from typing import Any

import pulumi
import pulumi_aws as aws

from components.shared.aws_context import partition_of
from components.shared.protection import stateful_options
from stack_config.base import DataClassification, StrictModel
from stack_config.lake import Lifecycle
from stack_config.protection import ProtectionSettings


class BucketRole(Enum):
    """What a bucket is for, which fixes how it is encrypted and whether it logs.

    ACCESS_LOGS uses SSE-S3 (AES256) by design: S3 server access log delivery cannot write to a
    bucket whose default encryption is SSE-KMS, and the log target must not log to itself.
    """

    DATA = "data"
    ARTIFACTS = "artifacts"
    ACCESS_LOGS = "access-logs"

    @property
    def sse_algorithm(self) -> str:
        return "AES256" if self is BucketRole.ACCESS_LOGS else "aws:kms"

    @property
    def sends_access_logs(self) -> bool:
        return self is not BucketRole.ACCESS_LOGS


# Server access logs: kept a year, replaced versions a week.
ACCESS_LOG_LIFECYCLE = Lifecycle(expiration_days=365, noncurrent_expiration_days=7)


class SecureBucketArgs(StrictModel):
    """Validated settings of one bucket."""

    role: BucketRole
    classification: DataClassification
    lifecycle: Lifecycle
    region: str
    tags: dict[str, str]
    protection: ProtectionSettings
    eventbridge_notifications: bool = False


class SecureBucket(pulumi.ComponentResource):
    """A bucket plus encryption, versioning, public access block, ownership, policy, lifecycle."""

    bucket: aws.s3.Bucket
    name: pulumi.Output[str]
    arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: SecureBucketArgs,
        *,
        kms_key_arn: pulumi.Input[str] | None = None,
        access_logs_bucket: pulumi.Input[str] | None = None,
        account_id: pulumi.Input[str],
        bucket_name: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`bucket_name` fixes the physical name (for buckets others must find by name);
        by default Pulumi auto-names the bucket, which keeps replacements collision-free."""
        super().__init__("dataplatform:storage:SecureBucket", name, None, opts)
        if (kms_key_arn is None) == (args.role.sse_algorithm == "aws:kms"):
            raise ValueError(f"{name}: a {args.role.value} bucket needs kms_key_arn iff SSE-KMS")
        if (access_logs_bucket is None) == args.role.sends_access_logs:
            raise ValueError(f"{name}: access_logs_bucket is required iff the bucket sends logs")
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(
            f"{name}-bucket",
            bucket=bucket_name,
            force_destroy=args.protection.force_destroy_buckets,
            tags={**args.tags, "DataClassification": args.classification},
            opts=stateful_options(self, args.protection),
        )
        ownership = self._build_ownership_and_public_access()
        self._build_encryption(kms_key_arn)
        self._build_versioning_and_lifecycle()
        self._build_policy(account_id, depends_on=ownership)
        if access_logs_bucket is not None:
            self._build_logging(access_logs_bucket)
        if args.eventbridge_notifications:
            aws.s3.BucketNotification(
                f"{name}-notifications", bucket=self.bucket.id, eventbridge=True, opts=self._child
            )
        self.name = self.bucket.bucket
        self.arn = self.bucket.arn
        self.register_outputs({"name": self.name, "arn": self.arn})

    def _opts(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        return self._child.merge(pulumi.ResourceOptions(depends_on=list(depends_on)))

    def _build_ownership_and_public_access(self) -> list[pulumi.Resource]:
        ownership = aws.s3.BucketOwnershipControls(
            f"{self._name}-ownership",
            bucket=self.bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=self._child,
        )
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{self._name}-public-access",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=self._child,
        )
        return [ownership, public_access]

    def _build_encryption(self, kms_key_arn: pulumi.Input[str] | None) -> None:
        by_default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(  # noqa: E501
            sse_algorithm=self._args.role.sse_algorithm, kms_master_key_id=kms_key_arn
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{self._name}-encryption",
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=by_default,
                    bucket_key_enabled=kms_key_arn is not None,
                )
            ],
            opts=self._child,
        )

    def _build_versioning_and_lifecycle(self) -> None:
        versioning = aws.s3.BucketVersioning(
            f"{self._name}-versioning",
            bucket=self.bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status="Enabled"
            ),
            opts=self._child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{self._name}-lifecycle",
            bucket=self.bucket.id,
            rules=lifecycle_rules(self._args.lifecycle),
            # Noncurrent-version rules only make sense once versioning is on.
            opts=self._opts(versioning),
        )

    def _build_policy(
        self, account_id: pulumi.Input[str], depends_on: list[pulumi.Resource]
    ) -> None:
        partition = partition_of(self._args.region)
        receives_logs = not self._args.role.sends_access_logs
        document = pulumi.Output.all(self.bucket.arn, account_id).apply(
            lambda values: json.dumps(
                bucket_policy(values[0], values[1], partition, receives_logs=receives_logs)
            )
        )
        aws.s3.BucketPolicy(
            f"{self._name}-policy",
            bucket=self.bucket.id,
            policy=document,
            opts=self._opts(*depends_on),
        )

    def _build_logging(self, access_logs_bucket: pulumi.Input[str]) -> None:
        aws.s3.BucketLogging(
            f"{self._name}-logging",
            bucket=self.bucket.id,
            target_bucket=access_logs_bucket,
            target_prefix=f"{self._name}/",
            target_object_key_format=aws.s3.BucketLoggingTargetObjectKeyFormatArgs(
                partitioned_prefix=aws.s3.BucketLoggingTargetObjectKeyFormatPartitionedPrefixArgs(
                    partition_date_source="EventTime"
                )
            ),
            opts=self._child,
        )


def lifecycle_rules(lifecycle: Lifecycle) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
    """Lifecycle rules for the whole bucket from config, plus multipart-upload clean-up."""
    everything = aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix="")
    expiration = (
        aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=lifecycle.expiration_days)
        if lifecycle.expiration_days is not None
        else None
    )
    return [
        aws.s3.BucketLifecycleConfigurationRuleArgs(
            id="lifecycle",
            status="Enabled",
            filter=everything,
            transitions=[
                aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                    days=t.after_days, storage_class=t.storage_class
                )
                for t in lifecycle.transitions
            ],
            expiration=expiration,
            noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                noncurrent_days=lifecycle.noncurrent_expiration_days
            ),
            abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                days_after_initiation=7
            ),
        )
    ]


def bucket_policy(
    bucket_arn: str, account_id: str, partition: str, *, receives_logs: bool
) -> dict[str, Any]:
    """Deny any request not made over TLS; a log target also admits S3 log delivery."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    if receives_logs:
        statements.append(
            {
                "Sid": "S3ServerAccessLogDelivery",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": f"arn:{partition}:s3:::*"},
                },
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}
