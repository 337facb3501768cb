"""A managed network is private by construction; an existing one is only referenced."""

from collections.abc import Callable

import pulumi

from components.shared.tagging import is_taggable
from components.warehouse.network import Network, NetworkArgs
from offline.mocks import Registration
from stack_config.network import ExistingNetwork, ManagedNetwork, NetworkSettings
from tests.components.helpers import by_name, children_of, policy_statements

Runner = Callable[[Callable[[], object]], tuple[Registration, ...]]
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/test"
TAGS = {"Environment": "test"}
CIDR = "10.20.0.0/16"


def _managed(**overrides: object) -> ManagedNetwork:
    values: dict[str, object] = {
        "kind": "managed",
        "cidr_block": CIDR,
        "interface_endpoints": ["glue", "redshift-data", "sts"],
    }
    return ManagedNetwork.model_validate({**values, **overrides})


def _run(
    run: Runner, settings: NetworkSettings, outputs: dict[str, object] | None = None
) -> dict[str, Registration]:
    def program() -> None:
        args = NetworkArgs(
            network=settings,
            name_prefix="dp-test",
            region="eu-west-1",
            tags=TAGS,
            log_retention_days=30,
        )
        network = Network("net", args, kms_key_arn=KEY_ARN, account_id="123456789012")
        if outputs is not None:
            pulumi.Output.all(network.vpc_id, network.private_subnet_ids, network.cidr_block).apply(
                lambda values: outputs.update(zip(("vpc", "subnets", "cidr"), values, strict=True))
            )

    return by_name(run(program))


def _of_type(resources: dict[str, Registration], type_: str) -> dict[str, Registration]:
    return {name: r for name, r in resources.items() if r.type == type_}


def test_every_managed_resource_is_a_child_of_the_component(run_mocked: Runner) -> None:
    resources = _run(run_mocked, _managed())
    component = resources["net"]
    assert component.type == "dataplatform:network:Network"
    children = children_of(list(resources.values()), component)
    expected = {"net-vpc", "net-default-sg", "net-private-rt", "net-endpoint-s3"}
    expected |= {f"net-private-{i}" for i in range(3)} | {
        f"net-private-{i}-rt-link" for i in range(3)
    }
    expected |= {"net-endpoints-sg", "net-endpoints-https", "net-flow-logs", "net-flow-logs-role"}
    expected |= {"net-flow-logs-role-policy", "net-flow-log"}
    expected |= {f"net-endpoint-{s}" for s in ("glue", "redshift-data", "sts")}
    assert children == expected


def test_private_subnets_span_three_zones_and_are_carved_from_the_cidr(run_mocked: Runner) -> None:
    resources = _run(run_mocked, _managed())
    subnets = [resources[f"net-private-{i}"].inputs for i in range(3)]
    assert [s["cidrBlock"] for s in subnets] == ["10.20.0.0/19", "10.20.32.0/19", "10.20.64.0/19"]
    assert [s["availabilityZone"] for s in subnets] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert all(s["mapPublicIpOnLaunch"] is False for s in subnets)
    assert resources["net-vpc"].inputs["cidrBlock"] == CIDR
    assert resources["net-vpc"].inputs["tags"] == {**TAGS, "Name": "dp-test-vpc"}


def test_no_nat_and_no_internet_route_by_default(run_mocked: Runner) -> None:
    types = {r.type for r in _run(run_mocked, _managed()).values()}
    internet = {
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/eip:Eip",
        "aws:ec2/route:Route",
    }
    assert types & internet == set()


def test_nat_gateway_when_enabled_routes_private_egress(run_mocked: Runner) -> None:
    resources = _run(run_mocked, _managed(nat_gateway=True))
    nat = resources["net-nat"]
    assert nat.type == "aws:ec2/natGateway:NatGateway"
    assert nat.inputs["connectivityType"] == "public"
    assert resources["net-public-0"].inputs["cidrBlock"] == "10.20.224.0/19"
    private_default = resources["net-private-default"]
    assert private_default.inputs["destinationCidrBlock"] == "0.0.0.0/0"
    assert private_default.property_dependencies["natGatewayId"] == [nat.urn]
    assert resources["net-public-default"].property_dependencies["gatewayId"] == [
        resources["net-igw"].urn
    ]


def test_default_security_group_has_no_rules(run_mocked: Runner) -> None:
    default = _run(run_mocked, _managed())["net-default-sg"]
    assert default.type == "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
    assert default.inputs.get("ingress", []) == []
    assert default.inputs.get("egress", []) == []


