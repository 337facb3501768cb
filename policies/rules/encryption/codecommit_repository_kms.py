"""ENC-018: CodeCommit repositories are encrypted with a customer-managed KMS key."""

from collections.abc import Iterator

from policies.framework.checks import customer_key_gap
from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject

META = RuleMeta(
    id="ENC-018",
    name="codecommit-repository-kms",
    description="CodeCommit repositories must be encrypted with a customer-managed KMS key.",
    severity=Severity.LOW,
    controls=(nist("SC-28(1)"),),
    remediation="Set kms_key_id on the Repository to a customer-managed key.",
    resource_types=("aws:codecommit/repository:Repository",),
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    yield from customer_key_gap(resource.props, "kmsKeyId")


RULE = ResourceRule(META, validate)
