"""The data-platform Pulumi program: load the typed stack config, build the components, export."""

import pulumi
import pulumi_aws as aws

from components.data_lake import DataLake, DataLakeArgs
from components.kms_key import KmsKey, KmsKeyArgs
from components.tagging import Tags
from stack_config.pulumi_source import load_stack_config

config = load_stack_config()
platform = config.platform
tags = Tags.for_stack(pulumi.get_project(), platform).base()
account_id = aws.get_caller_identity_output().account_id

key = KmsKey(
    "platform",
    KmsKeyArgs(
        description=f"Data platform ({platform.environment}): lake, logs, messages, catalog",
        alias=f"alias/{pulumi.get_project()}-{platform.environment}",
        deletion_window_days=platform.kms.deletion_window_days,
        region=config.region,
        tags=tags,
        protect=platform.protection.protect,
        retain_on_delete=platform.protection.retain_on_delete,
    ),
    account_id=account_id,
)

lake = DataLake(
    "lake",
    DataLakeArgs(
        lake=platform.lake, protection=platform.protection, region=config.region, tags=tags
    ),
    kms_key_arn=key.arn,
    account_id=account_id,
)

pulumi.export("kms_key_arn", key.arn)
pulumi.export("lake_buckets", {zone: bucket.name for zone, bucket in lake.zones.items()})
pulumi.export("access_logs_bucket", lake.access_logs.name)
pulumi.export("artifacts_bucket", lake.artifacts.name)
