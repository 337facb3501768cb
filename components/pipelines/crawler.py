"""A crawler that keeps the raw-zone catalog table of one pipeline current.

It runs under the Glue security configuration and a role that reads only the pipeline's prefix.
"""

import pulumi
import pulumi_aws as aws

from components.pipelines.args import PipelineArgs
from components.shared.aws_context import AwsEnv
from components.shared.iam import allow, service_role


class GlueCrawler(pulumi.ComponentResource):
    """The crawler and its least-privilege role."""

    crawler: aws.glue.Crawler

    def __init__(
        self,
        name: str,
        args: PipelineArgs,
        *,
        env: AwsEnv,
        kms_key_arn: pulumi.Input[str],
        raw_bucket: pulumi.Input[str],
        raw_database: pulumi.Input[str],
        security_configuration: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:glue:GlueCrawler", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        pipeline = args.pipeline
        crawler_name = f"{args.qualified_name}-raw"
        # No aws:SourceAccount condition, for the reason components/pipelines/job.py gives.
        role = service_role(
            f"{name}-role",
            service="glue.amazonaws.com",
            statements=[
                allow(["s3:GetObject"], [env.s3_arn(raw_bucket, f"{pipeline.source_prefix}*")]),
                allow(
                    ["s3:ListBucket"],
                    [env.s3_arn(raw_bucket)],
                    StringLike={"s3:prefix": [f"{pipeline.source_prefix}*"]},
                ),
                allow(
                    [
                        "glue:GetDatabase",
                        "glue:GetTable",
                        "glue:GetTables",
                        "glue:CreateTable",
                        "glue:UpdateTable",
                        "glue:GetPartition",
                        "glue:GetPartitions",
                        "glue:BatchCreatePartition",
                        "glue:BatchGetPartition",
                        "glue:UpdatePartition",
                    ],
                    [
                        env.arn("glue", "catalog"),
                        env.arn("glue", pulumi.Output.concat("database/", raw_database)),
                        env.arn("glue", pulumi.Output.concat("table/", raw_database, "/*")),
                    ],
                ),
                allow(
                    [
                        "logs:CreateLogGroup",
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:AssociateKmsKey",
                    ],
                    [env.arn("logs", "log-group:/aws-glue/crawlers*")],
                ),
                allow(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"], [kms_key_arn]),
                # The Data Catalog is encrypted with the account key (bootstrap/).
                env.key_by_alias(
                    ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"], args.account_key_alias
                ),
            ],
            tags=args.tags,
            opts=child,
        )
        self.crawler = aws.glue.Crawler(
            f"{name}-crawler",
            name=crawler_name,
            role=role.arn,
            database_name=raw_database,
            security_configuration=security_configuration,
            s3_targets=[
                aws.glue.CrawlerS3TargetArgs(
                    path=pulumi.Output.concat("s3://", raw_bucket, "/", pipeline.source_prefix)
                )
            ],
            # Only new folders are crawled; that mode requires LOG for schema changes.
            recrawl_policy=aws.glue.CrawlerRecrawlPolicyArgs(
                recrawl_behavior="CRAWL_NEW_FOLDERS_ONLY"
            ),
            schema_change_policy=aws.glue.CrawlerSchemaChangePolicyArgs(
                delete_behavior="LOG", update_behavior="LOG"
            ),
            tags=args.tags,
            opts=child,
        )
        self.register_outputs({"crawler_name": self.crawler.name})
