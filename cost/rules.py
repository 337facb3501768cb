"""What each resource type costs while idle: one small rule per billed type, reading only the
declared inputs. A type known to cost nothing while idle (`FREE_WHILE_IDLE`, or billed per use)
has no rule; any other provider type, and a billed one the price table lacks (a node type), is
priced "unknown", never $0."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from cost.prices import PriceKey, PriceTable
from cost.schedules import runs_per_month
from policies.framework.sdk_data import family

# Pulumi's placeholder for an input that is only known after deployment.
UNKNOWN: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@dataclass(frozen=True)
class Charge:
    """A monthly charge of one resource: `item` x `per` (e.g. interface endpoint x 3 AZ)."""

    item: str
    per: str
    monthly: Decimal
    calculation: str
    priced: bool = True


Rule = Callable[[Mapping[str, Any], PriceTable], list[Charge]]


def _monthly(prices: PriceTable, key: PriceKey, item: str, per: str = "") -> Charge:
    price = prices[key]
    return Charge(item, per, price, f"${price} per {prices.prices[key].unit}")


def _hourly(prices: PriceTable, price: Decimal, units: int, item: str, per: str) -> Charge:
    hours = prices.hours_per_month
    monthly = price * units * hours
    times = f"{units} x " if units != 1 else ""
    return Charge(item, per, monthly, f"{times}{hours} h x ${price}")


def kms_key(_inputs: Mapping[str, Any], prices: PriceTable) -> list[Charge]:
    return [_monthly(prices, "kms_key", "KMS key")]


def secret(_inputs: Mapping[str, Any], prices: PriceTable) -> list[Charge]:
    return [_monthly(prices, "secret", "Secrets Manager secret")]


def managed_secret(flag: str) -> Rule:
    """A Redshift resource whose admin password Secrets Manager keeps when `flag` is true."""

    def rule(inputs: Mapping[str, Any], prices: PriceTable) -> list[Charge]:
        return [_monthly(prices, "secret", "Secrets Manager secret")] if inputs.get(flag) else []

    return rule


def alarm(inputs: Mapping[str, Any], prices: PriceTable) -> list[Charge]:
    period = inputs.get("period")
    high = isinstance(period, int) and period < 60
    key: PriceKey = "alarm_high_resolution" if high else "alarm_standard"
    metrics = [q for q in inputs.get("metricQueries") or [] if isinstance(q, dict)]
    count = sum(1 for q in metrics if q.get("metric")) or 1
    charge = _monthly(prices, key, "CloudWatch alarm", f"{count} metrics" if count > 1 else "")
    return [Charge(charge.item, charge.per, charge.monthly * count, charge.calculation)]


def dashboard(_inputs: Mapping[str, Any], prices: PriceTable) -> list[Charge]:
    return [_monthly(prices, "dashboard", "CloudWatch dashboard")]


def _zones(subnets: Any) -> tuple[int, str]:
    if isinstance(subnets, list) and UNKNOWN not in subnets:
        return max(len(subnets), 1), f"{max(len(subnets), 1)} AZ"
    return 1, "AZs unknown at preview, priced for 1"


def vpc_endpoint(inputs: Mapping[str, Any], prices: PriceTable) -> list[Charge]:
    if inputs.get("vpcEndpointType", "Gateway") != "Interface":
        return []
    zones, per = _zones(inputs.get("subnetIds"))
    return [_hourly(prices, prices["interface_endpoint"], zones, "interface endpoint", per)]


def nat_gateway(inputs: Mapping[str, Any], prices: PriceTable) -> list[Charge]:
    if inputs.get("connectivityType", "public") == "private":
        return [_hourly(prices, prices["nat_gateway"], 1, "NAT gateway", "private")]
    return [_hourly(prices, prices["nat_gateway"], 1, "NAT gateway", "")]


def public_ipv4(inputs: Mapping[str, Any], prices: PriceTable) -> list[Charge]:
    if inputs.get("domain", "vpc") != "vpc":
        return []
    return [_hourly(prices, prices["public_ipv4"], 1, "public IPv4 address", "")]


def redshift_cluster(inputs: Mapping[str, Any], prices: PriceTable) -> list[Charge]:
    node_type = str(inputs.get("nodeType", "unknown"))
    nodes = inputs.get("numberOfNodes", 1)
    nodes = nodes if isinstance(nodes, int) and nodes > 0 else 1
    price = prices.redshift_nodes.get(node_type)
    label = f"{nodes} {node_type} node{'s' if nodes != 1 else ''}"
    if price is None:
        reason = f"no list price for {node_type} in the price table"
        return [Charge("Redshift cluster", label, Decimal(0), reason, priced=False)]
    cluster = _hourly(prices, price.price, nodes, "Redshift cluster", label)
    return [cluster, *managed_secret("manageMasterPassword")(inputs, prices)]


# The description components/pipelines/data_pipeline.py gives a pipeline's schedule rule.
PIPELINE_SCHEDULE: Final = "Scheduled run of pipeline "
# A scheduled run that finds nothing landed: CheckLanded, AnythingLanded, then (with a warehouse)
# ListPendingLoads, HasPendingLoads and PipelineSucceeded; no crawl, no Glue run.
IDLE_RUN_TRANSITIONS: Final = 5


def pipeline_schedule(inputs: Mapping[str, Any], prices: PriceTable) -> list[Charge]:
    """What a scheduled pipeline costs when nothing lands: its schedule's checks."""
    expression, description = inputs.get("scheduleExpression"), str(inputs.get("description", ""))
    if not isinstance(expression, str) or not description.startswith(PIPELINE_SCHEDULE):
        return []
    runs = runs_per_month(expression, prices.hours_per_month)
    per_run = (
        IDLE_RUN_TRANSITIONS * prices["sfn_standard_transitions"] / 1000
        + prices["sqs_requests"] / 1_000_000
        + prices["s3_list_requests"] / 1000
    )
    shown = f"{runs:.0f} runs a month"
    return [
        Charge(
            "scheduled pipeline, nothing landing",
            shown,
            runs * per_run,
            f"{shown} x ({IDLE_RUN_TRANSITIONS} state transitions + 1 SQS receive + 1 S3 LIST)",
        )
    ]


