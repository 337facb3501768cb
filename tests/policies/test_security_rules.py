"""Named pass / fail / not-applicable / unknown-at-preview cases for every security rule."""

import json
from typing import Any

import pytest
from pulumi_policy import PolicyResource

from policies.rules.security import (
    codebuild_no_privileged_mode,
    iam_no_admin_statement,
    lambda_permission_not_public,
    no_plaintext_secrets,
    redshift_cluster_not_public,
    s3_public_access_block,
)
from tests.policies.harness import Case, Resources, U, check, res
from tests.policies.test_encryption_rules import (
    BUCKET,
    BUCKET_SCOPE,
    QUEUE,
    cannot,
    na_type,
    other,
    v,
)

PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
IAM_POLICY, ROLE, KMS = "aws:iam/policy:Policy", "aws:iam/role:Role", "aws:kms/key:Key"
PERMISSION = "aws:lambda/permission:Permission"
PROJECT, FUNCTION = "aws:codebuild/project:Project", "aws:lambda/function:Function"
CLUSTER = "aws:redshift/cluster:Cluster"
ADMIN = {"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"}
READ = {
    "Sid": "Read",
    "Effect": "Allow",
    "Action": ["s3:GetObject"],
    "Resource": "arn:aws:s3:::raw/*",
}
LOGS_AND_S3 = {
    "Sid": "Ops",
    "Effect": "Allow",
    "Action": ["s3:*", "logs:*", "ec2:DescribeInstances"],
    "Resource": "*",
}
ROOT = {
    "Sid": "Root",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::1:root"},
    "Action": "kms:*",
    "Resource": "*",
}


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _pab_cases() -> list[Case]:
    rule = s3_public_access_block.RULE
    raw = res(BUCKET, "raw", {"bucket": "raw"})
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")

    def block(**overrides: object) -> PolicyResource:
        props = {"bucket": U, **dict.fromkeys(flags, True), **overrides}
        return res(PAB, "raw-pab", props, {"bucket": [raw]})

    return [
        Case("all-four-flags", rule, "pass", (raw, block())),
        # S3's default since April 2023: every new bucket blocks public access.
        Case("no-block-s3-default", rule, "pass", (raw,)),
        Case(
            "no-block-declared-required",
            rule,
            "fail",
            (raw,),
            violations=(v(BUCKET, "raw", "has no BucketPublicAccessBlock"),),
            config={"requireDeclaredBlock": True},
        ),
        Case(
            "two-flags-off",
            rule,
            "fail",
            (raw, block(ignorePublicAcls=False, restrictPublicBuckets=None)),
            violations=(
                v(
                    BUCKET,
                    "raw",
                    "public access block 'raw-pab' does not enable ignorePublicAcls, "
                    "restrictPublicBuckets",
                ),
            ),
        ),
        Case(
            "no-buckets",
            rule,
            "not-applicable",
            (res(QUEUE, "q"),),
            not_applicable=f"the stack has no {BUCKET_SCOPE}",
        ),
        Case(
            "flag-unknown",
            rule,
            "unknown",
            (raw, block(blockPublicAcls=U)),
            unverified=(cannot(BUCKET, "raw", "raw-pab.blockPublicAcls", "blockPublicAcls"),),
        ),
    ]


def _iam_cases() -> list[Case]:
    rule = iam_no_admin_statement.RULE
    inline = {"inlinePolicies": [{"name": "inline-admin", "policy": doc(ADMIN)}]}
    return [
        Case("scoped-policy", rule, "pass", (res(IAM_POLICY, "reader", {"policy": doc(READ)}),)),
        Case("kms-root-statement", rule, "pass", (res(KMS, "data", {"policy": doc(ROOT)}),)),
        Case(
            "managed-admin",
            rule,
            "fail",
            (res(IAM_POLICY, "admin", {"policy": doc(ADMIN)}),),
            violations=(
                v(
                    IAM_POLICY,
                    "admin",
                    "policy statement 'Admin' allows Action '*' on Resource '*'",
                ),
            ),
        ),
        Case(
            "service-wildcards-on-everything",
            rule,
            "fail",
            (res(IAM_POLICY, "ops", {"policy": doc(LOGS_AND_S3)}),),
            violations=(
                v(IAM_POLICY, "ops", "policy statement 'Ops' allows Action 's3:*' on Resource '*'"),
                v(
                    IAM_POLICY,
                    "ops",
                    "policy statement 'Ops' allows Action 'logs:*' on Resource '*'",
                ),
            ),
        ),
        Case(
            "role-inline-admin",
            rule,
            "fail",
            (res(ROLE, "etl-role", inline),),
            violations=(
                v(
                    ROLE,
                    "etl-role",
                    "inline policy 'inline-admin' statement 'Admin' "
                    "allows Action '*' on Resource '*'",
                ),
            ),
        ),
        Case(
            "other-type", rule, "not-applicable", (res(QUEUE, "q"),), not_applicable=na_type(rule)
        ),
        Case(
            "document-unknown",
            rule,
            "unknown",
            (res(IAM_POLICY, "admin", {"policy": U}),),
            unverified=(cannot(IAM_POLICY, "admin", "the policy document", "policy"),),
        ),
    ]


