"""Named pass / fail / not-applicable / unknown cases for the data-store encryption rules
(DynamoDB, Kinesis, Firehose, ECR, EFS, RDS, Glue connection passwords)."""

import pytest

from policies.rules.encryption import (
    dynamodb_table_kms,
    ecr_repository_kms,
    efs_file_system_kms,
    firehose_delivery_stream_kms,
    glue_connection_password,
    kinesis_stream_kms,
    rds_storage_kms,
)
from tests.policies.harness import Case, U, check, res
from tests.policies.test_encryption_rules import KEY, cannot, na_type, other, v

TABLE, STREAM = "aws:dynamodb/table:Table", "aws:kinesis/stream:Stream"
FIREHOSE = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
ECR, EFS = "aws:ecr/repository:Repository", "aws:efs/fileSystem:FileSystem"
DB, DB_CLUSTER = "aws:rds/instance:Instance", "aws:rds/cluster:Cluster"
CONNECTION = "aws:glue/connection:Connection"
SETTINGS = "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings"
NO_KEY = "has no {} (a customer-managed KMS key is required)"


def _dynamodb() -> list[Case]:
    rule = dynamodb_table_kms.RULE
    sse = "serverSideEncryption"
    return [
        Case("cmk", rule, "pass", (res(TABLE, "t", {sse: {"enabled": True, "kmsKeyArn": KEY}}),)),
        Case(
            "aws-owned-key-by-omission",
            rule,
            "fail",
            (res(TABLE, "t", {}),),
            violations=(
                v(TABLE, "t", "uses an AWS-owned key (serverSideEncryption.enabled is not true)"),
            ),
        ),
        Case(
            "aws-managed-key",
            rule,
            "fail",
            (res(TABLE, "t", {sse: {"enabled": True}}),),
            violations=(v(TABLE, "t", NO_KEY.format("serverSideEncryption.kmsKeyArn")),),
        ),
        Case("other-type", rule, "not-applicable", other(), not_applicable=na_type(rule)),
        Case(
            "enabled-unknown",
            rule,
            "unknown",
            (res(TABLE, "t", {sse: {"enabled": U}}),),
            unverified=(cannot(TABLE, "t", sse + ".enabled", sse + ".enabled"),),
        ),
    ]


def _kinesis() -> list[Case]:
    rule = kinesis_stream_kms.RULE
    return [
        Case("cmk", rule, "pass", (res(STREAM, "s", {"encryptionType": "KMS", "kmsKeyId": KEY}),)),
        Case(
            "omitted-is-the-provider-default-none",
            rule,
            "fail",
            (res(STREAM, "s", {}),),
            violations=(
                v(
                    STREAM,
                    "s",
                    "is not encrypted with KMS (encryptionType is NONE) "
                    '(encryptionType is omitted; the provider fills in "NONE")',
                ),
            ),
        ),
        Case(
            "aws-managed-alias",
            rule,
            "fail",
            (res(STREAM, "s", {"encryptionType": "KMS", "kmsKeyId": "alias/aws/kinesis"}),),
            violations=(
                v(
                    STREAM,
                    "s",
                    "kmsKeyId is the AWS-managed key alias/aws/kinesis; "
                    "use a customer-managed KMS key",
                ),
            ),
        ),
        Case("other-type", rule, "not-applicable", other(), not_applicable=na_type(rule)),
        Case(
            "type-unknown",
            rule,
            "unknown",
            (res(STREAM, "s", {"encryptionType": U}),),
            unverified=(cannot(STREAM, "s", "encryptionType", "encryptionType"),),
        ),
    ]


def _firehose() -> list[Case]:
    rule = firehose_delivery_stream_kms.RULE
    cmk = {"enabled": True, "keyType": "CUSTOMER_MANAGED_CMK", "keyArn": KEY}
    return [
        Case("cmk", rule, "pass", (res(FIREHOSE, "f", {"serverSideEncryption": cmk}),)),
        Case(
            "unencrypted",
            rule,
            "fail",
            (res(FIREHOSE, "f", {}),),
            violations=(
                v(
                    FIREHOSE,
                    "f",
                    "is not encrypted at rest (serverSideEncryption.enabled is not true)",
                ),
            ),
        ),
        Case(
            "aws-owned-cmk",
            rule,
            "fail",
            (res(FIREHOSE, "f", {"serverSideEncryption": {"enabled": True}}),),
            violations=(
                v(FIREHOSE, "f", "serverSideEncryption does not use a CUSTOMER_MANAGED_CMK keyArn"),
            ),
        ),
        Case(
            "kinesis-source",
            rule,
            "not-applicable",
            (res(FIREHOSE, "f", {"kinesisSourceConfiguration": {"kinesisStreamArn": "arn"}}),),
            not_applicable=f"{FIREHOSE} 'f' reads a Kinesis stream, which encrypts its data",
        ),
        Case(
            "key-type-unknown",
            rule,
            "unknown",
            (res(FIREHOSE, "f", {"serverSideEncryption": {"enabled": True, "keyType": U}}),),
            unverified=(
                cannot(
                    FIREHOSE, "f", "serverSideEncryption.keyType", "serverSideEncryption.keyType"
                ),
            ),
        ),
    ]