def test_endpoints_gateway_for_s3_interfaces_admit_https_from_the_vpc(run_mocked: Runner) -> None:
    resources = _run(run_mocked, _managed())
    s3 = resources["net-endpoint-s3"].inputs
    assert (s3["serviceName"], s3["vpcEndpointType"]) == ("com.amazonaws.eu-west-1.s3", "Gateway")
    assert s3["routeTableIds"] == ["net-private-rt-id"]
    glue = resources["net-endpoint-glue"].inputs
    assert glue["serviceName"] == "com.amazonaws.eu-west-1.glue"
    assert glue["vpcEndpointType"] == "Interface"
    assert glue["privateDnsEnabled"] is True
    assert glue["subnetIds"] == [f"net-private-{i}-id" for i in range(3)]
    assert glue["securityGroupIds"] == ["net-endpoints-sg-id"]
    https = resources["net-endpoints-https"].inputs
    assert (https["ipProtocol"], https["fromPort"], https["toPort"]) == ("tcp", 443, 443)
    assert https["cidrIpv4"] == CIDR
    assert "egress" not in resources["net-endpoints-sg"].inputs


def test_without_interface_endpoints_there_is_no_endpoint_security_group(
    run_mocked: Runner,
) -> None:
    resources = _run(run_mocked, _managed(interface_endpoints=[]))
    assert "net-endpoints-sg" not in resources
    assert _of_type(resources, "aws:ec2/vpcEndpoint:VpcEndpoint").keys() == {"net-endpoint-s3"}


def test_flow_logs_go_to_the_encrypted_group_through_a_scoped_role(run_mocked: Runner) -> None:
    resources = _run(run_mocked, _managed())
    group = resources["net-flow-logs"]
    assert group.inputs["name"] == "/dp-test/vpc-flow-logs"
    assert group.inputs["kmsKeyId"] == KEY_ARN
    assert group.inputs["retentionInDays"] == 30
    flow = resources["net-flow-log"]
    assert flow.inputs["logDestinationType"] == "cloud-watch-logs"
    assert flow.inputs["trafficType"] == "ALL"
    assert flow.property_dependencies["logDestination"] == [group.urn]
    assert flow.property_dependencies["iamRoleArn"] == [resources["net-flow-logs-role"].urn]
    write, describe = policy_statements(resources["net-flow-logs-role-policy"])
    assert write["Resource"] == [
        "arn:aws:logs:eu-west-1:123456789012:log-group:/dp-test/vpc-flow-logs:*"
    ]
    # DescribeLogGroups has no resource type: a grant on any ARN would grant nothing.
    assert (describe["Action"], describe["Resource"]) == (["logs:DescribeLogGroups"], ["*"])
    trust = resources["net-flow-logs-role"].inputs["assumeRolePolicy"]
    assert "vpc-flow-logs.amazonaws.com" in trust and "aws:SourceAccount" in trust


def test_existing_network_declares_nothing_and_passes_its_ids_through(run_mocked: Runner) -> None:
    existing = ExistingNetwork(
        kind="existing",
        vpc_id="vpc-0123456789abcdef0",
        private_subnet_ids=["subnet-0000000a", "subnet-0000000b", "subnet-0000000c"],
        cidr_block="10.1.0.0/20",
    )
    outputs: dict[str, object] = {}
    resources = _run(run_mocked, existing, outputs)
    assert list(resources) == ["net"]
    assert outputs == {
        "vpc": "vpc-0123456789abcdef0",
        "subnets": ["subnet-0000000a", "subnet-0000000b", "subnet-0000000c"],
        "cidr": "10.1.0.0/20",
    }


def test_managed_network_outputs_come_from_its_resources(run_mocked: Runner) -> None:
    outputs: dict[str, object] = {}
    _run(run_mocked, _managed(), outputs)
    assert outputs == {
        "vpc": "net-vpc-id",
        "subnets": ["net-private-0-id", "net-private-1-id", "net-private-2-id"],
        "cidr": CIDR,
    }


def test_every_taggable_resource_is_tagged(run_mocked: Runner) -> None:
    resources = _run(run_mocked, _managed(nat_gateway=True))
    untagged = [
        r.name
        for r in resources.values()
        if r.custom and is_taggable(r.type) and not TAGS.items() <= r.inputs.get("tags", {}).items()
    ]
    assert untagged == []
