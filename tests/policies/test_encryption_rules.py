"""Named pass / fail / not-applicable / unknown-at-preview cases for every encryption rule."""

import json
from typing import Any

import pytest
from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE

from policies.framework.rule import Rule
from policies.framework.sdk_data import family
from policies.rules.encryption import (
    codebuild_project_kms,
    codecommit_repository_kms,
    codepipeline_artifact_kms,
    glue_catalog_encryption,
    glue_job_security_configuration,
    glue_security_configuration,
    kms_key_policy_no_public,
    kms_key_rotation,
    lambda_env_kms,
    log_group_kms,
    redshift_cluster_encrypted,
    redshift_require_ssl,
    redshift_serverless_kms,
    s3_bucket_sse_kms,
    s3_bucket_tls_only,
    secret_kms,
    sns_topic_kms,
    sqs_queue_kms,
    state_machine_kms_logging,
)
from tests.policies.harness import Case, Resources, U, check, label, res, urn

KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_SCOPE = ", ".join(family(BUCKET))
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
QUEUE = "aws:sqs/queue:Queue"
KMS = "aws:kms/key:Key"
CLUSTER = "aws:redshift/cluster:Cluster"
PARAMS = "aws:redshift/parameterGroup:ParameterGroup"


def v(type_: str, name: str, fact: str) -> tuple[str, str]:
    return (f"{label(type_, name)}: {fact}", urn(type_, name))


def cannot(type_: str, name: str, fact: str, path: str) -> tuple[str, str]:
    return (
        urn(type_, name),
        f"{label(type_, name)}: cannot verify {fact} at preview ({path} is unknown)",
    )


def na_type(rule: Rule) -> str:
    return f"{rule.meta.id} judges {', '.join(rule.meta.resource_types)} only"


def other() -> Resources:
    return (res("aws:sns/topicPolicy:TopicPolicy", "other", {"arn": "x", "policy": "{}"}),)


# --- ENC-001 s3-bucket-sse-kms -------------------------------------------------------------
def _bucket(name: str = "raw") -> PolicyResource:
    return res(BUCKET, name, {"bucket": name})


def _sse(
    bucket: PolicyResource, algorithm: str, key: str | None = None, name: str = "raw-sse"
) -> PolicyResource:
    default = {"sseAlgorithm": algorithm, **({"kmsMasterKeyId": key} if key else {})}
    props = {"bucket": U, "rules": [{"applyServerSideEncryptionByDefault": default}]}
    return res(SSE, name, props, {"bucket": [bucket]})