def _ecr() -> list[Case]:
    rule = ecr_repository_kms.RULE
    kms = {"encryptionType": "KMS", "kmsKey": KEY}
    return [
        Case("cmk", rule, "pass", (res(ECR, "r", {"encryptionConfigurations": [kms]}),)),
        Case(
            "omitted-is-the-provider-default-aes256",
            rule,
            "fail",
            (res(ECR, "r", {}),),
            violations=(
                v(
                    ECR,
                    "r",
                    "uses AES256 (encryptionConfigurations.encryptionType is omitted; the "
                    'provider fills in "AES256"); use KMS with a customer-managed key',
                ),
            ),
        ),
        Case(
            "kms-without-key",
            rule,
            "fail",
            (res(ECR, "r", {"encryptionConfigurations": [{"encryptionType": "KMS"}]}),),
            violations=(v(ECR, "r", NO_KEY.format("kmsKey")),),
        ),
        Case("other-type", rule, "not-applicable", other(), not_applicable=na_type(rule)),
        Case(
            "configuration-unknown",
            rule,
            "unknown",
            (res(ECR, "r", {"encryptionConfigurations": U}),),
            unverified=(cannot(ECR, "r", "encryption", "encryptionConfigurations"),),
        ),
    ]


def _efs() -> list[Case]:
    rule = efs_file_system_kms.RULE
    return [
        Case("cmk", rule, "pass", (res(EFS, "fs", {"encrypted": True, "kmsKeyId": KEY}),)),
        Case(
            "unencrypted",
            rule,
            "fail",
            (res(EFS, "fs", {}),),
            violations=(v(EFS, "fs", "is not encrypted at rest (encrypted is not true)"),),
        ),
        Case(
            "aws-managed-key",
            rule,
            "fail",
            (res(EFS, "fs", {"encrypted": True}),),
            violations=(v(EFS, "fs", NO_KEY.format("kmsKeyId")),),
        ),
        Case("other-type", rule, "not-applicable", other(), not_applicable=na_type(rule)),
        Case(
            "encrypted-unknown",
            rule,
            "unknown",
            (res(EFS, "fs", {"encrypted": U}),),
            unverified=(cannot(EFS, "fs", "encrypted", "encrypted"),),
        ),
    ]


def _rds() -> list[Case]:
    rule = rds_storage_kms.RULE
    return [
        Case("cmk", rule, "pass", (res(DB, "db", {"storageEncrypted": True, "kmsKeyId": KEY}),)),
        Case(
            "serverless-cluster-default-is-encrypted",
            rule,
            "fail",
            (res(DB_CLUSTER, "c", {"engineMode": "serverless"}),),
            violations=(v(DB_CLUSTER, "c", NO_KEY.format("kmsKeyId")),),
        ),
        Case(
            "omitted-is-the-provider-default-false",
            rule,
            "fail",
            (res(DB, "db", {}),),
            violations=(
                v(
                    DB,
                    "db",
                    "does not encrypt its storage (storageEncrypted is not true) "
                    "(storageEncrypted is omitted; the provider fills in false)",
                ),
            ),
        ),
        Case(
            "cluster-member",
            rule,
            "not-applicable",
            (res(DB, "db", {"clusterIdentifier": "meta"}),),
            not_applicable=f"{DB} 'db' stores its data in its cluster",
        ),
        Case("other-type", rule, "not-applicable", other(), not_applicable=na_type(rule)),
        Case(
            "flag-unknown",
            rule,
            "unknown",
            (res(DB, "db", {"storageEncrypted": U}),),
            unverified=(cannot(DB, "db", "storageEncrypted", "storageEncrypted"),),
        ),
    ]


def _glue_connection() -> list[Case]:
    rule = glue_connection_password.RULE
    connection = res(
        CONNECTION, "jdbc", {"connectionProperties": {"PASSWORD": "x", "USERNAME": "u"}}
    )
    protects = {
        "dataCatalogEncryptionSettings": {
            "connectionPasswordEncryption": {
                "returnConnectionPasswordEncrypted": True,
                "awsKmsKeyId": KEY,
            }
        }
    }
    missing = "holds a PASSWORD but no DataCatalogEncryptionSettings encrypt connection passwords"
    return [
        Case(
            "catalog-encrypts-passwords", rule, "pass", (connection, res(SETTINGS, "cat", protects))
        ),
        Case(
            "settings-elsewhere",
            rule,
            "pass",
            (connection,),
            config={"catalogSettingsElsewhere": True},
        ),
        Case(
            "no-settings", rule, "fail", (connection,), violations=(v(CONNECTION, "jdbc", missing),)
        ),
        Case(
            "settings-without-password-encryption",
            rule,
            "fail",
            (connection, res(SETTINGS, "cat", {"dataCatalogEncryptionSettings": {}})),
            violations=(v(CONNECTION, "jdbc", missing),),
        ),
        Case(
            "no-connections",
            rule,
            "not-applicable",
            other(),
            not_applicable=f"the stack has no {CONNECTION}",
        ),
        Case(
            "properties-unknown",
            rule,
            "unknown",
            (res(CONNECTION, "jdbc", {"connectionProperties": U}),),
            unverified=(
                cannot(CONNECTION, "jdbc", "connectionProperties", "connectionProperties"),
            ),
        ),
    ]


CASES: list[Case] = [
    *_dynamodb(),
    *_kinesis(),
    *_firehose(),
    *_ecr(),
    *_efs(),
    *_rds(),
    *_glue_connection(),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_service_encryption_rule(case: Case) -> None:
    check(case)
