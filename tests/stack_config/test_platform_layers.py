"""Network, warehouse and operations settings: proposed stack values validate, and every invalid
value is reported at its key path (the union's `kind` tag appears in pydantic's location)."""

from typing import Any

import pytest
from pydantic import ValidationError

from stack_config.base import StrictModel
from stack_config.loader import format_path
from stack_config.network import ExistingNetwork, ManagedNetwork, NetworkSettings
from stack_config.operations import OperationsSettings
from stack_config.warehouse import ProvisionedWarehouse, ServerlessWarehouse, WarehouseSettings


class Layers(StrictModel):
    """Stands in for the root model's three new keys."""

    network: NetworkSettings
    warehouse: WarehouseSettings
    operations: OperationsSettings


DEV: dict[str, Any] = {
    "network": {
        "kind": "managed",
        "cidr_block": "10.20.0.0/16",
        "interface_endpoints": ["glue", "sts", "logs"],
    },
    "warehouse": {
        "kind": "serverless",
        "classification": "internal",
        "load_schema": "curated",
        "base_capacity_rpu": 8,
        "max_capacity_rpu": 8,
    },
    "operations": {
        "subscriptions": [{"protocol": "email", "endpoint": "data-engineering-dev@example.com"}]
    },
}
PROD: dict[str, Any] = {
    "network": {
        "kind": "managed",
        "cidr_block": "10.30.0.0/16",
        "interface_endpoints": [
            "glue",
            "redshift-data",
            "sts",
            "logs",
            "states",
            "kms",
            "secretsmanager",
        ],
    },
    "warehouse": {
        "kind": "provisioned",
        "classification": "internal",
        "load_schema": "curated",
        "node_type": "ra3.xlplus",
        "number_of_nodes": 2,
        "automated_snapshot_retention_days": 35,
        "final_snapshot_on_delete": True,
    },
    "operations": {
        "subscriptions": [
            {"protocol": "email", "endpoint": "data-oncall@example.com"},
            {
                "protocol": "https",
                "endpoint": "https://events.pagerduty.com/integration/REPLACE_ME/enqueue",
            },
        ],
        "alarm_period_seconds": 60,
    },
}


def test_dev_proposal_is_cheapest_and_valid() -> None:
    layers = Layers.model_validate(DEV)
    assert isinstance(layers.network, ManagedNetwork)
    assert (layers.network.nat_gateway, layers.network.availability_zones) == (False, 3)
    assert layers.network.flow_logs_traffic == "ALL"
    assert isinstance(layers.warehouse, ServerlessWarehouse)
    assert layers.warehouse.base_capacity_rpu == 8
    assert layers.operations.alarm_period_seconds == 300


def test_prod_proposal_is_valid_and_keeps_final_snapshots() -> None:
    layers = Layers.model_validate(PROD)
    assert isinstance(layers.warehouse, ProvisionedWarehouse)
    assert layers.warehouse.automated_snapshot_retention_days == 35
    assert layers.warehouse.final_snapshot_on_delete is True
    assert layers.warehouse.admin_username == "platform_admin"


def test_existing_network_variant() -> None:
    network = Layers.model_validate(
        {
            **DEV,
            "network": {
                "kind": "existing",
                "vpc_id": "vpc-0123456789abcdef0",
                "private_subnet_ids": ["subnet-0a1b2c3d", "subnet-1a1b2c3d", "subnet-2a1b2c3d"],
                "cidr_block": "172.16.0.0/20",
            },
        }
    ).network
    assert isinstance(network, ExistingNetwork)


def test_subnets_are_carved_from_the_cidr() -> None:
    network = ManagedNetwork.model_validate({**DEV["network"], "cidr_block": "10.20.0.0/24"})
    assert network.subnet_cidrs() == (
        ["10.20.0.0/27", "10.20.0.32/27", "10.20.0.64/27"],
        "10.20.0.224/27",
    )


def _with(section: str, **changes: Any) -> dict[str, Any]:
    return {**DEV, section: {**DEV[section], **changes}}