def _permission_cases() -> list[Case]:
    rule = lambda_permission_not_public.RULE
    base = {"action": "lambda:InvokeFunction", "function": U}
    return [
        Case(
            "service-with-source",
            rule,
            "pass",
            (
                res(
                    PERMISSION,
                    "s3-invoke",
                    {**base, "principal": "s3.amazonaws.com", "sourceArn": U},
                ),
            ),
        ),
        Case(
            "wildcard-with-account",
            rule,
            "pass",
            (
                res(
                    PERMISSION,
                    "s3-invoke",
                    {**base, "principal": "*", "sourceAccount": "111122223333"},
                ),
            ),
        ),
        Case(
            "wildcard-unscoped",
            rule,
            "fail",
            (res(PERMISSION, "public", {**base, "principal": "*"}),),
            violations=(
                v(
                    PERMISSION,
                    "public",
                    "grants principal '*' without sourceArn, sourceAccount or principalOrgId",
                ),
            ),
        ),
        Case("other-type", rule, "not-applicable", other(), not_applicable=na_type(rule)),
        Case(
            "principal-unknown",
            rule,
            "unknown",
            (res(PERMISSION, "public", {**base, "principal": U}),),
            unverified=(cannot(PERMISSION, "public", "the principal", "principal"),),
        ),
    ]


def _privileged_cases() -> list[Case]:
    rule = codebuild_no_privileged_mode.RULE

    def project(name: str, privileged: object) -> Resources:
        environment = {
            "computeType": "BUILD_GENERAL1_SMALL",
            "image": "aws/codebuild/standard:7.0",
            "type": "LINUX_CONTAINER",
            "privilegedMode": privileged,
        }
        return (res(PROJECT, name, {"environment": environment}),)

    return [
        Case("unprivileged", rule, "pass", project("tests", False)),
        Case(
            "allow-listed",
            rule,
            "pass",
            project("image-builder", True),
            config={"allowedProjects": ["image-builder"]},
        ),
        Case(
            "privileged",
            rule,
            "fail",
            project("tests", True),
            violations=(
                v(
                    PROJECT,
                    "tests",
                    "enables environment.privilegedMode and is not in allowedProjects",
                ),
            ),
        ),
        Case("other-type", rule, "not-applicable", other(), not_applicable=na_type(rule)),
        Case(
            "mode-unknown",
            rule,
            "unknown",
            project("tests", U),
            unverified=(cannot(PROJECT, "tests", "privilegedMode", "environment.privilegedMode"),),
        ),
    ]


def _secret_cases() -> list[Case]:
    rule = no_plaintext_secrets.RULE
    arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf"

    def fn(variables: object) -> Resources:
        return (res(FUNCTION, "ingest", {"environment": {"variables": variables}}),)

    def build(*variables: dict[str, Any]) -> Resources:
        return (res(PROJECT, "ci", {"environment": {"environmentVariables": list(variables)}}),)

    return [
        Case(
            "references-only",
            rule,
            "pass",
            fn({"LOG_LEVEL": "INFO", "DB_PASSWORD_ARN": U, "DB_SECRET": arn}),
        ),
        Case(
            "secrets-provider-uri",
            rule,
            "pass",
            build({"name": "PULUMI_SECRETS_PROVIDER", "value": "awskms://alias/state?region=x"}),
        ),
        Case(
            "codebuild-secret-manager-type",
            rule,
            "pass",
            build({"name": "NPM_TOKEN", "value": "ci/npm", "type": "SECRETS_MANAGER"}),
        ),
        Case(
            "lambda-password-and-key-id",
            rule,
            "fail",
            fn({"DB_PASSWORD": "hunter2", "KEY": "AKIAIOSFODNN7EXAMPLE"}),
            violations=(
                v(
                    FUNCTION,
                    "ingest",
                    "environment variable 'DB_PASSWORD' looks like a secret stored as plaintext",
                ),
                v(
                    FUNCTION,
                    "ingest",
                    "environment variable 'KEY' holds what looks like an AWS access key id",
                ),
            ),
        ),
        Case(
            "codebuild-plaintext-token-and-secret-key",
            rule,
            "fail",
            build(
                {"name": "GITHUB_TOKEN", "value": "ghp_example", "type": "PLAINTEXT"},
                {"name": "BLOB", "value": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
            ),
            violations=(
                v(
                    PROJECT,
                    "ci",
                    "environment variable 'GITHUB_TOKEN' looks like a secret stored as plaintext",
                ),
                v(
                    PROJECT,
                    "ci",
                    "environment variable 'BLOB' holds what looks like an AWS secret access key",
                ),
            ),
        ),
        Case("other-type", rule, "not-applicable", other(), not_applicable=na_type(rule)),
        Case(
            "password-value-unknown",
            rule,
            "unknown",
            fn({"DB_PASSWORD": U}),
            unverified=(
                cannot(
                    FUNCTION,
                    "ingest",
                    "whether variable 'DB_PASSWORD' is a reference",
                    "environment.variables.DB_PASSWORD",
                ),
            ),
        ),
    ]


def _public_cluster_cases() -> list[Case]:
    rule = redshift_cluster_not_public.RULE
    return [
        Case("default-private", rule, "pass", (res(CLUSTER, "warehouse", {}),)),
        Case(
            "public",
            rule,
            "fail",
            (res(CLUSTER, "warehouse", {"publiclyAccessible": True}),),
            violations=(
                v(CLUSTER, "warehouse", "is publicly accessible (publiclyAccessible is true)"),
            ),
        ),
        Case("other-type", rule, "not-applicable", other(), not_applicable=na_type(rule)),
        Case(
            "flag-unknown",
            rule,
            "unknown",
            (res(CLUSTER, "warehouse", {"publiclyAccessible": U}),),
            unverified=(cannot(CLUSTER, "warehouse", "publiclyAccessible", "publiclyAccessible"),),
        ),
    ]


CASES: list[Case] = [
    *_pab_cases(),
    *_iam_cases(),
    *_permission_cases(),
    *_privileged_cases(),
    *_secret_cases(),
    *_public_cluster_cases(),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_security_rule(case: Case) -> None:
    check(case)