def _sse_cases() -> list[Case]:
    rule = s3_bucket_sse_kms.RULE
    raw, logs = _bucket("raw"), _bucket("access-logs")
    logging = res(
        LOGGING,
        "raw-logging",
        {"bucket": U, "targetBucket": U, "targetPrefix": "raw/"},
        {"bucket": [raw], "targetBucket": [logs]},
    )
    other_bucket = _bucket("curated")
    return [
        Case("customer-key", rule, "pass", (raw, _sse(raw, "aws:kms", KEY))),
        Case(
            "aes256-on-access-logs-target",
            rule,
            "pass",
            (raw, _sse(raw, "aws:kms", KEY), logs, _sse(logs, "AES256", name="logs-sse"), logging),
        ),
        Case(
            "no-encryption-config",
            rule,
            "fail",
            (raw,),
            violations=(
                v(
                    BUCKET,
                    "raw",
                    "has no BucketServerSideEncryptionConfiguration "
                    "(default encryption is not declared)",
                ),
            ),
        ),
        Case(
            "aes256-on-data-bucket",
            rule,
            "fail",
            (raw, _sse(raw, "AES256")),
            violations=(
                v(
                    BUCKET,
                    "raw",
                    "uses AES256 in 'raw-sse' rules[0] but is not an access-logs target "
                    "bucket; use aws:kms with a customer-managed key",
                ),
            ),
        ),
        Case(
            "aws-managed-key",
            rule,
            "fail",
            (raw, _sse(raw, "aws:kms")),
            violations=(
                v(
                    BUCKET,
                    "raw",
                    "'raw-sse' rules[0] has no kmsMasterKeyId "
                    "(a customer-managed KMS key is required)",
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
        Case("key-arn-unknown", rule, "unknown", (raw, _sse(raw, "aws:kms", U))),
        Case(
            "algorithm-unknown",
            rule,
            "unknown",
            (raw, _sse(raw, U, KEY), other_bucket),
            violations=(
                v(
                    BUCKET,
                    "curated",
                    "has no BucketServerSideEncryptionConfiguration "
                    "(default encryption is not declared)",
                ),
            ),
            unverified=(
                cannot(
                    BUCKET,
                    "raw",
                    "the SSE algorithm",
                    "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm",
                ),
            ),
        ),
    ]


# --- ENC-002 s3-bucket-tls-only --------------------------------------------------------------
TLS_DENY = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::raw", "arn:aws:s3:::raw/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def _tls_cases() -> list[Case]:
    rule = s3_bucket_tls_only.RULE
    raw = _bucket()

    def policy(document: object) -> PolicyResource:
        text = document if document is U else json.dumps(document)
        return res(POLICY, "raw-policy", {"bucket": U, "policy": text}, {"bucket": [raw]})

    allow_only = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::1:root"},
                "Action": "s3:GetObject",
                "Resource": "*",
            }
        ]
    }
    return [
        Case("deny-insecure-transport", rule, "pass", (raw, policy({"Statement": [TLS_DENY]}))),
        Case(
            "no-bucket-policy",
            rule,
            "fail",
            (raw,),
            violations=(
                v(BUCKET, "raw", "has no BucketPolicy, so requests without TLS are not denied"),
            ),
        ),
        Case(
            "policy-without-tls-deny",
            rule,
            "fail",
            (raw, policy(allow_only)),
            violations=(
                v(
                    BUCKET,
                    "raw",
                    "bucket policy 'raw-policy' has no Deny statement "
                    "on aws:SecureTransport = false",
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
            "document-unknown",
            rule,
            "unknown",
            (raw, policy(U)),
            unverified=(cannot(BUCKET, "raw", "the bucket policy document", "policy"),),
        ),
    ]


# --- ENC-003 / ENC-004 KMS keys --------------------------------------------------------------
def _kms_cases() -> list[Case]:
    rotation, public = kms_key_rotation.RULE, kms_key_policy_no_public.RULE
    open_statement = {
        "Sid": "Open",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "kms:Decrypt",
        "Resource": "*",
    }
    scoped = {
        **open_statement,
        "Sid": "ViaS3",
        "Principal": {"AWS": "*"},
        "Condition": {
            "StringEquals": {
                "kms:CallerAccount": "111122223333",
                "kms:ViaService": "s3.eu-west-1.amazonaws.com",
            }
        },
    }
    context_only = {
        **open_statement,
        "Sid": "ContextOnly",
        "Condition": {"StringEquals": {"kms:EncryptionContext:app": "lake"}},
    }

    def key(props: dict[str, Any]) -> Resources:
        return (res(KMS, "data", props),)

    def doc(*statements: dict[str, Any]) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})

    return [
        Case("rotation-enabled", rotation, "pass", key({"enableKeyRotation": True})),
        Case(
            "rotation-missing",
            rotation,
            "fail",
            key({}),
            violations=(
                v(
                    KMS,
                    "data",
                    "does not enable automatic key rotation (enableKeyRotation is not true) "
                    "(enableKeyRotation is omitted; the provider fills in false)",
                ),
            ),
        ),
        Case("other-type", rotation, "not-applicable", other(), not_applicable=na_type(rotation)),
        Case(
            "asymmetric-key",
            rotation,
            "not-applicable",
            key({"customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"}),
            not_applicable=f"{label(KMS, 'data')} is RSA_2048/SIGN_VERIFY; "
            "AWS rotates only symmetric keys",
        ),
        Case(
            "rotation-unknown",
            rotation,
            "unknown",
            key({"enableKeyRotation": UNKNOWN_BOOLEAN_VALUE}),
            unverified=(cannot(KMS, "data", "enableKeyRotation", "enableKeyRotation"),),
        ),
        Case("default-key-policy", public, "pass", key({"enableKeyRotation": True})),
        Case("scoped-wildcard", public, "pass", key({"policy": doc(scoped)})),
        Case(
            "open-wildcard",
            public,
            "fail",
            key({"policy": doc(open_statement)}),
            violations=(
                v(
                    KMS,
                    "data",
                    "key policy statement 'Open' allows Principal '*' without a scoping condition",
                ),
            ),
        ),
        Case(
            "non-scoping-condition",
            public,
            "fail",
            key({"policy": doc(context_only)}),
            violations=(
                v(
                    KMS,
                    "data",
                    "key policy statement 'ContextOnly' allows Principal '*' "
                    "without a scoping condition",
                ),
            ),
        ),
        Case("other-type", public, "not-applicable", other(), not_applicable=na_type(public)),
        Case(
            "policy-unknown",
            public,
            "unknown",
            key({"policy": U}),
            unverified=(cannot(KMS, "data", "the key policy document", "policy"),),
        ),
    ]


