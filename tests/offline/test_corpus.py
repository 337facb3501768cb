"""Programs written the way teams write them, previewed offline through the real pack.

Each program exercises what real programs do: values AWS computes used in `.apply` and
`Output.concat` and exported, data-source lookups, a local component package and one its plugin
builds, secrets from config, functions that return early, loops, a stack reference answered by
an answers file. Every program must complete (no crash, no unanswered data source), and its
findings are pinned exactly by (policy, resource), so every expected silence is asserted too.
A value computed by AWS cannot be judged at preview: those judgements are pinned as left to the
deployment. The tag rules are disabled here; their cases live in tests/policies.

The programs run three at a time in one module fixture (each is a child process plus a pack
process): about 45 CPU-seconds, 40 to 75 s of wall time on a shared two-core machine.
"""

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from offline.harness import ProgramCheck, check_program, load_answers, load_program

PROGRAMS = Path(__file__).resolve().parents[1] / "fixtures" / "programs"
NO_TAG_RULES = json.loads((PROGRAMS.parent / "tagless-policy-config.json").read_text())
Found = set[tuple[str, str]]

EXPECTED: dict[str, Found] = {
    "bucket-family": {
        ("s3-bucket-sse-kms", "open"),
        ("s3-bucket-tls-only", "open"),
        ("s3-current-resource-forms", "open"),
        ("s3-current-resource-forms", "closed"),
        ("s3-current-resource-forms", "closed-sse"),
        ("s3-current-resource-forms", "closed-versioning"),
    },
    "inline-bucket": {("s3-current-resource-forms", "inline")},
    "provider-default": set(),
    "unmarked-secret": {
        ("no-plaintext-secrets", "webhook"),
        ("no-plaintext-credential-inputs", "export"),
        ("database-password-managed", "legacy"),
        ("redshift-cluster-require-ssl", "legacy"),
    },
    "neighbourhood": {
        ("security-group-restricted-ingress", "bastion"),
        ("dynamodb-table-kms", "keys"),
        ("kinesis-stream-kms", "clicks"),
        ("firehose-delivery-stream-kms", "archive"),
        ("ecr-repository-kms", "images"),
        ("ecr-repository-policy-not-public", "images-policy"),
        ("efs-file-system-kms", "shared"),
        ("rds-storage-kms", "metadata"),
        ("iam-no-aws-managed-full-access", "etl-AdministratorAccess"),
        ("iam-no-aws-managed-full-access", "etl-AmazonS3FullAccess"),
        ("iam-no-aws-managed-full-access", "etl-IAMFullAccess"),
        ("glue-connection-password-encrypted", "warehouse-jdbc"),
    },
    "data-sources": set(),
    "static-site": {("cloudfront-https", "site"), ("s3-bucket-sse-kms", "content")},
    "api-lambda": {
        ("iam-no-wildcard-admin", "handler-logs"),
        ("lambda-environment-kms", "handler"),
        ("no-plaintext-secrets", "handler"),
    },
    "ecs-service": {
        ("ecr-repository-kms", "app"),
        ("log-group-kms", "app-logs"),
        ("load-balancer-tls", "app-http"),
        ("no-plaintext-credential-inputs", "migrate-task"),
    },
    "eks-cluster": {("eks-endpoint-private", "platform"), ("eks-secrets-encrypted", "platform")},
    "network-component": {("security-group-restricted-ingress", "core-bastion")},
    "feature-flags": {("sqs-queue-kms", "audit")},
    "database-config": {("database-password-managed", "orders"), ("rds-not-public", "orders")},
    "event-worker": {("iam-no-wildcard-admin", "worker-access")},
    "bastion-host": {
        ("ebs-volume-encrypted", "bastion"),
        ("no-plaintext-credential-inputs", "bastion"),
        ("security-group-restricted-ingress", "bastion"),
    },
    "shared-network": {("elasticache-encrypted", "sessions")},
    "serverless-warehouse": {
        ("database-password-managed", "analytics"),
        ("redshift-serverless-enhanced-vpc-routing", "analytics-wg"),
        ("redshift-serverless-not-public", "analytics-wg"),
        ("redshift-serverless-require-ssl", "analytics-wg"),
    },
    "build-project": {
        ("codebuild-no-privileged-mode", "images"),
        ("codebuild-source-credential-secret", "github"),
    },
    "public-website": {
        ("s3-bucket-sse-kms", "www"),
        ("s3-bucket-tls-only", "www"),
        ("s3-no-public-acl", "404.html"),
        ("s3-no-public-acl", "index.html"),
        ("s3-public-access-block", "www"),
    },
}
# Judgements a preview cannot make: the value is computed by AWS (a policy built in an apply of
# an ARN); the engine runs these rules again at `pulumi up`.
LEFT_TO_DEPLOYMENT: dict[str, Found] = {
    "bucket-family": {("iam-no-wildcard-admin", "closed-tls"), ("s3-bucket-tls-only", "")},
    "static-site": {("iam-no-wildcard-admin", "content-policy"), ("s3-bucket-tls-only", "")},
}