INVALID = {
    "cidr with host bits": (
        _with("network", cidr_block="10.20.0.1/16"),
        "network.managed.cidr_block",
        "must be an IPv4 network",
    ),
    "cidr too large": (
        _with("network", cidr_block="10.0.0.0/8"),
        "network.managed.cidr_block",
        "must be a /16 to /24 network",
    ),
    "cidr too small": (
        _with("network", cidr_block="10.0.0.0/25"),
        "network.managed.cidr_block",
        "must be a /16 to /24 network",
    ),
    "public cidr": (
        _with("network", cidr_block="8.8.0.0/16"),
        "network.managed.cidr_block",
        "private (RFC 1918)",
    ),
    "fewer than 3 AZs": (
        _with("network", availability_zones=2),
        "network.managed.availability_zones",
        "greater than or equal to 3",
    ),
    "unknown endpoint service": (
        _with("network", interface_endpoints=["glue", "ec2messages"]),
        "network.managed.interface_endpoints[1]",
        "Input should be",
    ),
    "repeated endpoint": (
        _with("network", interface_endpoints=["sts", "sts"]),
        "network.managed",
        "repeated: sts",
    ),
    "unknown network kind": (
        _with("network", kind="peered"),
        "network",
        "does not match any of the expected tags",
    ),
    "existing with two subnets": (
        {
            **DEV,
            "network": {
                "kind": "existing",
                "vpc_id": "vpc-0123456789abcdef0",
                "private_subnet_ids": ["subnet-0a1b2c3d", "subnet-1a1b2c3d"],
                "cidr_block": "10.1.0.0/16",
            },
        },
        "network.existing.private_subnet_ids",
        "at least 3 items",
    ),
    "existing bad vpc id": (
        {
            **DEV,
            "network": {
                "kind": "existing",
                "vpc_id": "my-vpc",
                "private_subnet_ids": ["subnet-0a1b2c3d", "subnet-1a1b2c3d", "subnet-2a1b2c3d"],
                "cidr_block": "10.1.0.0/16",
            },
        },
        "network.existing.vpc_id",
        "a VPC id",
    ),
    "rpu not a multiple of 8": (
        _with("warehouse", base_capacity_rpu=12),
        "warehouse.serverless.base_capacity_rpu",
        "multiple of 8",
    ),
    "rpu below 8": (
        _with("warehouse", base_capacity_rpu=4),
        "warehouse.serverless.base_capacity_rpu",
        "greater than or equal to 8",
    ),
    "max below base": (
        _with("warehouse", base_capacity_rpu=16, max_capacity_rpu=8),
        "warehouse.serverless",
        "must be at least base_capacity_rpu",
    ),
    "password in config": (
        _with("warehouse", admin_password="hunter2"),
        "warehouse.serverless.admin_password",
        "Extra inputs are not permitted",
    ),
    "reserved admin name": (
        _with("warehouse", admin_username="rdsdb"),
        "warehouse.serverless",
        "reserved by Redshift",
    ),
    "bad database name": (
        _with("warehouse", database_name="Analytics-DB"),
        "warehouse.serverless.database_name",
        "lower-case letters",
    ),
    "provisioned without snapshot retention": (
        {
            **DEV,
            "warehouse": {k: v for k, v in PROD["warehouse"].items() if "snapshot_ret" not in k},
        },
        "warehouse.provisioned.automated_snapshot_retention_days",
        "Field required",
    ),
    "provisioned with snapshots disabled": (
        {**DEV, "warehouse": {**PROD["warehouse"], "automated_snapshot_retention_days": 0}},
        "warehouse.provisioned.automated_snapshot_retention_days",
        "greater than or equal to 1",
    ),
    "single-node 4xlarge": (
        {
            **DEV,
            "warehouse": {**PROD["warehouse"], "node_type": "ra3.4xlarge", "number_of_nodes": 1},
        },
        "warehouse.provisioned",
        "needs number_of_nodes >= 2",
    ),
    "dc2 node type": (
        {**DEV, "warehouse": {**PROD["warehouse"], "node_type": "dc2.large"}},
        "warehouse.provisioned.node_type",
        "Input should be",
    ),
    "no subscriber": (
        _with("operations", subscriptions=[]),
        "operations.subscriptions",
        "at least 1 item",
    ),
    "sms protocol": (
        _with("operations", subscriptions=[{"protocol": "sms", "endpoint": "+3531234567"}]),
        "operations.subscriptions[0].protocol",
        "Input should be 'email' or 'https'",
    ),
    "http webhook": (
        _with("operations", subscriptions=[{"protocol": "https", "endpoint": "http://x.io/h"}]),
        "operations.subscriptions[0].endpoint",
        "must be an https:// URL",
    ),
    "bad email": (
        _with("operations", subscriptions=[{"protocol": "email", "endpoint": "oncall"}]),
        "operations.subscriptions[0].endpoint",
        "must be an e-mail address",
    ),
    "repeated subscriber": (
        _with("operations", subscriptions=[DEV["operations"]["subscriptions"][0]] * 2),
        "operations",
        "repeated: data-engineering-dev@example.com",
    ),
    "odd alarm period": (
        _with("operations", alarm_period_seconds=120),
        "operations.alarm_period_seconds",
        "Input should be",
    ),
}


@pytest.mark.parametrize("values, path, message", INVALID.values(), ids=INVALID.keys())
def test_invalid_values_name_the_key_path(values: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Layers.model_validate(values)
    problems = {format_path(e["loc"]): e["msg"] for e in caught.value.errors(include_url=False)}
    assert path in problems, problems
    assert message in problems[path]
