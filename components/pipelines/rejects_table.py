"""The catalog table over a pipeline's reject records: the rows its Glue job rejected, with
where they came from and why, queryable beside the raw data they came from."""

import pulumi
import pulumi_aws as aws

from stack_config.pipelines import PARTITION_COLUMN, PipelineSettings

# The columns of the job's reject records (runtime/glue/etl_job.py writes them).
REJECTS_COLUMNS = (
    ("run_id", "string"),
    ("source_file", "string"),
    ("record_number", "bigint"),
    ("column_name", "string"),
    ("original_text", "string"),
    ("rule", "string"),
    ("reason", "string"),
)


def rejects_table(
    name: str,
    pipeline: PipelineSettings,
    *,
    raw_bucket: pulumi.Input[str],
    raw_database: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> aws.glue.CatalogTable:
    """`<table>_rejects` in the raw zone's database: Parquet under the pipeline's rejects
    prefix, partitioned by the date of the run that rejected the rows."""
    return aws.glue.CatalogTable(
        name,
        name=pipeline.rejects_table,
        database_name=raw_database,
        table_type="EXTERNAL_TABLE",
        description=f"Rows the {pipeline.name} pipeline's Glue job rejected, with the reason.",
        parameters={"classification": "parquet", "EXTERNAL": "TRUE"},
        partition_keys=[
            aws.glue.CatalogTablePartitionKeyArgs(name=PARTITION_COLUMN, type="string")
        ],
        storage_descriptor=aws.glue.CatalogTableStorageDescriptorArgs(
            location=pulumi.Output.concat("s3://", raw_bucket, "/", pipeline.rejects_prefix),
            input_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            output_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            ser_de_info=aws.glue.CatalogTableStorageDescriptorSerDeInfoArgs(
                serialization_library=(
                    "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                )
            ),
            columns=[
                aws.glue.CatalogTableStorageDescriptorColumnArgs(name=column, type=kind)
                for column, kind in REJECTS_COLUMNS
            ],
        ),
        opts=opts,
    )
