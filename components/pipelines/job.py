"""A pipeline's Glue ETL job: its script shipped from the repo, its log group, the catalog table
over the rows it rejects, and a role that can touch only the pipeline's raw, rejects and
quarantine prefixes, its curated table and the job's own records (manifests, held batches, run
reports, ledger), its script, its key, its metrics and Glue job logs.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.pipelines.args import PipelineArgs
from components.pipelines.rejects_table import rejects_table
from components.shared.aws_context import AwsEnv
from components.shared.iam import Statement, allow, service_role
from components.shared.log_group import encrypted_log_group
from stack_config.pipelines import METRICS_NAMESPACE, PipelineSettings
from stack_config.warehouse import Migration

# Glue 5.0 writes a job's logs to `<prefix>/error` and `<prefix>/output`, the prefix being
# `/aws-glue/jobs` unless `--custom-logGroup-prefix` names another (AWS Glue Developer Guide,
# "Logging for AWS Glue jobs"; continuous-logging arguments are for 4.0 and earlier). The job's
# two groups are declared, encrypted, with a retention. A security configuration that encrypts
# CloudWatch Logs may still have Glue create groups of its own, so the role keeps these actions on
# every `/aws-glue/jobs*` group (docs/delivery.md lists the check to make on a first deploy).
JOB_LOG_GROUPS = "log-group:/aws-glue/jobs*"
LOG_STREAMS = ("error", "output")
# The standard ETL script; a pipeline with a script of its own gets it beside that script, as a
# library (`--extra-py-files`), to call its main() with a transform (docs/transformations.md).
ETL_LIBRARY = "runtime/glue/etl_job.py"
JOB_LOG_ACTIONS = (
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:AssociateKmsKey",
)


@dataclass(frozen=True)
class _Locations:
    """Where the job reads and writes: buckets, database, script key and temporary prefix."""

    raw_bucket: pulumi.Input[str]
    curated_bucket: pulumi.Input[str]
    artifacts_bucket: pulumi.Input[str]
    curated_database: pulumi.Input[str]
    raw_database: pulumi.Input[str]
    script_key: str
    temp_prefix: str
    library_key: str | None = None


class GlueJob(pulumi.ComponentResource):
    """Script object, encrypted log group, least-privilege role, the Glue job and its rejects
    table."""

    job: aws.glue.Job
    script: aws.s3.BucketObjectv2
    library: aws.s3.BucketObjectv2 | None
    rejects_table: aws.glue.CatalogTable

    def __init__(
        self,
        name: str,
        args: PipelineArgs,
        *,
        env: AwsEnv,
        kms_key_arn: pulumi.Input[str],
        raw_bucket: pulumi.Input[str],
        curated_bucket: pulumi.Input[str],
        artifacts_bucket: pulumi.Input[str],
        curated_database: pulumi.Input[str],
        raw_database: pulumi.Input[str],
        security_configuration: pulumi.Input[str],
        after: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:glue:GlueJob", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        pipeline = args.pipeline
        where = _Locations(
            raw_bucket=raw_bucket,
            curated_bucket=curated_bucket,
            artifacts_bucket=artifacts_bucket,
            curated_database=curated_database,
            raw_database=raw_database,
            script_key=f"glue/{pipeline.name}/{pipeline.glue.script.rsplit('/', 1)[-1]}",
            temp_prefix=f"glue-temp/{pipeline.name}/",
            library_key=(
                f"glue/{pipeline.name}/lib/etl_job.py"
                if pipeline.glue.script != ETL_LIBRARY
                else None
            ),
        )
        self.script = _build_script(
            f"{name}-script",
            args,
            where.artifacts_bucket,
            where.script_key,
            pipeline.glue.script,
            kms_key_arn=kms_key_arn,
            opts=child,
        )
        self.library = None
        if where.library_key is not None:
            self.library = _build_script(
                f"{name}-library",
                args,
                where.artifacts_bucket,
                where.library_key,
                ETL_LIBRARY,
                kms_key_arn=kms_key_arn,
                opts=child,
            )
        shipped = [self.script, *([self.library] if self.library is not None else [])]
        log_prefix = f"/aws-glue/jobs/{args.qualified_name}"
        for stream in LOG_STREAMS:
            encrypted_log_group(
                # `-logs`: the logical name of the one group a job had before Glue 5.0's two.
                f"{name}-logs" if stream == "error" else f"{name}-{stream}-logs",
                log_group_name=f"{log_prefix}/{stream}",
                retention_days=args.log_retention_days,
                kms_key_arn=kms_key_arn,
                tags=args.tags,
                opts=child,
            )
        # No aws:SourceAccount condition: no AWS Glue document says Glue sends that key when it
        # assumes a job's or crawler's role (its own trust examples have no condition), and a
        # condition on a key that is absent denies the assume. A role is passed to Glue only by a
        # principal with iam:PassRole on it, in its own account, which is what keeps another
        # account from using it.
        role = service_role(
            f"{name}-role",
            service="glue.amazonaws.com",
            statements=[
                *_role_statements(
                    env, pipeline, where, kms_key_arn=kms_key_arn, job_name=args.qualified_name
                ),
                *(_migration_statements(env, pipeline, where) if args.migrations else []),
                # The Data Catalog is encrypted with the account key (bootstrap/).
                env.key_by_alias(
                    ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"],
                    args.account_key_alias,
                ),
            ],
            tags=args.tags,
            opts=child,
        )
        self.job = _build_job(
            name,
            args,
            where,
            role_arn=role.arn,
            log_group=log_prefix,
            security_configuration=security_configuration,
            opts=child.merge(pulumi.ResourceOptions(depends_on=[*shipped, *after])),
        )
        self.rejects_table = rejects_table(
            f"{name}-rejects-table",
            pipeline,
            raw_bucket=where.raw_bucket,
            raw_database=where.raw_database,
            opts=child,
        )
        self.register_outputs(
            {
                "job_name": self.job.name,
                "script": self.script.key,
                "rejects_table": self.rejects_table.name,
            }
        )


def _build_script(
    name: str,
    args: PipelineArgs,
    bucket: pulumi.Input[str],
    key: str,
    source: str,
    *,
    kms_key_arn: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> aws.s3.BucketObjectv2:
    return aws.s3.BucketObjectv2(
        name,
        bucket=bucket,
        key=key,
        source=pulumi.FileAsset(source),
        server_side_encryption="aws:kms",
        kms_key_id=kms_key_arn,
        tags=args.tags,
        opts=opts,
    )


def _build_job(
    name: str,
    args: PipelineArgs,
    where: _Locations,
    *,
    role_arn: pulumi.Input[str],
    log_group: pulumi.Input[str],
    security_configuration: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> aws.glue.Job:
    pipeline = args.pipeline
    return aws.glue.Job(
        f"{name}-job",
        name=args.qualified_name,
        role_arn=role_arn,
        glue_version=pipeline.glue.version,
        worker_type=pipeline.glue.worker_type,
        number_of_workers=pipeline.glue.workers,
        timeout=pipeline.glue.timeout_minutes,
        security_configuration=security_configuration,
        # One run at a time (each run's manifest lists the files it added), and a run started
        # while another is in progress waits in Glue's queue instead of failing.
        execution_property=aws.glue.JobExecutionPropertyArgs(max_concurrent_runs=1),
        job_run_queuing_enabled=True,
        command=aws.glue.JobCommandArgs(
            name="glueetl",
            python_version="3",
            script_location=pulumi.Output.concat(
                "s3://", where.artifacts_bucket, "/", where.script_key
            ),
        ),
        default_arguments={
            **job_arguments(
                pipeline,
                migrations=args.migrations,
                raw_bucket=where.raw_bucket,
                curated_bucket=where.curated_bucket,
                artifacts_bucket=where.artifacts_bucket,
                curated_database=where.curated_database,
                raw_database=where.raw_database,
                log_group=log_group,
                temp_prefix=where.temp_prefix,
            ),
            **(
                {
                    "--extra-py-files": pulumi.Output.concat(
                        "s3://", where.artifacts_bucket, "/", where.library_key
                    )
                }
                if where.library_key is not None
                else {}
            ),
        },
        tags=args.tags,
        opts=opts,
    )


def _role_statements(
    env: AwsEnv,
    pipeline: PipelineSettings,
    where: _Locations,
    *,
    kms_key_arn: pulumi.Input[str],
    job_name: str,
) -> list[Statement]:
    partitions = ["glue:GetPartition", "glue:GetPartitions", "glue:BatchCreatePartition"]
    return [
        *_s3_statements(env, pipeline, where),
        allow(
            [
                "glue:GetDatabase",
                "glue:GetTable",
                "glue:CreateTable",
                "glue:UpdateTable",
                *partitions,
            ],
            _catalog_arns(env, where.curated_database, pipeline.target_table),
        ),
        # The rejects table is the program's: the job adds partitions, never changes it.
        allow(
            ["glue:GetDatabase", "glue:GetTable", *partitions],
            _catalog_arns(env, where.raw_database, pipeline.rejects_table),
        ),
        # A job that ran with bookmarks adopts the files its last successful run had read.
        allow(["glue:GetJobRuns"], [env.arn("glue", f"job/{job_name}")]),
        allow(list(JOB_LOG_ACTIONS), [env.arn("logs", JOB_LOG_GROUPS)]),
        allow(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"], [kms_key_arn]),
        allow(
            ["cloudwatch:PutMetricData"],
            ["*"],
            StringEquals={"cloudwatch:namespace": ["Glue", METRICS_NAMESPACE]},
        ),
    ]


def _migration_statements(
    env: AwsEnv, pipeline: PipelineSettings, where: _Locations
) -> list[Statement]:
    """A job that applies declared migrations to its curated files rewrites each kept manifest
    (pending, held, dead-lettered) that lists a file it replaces, and the catalog table's
    partitions."""
    manifests = [pipeline.manifest_prefix, pipeline.held_prefix, pipeline.dead_letter_prefix]
    return [
        allow(
            ["s3:GetObject", "s3:PutObject"],
            [env.s3_arn(where.curated_bucket, f"{prefix}*") for prefix in manifests],
        ),
        allow(
            ["s3:ListBucket"],
            [env.s3_arn(where.curated_bucket)],
            StringLike={"s3:prefix": [f"{prefix}*" for prefix in manifests]},
        ),
        allow(
            ["glue:BatchUpdatePartition"],
            _catalog_arns(env, where.curated_database, pipeline.target_table),
        ),
    ]


def _s3_statements(env: AwsEnv, pipeline: PipelineSettings, where: _Locations) -> list[Statement]:
    source, table = pipeline.source_prefix, pipeline.target_table
    read_write = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    rejects, ledger = pipeline.rejects_prefix, pipeline.ledger_prefix
    written = [pipeline.manifest_prefix, pipeline.held_prefix, pipeline.run_report_prefix]
    return [
        # Spark's S3 file system asks for the path itself (HEAD `orders`, then `orders/`, then a
        # listing) before it lists a directory; the bare key, an object nobody writes, is granted
        # so the HEAD answers 404, not 403 (Apache Hadoop, "S3A: getFileStatus").
        allow(
            ["s3:GetObject"],
            [
                env.s3_arn(where.raw_bucket, f"{source}*"),
                env.s3_arn(where.raw_bucket, source.rstrip("/")),
                env.s3_arn(where.curated_bucket, table),
                env.s3_arn(where.raw_bucket, rejects.rstrip("/")),
            ],
        ),
        # Quarantine gets copies; the job never deletes a source file (the raw zone expires it).
        # boto3's managed copy goes multipart above 8 MB and aborts the upload when a part fails.
        allow(
            ["s3:PutObject", "s3:AbortMultipartUpload"],
            [env.s3_arn(where.raw_bucket, f"{pipeline.quarantine_prefix}*")],
        ),
        allow(read_write, [env.s3_arn(where.raw_bucket, f"{rejects}*")]),
        allow(
            ["s3:ListBucket"],
            [env.s3_arn(where.raw_bucket)],
            StringLike={"s3:prefix": [f"{source}*", f"{rejects}*"]},
        ),
        allow(read_write, [env.s3_arn(where.curated_bucket, f"{table}/*")]),
        allow(read_write, [env.s3_arn(where.curated_bucket, f"{ledger}*")]),
        allow(
            ["s3:ListBucket"],
            [env.s3_arn(where.curated_bucket)],
            StringLike={"s3:prefix": [f"{table}/*", f"{ledger}*"]},
        ),
        allow(["s3:PutObject"], [env.s3_arn(where.curated_bucket, f"{p}*") for p in written]),
        allow(
            ["s3:GetObject"],
            [
                env.s3_arn(where.artifacts_bucket, key)
                for key in (where.script_key, where.library_key)
                if key is not None
            ],
        ),
        allow(read_write, [env.s3_arn(where.artifacts_bucket, f"{where.temp_prefix}*")]),
        # Glue lists its temporary directory when it cleans up (its service role guide grants
        # ListBucket with every temporary path); only this job's prefix.
        allow(
            ["s3:ListBucket"],
            [env.s3_arn(where.artifacts_bucket)],
            StringLike={"s3:prefix": [f"{where.temp_prefix}*"]},
        ),
    ]


def _catalog_arns(env: AwsEnv, database: pulumi.Input[str], table: str) -> list[pulumi.Output[str]]:
    return [
        env.arn("glue", "catalog"),
        env.arn("glue", pulumi.Output.concat("database/", database)),
        env.arn("glue", pulumi.Output.concat("table/", database, "/", table)),
    ]


def job_arguments(
    pipeline: PipelineSettings,
    *,
    migrations: Sequence[Migration] = (),
    raw_bucket: pulumi.Input[str],
    curated_bucket: pulumi.Input[str],
    artifacts_bucket: pulumi.Input[str],
    curated_database: pulumi.Input[str],
    raw_database: pulumi.Input[str],
    log_group: pulumi.Input[str],
    temp_prefix: str,
) -> dict[str, pulumi.Input[str]]:
    """The job's default arguments: Glue features plus what `runtime/glue/etl_job.py` reads."""

    def raw(prefix: str) -> pulumi.Output[str]:
        return pulumi.Output.concat("s3://", raw_bucket, "/", prefix)

    def curated(prefix: str) -> pulumi.Output[str]:
        return pulumi.Output.concat("s3://", curated_bucket, "/", prefix)

    arguments: dict[str, pulumi.Input[str]] = {
        # The job's ledger, not bookmarks, records the files it processed (a file it cannot
        # curate is recorded too, so it never blocks a later run).
        "--job-bookmark-option": "job-bookmark-disable",
        "--custom-logGroup-prefix": log_group,
        "--enable-metrics": "true",
        "--enable-observability-metrics": "true",
        "--TempDir": pulumi.Output.concat("s3://", artifacts_bucket, "/", temp_prefix),
        "--source_path": raw(pipeline.source_prefix),
        "--source_format": pipeline.format,
        "--target_path": curated(f"{pipeline.target_table}/"),
        "--target_database": curated_database,
        "--target_table": pipeline.target_table,
        "--required_columns": ",".join(pipeline.required_columns),
        "--key_columns": ",".join(pipeline.key_columns),
        "--order_column": pipeline.order_column,
        "--manifest_prefix": curated(pipeline.manifest_prefix),
        "--held_prefix": curated(pipeline.held_prefix),
        "--run_report_prefix": curated(pipeline.run_report_prefix),
        "--ledger_prefix": curated(pipeline.ledger_prefix),
        "--rejects_path": raw(pipeline.rejects_prefix),
        "--rejects_database": raw_database,
        "--rejects_table": pipeline.rejects_table,
        "--quarantine_path": raw(pipeline.quarantine_prefix),
        "--expectations": json.dumps(
            pipeline.expectations.model_dump(mode="json"), separators=(",", ":")
        ),
        "--pipeline": pipeline.name,
    }
    if pipeline.optional_columns:
        arguments["--optional_columns"] = ",".join(pipeline.optional_columns)
    if pipeline.column_types:
        arguments["--column_types"] = ",".join(f"{c}:{t}" for c, t in pipeline.column_types.items())
    if pipeline.partition_source_column is not None:
        arguments["--partition_source_column"] = pipeline.partition_source_column
    if migrations:
        # The curated files, the manifests that list them and the catalog table take the
        # warehouse's migrations too (CuratedMigrations in the script).
        arguments["--migrations"] = json.dumps(
            [m.model_dump(mode="json", exclude={"table"}) for m in migrations],
            separators=(",", ":"),
        )
        arguments["--dead_letter_prefix"] = curated(pipeline.dead_letter_prefix)
    return arguments
