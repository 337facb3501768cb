"""ENC-020: DynamoDB tables are encrypted with a customer-managed KMS key.

Without `serverSideEncryption`, or with `enabled` false, DynamoDB uses an AWS-owned key that the
account can neither audit nor revoke; `enabled` without `kmsKeyArn` uses the AWS-managed key.
"""

from collections.abc import Iterator

from policies.framework.checks import customer_key_gap
from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, known, truthy

META = RuleMeta(
    id="ENC-020",
    name="dynamodb-table-kms",
    description="DynamoDB tables must be encrypted with a customer-managed KMS key.",
    severity=Severity.MEDIUM,
    controls=(nist("SC-28"), nist("SC-28(1)")),
    remediation=(
        "Set server_side_encryption={'enabled': True, 'kms_key_arn': <customer key ARN>} "
        "on the dynamodb.Table."
    ),
    resource_types=("aws:dynamodb/table:Table",),
)


def validate(table: Subject, config: Config) -> Iterator[str]:
    encryption = get(table.props, "serverSideEncryption")
    if not truthy(known(get(encryption, "enabled"), "serverSideEncryption.enabled")):
        yield "uses an AWS-owned key (serverSideEncryption.enabled is not true)"
        return
    yield from customer_key_gap(table.props, "serverSideEncryption", "kmsKeyArn")


RULE = ResourceRule(META, validate)
