"""The warehouse: Redshift Serverless or a provisioned cluster behind one component, reachable on
5439 from the VPC only, loading through a COPY role that can read the curated bucket and nothing
else; plus the IAM statements a state machine needs to run its load statements."""

import pulumi
import pulumi_aws as aws

from components.shared.aws_context import partition_of
from components.shared.iam import Statement, allow, service_role
from components.shared.protection import stateful_options
from components.warehouse.provisioned import build_provisioned
from components.warehouse.serverless import RedshiftInputs, build_serverless
from stack_config.base import StrictModel
from stack_config.observability import RetentionDays
from stack_config.protection import ProtectionSettings
from stack_config.warehouse import ServerlessWarehouse, WarehouseSettings

REDSHIFT_PORT = 5439


def copy_role_principals(settings: WarehouseSettings) -> tuple[str, ...]:
    """Who must be able to assume the COPY role. Redshift Serverless needs both service names in
    the trust policy ("Granting permissions to Amazon Redshift Serverless", Amazon Redshift
    Management Guide); a provisioned cluster assumes it as redshift.amazonaws.com."""
    if isinstance(settings, ServerlessWarehouse):
        return ("redshift-serverless.amazonaws.com", "redshift.amazonaws.com")
    return ("redshift.amazonaws.com",)


class WarehouseArgs(StrictModel):
    """The warehouse slice of the config plus naming, tags and protection."""

    warehouse: WarehouseSettings
    name_prefix: str
    region: str
    tags: dict[str, str]
    log_retention_days: RetentionDays
    protection: ProtectionSettings


