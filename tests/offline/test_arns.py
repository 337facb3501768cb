"""The mocks give every resource the ARN shape AWS documents, in the region's partition."""

import pulumi_aws as aws
import pytest

from offline.arns import ArnContext, generated_uuid, partition
from offline.capture import capture_program

A = "123456789012"
EU = ArnContext("eu-west-1", A)


def u(type_: str, name: str) -> str:
    return generated_uuid(type_, name)


WG = "aws:redshiftserverless/workgroup:Workgroup"
NS = "aws:redshiftserverless/namespace:Namespace"
KEY = "aws:kms/key:Key"

# (type, logical name, inputs, the ARN in the Service Authorization Reference's shape)
CASES = [
    (
        WG,
        "wg",
        {"workgroupName": "dwh"},
        f"arn:aws:redshift-serverless:eu-west-1:{A}:workgroup/{u(WG, 'wg')}",
    ),
    (
        NS,
        "ns",
        {"namespaceName": "dwh"},
        f"arn:aws:redshift-serverless:eu-west-1:{A}:namespace/{u(NS, 'ns')}",
    ),
    (
        "aws:codepipeline/pipeline:Pipeline",
        "p",
        {"name": "deliver"},
        f"arn:aws:codepipeline:eu-west-1:{A}:deliver",
    ),
    (
        "aws:redshift/cluster:Cluster",
        "c",
        {"clusterIdentifier": "dwh"},
        f"arn:aws:redshift:eu-west-1:{A}:cluster:dwh",
    ),
    (
        "aws:iam/role:Role",
        "r",
        {"name": "copy", "path": "/data-platform/"},
        f"arn:aws:iam::{A}:role/data-platform/copy",
    ),
    ("aws:iam/role:Role", "r", {"name": "copy"}, f"arn:aws:iam::{A}:role/copy"),
    (
        "aws:iam/policy:Policy",
        "p",
        {"name": "read", "path": "/x/"},
        f"arn:aws:iam::{A}:policy/x/read",
    ),
    (
        "aws:codebuild/project:Project",
        "b",
        {"name": "test"},
        f"arn:aws:codebuild:eu-west-1:{A}:project/test",
    ),
    (
        "aws:codecommit/repository:Repository",
        "r",
        {"repositoryName": "dp"},
        f"arn:aws:codecommit:eu-west-1:{A}:dp",
    ),
    (KEY, "k", {}, f"arn:aws:kms:eu-west-1:{A}:key/{u(KEY, 'k')}"),
    ("aws:kms/alias:Alias", "a", {"name": "alias/dp"}, f"arn:aws:kms:eu-west-1:{A}:alias/dp"),
    (
        "aws:cloudwatch/logGroup:LogGroup",
        "l",
        {"name": "/dp/x"},
        f"arn:aws:logs:eu-west-1:{A}:log-group:/dp/x",
    ),
    (
        "aws:cloudwatch/eventRule:EventRule",
        "e",
        {"name": "on-put"},
        f"arn:aws:events:eu-west-1:{A}:rule/on-put",
    ),
    (
        "aws:cloudwatch/eventRule:EventRule",
        "e",
        {"name": "r", "eventBusName": "b"},
        f"arn:aws:events:eu-west-1:{A}:rule/b/r",
    ),
    (
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "m",
        {"name": "late"},
        f"arn:aws:cloudwatch:eu-west-1:{A}:alarm:late",
    ),
    (
        "aws:cloudwatch/dashboard:Dashboard",
        "d",
        {"dashboardName": "ops"},
        f"arn:aws:cloudwatch::{A}:dashboard/ops",
    ),
    (
        "aws:lambda/function:Function",
        "f",
        {"name": "ingest"},
        f"arn:aws:lambda:eu-west-1:{A}:function:ingest",
    ),
    (
        "aws:sfn/stateMachine:StateMachine",
        "s",
        {"name": "load"},
        f"arn:aws:states:eu-west-1:{A}:stateMachine:load",
    ),
    ("aws:sns/topic:Topic", "t", {"name": "alerts"}, f"arn:aws:sns:eu-west-1:{A}:alerts"),
    ("aws:sqs/queue:Queue", "q", {"name": "dlq"}, f"arn:aws:sqs:eu-west-1:{A}:dlq"),
    ("aws:s3/bucket:Bucket", "b", {"bucket": "lake"}, "arn:aws:s3:::lake"),
    ("aws:s3/bucketV2:BucketV2", "b", {"bucket": "lake"}, "arn:aws:s3:::lake"),
    ("aws:glue/job:Job", "j", {"name": "etl"}, f"arn:aws:glue:eu-west-1:{A}:job/etl"),
    ("aws:glue/crawler:Crawler", "c", {"name": "raw"}, f"arn:aws:glue:eu-west-1:{A}:crawler/raw"),
    (
        "aws:glue/catalogDatabase:CatalogDatabase",
        "d",
        {"name": "raw"},
        f"arn:aws:glue:eu-west-1:{A}:database/raw",
    ),
    (
        "aws:dynamodb/table:Table",
        "t",
        {"name": "keys"},
        f"arn:aws:dynamodb:eu-west-1:{A}:table/keys",
    ),
    (
        "aws:kinesis/stream:Stream",
        "s",
        {"name": "clicks"},
        f"arn:aws:kinesis:eu-west-1:{A}:stream/clicks",
    ),
    (
        "aws:ecr/repository:Repository",
        "r",
        {"name": "jobs"},
        f"arn:aws:ecr:eu-west-1:{A}:repository/jobs",
    ),
    (
        "aws:rds/instance:Instance",
        "i",
        {"identifier": "meta"},
        f"arn:aws:rds:eu-west-1:{A}:db:meta",
    ),
    (
        "aws:rds/cluster:Cluster",
        "c",
        {"clusterIdentifier": "meta"},
        f"arn:aws:rds:eu-west-1:{A}:cluster:meta",
    ),
    (
        "aws:ssm/parameter:Parameter",
        "p",
        {"name": "/dp/x"},
        f"arn:aws:ssm:eu-west-1:{A}:parameter/dp/x",
    ),
    ("aws:ec2/vpc:Vpc", "v", {}, f"arn:aws:ec2:eu-west-1:{A}:vpc/v-id"),
]


