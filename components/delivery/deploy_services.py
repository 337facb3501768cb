"""What a deploy may change, service by service: only the services whose resources the platform
declares, each on the resources of the environment's account and region, and EC2 only for the
network pieces. It replaces the AWS managed PowerUserAccess (every service, every region).

`SERVICE_OF_TYPE` maps each declared resource type to the IAM service that manages it;
tests/components/delivery/test_deploy_access.py derives the set from the shipped stacks, so a
resource of a new service fails the suite until its statement is added here.
"""

from collections.abc import Sequence

from components.shared.aws_context import AwsEnv
from components.shared.iam import Statement, allow

# pulumi_aws module (or module/resource where one module spans services) -> IAM service prefix.
SERVICE_OF_TYPE: dict[str, str] = {
    # The warehouse objects' provider (pulumi.dynamic) works through the Redshift Data API.
    "dynamic/warehouse": "redshift-data",
    "cloudwatch/eventRule": "events",
    "cloudwatch/eventTarget": "events",
    "cloudwatch/logGroup": "logs",
    "cloudwatch": "cloudwatch",
    "ec2": "ec2",
    "vpc": "ec2",
    "glue": "glue",
    "iam": "iam",
    "kms": "kms",
    "lambda": "lambda",
    "redshift": "redshift",
    "redshiftdata": "redshift-data",
    "redshiftserverless": "redshift-serverless",
    "s3": "s3",
    "sfn": "states",
    "sns": "sns",
    "sqs": "sqs",
}
# Services managed by whole-service grants scoped to the account and region.
_REGIONAL = ("glue", "lambda", "states", "logs", "events", "sns", "sqs", "redshift-serverless")
# The VPC, its subnets, routes, gateways, endpoints, security groups and flow logs.
_NETWORK_ACTIONS = [
    "ec2:CreateTags",
    "ec2:DeleteTags",
    "ec2:*Vpc",
    "ec2:*VpcAttribute",
    "ec2:*VpcEndpoint*",
    "ec2:*Subnet*",
    "ec2:*RouteTable*",
    "ec2:*Route",
    "ec2:*InternetGateway",
    "ec2:*NatGateway",
    "ec2:AllocateAddress",
    "ec2:ReleaseAddress",
    "ec2:*SecurityGroup*",
    "ec2:*FlowLogs",
]
# Read-only calls that take no resource ARN (Resource must be "*").
_DESCRIBE = [
    "ec2:Describe*",
    "redshift:Describe*",
    "kms:CreateKey",
    "kms:ListAliases",
    "kms:ListKeys",
    "redshift-data:DescribeStatement",
    "redshift-data:GetStatementResult",
    "redshift-data:ListStatements",
    "redshift-data:CancelStatement",
    "sts:GetCallerIdentity",
]
# Service-linked roles AWS creates on first use of these services in an account.
LINKED_SERVICES = ("redshift.amazonaws.com", "redshift-serverless.amazonaws.com")


def granted_services(statements: Sequence[Statement]) -> set[str]:
    """The IAM service prefixes the Allow statements grant anything of."""
    actions = [a for s in statements if s["Effect"] == "Allow" for a in s["Action"]]
    return {action.split(":", 1)[0] for action in actions}


def service_statements(env: AwsEnv) -> list[Statement]:
    """Allow the platform's services on the account's resources in the region."""
    warehouses = [env.arn("redshift", "cluster:*"), env.arn("redshift-serverless", "workgroup/*")]
    return [
        *(allow([f"{service}:*"], [env.arn(service, "*")]) for service in _REGIONAL),
        # Bucket ARNs carry no account; a bucket of another account also needs its own policy.
        allow(["s3:*"], [f"arn:{env.partition}:s3:::*"]),
        allow(["kms:*"], [env.arn("kms", "key/*"), env.arn("kms", "alias/*")]),
        allow(
            ["cloudwatch:*"],
            [env.arn("cloudwatch", "*"), env.arn("cloudwatch", "dashboard/*", regional=False)],
        ),
        allow(["redshift:*"], [env.arn("redshift", "*")]),
        allow(_NETWORK_ACTIONS, [env.arn("ec2", "*")]),
        allow(
            ["redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement"], warehouses
        ),
        # The warehouse's admin secret, which Redshift manages (manage_master_password).
        allow(["secretsmanager:*"], [env.arn("secretsmanager", "secret:redshift!*")]),
        allow(_DESCRIBE, ["*"]),
        allow(
            ["iam:CreateServiceLinkedRole"],
            [env.arn("iam", "role/aws-service-role/*", regional=False)],
            StringEquals={"iam:AWSServiceName": list(LINKED_SERVICES)},
        ),
    ]
