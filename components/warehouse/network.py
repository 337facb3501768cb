"""The platform's network: a VPC it manages (private subnets in 3+ AZs, S3 gateway and HTTPS-only
interface endpoints, KMS-encrypted flow logs, a rule-less default security group, NAT only when
enabled) or an existing VPC; either way it exposes the VPC id, private subnet ids and CIDR."""

from functools import partial

import pulumi
import pulumi_aws as aws

from components.shared.iam import allow, service_role
from components.shared.log_group import encrypted_log_group
from stack_config.base import StrictModel
from stack_config.network import ManagedNetwork, NetworkSettings
from stack_config.observability import RetentionDays


class NetworkArgs(StrictModel):
    """The network slice of the config plus what the managed variant's resources need."""

    network: NetworkSettings
    name_prefix: str
    region: str
    tags: dict[str, str]
    log_retention_days: RetentionDays


def _zone(index: int, component: str, names: list[str]) -> str:
    if index >= len(names):
        raise ValueError(f"{component}: the region has only {len(names)} available AZs")
    return names[index]


class Network(pulumi.ComponentResource):
    """VPC id, private subnet ids and CIDR, whichever variant the config chose."""

    vpc_id: pulumi.Output[str]
    private_subnet_ids: pulumi.Output[list[str]]
    cidr_block: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: NetworkArgs,
        *,
        kms_key_arn: pulumi.Input[str],
        account_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:network:Network", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        settings = args.network
        if isinstance(settings, ManagedNetwork):
            self._build_managed(settings, kms_key_arn, account_id)
        else:
            self.vpc_id = pulumi.Output.from_input(settings.vpc_id)
            self.private_subnet_ids = pulumi.Output.from_input(list(settings.private_subnet_ids))
            self.cidr_block = pulumi.Output.from_input(settings.cidr_block)
        outputs = {"vpc_id": self.vpc_id, "cidr_block": self.cidr_block}
        self.register_outputs({**outputs, "private_subnet_ids": self.private_subnet_ids})

    def _tags(self, label: str) -> dict[str, str]:
        return {**self._args.tags, "Name": f"{self._args.name_prefix}-{label}"}

    def _build_managed(
        self, net: ManagedNetwork, kms_key_arn: pulumi.Input[str], account_id: pulumi.Input[str]
    ) -> None:
        name, child = self._name, self._child
        self._vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=net.cidr_block,
            enable_dns_support=True,
            enable_dns_hostnames=True,  # private DNS names of interface endpoints need both
            tags=self._tags("vpc"),
            opts=child,
        )
        # Adopting the default group with no rules removes AWS's allow-all rules.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=self._vpc.id,
            ingress=[],
            egress=[],
            tags=self._tags("default"),
            opts=child,
        )
        self._zones = aws.get_availability_zones_output(
            state="available", opts=pulumi.InvokeOutputOptions(parent=self)
        ).names
        private_routes = self._route_table("private")
        private_cidrs, public_cidr = net.subnet_cidrs()
        subnet_ids = [
            self._subnet(f"private-{index}", cidr, index, private_routes)
            for index, cidr in enumerate(private_cidrs)
        ]
        self._build_endpoints(net, private_routes, subnet_ids)
        self._build_flow_logs(net, kms_key_arn, account_id)
        if net.nat_gateway:
            self._build_nat(private_routes, public_cidr)
        self.vpc_id = self._vpc.id
        self.private_subnet_ids = pulumi.Output.all(*subnet_ids)
        self.cidr_block = self._vpc.cidr_block

    def _route_table(self, label: str) -> aws.ec2.RouteTable:
        return aws.ec2.RouteTable(
            f"{self._name}-{label}-rt",
            vpc_id=self._vpc.id,
            tags=self._tags(label),
            opts=self._child,
        )

    def _subnet(
        self, label: str, cidr: str, zone: int, routes: aws.ec2.RouteTable
    ) -> pulumi.Output[str]:
        subnet = aws.ec2.Subnet(
            f"{self._name}-{label}",
            vpc_id=self._vpc.id,
            cidr_block=cidr,
            availability_zone=self._zones.apply(partial(_zone, zone, self._name)),
            map_public_ip_on_launch=False,
            tags=self._tags(label),
            opts=self._child,
        )
        aws.ec2.RouteTableAssociation(
            f"{self._name}-{label}-rt-link",
            subnet_id=subnet.id,
            route_table_id=routes.id,
            opts=self._child,
        )
        return subnet.id

    def _build_endpoints(
        self, net: ManagedNetwork, routes: aws.ec2.RouteTable, subnets: list[pulumi.Output[str]]
    ) -> None:
        name, child, region = self._name, self._child, self._args.region
        aws.ec2.VpcEndpoint(
            f"{name}-endpoint-s3",
            vpc_id=self._vpc.id,
            service_name=f"com.amazonaws.{region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[routes.id],
            tags=self._tags("s3"),
            opts=child,
        )
        if not net.interface_endpoints:
            return
        group = aws.ec2.SecurityGroup(
            f"{name}-endpoints-sg",
            vpc_id=self._vpc.id,
            description="Interface endpoints: HTTPS from inside the VPC only",
            tags=self._tags("endpoints"),
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-endpoints-https",
            security_group_id=group.id,
            description="HTTPS from the VPC CIDR",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4=net.cidr_block,
            tags=self._tags("endpoints-https"),
            opts=child,
        )
        for service in net.interface_endpoints:
            aws.ec2.VpcEndpoint(
                f"{name}-endpoint-{service}",
                vpc_id=self._vpc.id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=subnets,
                security_group_ids=[group.id],
                tags=self._tags(service),
                opts=child,
            )

    def _build_flow_logs(
        self, net: ManagedNetwork, kms_key_arn: pulumi.Input[str], account_id: pulumi.Input[str]
    ) -> None:
        name, child, args = self._name, self._child, self._args
        group = encrypted_log_group(
            f"{name}-flow-logs",
            log_group_name=f"/{args.name_prefix}/vpc-flow-logs",
            retention_days=args.log_retention_days,
            kms_key_arn=kms_key_arn,
            tags=args.tags,
            opts=child,
        )
        role = service_role(
            f"{name}-flow-logs-role",
            service="vpc-flow-logs.amazonaws.com",
            statements=[
                allow(
                    ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    [pulumi.Output.concat(group.arn, ":*")],
                ),
                # DescribeLogGroups has no resource type: only Resource "*" grants it (Service
                # Authorization Reference, CloudWatch Logs); it lists names, nothing more.
                allow(["logs:DescribeLogGroups"], ["*"]),
            ],
            tags=args.tags,
            opts=child,
            source_account=account_id,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=self._vpc.id,
            traffic_type=net.flow_logs_traffic,
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=self._tags("flow-log"),
            opts=child,
        )

    def _build_nat(self, private_routes: aws.ec2.RouteTable, public_cidr: str) -> None:
        name, child = self._name, self._child
        gateway = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=self._vpc.id, tags=self._tags("igw"), opts=child
        )
        public_routes = self._route_table("public")
        aws.ec2.Route(
            f"{name}-public-default",
            route_table_id=public_routes.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=gateway.id,
            opts=child,
        )
        public_subnet = self._subnet("public-0", public_cidr, 0, public_routes)
        address = aws.ec2.Eip(f"{name}-nat-eip", domain="vpc", tags=self._tags("nat"), opts=child)
        nat = aws.ec2.NatGateway(
            f"{name}-nat",
            allocation_id=address.allocation_id,
            subnet_id=public_subnet,
            connectivity_type="public",
            tags=self._tags("nat"),
            opts=child.merge(pulumi.ResourceOptions(depends_on=[gateway])),
        )
        aws.ec2.Route(
            f"{name}-private-default",
            route_table_id=private_routes.id,
            destination_cidr_block="0.0.0.0/0",
            nat_gateway_id=nat.id,
            opts=child,
        )