class Warehouse(pulumi.ComponentResource):
    """One Redshift warehouse; `data_api_target` addresses it in Redshift Data API calls."""

    copy_role_arn: pulumi.Output[str]
    resource_arn: pulumi.Output[str]
    data_api_target: pulumi.Output[dict[str, str]]
    admin_secret_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: WarehouseArgs,
        *,
        kms_key_arn: pulumi.Input[str],
        account_id: pulumi.Input[str],
        vpc_id: pulumi.Input[str],
        vpc_cidr: pulumi.Input[str],
        private_subnet_ids: pulumi.Input[list[str]],
        curated_bucket_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:warehouse:Warehouse", name, None, opts)
        self._name, self._args = name, args
        child = pulumi.ResourceOptions(parent=self)
        settings = args.warehouse
        tags = {**args.tags, "DataClassification": settings.classification}
        copy_role = self._build_copy_role(curated_bucket_arn, kms_key_arn, child, settings)
        group = self._build_security_group(vpc_id, vpc_cidr, child)
        stateful = stateful_options(self, args.protection)
        inputs = RedshiftInputs(
            physical_name=args.name_prefix,
            tags=tags,
            kms_key_arn=kms_key_arn,
            copy_role_arn=copy_role.arn,
            subnet_ids=private_subnet_ids,
            security_group_id=group.id,
            child=child,
            stateful=stateful,
        )
        database = settings.database_name
        if isinstance(settings, ServerlessWarehouse):
            workgroup, namespace = build_serverless(
                name, settings, inputs, log_retention_days=args.log_retention_days
            )
            self.resource_arn = workgroup.arn
            self.admin_secret_arn = namespace.admin_password_secret_arn
            self._credentials = allow(["redshift-serverless:GetCredentials"], [workgroup.arn])
            self.data_api_target = workgroup.workgroup_name.apply(
                lambda wg: {"WorkgroupName": wg, "Database": database}
            )
        else:
            cluster = build_provisioned(
                name, settings, inputs, log_retention_days=args.log_retention_days
            )
            self.resource_arn = cluster.arn
            self.admin_secret_arn = cluster.master_password_secret_arn
            db_user_arn = pulumi.Output.concat(
                f"arn:{partition_of(args.region)}:redshift:{args.region}:",
                account_id,
                ":dbname:",
                cluster.cluster_identifier,
                f"/{database}",
            )
            self._credentials = allow(["redshift:GetClusterCredentialsWithIAM"], [db_user_arn])
            self.data_api_target = cluster.cluster_identifier.apply(
                lambda cid: {"ClusterIdentifier": cid, "Database": database}
            )
        self.copy_role_arn = copy_role.arn
        self.register_outputs(
            {
                "copy_role_arn": self.copy_role_arn,
                "resource_arn": self.resource_arn,
                "data_api_target": self.data_api_target,
                "admin_secret_arn": self.admin_secret_arn,
            }
        )

    def load_statements(self) -> list[Statement]:
        """What a state machine's role needs to run its load (`sql.call_load`)."""
        return [
            allow(["redshift-data:ExecuteStatement"], [self.resource_arn]),
            self._credentials,
        ]

    @staticmethod
    def load_status_statements(role_unique_id: pulumi.Input[str]) -> list[Statement]:
        """What a role needs to poll its loads and read their counts, from any of its sessions.

        Statement ids are no resource IAM can name, so the statements are limited to the ones
        the role's sessions started: `statement-owner-iam-userid` is the starter's
        `aws:userid`, `<role unique id>:<session name>` for a role (IAM User Guide, "Unique
        identifiers"). `${aws:userid}` itself would also pin the session, and a poll from
        another session of the same role would be denied (grafana/redshift-datasource #836);
        the Data API lets any session of the role describe them (Amazon Redshift Management
        Guide, "Query editor v2" permissions: without the condition, statements of others in
        the same IAM role are readable)."""
        return [
            allow(
                ["redshift-data:DescribeStatement", "redshift-data:GetStatementResult"],
                ["*"],
                StringLike={
                    "redshift-data:statement-owner-iam-userid": pulumi.Output.concat(
                        role_unique_id, ":*"
                    )
                },
            ),
        ]

    def _build_copy_role(
        self,
        bucket_arn: pulumi.Input[str],
        kms_key_arn: pulumi.Input[str],
        child: pulumi.ResourceOptions,
        settings: WarehouseSettings,
    ) -> aws.iam.Role:
        return service_role(
            f"{self._name}-copy-role",
            service=copy_role_principals(settings),
            statements=[
                allow(["s3:ListBucket", "s3:GetBucketLocation"], [bucket_arn]),
                allow(["s3:GetObject"], [pulumi.Output.concat(bucket_arn, "/*")]),
                allow(["kms:Decrypt"], [kms_key_arn]),
            ],
            tags=self._args.tags,
            opts=child,
        )

    def _build_security_group(
        self, vpc_id: pulumi.Input[str], vpc_cidr: pulumi.Input[str], child: pulumi.ResourceOptions
    ) -> aws.ec2.SecurityGroup:
        name, tags, region = self._name, self._args.tags, self._args.region
        group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=vpc_id,
            description="Redshift: 5439 from the VPC; HTTPS out to S3 and VPC endpoints only",
            tags=tags,
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-sg-redshift",
            security_group_id=group.id,
            description="Redshift from the VPC CIDR",
            ip_protocol="tcp",
            from_port=REDSHIFT_PORT,
            to_port=REDSHIFT_PORT,
            cidr_ipv4=vpc_cidr,
            tags=tags,
            opts=child,
        )
        # Enhanced VPC routing sends COPY traffic through the VPC, so egress must allow it.
        s3 = aws.ec2.get_prefix_list_output(
            name=f"com.amazonaws.{region}.s3", opts=pulumi.InvokeOutputOptions(parent=self)
        )
        for role, target in (("s3", {"prefix_list_id": s3.id}), ("vpc", {"cidr_ipv4": vpc_cidr})):
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-sg-https-{role}",
                security_group_id=group.id,
                description=f"HTTPS to {role}",
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                tags=tags,
                opts=child,
                **target,
            )
        return group
