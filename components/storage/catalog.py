"""The Glue Data Catalog of the lake: one database per zone, plus the security configuration
every job and crawler must use (S3, CloudWatch and job bookmarks under the platform key).

Encryption of the catalog itself is an account-and-region setting, so `bootstrap/` owns it (with
the account key); two stacks in one account would otherwise overwrite each other's.
"""

import pulumi
import pulumi_aws as aws

from stack_config.base import DataClassification, StrictModel


class GlueCatalogArgs(StrictModel):
    """Database naming and the zones to catalogue."""

    database_prefix: str
    zones: dict[str, DataClassification]
    tags: dict[str, str]


class GlueCatalog(pulumi.ComponentResource):
    """Zone databases and the Glue security configuration."""

    databases: dict[str, aws.glue.CatalogDatabase]
    security_configuration: aws.glue.SecurityConfiguration

    def __init__(
        self,
        name: str,
        args: GlueCatalogArgs,
        *,
        kms_key_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:glue:GlueCatalog", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.databases = {
            zone: aws.glue.CatalogDatabase(
                f"{name}-{zone}",
                name=f"{args.database_prefix}_{zone}".replace("-", "_"),
                description=f"Tables of the {zone} zone of the data lake",
                tags={**args.tags, "DataClassification": classification},
                opts=child,
            )
            for zone, classification in args.zones.items()
        }
        self.security_configuration = aws.glue.SecurityConfiguration(
            f"{name}-security",
            name=f"{args.database_prefix}-glue".replace("_", "-"),
            encryption_configuration=aws.glue.SecurityConfigurationEncryptionConfigurationArgs(
                s3_encryption=aws.glue.SecurityConfigurationEncryptionConfigurationS3EncryptionArgs(
                    s3_encryption_mode="SSE-KMS", kms_key_arn=kms_key_arn
                ),
                cloudwatch_encryption=aws.glue.SecurityConfigurationEncryptionConfigurationCloudwatchEncryptionArgs(
                    cloudwatch_encryption_mode="SSE-KMS", kms_key_arn=kms_key_arn
                ),
                job_bookmarks_encryption=aws.glue.SecurityConfigurationEncryptionConfigurationJobBookmarksEncryptionArgs(
                    job_bookmarks_encryption_mode="CSE-KMS", kms_key_arn=kms_key_arn
                ),
            ),
            opts=child,
        )
        self.register_outputs(
            {
                "databases": {zone: db.name for zone, db in self.databases.items()},
                "security_configuration": self.security_configuration.name,
            }
        )
