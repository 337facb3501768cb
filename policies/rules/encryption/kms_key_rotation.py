"""ENC-003: symmetric customer-managed KMS keys rotate their key material automatically."""

from collections.abc import Iterator

from policies.framework.checks import input_or_default
from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, NotApplicableError, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import truthy

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
    spec, _ = input_or_default(key, "customerMasterKeySpec", "the key spec")
    usage, _ = input_or_default(key, "keyUsage", "the key usage")
    if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT":
        raise NotApplicableError(f"{key.label} is {spec}/{usage}; AWS rotates only symmetric keys")
    rotation, note = input_or_default(key, "enableKeyRotation", "enableKeyRotation")
    if not truthy(rotation):
        yield f"does not enable automatic key rotation (enableKeyRotation is not true){note}"


RULE = ResourceRule(META, validate)
