"""The Pulumi state backend: a KMS key (state bucket encryption and `awskms://` secrets) and a
versioned, SSE-KMS, TLS-only, non-public, BucketOwnerEnforced bucket that logs its access.

Built from the platform's own `KmsKey` and `SecureBucket`, so it is secure by the same code.
"""

import pulumi

from bootstrap.settings import BootstrapSettings
from components.shared.secure_bucket import (
    ACCESS_LOG_LIFECYCLE,
    BucketRole,
    SecureBucket,
    SecureBucketArgs,
)
from components.shared.tagging import Tags
from components.storage.kms_key import KmsKey, KmsKeyArgs
from stack_config.lake import Lifecycle

# S3 server access logs of the state bucket; kept a year, then expired.


class StateBackend(pulumi.ComponentResource):
    """State bucket, its access-log bucket and the key; outputs the two Pulumi login values."""

    bucket_name: pulumi.Output[str]
    key_arn: pulumi.Output[str]
    tags: dict[str, str]
    backend_url: pulumi.Output[str]
    secrets_provider: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: BootstrapSettings,
        *,
        region: str,
        account_id: pulumi.Output[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:bootstrap:StateBackend", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = Tags(
            settings.environment, pulumi.get_project(), settings.owner, settings.cost_center
        ).base()
        key = KmsKey(
            f"{name}-key",
            KmsKeyArgs(
                description="Pulumi state bucket encryption and stack secrets",
                alias=settings.key_alias,
                deletion_window_days=settings.deletion_window_days,
                region=region,
                services=(),
                log_delivery=False,
                tags=tags,
                protection=settings.protection,
            ),
            account_id=account_id,
            opts=child,
        )
        logs = SecureBucket(
            f"{name}-access-logs",
            self._bucket_args(BucketRole.ACCESS_LOGS, ACCESS_LOG_LIFECYCLE, settings, region, tags),
            account_id=account_id,
            opts=child,
        )
        history = Lifecycle(noncurrent_expiration_days=settings.state_history_days)
        bucket_name = pulumi.Output.concat(settings.bucket_prefix, "-", account_id)
        state = SecureBucket(
            f"{name}-state",
            self._bucket_args(BucketRole.DATA, history, settings, region, tags),
            kms_key_arn=key.arn,
            access_logs_bucket=logs.name,
            account_id=account_id,
            # The pipeline logs in with `pulumi login s3://<prefix>-<account>`.
            bucket_name=bucket_name,
            opts=child,
        )
        self.bucket_name = state.name
        self.key_arn = key.arn
        self.tags = tags
        self.backend_url = pulumi.Output.concat("s3://", state.name)
        self.secrets_provider = pulumi.Output.concat(
            "awskms://", key.alias_name, "?region=", region
        )
        self.register_outputs(
            {
                "bucket_name": self.bucket_name,
                "key_arn": self.key_arn,
                "backend_url": self.backend_url,
                "secrets_provider": self.secrets_provider,
            }
        )

    @staticmethod
    def _bucket_args(
        role: BucketRole,
        lifecycle: Lifecycle,
        settings: BootstrapSettings,
        region: str,
        tags: dict[str, str],
    ) -> SecureBucketArgs:
        return SecureBucketArgs(
            role=role,
            classification="confidential",
            lifecycle=lifecycle,
            region=region,
            tags=tags,
            protection=settings.protection,
        )
