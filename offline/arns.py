"""ARNs in the shapes AWS documents, for the resources the mocks create.

Each shape comes from the resource type's "ARN" column in the Service Authorization Reference
(https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html),
so policies, diffs and event patterns are checked against what AWS returns. Identifiers AWS
generates (key ids, workgroup ids, secret suffixes) are derived from the logical name, so a capture
is the same on every run. The partition follows the region.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Region prefix -> (partition, DNS suffix); the longest matching prefix wins.
_PARTITIONS = {
    "cn-": ("aws-cn", "amazonaws.com.cn"),
    "us-gov-": ("aws-us-gov", "amazonaws.com"),
    "us-iso-": ("aws-iso", "c2s.ic.gov"),
    "us-isob-": ("aws-iso-b", "sc2s.sgov.gov"),
    "eu-isoe-": ("aws-iso-e", "cloud.adc-e.uk"),
    "us-isof-": ("aws-iso-f", "csp.hci.ic.gov"),
}

# Type token -> (ARN template, input naming the resource). Placeholders: {p}artition, {r}egion,
# {a}ccount, {n}ame (the naming input, else the logical name), {u}uid AWS would generate, {i}d.
_SHAPES: dict[str, tuple[str, str]] = {
    "aws:cloudwatch/logGroup:LogGroup": ("arn:{p}:logs:{r}:{a}:log-group:{n}", "name"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("arn:{p}:cloudwatch:{r}:{a}:alarm:{n}", "name"),
    "aws:cloudwatch/dashboard:Dashboard": (
        "arn:{p}:cloudwatch::{a}:dashboard/{n}",
        "dashboardName",
    ),
    "aws:cloudwatch/eventBus:EventBus": ("arn:{p}:events:{r}:{a}:event-bus/{n}", "name"),
    "aws:cloudwatch/eventRule:EventRule": ("arn:{p}:events:{r}:{a}:rule/{bus}{n}", "name"),
    "aws:codebuild/project:Project": ("arn:{p}:codebuild:{r}:{a}:project/{n}", "name"),
    "aws:codecommit/repository:Repository": ("arn:{p}:codecommit:{r}:{a}:{n}", "repositoryName"),
    "aws:codepipeline/pipeline:Pipeline": ("arn:{p}:codepipeline:{r}:{a}:{n}", "name"),
    "aws:dynamodb/table:Table": ("arn:{p}:dynamodb:{r}:{a}:table/{n}", "name"),
    "aws:ec2/securityGroup:SecurityGroup": ("arn:{p}:ec2:{r}:{a}:security-group/{i}", "name"),
    "aws:ec2/subnet:Subnet": ("arn:{p}:ec2:{r}:{a}:subnet/{i}", ""),
    "aws:ec2/vpc:Vpc": ("arn:{p}:ec2:{r}:{a}:vpc/{i}", ""),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("arn:{p}:ec2:{r}:{a}:vpc-endpoint/{i}", ""),
    "aws:ec2/routeTable:RouteTable": ("arn:{p}:ec2:{r}:{a}:route-table/{i}", ""),
    "aws:ec2/flowLog:FlowLog": ("arn:{p}:ec2:{r}:{a}:vpc-flow-log/{i}", ""),
    "aws:ecr/repository:Repository": ("arn:{p}:ecr:{r}:{a}:repository/{n}", "name"),
    "aws:efs/fileSystem:FileSystem": ("arn:{p}:elasticfilesystem:{r}:{a}:file-system/{i}", ""),
    "aws:glue/catalogDatabase:CatalogDatabase": ("arn:{p}:glue:{r}:{a}:database/{n}", "name"),
    "aws:glue/connection:Connection": ("arn:{p}:glue:{r}:{a}:connection/{n}", "name"),
    "aws:glue/crawler:Crawler": ("arn:{p}:glue:{r}:{a}:crawler/{n}", "name"),
    "aws:glue/job:Job": ("arn:{p}:glue:{r}:{a}:job/{n}", "name"),
    "aws:iam/policy:Policy": ("arn:{p}:iam::{a}:policy{path}{n}", "name"),
    "aws:iam/role:Role": ("arn:{p}:iam::{a}:role{path}{n}", "name"),
    "aws:iam/user:User": ("arn:{p}:iam::{a}:user{path}{n}", "name"),
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": (
        "arn:{p}:firehose:{r}:{a}:deliverystream/{n}",
        "name",
    ),
    "aws:kinesis/stream:Stream": ("arn:{p}:kinesis:{r}:{a}:stream/{n}", "name"),
    "aws:kms/alias:Alias": ("arn:{p}:kms:{r}:{a}:{n}", "name"),
    "aws:kms/key:Key": ("arn:{p}:kms:{r}:{a}:key/{u}", ""),
    "aws:lambda/function:Function": ("arn:{p}:lambda:{r}:{a}:function:{n}", "name"),
    "aws:rds/cluster:Cluster": ("arn:{p}:rds:{r}:{a}:cluster:{n}", "clusterIdentifier"),
    "aws:rds/instance:Instance": ("arn:{p}:rds:{r}:{a}:db:{n}", "identifier"),
    "aws:redshift/cluster:Cluster": ("arn:{p}:redshift:{r}:{a}:cluster:{n}", "clusterIdentifier"),
    "aws:redshift/parameterGroup:ParameterGroup": (
        "arn:{p}:redshift:{r}:{a}:parametergroup:{n}",
        "name",
    ),
    "aws:redshift/subnetGroup:SubnetGroup": ("arn:{p}:redshift:{r}:{a}:subnetgroup:{n}", "name"),
    "aws:redshiftserverless/namespace:Namespace": (
        "arn:{p}:redshift-serverless:{r}:{a}:namespace/{u}",
        "namespaceName",
    ),
    "aws:redshiftserverless/workgroup:Workgroup": (
        "arn:{p}:redshift-serverless:{r}:{a}:workgroup/{u}",
        "workgroupName",
    ),
    "aws:s3/bucket:Bucket": ("arn:{p}:s3:::{n}", "bucket"),
    "aws:s3/bucketV2:BucketV2": ("arn:{p}:s3:::{n}", "bucket"),
    "aws:secretsmanager/secret:Secret": ("arn:{p}:secretsmanager:{r}:{a}:secret:{n}-{s}", "name"),
    "aws:sfn/stateMachine:StateMachine": ("arn:{p}:states:{r}:{a}:stateMachine:{n}", "name"),
    "aws:sns/topic:Topic": ("arn:{p}:sns:{r}:{a}:{n}", "name"),
    "aws:sqs/queue:Queue": ("arn:{p}:sqs:{r}:{a}:{n}", "name"),
    "aws:ssm/parameter:Parameter": ("arn:{p}:ssm:{r}:{a}:parameter/{n}", "name"),
}


def partition(region: str) -> tuple[str, str]:
    """(partition, DNS suffix) of a region: `aws-cn` for cn-north-1, `aws` for eu-west-1."""
    prefixes = sorted((p for p in _PARTITIONS if region.startswith(p)), key=len, reverse=True)
    return _PARTITIONS[prefixes[0]] if prefixes else ("aws", "amazonaws.com")


def generated_uuid(type_token: str, name: str) -> str:
    """A stable stand-in for an identifier AWS generates (a KMS key id, a workgroup id)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{type_token}::{name}"))


