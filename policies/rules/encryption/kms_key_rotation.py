"""ENC-003: symmetric customer-managed KMS keys rotate their key material automatically."""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, NotApplicableError, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, known, truthy

META = RuleMeta(
    id="ENC-003",
    name="kms-key-rotation",
    description="Symmetric KMS keys must have automatic key rotation enabled.",
    severity=Severity.MEDIUM,
    controls=(nist("SC-12"), nist("SC-12(1)")),
    remediation="Set enable_key_rotation=True on the kms.Key (rotation_period_in_days optional).",
    resource_types=("aws:kms/key:Key",),
)


def validate(key: Subject, config: Config) -> Iterator[str]:
    spec = known(get(key.props, "customerMasterKeySpec"), "the key spec") or "SYMMETRIC_DEFAULT"
    usage = known(get(key.props, "keyUsage"), "the key usage") or "ENCRYPT_DECRYPT"
    if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT":
        raise NotApplicableError(f"{key.label} is {spec}/{usage}; AWS rotates only symmetric keys")
    if not truthy(known(get(key.props, "enableKeyRotation"), "enableKeyRotation")):
        yield "does not enable automatic key rotation (enableKeyRotation is not true)"


RULE = ResourceRule(META, validate)