def _check(name: str) -> ProgramCheck:
    root = PROGRAMS / name
    answers = root / "answers.yaml"
    return check_program(
        load_program(root, "test"),
        policy_config=NO_TAG_RULES,
        answers=load_answers(answers if answers.is_file() else None),
    )


@pytest.fixture(scope="module")
def checked() -> dict[str, ProgramCheck]:
    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(EXPECTED, pool.map(_check, EXPECTED), strict=True))


def test_the_corpus_is_every_program_of_the_fixtures() -> None:
    assert set(EXPECTED) == {p.name for p in PROGRAMS.iterdir() if p.is_dir()}
    assert len(EXPECTED) >= 15


@pytest.mark.parametrize("program", sorted(EXPECTED))
def test_each_program_completes(program: str, checked: dict[str, ProgramCheck]) -> None:
    failure = checked[program].failure
    assert failure is None, failure.render()


@pytest.mark.parametrize("program", sorted(EXPECTED))
def test_each_expected_violation_and_nothing_else(
    program: str, checked: dict[str, ProgramCheck]
) -> None:
    report = checked[program].report
    assert {(v.policy_name, v.resource_name) for v in report.violations} == EXPECTED[program]
    left = {(v.policy_name, v.resource_name.split("::")[-1]) for v in report.unjudged}
    stack = f"{checked[program].program.project}-test"
    assert {(p, "" if r == stack else r) for p, r in left} == LEFT_TO_DEPLOYMENT.get(program, set())


def test_a_component_built_by_its_plugin_is_named_as_unseen(
    checked: dict[str, ProgramCheck],
) -> None:
    assert (
        "component netlib:index:Gateway 'edge' is built by its package's plugin at deploy time: "
        "the resources it creates are not seen offline and not judged"
    ) in checked["network-component"].notes
    children = {r.name for r in checked["network-component"].resources if r.parent}
    assert {"core-vpc", "core-bastion", "core-eu-west-1a"} <= children


def test_values_aws_computes_stay_unknown_and_are_not_judged_as_none(
    checked: dict[str, ProgramCheck],
) -> None:
    record = next(r for r in checked["static-site"].resources if r.name == "site-alias")
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    assert record.inputs["aliases"][0]["name"] == unknown
    assert not [n for n in checked["static-site"].notes if "'None'" in n]


def test_lookups_and_stack_references_are_answered(checked: dict[str, ProgramCheck]) -> None:
    invoked = {i.token: i.answered_by for i in checked["shared-network"].run.record.invokes}
    assert invoked == {
        "aws:ssm/getParameter:getParameter": str(PROGRAMS / "shared-network" / "answers.yaml")
    }
    group = next(r for r in checked["shared-network"].resources if r.name == "service")
    assert group.inputs["vpcId"] == "vpc-0a1b2c3d4e5f60718"
    assert group.inputs["ingress"][0]["cidrBlocks"] == ["10.0.0.0/8"]
    looked_up = {i.token for i in checked["event-worker"].run.record.invokes}
    assert {
        "aws:sns/getTopic:getTopic",
        "aws:dynamodb/getTable:getTable",
        "aws:sqs/getQueue:getQueue",
        "aws:iam/getRole:getRole",
        "aws:kms/getAlias:getAlias",
    } <= looked_up
