"""Named pass / fail / not-applicable / unknown cases for the network, identity, credential and
resource-form rules (SEC-007 to SEC-012) and SEC-005's wider credential names and shapes."""

import json

import pytest

from policies.rules.security import (
    database_password_managed,
    ecr_repository_policy_not_public,
    iam_no_managed_full_access,
    no_plaintext_credential_inputs,
    no_plaintext_secrets,
    s3_deprecated_forms,
    security_group_ingress,
)
from tests.policies.harness import Case, Resources, U, check, res
from tests.policies.test_encryption_rules import cannot, na_type, other, v

SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
REPO_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ROLE = "aws:iam/role:Role"
FUNCTION = "aws:lambda/function:Function"
JOB, TASK = "aws:glue/job:Job", "aws:ecs/taskDefinition:TaskDefinition"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
CLUSTER, NAMESPACE = "aws:redshift/cluster:Cluster", "aws:redshiftserverless/namespace:Namespace"
BUCKET, BUCKET_V2 = "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"
SSE_V2 = (
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
)
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
MANAGED = "arn:aws:iam::aws:policy/"
ACL = "aws:s3/bucketAcl:BucketAcl"


def _ingress() -> list[Case]:
    rule = security_group_ingress.RULE
    https = {"fromPort": 443, "toPort": 443, "protocol": "tcp", "cidrBlocks": ["0.0.0.0/0"]}
    ssh = {"fromPort": 22, "toPort": 22, "protocol": "tcp", "cidrBlocks": ["10.0.0.0/8"]}
    return [
        Case("https-and-private-ssh", rule, "pass", (res(SG, "web", {"ingress": [https, ssh]}),)),
        Case(
            "ssh-to-the-world-inline",
            rule,
            "fail",
            (res(SG, "web", {"ingress": [{**ssh, "ipv6CidrBlocks": ["::/0"]}]}),),
            violations=(v(SG, "web", "ingress[0] opens ports 22-22 to ::/0"),),
        ),
        Case(
            "all-traffic-ingress-rule",
            rule,
            "fail",
            (res(INGRESS, "any", {"ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"}),),
            violations=(v(INGRESS, "any", "rule opens all ports to 0.0.0.0/0"),),
        ),
        Case(
            "postgres-rule-to-the-world",
            rule,
            "fail",
            (
                res(
                    SG_RULE,
                    "pg",
                    {
                        "type": "ingress",
                        "protocol": "tcp",
                        "fromPort": 5432,
                        "toPort": 5432,
                        "cidrBlocks": ["0.0.0.0/0"],
                    },
                ),
            ),
            violations=(v(SG_RULE, "pg", "rule opens ports 5432-5432 to 0.0.0.0/0"),),
        ),
        Case(
            "postgres-allowed-by-config",
            rule,
            "pass",
            (
                res(
                    INGRESS,
                    "pg",
                    {
                        "ipProtocol": "tcp",
                        "fromPort": 5432,
                        "toPort": 5432,
                        "cidrIpv4": "0.0.0.0/0",
                    },
                ),
            ),
            config={"allowedPorts": [5432]},
        ),
        Case(
            "egress-rule",
            rule,
            "not-applicable",
            (res(SG_RULE, "out", {"type": "egress"}),),
            not_applicable=f"{SG_RULE} 'out' is an egress rule",
        ),
        Case("other-type", rule, "not-applicable", other(), not_applicable=na_type(rule)),
        Case(
            "cidr-unknown",
            rule,
            "unknown",
            (res(INGRESS, "r", {"ipProtocol": "tcp", "cidrIpv4": U}),),
            unverified=(cannot(INGRESS, "r", "cidrIpv4", "cidrIpv4"),),
        ),
    ]


def _repo_policy(statement: dict[str, object]) -> dict[str, str]:
    return {"repository": "jobs", "policy": json.dumps({"Statement": [statement]})}


def _ecr_policy() -> list[Case]:
    rule = ecr_repository_policy_not_public.RULE
    pull = {"Sid": "Pull", "Effect": "Allow", "Action": "ecr:BatchGetImage"}
    org = {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}
    return [
        Case(
            "org-scoped",
            rule,
            "pass",
            (res(REPO_POLICY, "p", _repo_policy({**pull, "Principal": "*", "Condition": org})),),
        ),
        Case(
            "account-principal",
            rule,
            "pass",
            (res(REPO_POLICY, "p", _repo_policy({**pull, "Principal": {"AWS": "111122223333"}})),),
        ),
        Case(
            "public",
            rule,
            "fail",
            (res(REPO_POLICY, "p", _repo_policy({**pull, "Principal": "*"})),),
            violations=(
                v(REPO_POLICY, "p", "statement 'Pull' allows Principal '*' to the repository"),
            ),
        ),
        Case("other-type", rule, "not-applicable", other(), not_applicable=na_type(rule)),
        Case(
            "policy-unknown",
            rule,
            "unknown",
            (res(REPO_POLICY, "p", {"policy": U}),),
            unverified=(cannot(REPO_POLICY, "p", "the repository policy document", "policy"),),
        ),
    ]


