"""The composition of the platform: which component gets which slice of the stack config and
which outputs of the others. `__main__.py` calls `build` and exports what it returns.
"""

from typing import Any

import pulumi
import pulumi_aws as aws

from components.delivery.names import TARGET_DRIFT_ROLE, platform_prefix
from components.delivery.verify_role import CanaryPipeline, VerifyRole, VerifyRoleArgs
from components.operations.alerts import AlertFunction, AlertFunctionArgs
from components.operations.operations import Operations, OperationsArgs
from components.pipelines.args import PipelineArgs
from components.pipelines.data_pipeline import DataPipeline, LakeLocations
from components.pipelines.orchestration import WarehouseLoad
from components.shared.aws_context import AwsEnv
from components.shared.tagging import Tags
from components.shared.topic import NotificationTopic
from components.storage.catalog import GlueCatalog, GlueCatalogArgs
from components.storage.data_lake import DataLake, DataLakeArgs
from components.storage.kms_key import KmsKey, KmsKeyArgs
from components.warehouse.network import Network, NetworkArgs
from components.warehouse.schema import WarehouseSchema, WarehouseSchemaArgs
from components.warehouse.sql import TableSpec, call_load
from components.warehouse.warehouse import Warehouse, WarehouseArgs
from stack_config import StackConfig
from stack_config.delivery import DeliverySettings
from stack_config.lake import CURATED_ZONE, RAW_ZONE
from stack_config.pipelines import PipelineSettings, ScheduleTrigger
from stack_config.warehouse import WarehouseSettings

ALERTS_LABEL = "alert_function"


