"""The pack's rules, listed explicitly in catalog order, and the one place policies are built."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pulumi_policy import Policy

from policies.framework.rule import Rule, Today, build_policy
from policies.framework.waivers import ExceptionsFile, load_exceptions
from policies.rules.encryption import (
    codebuild_project_kms,
    codecommit_repository_kms,
    codepipeline_artifact_kms,
    dynamodb_table_kms,
    ebs_volume_encrypted,
    ecr_repository_kms,
    efs_file_system_kms,
    eks_secrets_encrypted,
    elasticache_encrypted,
    firehose_delivery_stream_kms,
    glue_catalog_encryption,
    glue_connection_password,
    glue_job_security_configuration,
    glue_security_configuration,
    kinesis_stream_kms,
    kms_key_policy_no_public,
    kms_key_rotation,
    lambda_env_kms,
    log_group_kms,
    rds_storage_kms,
    redshift_cluster_encrypted,
    redshift_require_ssl,
    redshift_serverless_kms,
    redshift_serverless_require_ssl,
    s3_bucket_sse_kms,
    s3_bucket_tls_only,
    sagemaker_endpoint_kms,
    secret_kms,
    sns_topic_kms,
    sqs_queue_kms,
    state_machine_kms_logging,
)
from policies.rules.security import (
    cloudfront_https,
    codebuild_no_privileged_mode,
    codebuild_source_credential,
    database_password_managed,
    ecr_repository_policy_not_public,
    eks_endpoint_private,
    iam_no_admin_statement,
    iam_no_managed_full_access,
    lambda_permission_not_public,
    load_balancer_tls,
    no_plaintext_credential_inputs,
    no_plaintext_secrets,
    rds_not_public,
    redshift_cluster_not_public,
    redshift_serverless_not_public,
    redshift_serverless_vpc_routing,
    s3_deprecated_forms,
    s3_no_public_acl,
    s3_public_access_block,
    security_group_ingress,
)
from policies.rules.tagging import data_classification, required_tags, tag_allowed_values

EXCEPTIONS_FILE = Path(__file__).resolve().parent / "exceptions.yaml"

RULES: tuple[Rule, ...] = (
    s3_bucket_sse_kms.RULE,
    s3_bucket_tls_only.RULE,
    kms_key_rotation.RULE,
    kms_key_policy_no_public.RULE,
    log_group_kms.RULE,
    sns_topic_kms.RULE,
    sqs_queue_kms.RULE,
    lambda_env_kms.RULE,
    glue_security_configuration.RULE,
    glue_job_security_configuration.RULE,
    glue_catalog_encryption.RULE,
    state_machine_kms_logging.RULE,
    redshift_serverless_kms.RULE,
    redshift_cluster_encrypted.RULE,
    redshift_require_ssl.RULE,
    codebuild_project_kms.RULE,
    codepipeline_artifact_kms.RULE,
    codecommit_repository_kms.RULE,
    secret_kms.RULE,
    dynamodb_table_kms.RULE,
    kinesis_stream_kms.RULE,
    firehose_delivery_stream_kms.RULE,
    ecr_repository_kms.RULE,
    efs_file_system_kms.RULE,
    rds_storage_kms.RULE,
    glue_connection_password.RULE,
    ebs_volume_encrypted.RULE,
    eks_secrets_encrypted.RULE,
    elasticache_encrypted.RULE,
    sagemaker_endpoint_kms.RULE,
    redshift_serverless_require_ssl.RULE,
    required_tags.RULE,
    tag_allowed_values.RULE,
    data_classification.RULE,
    s3_public_access_block.RULE,
    iam_no_admin_statement.RULE,
    lambda_permission_not_public.RULE,
    codebuild_no_privileged_mode.RULE,
    no_plaintext_secrets.RULE,
    redshift_cluster_not_public.RULE,
    security_group_ingress.RULE,
    ecr_repository_policy_not_public.RULE,
    iam_no_managed_full_access.RULE,
    no_plaintext_credential_inputs.RULE,
    database_password_managed.RULE,
    s3_deprecated_forms.RULE,
    s3_no_public_acl.RULE,
    rds_not_public.RULE,
    eks_endpoint_private.RULE,
    cloudfront_https.RULE,
    load_balancer_tls.RULE,
    redshift_serverless_not_public.RULE,
    redshift_serverless_vpc_routing.RULE,
    codebuild_source_credential.RULE,
)


class RegistryError(ValueError):
    """The registry or the exceptions file is inconsistent."""


def build_policies(
    rules: tuple[Rule, ...] = RULES,
    exceptions: ExceptionsFile | None = None,
    today: Today = date.today,
) -> list[Policy]:
    """Real pulumi_policy objects for `rules`, with exceptions loaded from EXCEPTIONS_FILE."""
    exceptions = load_exceptions(EXCEPTIONS_FILE) if exceptions is None else exceptions
    ids = [r.meta.id for r in rules]
    names = [r.meta.name for r in rules]
    if len(set(ids)) != len(ids) or len(set(names)) != len(names):
        raise RegistryError("rule ids and names must be unique")
    unknown = sorted({e.rule for e in exceptions.exceptions} - set(ids))
    if unknown:
        raise RegistryError(f"exceptions.yaml refers to unknown rule ids: {', '.join(unknown)}")
    return [build_policy(rule, exceptions, today) for rule in rules]