def _managed_policies() -> list[Case]:
    rule = iam_no_managed_full_access.RULE

    def attach(policy: str) -> Resources:
        return (res(ATTACHMENT, "a", {"role": "r", "policyArn": MANAGED + policy}),)

    return [
        Case("scoped-managed-policy", rule, "pass", attach("service-role/AWSGlueServiceRole")),
        Case(
            "customer-policy-named-like-one",
            rule,
            "pass",
            (res(ATTACHMENT, "a", {"policyArn": "arn:aws:iam::1:policy/AdministratorAccess"}),),
        ),
        Case(
            "administrator",
            rule,
            "fail",
            attach("AdministratorAccess"),
            violations=(v(ATTACHMENT, "a", "attaches the AWS managed policy AdministratorAccess"),),
        ),
        Case(
            "s3-full-access-on-a-role-in-govcloud",
            rule,
            "fail",
            (
                res(
                    ROLE,
                    "r",
                    {"managedPolicyArns": ["arn:aws-us-gov:iam::aws:policy/AmazonS3FullAccess"]},
                ),
            ),
            violations=(v(ROLE, "r", "attaches the AWS managed policy AmazonS3FullAccess"),),
        ),
        Case("other-type", rule, "not-applicable", other(), not_applicable=na_type(rule)),
        Case(
            "arns-unknown",
            rule,
            "unknown",
            (res(ROLE, "r", {"managedPolicyArns": U}),),
            unverified=(cannot(ROLE, "r", "the policy ARNs", "managedPolicyArns"),),
        ),
    ]


def _credential_inputs() -> list[Case]:
    rule = no_plaintext_credential_inputs.RULE
    containers = json.dumps(
        [{"name": "app", "environment": [{"name": "DB_PASSWORD", "value": "hunter2hunter2"}]}]
    )
    command = ["sh", "-c", 'DB_PASSWORD="hunter2hunter2" ./run', "--db-password", "hunter2hunter2"]
    commands = json.dumps([{"name": "app", "command": command}])
    references = json.dumps(
        [{"name": "app", "command": ["--secret-id", "prod/db", "--password", "${DB_PASSWORD}"]}]
    )
    return [
        Case(
            "references-and-switches",
            rule,
            "pass",
            (
                res(
                    JOB,
                    "etl",
                    {
                        "defaultArguments": {
                            "--password-secret-arn": "arn:aws:secretsmanager:x",
                            "--auth-mode": "IAM",
                            "--token": "{{resolve:secretsmanager:db}}",
                        }
                    },
                ),
            ),
        ),
        Case(
            "schema-secret-input-is-left-to-the-sdk",
            rule,
            "pass",
            (res(SECRET_VERSION, "s", {"secretString": "hunter2hunter2"}),),
        ),
        Case(
            "glue-job-password-argument",
            rule,
            "fail",
            (res(JOB, "etl", {"defaultArguments": {"--db-password": "hunter2hunter2"}}),),
            violations=(
                v(
                    JOB,
                    "etl",
                    "input defaultArguments.--db-password looks like a credential stored as "
                    "plaintext",
                ),
            ),
        ),
        Case(
            "ecs-container-environment",
            rule,
            "fail",
            (res(TASK, "app", {"containerDefinitions": containers}),),
            violations=(
                v(
                    TASK,
                    "app",
                    "input containerDefinitions[0].environment[0]['DB_PASSWORD'] looks like a "
                    "credential stored as plaintext",
                ),
            ),
        ),
        Case(
            "container-definitions-after-a-newline",
            rule,
            "fail",
            (res(TASK, "app", {"containerDefinitions": "\n  " + containers}),),
            violations=(
                v(
                    TASK,
                    "app",
                    "input containerDefinitions[0].environment[0]['DB_PASSWORD'] looks like a "
                    "credential stored as plaintext",
                ),
            ),
        ),
        Case(
            "password-as-command-arguments",
            rule,
            "fail",
            (res(TASK, "app", {"containerDefinitions": commands}),),
            violations=(
                v(
                    TASK,
                    "app",
                    "input containerDefinitions[0].command[2] passes DB_PASSWORD a credential "
                    "as plaintext",
                ),
                v(
                    TASK,
                    "app",
                    "input containerDefinitions[0].command[4] passes --db-password a credential "
                    "as plaintext",
                ),
            ),
        ),
        Case(
            "command-arguments-naming-where-a-secret-is",
            rule,
            "pass",
            (res(TASK, "app", {"containerDefinitions": references}),),
        ),
        Case(
            "github-token-under-an-innocent-name",
            rule,
            "fail",
            (res(JOB, "etl", {"description": "ghp_" + "a" * 36}),),
            violations=(v(JOB, "etl", "input description holds what looks like a GitHub token"),),
        ),
        Case(
            "not-an-aws-type",
            rule,
            "not-applicable",
            (res("random:index/x:X", "x"),),
            not_applicable=f"SEC-010 judges {rule.meta.scope_note} only",
        ),
        Case(
            "unknown-values-are-not-judged",
            rule,
            "unknown",
            (res(JOB, "etl", {"defaultArguments": {"--db-password": U}}),),
        ),
    ]


