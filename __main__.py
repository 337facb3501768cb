"""The data-platform Pulumi program: load the typed stack config, build the components, export."""

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsEnv
from components.data_lake import DataLake, DataLakeArgs
from components.data_pipeline import DataPipeline, DataPipelineArgs, LakeLocations
from components.delivery import Delivery, DeliveryArgs
from components.glue_catalog import GlueCatalog, GlueCatalogArgs
from components.kms_key import KmsKey, KmsKeyArgs
from components.notifications import NotificationTopic
from components.tagging import Tags
from stack_config.lake import CURATED_ZONE, RAW_ZONE
from stack_config.pulumi_source import load_stack_config

config = load_stack_config()
platform = config.platform
prefix = f"{pulumi.get_project()}-{platform.environment}"
tags = Tags.for_stack(pulumi.get_project(), platform).base()
env = AwsEnv(region=config.region, account_id=aws.get_caller_identity_output().account_id)
protection = platform.protection

key = KmsKey(
    "platform",
    KmsKeyArgs(
        description=f"Data platform ({platform.environment}): lake, logs, messages, catalog",
        alias=f"alias/{prefix}",
        deletion_window_days=platform.kms.deletion_window_days,
        region=config.region,
        tags=tags,
        protect=protection.protect,
        retain_on_delete=protection.retain_on_delete,
    ),
    account_id=env.account_id,
)
lake = DataLake(
    "lake",
    DataLakeArgs(lake=platform.lake, protection=protection, region=config.region, tags=tags),
    kms_key_arn=key.arn,
    account_id=env.account_id,
)
catalog = GlueCatalog(
    "catalog",
    GlueCatalogArgs(
        database_prefix=prefix,
        zones={zone.name: zone.classification for zone in platform.lake.zones},
        tags=tags,
    ),
    kms_key_arn=key.arn,
)
alerts = NotificationTopic("alerts", kms_key_arn=key.arn, account_id=env.account_id, tags=tags)
locations = LakeLocations(
    raw_bucket=lake.zones[RAW_ZONE].name,
    curated_bucket=lake.zones[CURATED_ZONE].name,
    artifacts_bucket=lake.artifacts.name,
    raw_database=catalog.databases[RAW_ZONE].name,
    curated_database=catalog.databases[CURATED_ZONE].name,
    security_configuration=catalog.security_configuration.name,
)
pipelines = {
    settings.name: DataPipeline(
        settings.name,
        DataPipelineArgs(
            pipeline=settings,
            name_prefix=prefix,
            log_retention_days=platform.logs.retention_days,
            tags=tags,
        ),
        env=env,
        kms_key_arn=key.arn,
        lake=locations,
        topic_arn=alerts.arn,
    )
    for settings in platform.pipelines
}

if platform.delivery is not None:
    delivery = Delivery(
        "delivery",
        DeliveryArgs(
            delivery=platform.delivery,
            stack=pulumi.get_stack(),
            region=config.region,
            name_prefix=prefix,
            log_retention_days=platform.logs.retention_days,
            protection=protection,
            tags=tags,
        ),
        env=env,
        kms_key_arn=key.arn,
        access_logs_bucket=lake.access_logs.name,
        alert_topic_arn=alerts.arn,
    )
    pulumi.export("delivery_pipeline", delivery.pipeline.name)

pulumi.export("kms_key_arn", key.arn)
pulumi.export("lake_buckets", {zone: bucket.name for zone, bucket in lake.zones.items()})
pulumi.export("artifacts_bucket", lake.artifacts.name)
pulumi.export("alert_topic_arn", alerts.arn)
pulumi.export("state_machines", {n: p.state_machine.arn for n, p in pipelines.items()})
