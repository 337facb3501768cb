"""Each idle rule prices exactly what the inputs declare; prices come from the region's table."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from cost.model import estimate
from cost.prices import PricesNotFoundError, load_prices
from cost.rules import UNKNOWN

PRICES = load_prices("eu-west-1")
SUBNETS = ["a", "b", "c"]


@pytest.mark.parametrize(
    ("type_", "inputs", "labels", "monthly"),
    [
        pytest.param("aws:kms/key:Key", {}, ["1 KMS key"], "1.00", id="kms-key"),
        pytest.param("aws:ec2/vpcEndpoint:VpcEndpoint",
                     {"vpcEndpointType": "Interface", "subnetIds": SUBNETS},
                     ["1 interface endpoint x 3 AZ"], "24.09", id="interface-endpoint"),
        pytest.param("aws:ec2/vpcEndpoint:VpcEndpoint",
                     {"vpcEndpointType": "Interface", "subnetIds": UNKNOWN},
                     ["1 interface endpoint x AZs unknown at preview, priced for 1"], "8.03",
                     id="interface-endpoint-unknown-subnets"),
        pytest.param("aws:ec2/vpcEndpoint:VpcEndpoint", {"vpcEndpointType": "Gateway"}, [],
                     "0.00", id="gateway-endpoint-is-free"),
        pytest.param("aws:ec2/natGateway:NatGateway", {}, ["1 NAT gateway"], "35.04", id="nat"),
        pytest.param("aws:redshiftserverless/namespace:Namespace",
                     {"manageAdminPassword": True}, ["1 Secrets Manager secret"], "0.40",
                     id="serverless-managed-admin-secret"),
        pytest.param("aws:redshiftserverless/workgroup:Workgroup", {"baseCapacity": 8}, [],
                     "0.00", id="serverless-at-zero-use"),
        pytest.param("aws:cloudwatch/metricAlarm:MetricAlarm", {"period": 10},
                     ["1 CloudWatch alarm"], "0.30", id="high-resolution-alarm"),
        pytest.param("aws:codepipeline/pipeline:Pipeline", {"pipelineType": "V2"}, [], "0.00",
                     id="v2-pipeline-per-use"),
        pytest.param("aws:s3/bucket:Bucket", {}, [], "0.00", id="s3-has-no-minimum"),
        # 730 runs x (5 x $0.025/1000 + $0.40/1e6 + $0.005/1000): no crawl, no Glue run.
        pytest.param("aws:cloudwatch/eventRule:EventRule",
                     {"scheduleExpression": "rate(1 hour)",
                      "description": "Scheduled run of pipeline clickstream"},
                     ["1 scheduled pipeline, nothing landing x 730 runs a month"], "0.10",
                     id="hourly-pipeline-with-nothing-landing"),
        pytest.param("aws:cloudwatch/eventRule:EventRule",
                     {"scheduleExpression": "rate(1 day)", "description": "Scheduled drift check"},
                     [], "0.00", id="other-schedules-are-priced-per-use"),
        pytest.param("aws:cloudwatch/eventRule:EventRule", {"eventPattern": "{}"}, [], "0.00",
                     id="event-pattern-rules-cost-nothing-idle"),
    ],
)  # fmt: skip
def test_idle_rule(type_: str, inputs: dict[str, Any], labels: list[str], monthly: str) -> None:
    found = estimate([{"type": type_, "inputs": inputs}], PRICES)
    assert [line.label() for line in found.lines()] == labels
    assert found.total == Decimal(monthly)


def test_a_region_without_prices_is_named() -> None:
    with pytest.raises(PricesNotFoundError, match=r"no price table for region us-east-1 "
                                                  r"\(available: eu-west-1\)"):  # fmt: skip
        load_prices("us-east-1")


def test_every_price_names_its_source_page() -> None:
    for price in [*PRICES.prices.values(), *PRICES.redshift_nodes.values()]:
        assert price.source.startswith("https://aws.amazon.com/")