def _env_secrets() -> list[Case]:
    rule = no_plaintext_secrets.RULE

    def function(variables: dict[str, str]) -> Resources:
        return (res(FUNCTION, "hook", {"environment": {"variables": variables}}),)

    return [
        Case(
            "webhook-verification-token",
            rule,
            "fail",
            function({"WEBHOOK_VERIFICATION": "c0ffee-8d2f"}),
            violations=(
                v(
                    FUNCTION,
                    "hook",
                    "environment variable 'WEBHOOK_VERIFICATION' looks like a secret stored as "
                    "plaintext",
                ),
            ),
        ),
        Case(
            "slack-webhook-url",
            rule,
            "fail",
            function({"ALERTS": "https://hooks.slack.com/services/T000/B000/XXXXXXXX"}),
            violations=(
                v(
                    FUNCTION,
                    "hook",
                    "environment variable 'ALERTS' holds what looks like a Slack webhook URL",
                ),
            ),
        ),
        Case(
            "context-not-credentials",
            rule,
            "pass",
            function(
                {
                    "SIGNING_SECRET_ARN": "arn:aws:secretsmanager:x",
                    "VERIFY_SSL": "true",
                    "SIGNING_REGION": "eu-west-1",
                    "AUTH_MODE": "IAM",
                    "AUTHOR": "data-engineering",
                }
            ),
        ),
    ]


def _database_passwords() -> list[Case]:
    rule = database_password_managed.RULE
    return [
        Case("managed", rule, "pass", (res(CLUSTER, "dwh", {"manageMasterPassword": True}),)),
        Case(
            "cluster-password",
            rule,
            "fail",
            (res(CLUSTER, "dwh", {"masterPassword": "hunter2hunter2"}),),
            violations=(
                v(
                    CLUSTER,
                    "dwh",
                    "takes masterPassword from the program (a literal, config or generated value "
                    "alike); set manageMasterPassword so Secrets Manager generates and rotates it",
                ),
            ),
        ),
        Case(
            "namespace-password-unknown-still-set",
            rule,
            "unknown",
            (res(NAMESPACE, "ns", {"adminUserPassword": U}),),
            violations=(
                v(
                    NAMESPACE,
                    "ns",
                    "takes adminUserPassword from the program (a literal, config or generated "
                    "value alike); set manageAdminPassword so Secrets Manager generates and "
                    "rotates it",
                ),
            ),
        ),
        Case("other-type", rule, "not-applicable", other(), not_applicable=na_type(rule)),
    ]


def _deprecated_forms() -> list[Case]:
    rule = s3_deprecated_forms.RULE
    inline = {"serverSideEncryptionConfiguration": {"rule": {}}, "policy": "{}"}
    return [
        Case("current-bucket", rule, "pass", (res(BUCKET, "b", {"bucket": "b"}),)),
        Case("current-acl-companion", rule, "pass", (res(ACL, "a", {"acl": "private"}),)),
        Case(
            "bucket-v2",
            rule,
            "fail",
            (res(BUCKET_V2, "b", {}),),
            violations=(v(BUCKET_V2, "b", f"uses the deprecated type {BUCKET_V2}; use {BUCKET}"),),
        ),
        Case(
            "inline-configuration",
            rule,
            "fail",
            (res(BUCKET, "b", inline),),
            violations=(
                v(
                    BUCKET,
                    "b",
                    "declares deprecated inline configuration: policy, "
                    "serverSideEncryptionConfiguration",
                ),
            ),
        ),
        Case(
            "v2-companion",
            rule,
            "fail",
            (res(SSE_V2, "e", {}),),
            violations=(v(SSE_V2, "e", f"uses the deprecated type {SSE_V2}; use {SSE}"),),
        ),
        Case("other-type", rule, "not-applicable", other(), not_applicable=na_type(rule)),
        Case(
            "unknown-inline-value-is-still-inline",
            rule,
            "unknown",
            (res(BUCKET, "b", {"policy": U}),),
            violations=(v(BUCKET, "b", "declares deprecated inline configuration: policy"),),
        ),
    ]


CASES: list[Case] = [
    *_ingress(),
    *_ecr_policy(),
    *_managed_policies(),
    *_credential_inputs(),
    *_env_secrets(),
    *_database_passwords(),
    *_deprecated_forms(),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_network_identity_rule(case: Case) -> None:
    check(case)
