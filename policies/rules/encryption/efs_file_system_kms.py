"""ENC-024: EFS file systems are encrypted at rest with a customer-managed KMS key."""

from collections.abc import Iterator

from policies.framework.checks import customer_key_gap
from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, known, truthy

META = RuleMeta(
    id="ENC-024",
    name="efs-file-system-kms",
    description="EFS file systems must be encrypted with a customer-managed KMS key.",
    severity=Severity.HIGH,
    controls=(fsbp("EFS.1"), nist("SC-28(1)")),
    remediation="Set encrypted=True and kms_key_id to a customer-managed key on the FileSystem.",
    resource_types=("aws:efs/fileSystem:FileSystem",),
)


def validate(file_system: Subject, config: Config) -> Iterator[str]:
    if not truthy(known(get(file_system.props, "encrypted"), "encrypted")):
        yield "is not encrypted at rest (encrypted is not true)"
        return
    yield from customer_key_gap(file_system.props, "kmsKeyId")


RULE = ResourceRule(META, validate)
