"""ENC-023: ECR repositories encrypt images with a customer-managed KMS key.

Omitted `encryptionConfigurations` are judged by the provider default, AES256 (pulumi-aws 7 docs).
"""

from collections.abc import Iterator

from policies.framework.checks import customer_key_gap
from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.sdk_data import provider_default
from policies.framework.subjects import Subject
from policies.framework.values import as_list, get, known

DEFAULT = provider_default(
    "aws:ecr/repository:Repository", "encryptionConfigurations.encryptionType"
)

META = RuleMeta(
    id="ENC-023",
    name="ecr-repository-kms",
    description="ECR repositories must encrypt images with a customer-managed KMS key.",
    severity=Severity.MEDIUM,
    controls=(nist("SC-28"), nist("SC-28(1)")),
    remediation=(
        "Set encryption_configurations=[{'encryption_type': 'KMS', 'kms_key': <customer key "
        "ARN>}] on the ecr.Repository (it can only be set when the repository is created)."
    ),
    resource_types=("aws:ecr/repository:Repository",),
)


def validate(repository: Subject, config: Config) -> Iterator[str]:
    blocks = as_list(known(get(repository.props, "encryptionConfigurations"), "encryption"))
    if not blocks:
        yield f"uses {DEFAULT.value} ({DEFAULT.note}); use KMS with a customer-managed key"
    for block in blocks:
        kind = get(block, "encryptionType") or DEFAULT.value
        if kind != "KMS":
            yield f"uses encryptionType {kind}; use KMS with a customer-managed key"
        else:
            yield from customer_key_gap(block, "kmsKey")


RULE = ResourceRule(META, validate)
