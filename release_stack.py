"""The composition of the delivery stack: its key, the access-log bucket of its artifacts, and the
release that promotes one commit through the environments its stages name. `__main__.py` calls
`build` when the stack's config is a `release`.
"""

from typing import Any

import pulumi
import pulumi_aws as aws

from components.delivery.names import platform_prefix
from components.delivery.release import Release, ReleaseArgs
from components.delivery.release_targets import StageTarget
from components.shared.aws_context import AwsEnv
from components.shared.secure_bucket import (
    ACCESS_LOG_LIFECYCLE,
    BucketRole,
    SecureBucket,
    SecureBucketArgs,
)
from components.shared.tagging import Tags
from components.storage.kms_key import KmsKey, KmsKeyArgs
from stack_config.release import ReleaseStackConfig, StageEnvironment


def stage_target(stage: StageEnvironment) -> StageTarget:
    """What the release's builds need to reach one stage's environment."""
    delivery, platform = stage.delivery, stage.config.platform
    return StageTarget(
        stack=stage.stage.stack,
        approval=stage.stage.approval,
        pull_request_preview=stage.stage.previewed_by_pull_requests,
        account_id=delivery.target_account,
        region=stage.config.region,
        state_backend_url=delivery.state_backend_url,
        external_id=delivery.external_id,
        platform_prefix=platform_prefix(pulumi.get_project(), platform.environment),
        verify_timeout_minutes=delivery.verification.timeout_minutes,
    )


class ReleaseStack:
    """Builds the delivery stack's components."""

    def __init__(self, config: ReleaseStackConfig, stages: tuple[StageEnvironment, ...]) -> None:
        self.config, self.release, self.stages = config, config.release, stages
        settings = self.release
        self.tags = Tags.for_stack(pulumi.get_project(), settings).base()
        self.env = AwsEnv(config.region, aws.get_caller_identity_output().account_id)

    def build(self) -> dict[str, Any]:
        settings, region = self.release, self.config.region
        key, logs = self._key(), self._access_logs()
        release = Release(
            "release",
            ReleaseArgs(
                release=settings,
                stack=pulumi.get_stack(),
                stages=tuple(stage_target(stage) for stage in self.stages),
                region=region,
                log_retention_days=settings.logs.retention_days,
                tags=self.tags,
            ),
            env=self.env,
            kms_key_arn=key.arn,
            access_logs_bucket=logs.name,
        )
        return {
            "pipeline": release.pipeline.name,
            "alert_topic_arn": release.alerts.arn,
            "kms_key_arn": key.arn,
        }

    def _key(self) -> KmsKey:
        """The release's key: artifacts, build logs, the alert topic."""
        return KmsKey(
            "release",
            KmsKeyArgs(
                description="Data platform release: artifacts, build logs, alerts",
                alias=f"alias/{pulumi.get_project()}-release",
                deletion_window_days=self.release.kms.deletion_window_days,
                region=self.config.region,
                log_delivery=False,
                tags=self.tags,
                protection=self.release.protection,
            ),
            account_id=self.env.account_id,
        )

    def _access_logs(self) -> SecureBucket:
        """Where the artifact bucket logs its access (SSE-S3: S3 log delivery needs it)."""
        return SecureBucket(
            "release-access-logs",
            SecureBucketArgs(
                role=BucketRole.ACCESS_LOGS,
                classification="internal",
                lifecycle=ACCESS_LOG_LIFECYCLE,
                region=self.config.region,
                tags=self.tags,
                protection=self.release.protection,
            ),
            account_id=self.env.account_id,
        )
