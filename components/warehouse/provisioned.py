"""A provisioned Redshift cluster: encrypted with the platform key, private, TLS-only, audit-logged
to KMS-encrypted CloudWatch log groups, snapshots kept and a final snapshot taken per config."""

import pulumi
import pulumi_aws as aws

from components.shared.log_group import encrypted_log_group
from components.warehouse.serverless import AUDIT_LOGS, RedshiftInputs
from stack_config.warehouse import ProvisionedWarehouse

PARAMETER_FAMILY = "redshift-2.0"
SECURE_PARAMETERS = {"require_ssl": "true", "enable_user_activity_logging": "true"}


def build_provisioned(
    name: str,
    settings: ProvisionedWarehouse,
    inputs: RedshiftInputs,
    *,
    log_retention_days: int,
) -> aws.redshift.Cluster:
    """Subnet and parameter groups, the cluster (`stateful` options) and its audit logging."""
    physical_name, tags, child = inputs.physical_name, inputs.tags, inputs.child
    kms_key_arn, copy_role_arn = inputs.kms_key_arn, inputs.copy_role_arn
    subnets = aws.redshift.SubnetGroup(
        f"{name}-subnets",
        name=physical_name,
        description=f"{physical_name}: private subnets",
        subnet_ids=inputs.subnet_ids,
        tags=tags,
        opts=child,
    )
    parameters = aws.redshift.ParameterGroup(
        f"{name}-parameters",
        name=f"{physical_name}-secure",
        family=PARAMETER_FAMILY,
        description=f"{physical_name}: TLS only, user activity logging",
        parameters=[
            aws.redshift.ParameterGroupParameterArgs(name=key, value=value)
            for key, value in SECURE_PARAMETERS.items()
        ],
        tags=tags,
        opts=child,
    )
    final = settings.final_snapshot_on_delete
    cluster = aws.redshift.Cluster(
        f"{name}-cluster",
        cluster_identifier=physical_name,
        node_type=settings.node_type,
        cluster_type="multi-node" if settings.number_of_nodes > 1 else "single-node",
        number_of_nodes=settings.number_of_nodes,
        database_name=settings.database_name,
        master_username=settings.admin_username,
        # AWS generates the password and keeps it in Secrets Manager: never in config or state.
        manage_master_password=True,
        master_password_secret_kms_key_id=kms_key_arn,
        encrypted="true",
        kms_key_id=kms_key_arn,
        publicly_accessible=False,
        enhanced_vpc_routing=True,
        cluster_subnet_group_name=subnets.name,
        vpc_security_group_ids=[inputs.security_group_id],
        cluster_parameter_group_name=parameters.name,
        automated_snapshot_retention_period=settings.automated_snapshot_retention_days,
        skip_final_snapshot=not final,
        final_snapshot_identifier=f"{physical_name}-final" if final else None,
        iam_roles=[copy_role_arn],
        default_iam_role_arn=copy_role_arn,
        tags=tags,
        opts=inputs.stateful,
    )
    # Created first so Redshift delivers into encrypted groups with a retention, not its own.
    groups = [
        encrypted_log_group(
            f"{name}-{log}",
            log_group_name=f"/aws/redshift/cluster/{physical_name}/{log}",
            retention_days=log_retention_days,
            kms_key_arn=kms_key_arn,
            tags=tags,
            opts=child,
        )
        for log in AUDIT_LOGS
    ]
    aws.redshift.Logging(
        f"{name}-logging",
        cluster_identifier=cluster.cluster_identifier,
        log_destination_type="cloudwatch",
        log_exports=list(AUDIT_LOGS),
        opts=child.merge(pulumi.ResourceOptions(depends_on=groups)),
    )
    return cluster