def pipeline(inputs: Mapping[str, Any], prices: PriceTable) -> list[Charge]:
    if inputs.get("pipelineType", "V1") != "V1":
        return []
    return [_monthly(prices, "codepipeline_v1", "CodePipeline V1 pipeline")]


def unknown(type_token: str) -> Charge:
    """A provider resource the model does not know: its cost is unknown, not zero."""
    return Charge(type_token, "", Decimal(0), "not in the cost model", priced=False)


RULES: Final[dict[str, Rule]] = {
    "aws:kms/key:Key": kms_key,
    "aws:secretsmanager/secret:Secret": secret,
    "aws:redshiftserverless/namespace:Namespace": managed_secret("manageAdminPassword"),
    "aws:redshift/cluster:Cluster": redshift_cluster,
    "aws:cloudwatch/metricAlarm:MetricAlarm": alarm,
    "aws:cloudwatch/dashboard:Dashboard": dashboard,
    "aws:ec2/vpcEndpoint:VpcEndpoint": vpc_endpoint,
    "aws:ec2/natGateway:NatGateway": nat_gateway,
    "aws:ec2/eip:Eip": public_ipv4,
    "aws:codepipeline/pipeline:Pipeline": pipeline,
    "aws:cloudwatch/eventRule:EventRule": pipeline_schedule,
}

# Provider types that cost nothing while idle: free, or billed per use (the usage rules price
# the per-use ones). Each family's other tokens create the same resource.
FREE_WHILE_IDLE: Final = frozenset(
    member
    for token in (
        "aws:cloudwatch/eventTarget:EventTarget",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:codebuild/project:Project",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "aws:ec2/flowLog:FlowLog",
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/route:Route",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/vpc:Vpc",
        "aws:glue/catalogDatabase:CatalogDatabase",
        "aws:glue/catalogTable:CatalogTable",
        "aws:glue/crawler:Crawler",
        "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings",
        "aws:glue/job:Job",
        "aws:glue/securityConfiguration:SecurityConfiguration",
        "aws:iam/policy:Policy",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:kms/alias:Alias",
        "aws:lambda/function:Function",
        "aws:lambda/permission:Permission",
        "aws:redshift/logging:Logging",
        "aws:redshift/parameterGroup:ParameterGroup",
        "aws:redshift/subnetGroup:SubnetGroup",
        "aws:redshiftdata/statement:Statement",
        "aws:redshiftserverless/workgroup:Workgroup",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketLogging:BucketLogging",
        "aws:s3/bucketNotification:BucketNotification",
        "aws:s3/bucketObjectv2:BucketObjectv2",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketVersioning:BucketVersioning",
        "aws:sfn/stateMachine:StateMachine",
        "aws:sns/topic:Topic",
        "aws:sns/topicPolicy:TopicPolicy",
        "aws:sns/topicSubscription:TopicSubscription",
        "aws:sqs/queue:Queue",
        "aws:sqs/queuePolicy:QueuePolicy",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    )
    for member in family(token)
) | {
    # Objects inside the warehouse (components/warehouse/tables.py, objects.py), declared through
    # the program's own provider: the warehouse they live in is what is billed.
    f"pulumi-python:dynamic/warehouse:{kind}"
    for kind in ("Schema", "Role", "User", "Table", "LoadProcedure")
}


def judged(type_token: str) -> bool:
    """Whether the model must know a type: a provider resource (`pkg:module/resource:Type`),
    not a component or the stack."""
    parts = type_token.split(":")
    return len(parts) == 3 and "/" in parts[1]