@dataclass(frozen=True)
class ArnContext:
    region: str
    account: str

    def arn(self, type_token: str, name: str, resource_id: str, state: Mapping[str, Any]) -> str:
        """The ARN AWS would give the resource; `name` is its logical name."""
        shape = _SHAPES.get(type_token)
        if type_token == "aws:sns/topicSubscription:TopicSubscription":
            return f"{state.get('topic')}:{generated_uuid(type_token, name)}"
        if shape is None:
            return self._generic(type_token, name)
        template, naming = shape
        physical = str(state.get(naming) or name) if naming else name
        if type_token == "aws:ssm/parameter:Parameter":
            physical = physical.lstrip("/")
        path = str(state.get("path") or "/")
        bus = str(state.get("eventBusName") or "default")
        suffix = hashlib.sha256(name.encode()).hexdigest()[:6]
        return template.format(
            p=partition(self.region)[0],
            r=self.region,
            a=self.account,
            n=physical,
            u=generated_uuid(type_token, name),
            i=resource_id,
            path=path,
            s=suffix,
            bus="" if bus == "default" else f"{bus}/",
        )

    def _generic(self, type_token: str, name: str) -> str:
        # Types without a documented shape here: <service>:<region>:<account>:<kind>/<name>.
        module, _, rest = type_token.partition(":")[2].partition("/")
        kind = "".join(f"-{c.lower()}" if c.isupper() else c for c in rest.split(":")[0])
        where = f"{partition(self.region)[0]}:{module}:{self.region}:{self.account}"
        return f"arn:{where}:{kind}/{name}"