# --- single customer-key property rules ------------------------------------------------------
def _key_cases(rule: Rule, prop: str, aws_alias: str | None) -> list[Case]:
    type_ = rule.meta.resource_types[0]

    def one(props: dict[str, Any]) -> Resources:
        return (res(type_, "subject", props),)

    cases = [
        Case("customer-key", rule, "pass", one({prop: KEY})),
        Case(
            "no-key",
            rule,
            "fail",
            one({}),
            violations=(
                v(type_, "subject", f"has no {prop} (a customer-managed KMS key is required)"),
            ),
        ),
        Case("other-type", rule, "not-applicable", other(), not_applicable=na_type(rule)),
        Case("key-arn-unknown", rule, "unknown", one({prop: U})),
    ]
    if aws_alias:
        cases.append(
            Case(
                "aws-managed-alias",
                rule,
                "fail",
                one({prop: aws_alias}),
                violations=(
                    v(
                        type_,
                        "subject",
                        f"{prop} is the AWS-managed key {aws_alias}; "
                        "use a customer-managed KMS key",
                    ),
                ),
            )
        )
    return cases


def _codebuild_artifact_cases() -> list[Case]:
    rule = codebuild_project_kms.RULE
    project = "aws:codebuild/project:Project"
    none = {"artifacts": {"type": "NO_ARTIFACTS"}}
    return [
        Case(
            "no-artifacts",
            rule,
            "not-applicable",
            (res(project, "lint", none),),
            not_applicable=f"{project} 'lint' produces no artifacts (NO_ARTIFACTS)",
        ),
        Case(
            "no-artifacts-but-secondary",
            rule,
            "fail",
            (res(project, "lint", {**none, "secondaryArtifacts": [{"type": "S3"}]}),),
            violations=(
                v(project, "lint", "has no encryptionKey (a customer-managed KMS key is required)"),
            ),
        ),
        Case(
            "artifacts-type-unknown",
            rule,
            "unknown",
            (res(project, "lint", {"artifacts": {"type": U}}),),
            unverified=(cannot(project, "lint", "the artifacts type", "artifacts.type"),),
        ),
    ]


def _lambda_cases() -> list[Case]:
    rule = lambda_env_kms.RULE
    fn = "aws:lambda/function:Function"
    env = {"variables": {"LOG_LEVEL": "INFO"}}
    return [
        Case(
            "env-with-key",
            rule,
            "pass",
            (res(fn, "ingest", {"environment": env, "kmsKeyArn": KEY}),),
        ),
        Case(
            "env-without-key",
            rule,
            "fail",
            (res(fn, "ingest", {"environment": env}),),
            violations=(
                v(fn, "ingest", "has no kmsKeyArn (a customer-managed KMS key is required)"),
            ),
        ),
        Case(
            "no-environment",
            rule,
            "not-applicable",
            (res(fn, "ingest", {}),),
            not_applicable=f"{label(fn, 'ingest')} has no environment variables",
        ),
        Case("other-type", rule, "not-applicable", other(), not_applicable=na_type(rule)),
        Case(
            "variables-unknown",
            rule,
            "unknown",
            (res(fn, "ingest", {"environment": {"variables": U}}),),
            violations=(
                v(fn, "ingest", "has no kmsKeyArn (a customer-managed KMS key is required)"),
            ),
        ),
    ]


