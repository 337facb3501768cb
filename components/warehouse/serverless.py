"""Redshift Serverless: a namespace encrypted with the platform key, its admin password in Secrets
Manager, every audit log exported, and a private workgroup with enhanced VPC routing."""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.shared.log_group import encrypted_log_group
from stack_config.warehouse import ServerlessWarehouse

AUDIT_LOGS = ("connectionlog", "userlog", "useractivitylog")

# Every configuration parameter a workgroup reports, at AWS's defaults except the two the
# platform requires (TLS only, user activity logged). AWS returns the whole set from
# GetWorkgroup, and declaring a subset makes every preview show an update that then fails with
# "You didn't specify any changes to the configuration parameters" (terraform-provider-aws
# #33692, #49939). AWS keeps adding keys (enable_large_strings_opt_in, 2026), which the provider
# cannot declare yet, so the parameters are only set at creation and then ignored.
WORKGROUP_PARAMETERS: dict[str, str] = {
    "auto_mv": "true",
    "datestyle": "ISO, MDY",
    "enable_case_sensitive_identifier": "false",
    "enable_user_activity_logging": "true",
    "max_query_execution_time": "14400",
    "query_group": "default",
    "require_ssl": "true",
    "search_path": "$user, public",
    "use_fips_ssl": "false",
}


@dataclass(frozen=True)
class RedshiftInputs:
    """What either warehouse variant is built from (shared with `redshift_provisioned`)."""

    physical_name: str
    tags: dict[str, str]
    kms_key_arn: pulumi.Input[str]
    copy_role_arn: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    security_group_id: pulumi.Input[str]
    child: pulumi.ResourceOptions
    stateful: pulumi.ResourceOptions


def build_serverless(
    name: str,
    settings: ServerlessWarehouse,
    inputs: RedshiftInputs,
    *,
    log_retention_days: int,
) -> tuple[aws.redshiftserverless.Workgroup, aws.redshiftserverless.Namespace]:
    """The namespace (the data, hence `stateful` options), its audit log groups, and the
    workgroup (the compute)."""
    kms_key_arn, copy_role_arn, tags = inputs.kms_key_arn, inputs.copy_role_arn, inputs.tags
    # Serverless exports each audit log to /aws/redshift/<namespace>/<log type>, into the group of
    # that name if it exists, else one it creates with no retention (Amazon Redshift Management
    # Guide, "Audit logging for Amazon Redshift Serverless"): declared first, encrypted, retained.
    groups = [
        encrypted_log_group(
            f"{name}-{log}",
            log_group_name=f"/aws/redshift/{inputs.physical_name}/{log}",
            retention_days=log_retention_days,
            kms_key_arn=kms_key_arn,
            tags=tags,
            opts=inputs.child,
        )
        for log in AUDIT_LOGS
    ]
    namespace = aws.redshiftserverless.Namespace(
        f"{name}-namespace",
        namespace_name=inputs.physical_name,
        db_name=settings.database_name,
        admin_username=settings.admin_username,
        # AWS generates the password and keeps it in Secrets Manager: never in config or state.
        manage_admin_password=True,
        admin_password_secret_kms_key_id=kms_key_arn,
        kms_key_id=kms_key_arn,
        iam_roles=[copy_role_arn],
        default_iam_role_arn=copy_role_arn,
        log_exports=list(AUDIT_LOGS),
        tags=tags,
        opts=inputs.stateful.merge(pulumi.ResourceOptions(depends_on=groups)),
    )
    workgroup = aws.redshiftserverless.Workgroup(
        f"{name}-workgroup",
        namespace_name=namespace.namespace_name,
        workgroup_name=inputs.physical_name,
        base_capacity=settings.base_capacity_rpu,
        max_capacity=settings.max_capacity_rpu,
        publicly_accessible=False,
        enhanced_vpc_routing=True,
        subnet_ids=inputs.subnet_ids,
        security_group_ids=[inputs.security_group_id],
        config_parameters=[
            aws.redshiftserverless.WorkgroupConfigParameterArgs(
                parameter_key=key, parameter_value=value
            )
            for key, value in WORKGROUP_PARAMETERS.items()
        ],
        tags=tags,
        opts=inputs.child.merge(pulumi.ResourceOptions(ignore_changes=["configParameters"])),
    )
    return workgroup, namespace
