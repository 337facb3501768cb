"""What every platform stack of the account shares and none may own: the CodeCommit repository
(all environments deploy from it) and the Glue Data Catalog encryption settings (one per account
and region). Both are encrypted with the account key and protected like the state.
"""

import pulumi
import pulumi_aws as aws

from bootstrap.settings import BootstrapSettings
from components.shared.protection import stateful_options


class AccountShared(pulumi.ComponentResource):
    """The source repository and the Data Catalog encryption, under the account key."""

    repository_name: pulumi.Output[str] | None

    def __init__(
        self,
        name: str,
        settings: BootstrapSettings,
        *,
        key_arn: pulumi.Input[str],
        tags: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:bootstrap:AccountShared", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.repository_name = None
        if settings.repository is not None:
            repository = aws.codecommit.Repository(
                f"{name}-repository",
                repository_name=settings.repository,
                description="The data-platform Pulumi program, its pipelines and its policies",
                default_branch="main",
                kms_key_id=key_arn,
                tags=tags,
                opts=stateful_options(self, settings.protection),
            )
            self.repository_name = repository.repository_name
        if settings.glue_catalog_encryption:
            aws.glue.DataCatalogEncryptionSettings(
                f"{name}-glue-catalog-encryption",
                data_catalog_encryption_settings=aws.glue.DataCatalogEncryptionSettingsDataCatalogEncryptionSettingsArgs(
                    encryption_at_rest=aws.glue.DataCatalogEncryptionSettingsDataCatalogEncryptionSettingsEncryptionAtRestArgs(
                        catalog_encryption_mode="SSE-KMS", sse_aws_kms_key_id=key_arn
                    ),
                    connection_password_encryption=aws.glue.DataCatalogEncryptionSettingsDataCatalogEncryptionSettingsConnectionPasswordEncryptionArgs(
                        return_connection_password_encrypted=True, aws_kms_key_id=key_arn
                    ),
                ),
                opts=child,
            )
        self.register_outputs({"repository": self.repository_name})