# --- Glue -------------------------------------------------------------------------------------
def _glue_cases() -> list[Case]:
    sec, jobs, catalog = (
        glue_security_configuration.RULE,
        glue_job_security_configuration.RULE,
        glue_catalog_encryption.RULE,
    )
    sc_type = "aws:glue/securityConfiguration:SecurityConfiguration"
    cat_type = "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings"
    job, crawler = "aws:glue/job:Job", "aws:glue/crawler:Crawler"

    def sc(s3: str = "SSE-KMS", cw: str = "SSE-KMS", bookmark_key: str | None = KEY) -> Resources:
        bookmarks = {
            "jobBookmarksEncryptionMode": "CSE-KMS",
            **({"kmsKeyArn": bookmark_key} if bookmark_key else {}),
        }
        config = {
            "s3Encryption": {"s3EncryptionMode": s3, "kmsKeyArn": KEY},
            "cloudwatchEncryption": {"cloudwatchEncryptionMode": cw, "kmsKeyArn": KEY},
            "jobBookmarksEncryption": bookmarks,
        }
        return (res(sc_type, "lake", {"encryptionConfiguration": config}),)

    def cat(mode: str, returned: object, password_key: str | None) -> Resources:
        passwords = {
            "returnConnectionPasswordEncrypted": returned,
            **({"awsKmsKeyId": password_key} if password_key else {}),
        }
        settings = {
            "encryptionAtRest": {"catalogEncryptionMode": mode, "sseAwsKmsKeyId": KEY},
            "connectionPasswordEncryption": passwords,
        }
        return (res(cat_type, "catalog", {"dataCatalogEncryptionSettings": settings}),)

    return [
        Case("complete", sec, "pass", sc()),
        Case(
            "cloudwatch-off-bookmarks-keyless",
            sec,
            "fail",
            sc(cw="DISABLED", bookmark_key=None),
            violations=(
                v(
                    sc_type,
                    "lake",
                    "cloudwatchEncryption.cloudwatchEncryptionMode is DISABLED, expected SSE-KMS",
                ),
                v(
                    sc_type,
                    "lake",
                    "jobBookmarksEncryption has no kmsKeyArn "
                    "(a customer-managed KMS key is required)",
                ),
            ),
        ),
        Case("other-type", sec, "not-applicable", other(), not_applicable=na_type(sec)),
        Case(
            "s3-mode-unknown",
            sec,
            "unknown",
            sc(s3=U),
            unverified=(
                cannot(
                    sc_type,
                    "lake",
                    "s3Encryption.s3EncryptionMode",
                    "encryptionConfiguration.s3Encryption.s3EncryptionMode",
                ),
            ),
        ),
        Case(
            "job-with-config", jobs, "pass", (res(job, "etl", {"securityConfiguration": "lake"}),)
        ),
        Case(
            "crawler-without-config",
            jobs,
            "fail",
            (res(crawler, "raw-crawler", {}),),
            violations=(
                v(
                    crawler,
                    "raw-crawler",
                    "has no securityConfiguration (output, logs "
                    "and bookmarks are not KMS-encrypted)",
                ),
            ),
        ),
        Case("other-type", jobs, "not-applicable", other(), not_applicable=na_type(jobs)),
        Case(
            "config-name-unknown", jobs, "unknown", (res(job, "etl", {"securityConfiguration": U}),)
        ),
        Case("kms-everywhere", catalog, "pass", cat("SSE-KMS", True, KEY)),
        Case(
            "unencrypted",
            catalog,
            "fail",
            cat("DISABLED", False, None),
            violations=(
                v(
                    cat_type,
                    "catalog",
                    "encryptionAtRest.catalogEncryptionMode is DISABLED, expected SSE-KMS",
                ),
                v(
                    cat_type,
                    "catalog",
                    "connectionPasswordEncryption.returnConnectionPasswordEncrypted is not true",
                ),
                v(cat_type, "catalog", "connectionPasswordEncryption has no awsKmsKeyId"),
            ),
        ),
        Case("other-type", catalog, "not-applicable", other(), not_applicable=na_type(catalog)),
        Case(
            "mode-unknown",
            catalog,
            "unknown",
            cat(U, True, KEY),
            unverified=(
                cannot(
                    cat_type,
                    "catalog",
                    "catalogEncryptionMode",
                    "dataCatalogEncryptionSettings.encryptionAtRest.catalogEncryptionMode",
                ),
            ),
        ),
    ]