class Platform:
    """Builds every component of one stack in dependency order."""

    def __init__(self, config: StackConfig) -> None:
        self.config, self.platform = config, config.platform
        self.prefix = platform_prefix(pulumi.get_project(), self.platform.environment)
        self.tags = Tags.for_stack(pulumi.get_project(), self.platform).base()
        self.env = AwsEnv(config.region, aws.get_caller_identity_output().account_id)
        self.retention = self.platform.logs.retention_days

    def build(self) -> dict[str, Any]:
        key = self._key()
        lake = DataLake(
            "lake",
            DataLakeArgs(
                lake=self.platform.lake,
                protection=self.platform.protection,
                region=self.config.region,
                tags=self.tags,
            ),
            kms_key_arn=key.arn,
            account_id=self.env.account_id,
        )
        alerts = NotificationTopic(
            "alerts", kms_key_arn=key.arn, account_id=self.env.account_id, tags=self.tags
        )
        warehouse = self._warehouse(key, lake)
        alert_function = self._alert_function(key, lake, alerts)
        pipelines = self._pipelines(key, lake, alerts, warehouse, alert_function)
        operations = self._operations(key, alerts, pipelines, alert_function)
        outputs: dict[str, Any] = {
            "kms_key_arn": key.arn,
            "lake_buckets": {zone: bucket.name for zone, bucket in lake.zones.items()},
            "artifacts_bucket": lake.artifacts.name,
            "alert_topic_arn": alerts.arn,
            "state_machines": {n: p.state_machine.arn for n, p in pipelines.items()},
            "dashboard": operations.dashboard_name,
        }
        if warehouse is not None:
            outputs["warehouse"] = warehouse.data_api_target
        if self.platform.delivery is not None:
            verify = self._verify_role(self.platform.delivery, key, lake, pipelines)
            outputs["verify_role_arn"] = verify.role.arn
        return outputs

    def _key(self) -> KmsKey:
        protection = self.platform.protection
        return KmsKey(
            "platform",
            KmsKeyArgs(
                description=f"Data platform ({self.platform.environment}): data, logs, messages",
                alias=f"alias/{self.prefix}",
                deletion_window_days=self.platform.kms.deletion_window_days,
                region=self.config.region,
                tags=self.tags,
                protection=protection,
            ),
            account_id=self.env.account_id,
        )

    def _warehouse(self, key: KmsKey, lake: DataLake) -> Warehouse | None:
        settings, network_settings = self.platform.warehouse, self.platform.network
        network = None
        if network_settings is not None:
            network = Network(
                "network",
                NetworkArgs(
                    network=network_settings,
                    name_prefix=self.prefix,
                    region=self.config.region,
                    tags=self.tags,
                    log_retention_days=self.retention,
                ),
                kms_key_arn=key.arn,
                account_id=self.env.account_id,
            )
        if settings is None or network is None:
            return None
        return Warehouse(
            "warehouse",
            WarehouseArgs(
                warehouse=settings,
                name_prefix=self.prefix,
                region=self.config.region,
                tags=self.tags,
                log_retention_days=self.retention,
                protection=self.platform.protection,
            ),
            kms_key_arn=key.arn,
            account_id=self.env.account_id,
            vpc_id=network.vpc_id,
            vpc_cidr=network.cidr_block,
            private_subnet_ids=network.private_subnet_ids,
            curated_bucket_arn=lake.zones[CURATED_ZONE].arn,
        )

    def _alert_function(
        self, key: KmsKey, lake: DataLake, alerts: NotificationTopic
    ) -> AlertFunction:
        """The function that writes readable alerts about the pipelines' data and failures."""
        return AlertFunction(
            "alerts",
            AlertFunctionArgs(
                stack=pulumi.get_stack(),
                pipelines=self.platform.pipelines,
                name_prefix=self.prefix,
                log_retention_days=self.retention,
                tags=self.tags,
            ),
            env=self.env,
            kms_key_arn=key.arn,
            topic_arn=alerts.arn,
            raw_bucket=lake.zones[RAW_ZONE].name,
            curated_bucket=lake.zones[CURATED_ZONE].name,
        )

    def _pipelines(
        self,
        key: KmsKey,
        lake: DataLake,
        alerts: NotificationTopic,
        warehouse: Warehouse | None,
        alert_function: AlertFunction,
    ) -> dict[str, DataPipeline]:
        catalog = GlueCatalog(
            "catalog",
            GlueCatalogArgs(
                database_prefix=self.prefix,
                zones={zone.name: zone.classification for zone in self.platform.lake.zones},
                tags=self.tags,
            ),
            kms_key_arn=key.arn,
        )
        locations = LakeLocations(
            raw_bucket=lake.zones[RAW_ZONE].name,
            curated_bucket=lake.zones[CURATED_ZONE].name,
            artifacts_bucket=lake.artifacts.name,
            raw_database=catalog.databases[RAW_ZONE].name,
            curated_database=catalog.databases[CURATED_ZONE].name,
            security_configuration=catalog.security_configuration.name,
        )
        pipelines: dict[str, DataPipeline] = {}
        every = [self._pipeline_args(settings) for settings in self.platform.pipelines]
        loaders = {a.pipeline.target_table: a.orchestrator_role_name for a in every}
        schema = None
        if warehouse is not None and self.platform.warehouse is not None:
            schema = self._warehouse_schema(self.platform.warehouse, warehouse, loaders, lake)
        for args in every:
            settings = args.pipeline
            # A job given migrations is updated only after its warehouse table applied them: no
            # run rewrites curated files while the deploy still loads the pending manifests.
            after = [schema.tables[settings.target_table]] if schema and args.migrations else []
            pipelines[settings.name] = DataPipeline(
                settings.name,
                args,
                env=self.env,
                kms_key_arn=key.arn,
                lake=locations,
                topic_arn=alerts.arn,
                load=self._warehouse_load(settings, warehouse),
                alert_function_arn=alert_function.function.arn,
                job_after=after,
            )
        return pipelines

    def _pipeline_args(self, settings: PipelineSettings) -> PipelineArgs:
        warehouse = self.platform.warehouse
        migrations = [] if warehouse is None else warehouse.migrations
        return PipelineArgs(
            pipeline=settings,
            name_prefix=self.prefix,
            log_retention_days=self.retention,
            account_key_alias=self.platform.account.key_alias,
            tags=self.tags,
            # In version order: the config refuses them in any other.
            migrations=[m for m in migrations if m.table == settings.target_table],
        )

    def _table(self, settings: PipelineSettings) -> TableSpec:
        """A pipeline's warehouse table: its curated columns, in the load schema. A stack the
        release verifies keeps the canary rows out (dated the canary day in the pipeline's
        partition source column)."""
        assert self.platform.warehouse is not None
        delivery, source = self.platform.delivery, settings.partition_source_column
        canary_day = None
        if delivery is not None and source is not None:
            canary_day = (source, delivery.verification.canary.partition_date)
        return TableSpec(
            schema=self.platform.warehouse.load_schema,
            name=settings.target_table,
            columns=settings.curated_columns,
            key_columns=tuple(settings.key_columns),
            order_column=settings.order_column,
            canary_day=canary_day,
        )

    def _warehouse_load(
        self, settings: PipelineSettings, warehouse: Warehouse | None
    ) -> WarehouseLoad | None:
        """The warehouse load of one pipeline; none without a warehouse."""
        if warehouse is None or self.platform.warehouse is None:
            return None
        return WarehouseLoad(
            target=warehouse.data_api_target,
            sql=call_load(self._table(settings)),
            statements=warehouse.load_statements(),
            status_statements=warehouse.load_status_statements,
        )

    def _warehouse_schema(
        self,
        settings: WarehouseSettings,
        warehouse: Warehouse,
        loaders: dict[str, str],
        lake: DataLake,
    ) -> WarehouseSchema:
        delivery = self.platform.delivery
        return WarehouseSchema(
            "warehouse-schema",
            WarehouseSchemaArgs(
                schema_name=settings.load_schema,
                tables=tuple(self._table(p) for p in self.platform.pipelines),
                loaders=loaders,
                manifest_prefixes={
                    p.target_table: p.manifest_prefix for p in self.platform.pipelines
                },
                reader_roles=tuple(settings.reader_roles),
                migrations=tuple(settings.migrations),
                drop_removed_tables=settings.drop_removed_tables,
                # The drift build's identity reads the catalog of stacks the release deploys.
                catalog_reader=TARGET_DRIFT_ROLE if delivery is not None else None,
            ),
            target=warehouse.data_api_target,
            admin_secret_arn=warehouse.admin_secret_arn,
            curated_bucket=lake.zones[CURATED_ZONE].name,
            copy_role_arn=warehouse.copy_role_arn,
        )

    def _operations(
        self,
        key: KmsKey,
        alerts: NotificationTopic,
        pipelines: dict[str, DataPipeline],
        alert_function: AlertFunction,
    ) -> Operations:
        ingested = {n: p.ingestion for n, p in pipelines.items() if p.ingestion is not None}
        functions = {n: i.function for n, i in ingested.items()}
        queues = {n: i.dead_letter_queue for n, i in ingested.items()}
        # The label has an underscore, which no pipeline name has: it cannot collide with one.
        functions[ALERTS_LABEL] = alert_function.function
        queues[ALERTS_LABEL] = alert_function.dead_letter_queue
        return Operations(
            "operations",
            OperationsArgs(
                operations=self.platform.operations,
                name_prefix=self.prefix,
                region=self.config.region,
                tags=self.tags,
                pipelines=self.platform.pipelines,
            ),
            alert_topic_arn=alerts.arn,
            lambda_functions={n: f.name for n, f in functions.items()},
            dead_letter_queues={n: q.name for n, q in queues.items()},
            state_machines={n: p.state_machine.arn for n, p in pipelines.items()},
            glue_jobs={n: p.job.job.name for n, p in pipelines.items()},
        )

    def _verify_role(
        self,
        settings: DeliverySettings,
        key: KmsKey,
        lake: DataLake,
        pipelines: dict[str, DataPipeline],
    ) -> VerifyRole:
        """The role the release's Verify build assumes to land and read canaries here."""

        def canary(pipeline: PipelineSettings) -> CanaryPipeline:
            # The Glue job's --target_path is the table's prefix of the curated bucket.
            partition = settings.verification.canary.partition(f"{pipeline.target_table}/")
            return CanaryPipeline(
                source_prefix=pipeline.source_prefix,
                canary_partition=partition if pipeline.partition_source_column else None,
                scheduled=isinstance(pipeline.trigger, ScheduleTrigger),
            )

        return VerifyRole(
            "verify",
            VerifyRoleArgs(
                stack=pulumi.get_stack(),
                platform_prefix=self.prefix,
                external_id=settings.external_id,
                canary=settings.verification.canary,
                pipelines={p.name: canary(p) for p in self.platform.pipelines},
                tags=self.tags,
            ),
            env=self.env,
            delivery_account=settings.delivery_account_id or self.env.account_id,
            raw_bucket=lake.zones[RAW_ZONE].name,
            curated_bucket=lake.zones[CURATED_ZONE].name,
            kms_key_arn=key.arn,
            state_machines={n: p.state_machine.arn for n, p in pipelines.items()},
        )
