"""The S3 data lake: one bucket per zone, an access-logs bucket and an artifacts bucket.

Zone and artifacts buckets are SSE-KMS with the platform key and log to the access-logs bucket,
which is SSE-S3 because S3 log delivery requires it (see `BucketRole.ACCESS_LOGS`).
"""

import pulumi

from components.shared.secure_bucket import BucketRole, SecureBucket, SecureBucketArgs
from stack_config.base import DataClassification, StrictModel
from stack_config.lake import CURATED_ZONE, RAW_ZONE, LakeSettings, Lifecycle
from stack_config.protection import ProtectionSettings


class DataLakeArgs(StrictModel):
    """The lake's settings slice plus what every bucket shares."""

    lake: LakeSettings
    protection: ProtectionSettings
    region: str
    tags: dict[str, str]


class DataLake(pulumi.ComponentResource):
    """Zone buckets, access-logs bucket and artifacts bucket, all secure by construction."""

    zones: dict[str, SecureBucket]
    access_logs: SecureBucket
    artifacts: SecureBucket

    def __init__(
        self,
        name: str,
        args: DataLakeArgs,
        *,
        kms_key_arn: pulumi.Input[str],
        account_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:storage:DataLake", name, None, opts)
        self._name, self._args, self._account_id = name, args, account_id
        self._child = pulumi.ResourceOptions(parent=self)
        self.access_logs = self._bucket(
            "access-logs",
            BucketRole.ACCESS_LOGS,
            args.lake.access_logs.classification,
            args.lake.access_logs.lifecycle,
        )
        logs_target = self.access_logs.name
        self.artifacts = self._bucket(
            "artifacts",
            BucketRole.ARTIFACTS,
            args.lake.artifacts.classification,
            args.lake.artifacts.lifecycle,
            kms_key_arn=kms_key_arn,
            access_logs=logs_target,
        )
        self.zones = {
            zone.name: self._bucket(
                zone.name,
                BucketRole.DATA,
                zone.classification,
                zone.lifecycle,
                kms_key_arn=kms_key_arn,
                access_logs=logs_target,
                # Arriving files start pipelines through EventBridge "Object Created" events; the
                # curated zone's held batches and dead-lettered manifests raise alerts the same way.
                eventbridge=zone.name in (RAW_ZONE, CURATED_ZONE),
            )
            for zone in args.lake.zones
        }
        self.register_outputs(
            {
                "zones": {zone: bucket.name for zone, bucket in self.zones.items()},
                "access_logs": self.access_logs.name,
                "artifacts": self.artifacts.name,
            }
        )

    def _bucket(
        self,
        role_name: str,
        role: BucketRole,
        classification: DataClassification,
        lifecycle: Lifecycle,
        *,
        kms_key_arn: pulumi.Input[str] | None = None,
        access_logs: pulumi.Input[str] | None = None,
        eventbridge: bool = False,
    ) -> SecureBucket:
        return SecureBucket(
            f"{self._name}-{role_name}",
            SecureBucketArgs(
                role=role,
                classification=classification,
                lifecycle=lifecycle,
                region=self._args.region,
                tags=self._args.tags,
                protection=self._args.protection,
                eventbridge_notifications=eventbridge,
            ),
            kms_key_arn=kms_key_arn,
            access_logs_bucket=access_logs,
            account_id=self._account_id,
            opts=self._child,
        )