# --- Step Functions, Redshift, CodePipeline ----------------------------------------------------
def _sfn_cases() -> list[Case]:
    rule = state_machine_kms_logging.RULE
    sm = "aws:sfn/stateMachine:StateMachine"
    good = {
        "encryptionConfiguration": {"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": KEY},
        "loggingConfiguration": {"level": "ALL", "logDestination": "arn:aws:logs:x:*"},
    }
    unknown_level = {**good, "loggingConfiguration": {"level": U, "logDestination": U}}
    return [
        Case("kms-and-logging", rule, "pass", (res(sm, "pipeline", good),)),
        Case(
            "defaults",
            rule,
            "fail",
            (res(sm, "pipeline", {}),),
            violations=(
                v(
                    sm,
                    "pipeline",
                    "encryptionConfiguration.type is unset, not CUSTOMER_MANAGED_KMS_KEY",
                ),
                v(sm, "pipeline", "loggingConfiguration.level is OFF or unset"),
            ),
        ),
        Case("other-type", rule, "not-applicable", other(), not_applicable=na_type(rule)),
        Case(
            "level-unknown",
            rule,
            "unknown",
            (res(sm, "pipeline", unknown_level),),
            unverified=(
                cannot(sm, "pipeline", "loggingConfiguration.level", "loggingConfiguration.level"),
            ),
        ),
    ]


