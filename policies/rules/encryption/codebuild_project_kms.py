"""ENC-016: CodeBuild projects encrypt artifacts with a customer-managed KMS key (encryptionKey)."""

from collections.abc import Iterator

from policies.framework.checks import customer_key_gap
from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject

META = RuleMeta(
    id="ENC-016",
    name="codebuild-project-kms",
    description="CodeBuild projects must encrypt build artifacts with a customer-managed KMS key.",
    severity=Severity.MEDIUM,
    controls=(nist("SC-28(1)"),),
    remediation="Set encryption_key on the codebuild.Project to a customer-managed key ARN.",
    resource_types=("aws:codebuild/project:Project",),
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    yield from customer_key_gap(resource.props, "encryptionKey")


RULE = ResourceRule(META, validate)
