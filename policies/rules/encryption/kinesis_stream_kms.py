"""ENC-021: Kinesis data streams are encrypted with a customer-managed KMS key.

An omitted `encryptionType` is judged by the provider default, NONE (pulumi-aws 7 docs).
"""

from collections.abc import Iterator

from policies.framework.checks import customer_key_gap, input_or_default
from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject

META = RuleMeta(
    id="ENC-021",
    name="kinesis-stream-kms",
    description="Kinesis data streams must be encrypted with a customer-managed KMS key.",
    severity=Severity.MEDIUM,
    controls=(fsbp("Kinesis.1"), nist("SC-28(1)")),
    remediation="Set encryption_type='KMS' and kms_key_id to a customer-managed key on the Stream.",
    resource_types=("aws:kinesis/stream:Stream",),
)


def validate(stream: Subject, config: Config) -> Iterator[str]:
    kind, note = input_or_default(stream, "encryptionType", "encryptionType")
    if kind != "KMS":
        yield f"is not encrypted with KMS (encryptionType is {kind}){note}"
        return
    yield from customer_key_gap(stream.props, "kmsKeyId")


RULE = ResourceRule(META, validate)