def _redshift_cases() -> list[Case]:
    encrypted, ssl = redshift_cluster_encrypted.RULE, redshift_require_ssl.RULE

    def group(name: str, require_ssl: object) -> PolicyResource:
        params = U if require_ssl is U else [{"name": "require_ssl", "value": require_ssl}]
        return res(PARAMS, name, {"family": "redshift-1.0", "parameters": params})

    def cluster(g: PolicyResource | None, props: dict[str, Any] | None = None) -> PolicyResource:
        deps = {"clusterParameterGroupName": [g]} if g is not None else {}
        return res(CLUSTER, "warehouse", props or {"clusterParameterGroupName": U}, deps)

    ssl_on, ssl_off, ssl_unknown = group("ssl", "true"), group("nossl", "false"), group("pg", U)
    return [
        Case(
            "encrypted-with-key",
            encrypted,
            "pass",
            (res(CLUSTER, "warehouse", {"encrypted": "true", "kmsKeyId": KEY}),),
        ),
        Case(
            "unencrypted",
            encrypted,
            "fail",
            (res(CLUSTER, "warehouse", {"encrypted": "false"}),),
            violations=(
                v(CLUSTER, "warehouse", "is not encrypted (encrypted must be true)"),
                v(CLUSTER, "warehouse", "has no kmsKeyId (a customer-managed KMS key is required)"),
            ),
        ),
        Case(
            "omitted-encrypted-is-the-provider-default-true",
            encrypted,
            "fail",
            (res(CLUSTER, "warehouse", {}),),
            violations=(
                v(CLUSTER, "warehouse", "has no kmsKeyId (a customer-managed KMS key is required)"),
            ),
        ),
        Case("other-type", encrypted, "not-applicable", other(), not_applicable=na_type(encrypted)),
        Case(
            "encrypted-unknown",
            encrypted,
            "unknown",
            (res(CLUSTER, "warehouse", {"encrypted": U, "kmsKeyId": KEY}),),
            unverified=(cannot(CLUSTER, "warehouse", "encrypted", "encrypted"),),
        ),
        Case("group-requires-ssl", ssl, "pass", (ssl_on, cluster(ssl_on))),
        Case(
            "default-group",
            ssl,
            "fail",
            (res(CLUSTER, "warehouse", {}),),
            violations=(
                v(
                    CLUSTER,
                    "warehouse",
                    "uses the default parameter group, where require_ssl is false",
                ),
            ),
        ),
        Case(
            "group-name-literal",
            ssl,
            "fail",
            (ssl_on, cluster(None, {"clusterParameterGroupName": "ssl"})),
            violations=(
                v(
                    CLUSTER,
                    "warehouse",
                    "has a clusterParameterGroupName that is not a ParameterGroup of this stack",
                ),
            ),
        ),
        Case(
            "group-without-ssl",
            ssl,
            "fail",
            (ssl_off, cluster(ssl_off)),
            violations=(
                v(
                    CLUSTER,
                    "warehouse",
                    "uses parameter group 'nossl' where require_ssl is not true",
                ),
            ),
        ),
        Case(
            "no-clusters",
            ssl,
            "not-applicable",
            (ssl_on,),
            not_applicable=f"the stack has no {CLUSTER}",
        ),
        Case(
            "parameters-unknown",
            ssl,
            "unknown",
            (ssl_unknown, cluster(ssl_unknown)),
            unverified=(cannot(CLUSTER, "warehouse", "parameter group parameters", "parameters"),),
        ),
    ]


def _pipeline_cases() -> list[Case]:
    rule = codepipeline_artifact_kms.RULE
    cp = "aws:codepipeline/pipeline:Pipeline"
    store = {"location": "artifacts", "type": "S3"}
    return [
        Case(
            "store-with-key",
            rule,
            "pass",
            (
                res(
                    cp,
                    "deliver",
                    {"artifactStores": [{**store, "encryptionKey": {"id": KEY, "type": "KMS"}}]},
                ),
            ),
        ),
        Case(
            "store-without-key",
            rule,
            "fail",
            (res(cp, "deliver", {"artifactStores": [store]}),),
            violations=(
                v(
                    cp,
                    "deliver",
                    "artifactStores[0] has no encryptionKey (AWS-managed key is used)",
                ),
            ),
        ),
        Case("other-type", rule, "not-applicable", other(), not_applicable=na_type(rule)),
        Case(
            "stores-unknown",
            rule,
            "unknown",
            (res(cp, "deliver", {"artifactStores": U}),),
            unverified=(cannot(cp, "deliver", "artifactStores", "artifactStores"),),
        ),
    ]


CASES: list[Case] = [
    *_sse_cases(),
    *_tls_cases(),
    *_kms_cases(),
    *_key_cases(log_group_kms.RULE, "kmsKeyId", None),
    *_key_cases(sns_topic_kms.RULE, "kmsMasterKeyId", "alias/aws/sns"),
    *_key_cases(sqs_queue_kms.RULE, "kmsMasterKeyId", "alias/aws/sqs"),
    *_lambda_cases(),
    *_glue_cases(),
    *_sfn_cases(),
    *_key_cases(redshift_serverless_kms.RULE, "kmsKeyId", None),
    *_redshift_cases(),
    *_key_cases(codebuild_project_kms.RULE, "encryptionKey", None),
    *_codebuild_artifact_cases(),
    *_pipeline_cases(),
    *_key_cases(codecommit_repository_kms.RULE, "kmsKeyId", None),
    *_key_cases(secret_kms.RULE, "kmsKeyId", "alias/aws/secretsmanager"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_encryption_rule(case: Case) -> None:
    check(case)
