"""ENC-022: Firehose delivery streams encrypt with a customer-managed KMS key.

A stream whose source is a Kinesis data stream is encrypted by that stream (ENC-021), so AWS
rejects server-side encryption on it and the rule does not apply.
"""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, NotApplicableError, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, is_set, known, truthy

META = RuleMeta(
    id="ENC-022",
    name="firehose-delivery-stream-kms",
    description="Firehose delivery streams must be encrypted with a customer-managed KMS key.",
    severity=Severity.MEDIUM,
    controls=(nist("SC-28"), nist("SC-28(1)")),
    remediation=(
        "Set server_side_encryption={'enabled': True, 'key_type': 'CUSTOMER_MANAGED_CMK', "
        "'key_arn': <customer key ARN>} on the FirehoseDeliveryStream."
    ),
    resource_types=("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",),
)


def validate(stream: Subject, config: Config) -> Iterator[str]:
    if is_set(get(stream.props, "kinesisSourceConfiguration")):
        raise NotApplicableError(f"{stream.label} reads a Kinesis stream, which encrypts its data")
    encryption = get(stream.props, "serverSideEncryption")
    if not truthy(known(get(encryption, "enabled"), "serverSideEncryption.enabled")):
        yield "is not encrypted at rest (serverSideEncryption.enabled is not true)"
        return
    key_type = known(get(encryption, "keyType"), "serverSideEncryption.keyType")
    if key_type != "CUSTOMER_MANAGED_CMK" or not is_set(get(encryption, "keyArn")):
        yield "serverSideEncryption does not use a CUSTOMER_MANAGED_CMK keyArn"


RULE = ResourceRule(META, validate)