@pytest.mark.parametrize(
    ("type_", "name", "inputs", "expected"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_arn_has_the_documented_shape(
    type_: str, name: str, inputs: dict[str, str], expected: str
) -> None:
    assert EU.arn(type_, name, f"{name}-id", inputs) == expected


def test_secret_arn_ends_in_a_six_character_suffix() -> None:
    arn = EU.arn("aws:secretsmanager/secret:Secret", "s", "s-id", {"name": "admin"})
    assert arn.startswith(f"arn:aws:secretsmanager:eu-west-1:{A}:secret:admin-")
    assert len(arn.rsplit("-", 1)[1]) == 6


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("eu-west-1", ("aws", "amazonaws.com")),
        ("cn-north-1", ("aws-cn", "amazonaws.com.cn")),
        ("us-gov-west-1", ("aws-us-gov", "amazonaws.com")),
        ("us-isob-east-1", ("aws-iso-b", "sc2s.sgov.gov")),
    ],
)
def test_partition_follows_the_region(region: str, expected: tuple[str, str]) -> None:
    assert partition(region) == expected


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("eu-west-1", f"arn:aws:sns:eu-west-1:{A}:alerts"),
        ("cn-north-1", f"arn:aws-cn:sns:cn-north-1:{A}:alerts"),
    ],
)
def test_a_captured_reference_carries_the_arn_aws_will_return(region: str, expected: str) -> None:
    def program() -> None:
        topic = aws.sns.Topic("alerts", name="alerts")
        aws.sns.TopicPolicy("alerts-policy", arn=topic.arn, policy="{}")

    _, policy = capture_program(program, project="p", stack="s", region=region)
    assert policy.inputs["arn"] == expected


@pytest.mark.parametrize("region", ["eu-west-1", "cn-north-1"])
def test_the_admin_secret_redshift_manages_is_in_the_regions_partition(region: str) -> None:
    def program() -> None:
        cluster = aws.redshift.Cluster(
            "warehouse",
            cluster_identifier="warehouse",
            node_type="ra3.large",
            manage_master_password=True,
            master_username="admin",
        )
        aws.sns.Topic(
            "follower", name="follower", kms_master_key_id=cluster.master_password_secret_arn
        )

    _, topic = capture_program(program, project="p", stack="s", region=region)
    arn = topic.inputs["kmsMasterKeyId"]
    assert arn.startswith(f"arn:{partition(region)[0]}:secretsmanager:{region}:")
